"""Founding, editing and disbanding a guild."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.avatars import avatar_from_upload
from accounts.models import User
from accounts.public_text import public_text_check
from accounts.services.notifications import notifications_withdraw
from audit.services import audit_record
from config.disconnects import Disconnect
from config.errors import ApplicationError, ConflictError
from config.realtime import publish_on_commit

from .. import events
from ..audit_verbs import AuditVerb
from ..errors import GuildError
from ..models import MAX_MEMBERS, ActivityKind, Guild, GuildJoinRequest, GuildMember, GuildRole, RequestStatus
from ..notification_kinds import NotificationKind
from ..selectors import member_count
from .activity import guild_activity_record
from .membership import leader_require, lock, refuse_if_in_a_guild

NAME_LENGTH = (3, 40)
DESCRIPTION_LENGTH = 300
RESERVED_SLUGS = {"new"}  # /guilds/new/ is the founding page
SETTINGS_FIELDS = ("name", "description", "is_public", "max_members")


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(GuildError.SETTINGS_INVALID, message, {"fields": {field: [message]}})


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise _invalid("name", f"A guild name has {low}–{high} characters.")
    if not slugify(name):
        raise _invalid("name", "Use at least one letter or digit in the name.")
    return name


def _refuse_taken_name(name: str, *, exclude_pk: int | None = None) -> None:
    taken = Guild.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ConflictError(GuildError.NAME_TAKEN, f"A guild called “{name}” already exists.", {"name": name})


def _free_slug(name: str) -> str:
    base = slugify(name)[:40].strip("-") or "guild"
    if base in RESERVED_SLUGS:
        base = f"{base}-guild"
    taken = set(Guild.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


def guild_create(*, actor: User, name: str, description: str = "", is_public: bool = True, avatar=None) -> Guild:
    """Found a guild and lead it. You can be in one guild at a time. `avatar`: an optional upload."""
    name = _clean_name(name)
    description = description.strip()
    if len(description) > DESCRIPTION_LENGTH:
        raise _invalid("description", f"At most {DESCRIPTION_LENGTH} characters.")
    refuse_if_in_a_guild(actor, None)
    public_text_check(text=name, field="name")
    public_text_check(text=description, field="description")
    _refuse_taken_name(name)
    guild = Guild(name=name, slug=_free_slug(name), description=description, is_public=is_public, created_by=actor)
    if avatar is not None:
        content = avatar_from_upload(avatar)
        guild.avatar.save(content.name, content, save=False)
    with transaction.atomic():
        try:
            with transaction.atomic():
                guild.save()
        except IntegrityError:
            _refuse_taken_name(name)  # founded meanwhile under the same name
            guild.slug = f"{guild.slug[:40]}-{secrets.token_hex(3)}"  # or a slug that clashed: try once more
            guild.save()
        try:
            with transaction.atomic():
                GuildMember.objects.create(guild=guild, user=actor, role=GuildRole.LEADER)
        except IntegrityError as exc:  # joined another guild meanwhile: no guild is founded
            raise ConflictError(GuildError.ALREADY_IN_GUILD, "You are already in a guild.") from exc
        GuildJoinRequest.objects.filter(user=actor, status=RequestStatus.PENDING).update(
            status=RequestStatus.CANCELLED, responded_at=timezone.now()
        )
        guild_activity_record(guild=guild, kind=ActivityKind.CREATED, actor=actor)
    return guild


def guild_update(*, actor: User, guild: Guild, **changes) -> Guild:
    """The leader renames the guild, edits its description, opens or closes it, or sets its size."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ApplicationError(GuildError.SETTINGS_INVALID, f"Unknown settings: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        guild = lock(guild)
        leader_require(guild, actor)
        if "name" in changes:
            changes["name"] = _clean_name(changes["name"])
            public_text_check(text=changes["name"], field="name", community_kind="guild", community_id=guild.pk)
            _refuse_taken_name(changes["name"], exclude_pk=guild.pk)
        if "description" in changes:
            changes["description"] = changes["description"].strip()
            public_text_check(text=changes["description"], field="description", community_kind="guild",
                              community_id=guild.pk)
            if len(changes["description"]) > DESCRIPTION_LENGTH:
                raise _invalid("description", f"At most {DESCRIPTION_LENGTH} characters.")
        if "max_members" in changes:
            if not 2 <= changes["max_members"] <= MAX_MEMBERS:
                raise _invalid("max_members", f"A guild holds 2–{MAX_MEMBERS} members.")
            if changes["max_members"] < member_count(guild=guild):
                raise _invalid("max_members", "The guild has more members than that.")
        for field, value in changes.items():
            setattr(guild, field, value)
        if changes:
            guild.save(update_fields=list(changes))
            publish_on_commit(events.guild_group(guild.pk), events.guild_changed(guild, op="updated"))
    return guild


def guild_avatar_set(*, actor: User, guild: Guild, upload) -> Guild:
    """The leader uploads an avatar: checked and re-encoded like a user's (accounts.avatars)."""
    content = avatar_from_upload(upload)
    with transaction.atomic():
        guild = lock(guild)
        leader_require(guild, actor)
        old = guild.avatar.name if guild.avatar else None
        guild.avatar.save(content.name, content, save=False)
        guild.save(update_fields=["avatar"])
        storage = guild.avatar.storage
        if old:
            transaction.on_commit(lambda: storage.delete(old))
        publish_on_commit(events.guild_group(guild.pk), events.guild_changed(guild, op="updated"))
    return guild


def guild_disband(*, actor: User, guild: Guild, by_staff: bool = False) -> None:
    """The leader (or staff, from the back office) ends the guild. Audited.

    Members, requests, invites (and their notifications), chat and the feed go with it; its rooms stay open, unlinked.
    """
    with transaction.atomic():
        guild = lock(guild)
        if not by_staff:
            leader_require(guild, actor)
        member_ids = list(GuildMember.objects.filter(guild=guild).values_list("user_id", flat=True))
        audit_record(actor=actor, verb=AuditVerb.GUILD_DISBANDED, target=guild,
                     details={"name": guild.name, "slug": guild.slug, "member_ids": member_ids, "by_staff": by_staff})
        publish_on_commit(events.guild_group(guild.pk), events.guild_changed(guild, op="disbanded"),
                          disconnect=Disconnect.GONE)
        for kind in (NotificationKind.GUILD_INVITE, NotificationKind.GUILD_JOIN_REQUEST):  # their buttons would 404
            notifications_withdraw(kind=kind, data_filter={"guild": guild.slug})
        avatar, storage = (guild.avatar.name, guild.avatar.storage) if guild.avatar else (None, None)
        guild.delete()
        if avatar:
            transaction.on_commit(lambda: storage.delete(avatar))
