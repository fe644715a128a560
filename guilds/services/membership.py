"""Joining, leaving, kicking, roles and ownership.

Every membership change locks the guild row first (select_for_update), then counts and
writes in the same transaction, so capacity is exact under concurrency (RELIABILITY.md:
"guild or room over capacity") and role changes never interleave. On SQLite, the embedded
default, writing transactions are IMMEDIATE and so already run one at a time.

A user is in at most one guild (GuildMember.user is one-to-one): two guilds admitting the
same user at once leave one membership and one `already_in_guild` refusal.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import is_blocked_between
from accounts.services.notifications import notifications_withdraw
from audit.services import audit_record
from config.disconnects import Disconnect
from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from config.realtime import publish_on_commit

from .. import events
from ..audit_verbs import AuditVerb
from ..errors import GuildError
from ..models import ActivityKind, Guild, GuildBan, GuildJoinRequest, GuildMember, GuildRole, RequestStatus
from ..notification_kinds import NotificationKind
from ..selectors import can_kick, manager_require, member_count, membership_get
from .activity import guild_activity_record

KICK_BAN = timedelta(hours=24)


# -- helpers used inside the guild lock ----------------------------------------------------------
def lock(guild: Guild) -> Guild:
    """Lock and re-read the guild row for the rest of the transaction."""
    locked = Guild.objects.select_for_update().filter(pk=guild.pk).first()
    if locked is None:
        raise NotFoundError(GuildError.NOT_FOUND, "This guild no longer exists.")
    return locked


def refuse_if_in_a_guild(user: User, guild: Guild | None, *, you: bool = True) -> None:
    """A user is in one guild at a time. `guild`: the one they want to join (None: founding one)."""
    current = GuildMember.objects.filter(user=user).values_list("guild_id", flat=True).first()
    if current is None:
        return
    who = "You are" if you else f"@{user.handle} is"
    where = "a guild" if guild is None else "this guild" if current == guild.pk else "another guild"
    in_this_guild = guild is not None and current == guild.pk
    raise ConflictError(GuildError.ALREADY_IN_GUILD, f"{who} already in {where}.", {"in_this_guild": in_this_guild})


def refuse_if_banned(user: User, guild: Guild) -> None:
    ban = GuildBan.objects.filter(guild=guild, user=user, until__gt=timezone.now()).first()
    if ban is not None:
        raise ForbiddenError(GuildError.BANNED, "You were removed from this guild recently.", {"until": ban.until.isoformat()})


def refuse_if_blocked_by_leader(user: User, guild: Guild) -> None:
    leader = GuildMember.objects.filter(guild=guild, role=GuildRole.LEADER).select_related("user").first()
    if leader is not None and is_blocked_between(user=user, other=leader.user):
        raise ForbiddenError(GuildError.BLOCKED, "You can't join this guild.")


def refuse_if_full(guild: Guild) -> None:
    if member_count(guild=guild) >= guild.max_members:
        raise ConflictError(GuildError.FULL, "This guild is full.", {"max_members": guild.max_members})


def admit(guild: Guild, user: User, *, you: bool = True) -> GuildMember:
    """Inside the guild lock: add `user` as a member if there is room, and tell the guild."""
    refuse_if_full(guild)
    try:
        with transaction.atomic():
            member = GuildMember.objects.create(guild=guild, user=user)
    except IntegrityError as exc:  # one guild per user: another guild admitted them meanwhile
        who = "You are" if you else f"@{user.handle} is"
        raise ConflictError(GuildError.ALREADY_IN_GUILD, f"{who} already in a guild.") from exc
    # Their other requests are moot now, and so are the notifications the other guilds' officers got.
    moot = GuildJoinRequest.objects.filter(user=user, status=RequestStatus.PENDING)
    moot_ids = list(moot.values_list("pk", flat=True))
    moot.update(status=RequestStatus.CANCELLED, responded_at=timezone.now())
    for request_id in moot_ids:
        notifications_withdraw(kind=NotificationKind.GUILD_JOIN_REQUEST, data_filter={"request": request_id})
    guild_activity_record(guild=guild, kind=ActivityKind.JOINED, actor=user)
    publish_on_commit(events.guild_group(guild.pk), events.member_changed(member, op="joined"))
    return member


def _remove(guild: Guild, member: GuildMember, *, op: str, actor: User) -> None:
    """Inside the guild lock: remove a member, tell the guild, and close the member's guild sockets."""
    member.delete()
    if op == "kicked":
        guild_activity_record(guild=guild, kind=ActivityKind.KICKED, actor=actor, subject=member.user)
    else:
        guild_activity_record(guild=guild, kind=ActivityKind.LEFT, actor=member.user)
    publish_on_commit(events.guild_group(guild.pk), events.member_changed(member, op=op))
    publish_on_commit(events.guild_user_group(guild.pk, member.user_id), events.guild_removed(guild, reason=op),
                      disconnect=Disconnect.FORBIDDEN)


def leader_require(guild: Guild, actor: User) -> GuildMember:
    member = membership_get(guild=guild, user=actor)
    if member is None or member.role != GuildRole.LEADER:
        raise ForbiddenError(GuildError.NOT_ALLOWED, "Only the guild leader can do that.")
    return member


def _target(guild: Guild, target: User) -> GuildMember:
    member = GuildMember.objects.filter(guild=guild, user=target).select_related("user").first()
    if member is None:
        raise NotFoundError(GuildError.TARGET_INVALID, f"@{target.handle} is not in this guild.")
    return member


# -- joining and leaving ----------------------------------------------------------------------
def guild_join(*, actor: User, guild: Guild) -> GuildMember:
    """Join a public guild. Joining the guild you are in again returns your membership."""
    with transaction.atomic():
        guild = lock(guild)
        existing = membership_get(guild=guild, user=actor)
        if existing is not None:
            return existing
        refuse_if_in_a_guild(actor, guild)
        if not guild.is_public:
            raise ForbiddenError(GuildError.INVITE_ONLY, "This guild is invite-only: ask to join, or wait for an invite.")
        refuse_if_banned(actor, guild)
        refuse_if_blocked_by_leader(actor, guild)
        return admit(guild, actor)


def guild_leave(*, actor: User, guild: Guild) -> None:
    """Leave. The leader must first hand leadership on, or disband the guild."""
    with transaction.atomic():
        guild = lock(guild)
        member = membership_get(guild=guild, user=actor)
        if member is None:
            raise NotFoundError(GuildError.NOT_A_MEMBER, "You are not in this guild.")
        if member.role == GuildRole.LEADER:
            raise ConflictError(GuildError.LEADER_MUST_TRANSFER,
                                "Hand leadership to another member, or disband the guild, before you leave.")
        member.user = actor
        _remove(guild, member, op="left", actor=actor)


# -- the leader's and officers' powers ---------------------------------------------------------------
def guild_member_kick(*, actor: User, guild: Guild, target: User) -> None:
    """Officers kick members; the leader kicks officers and members. Audited; a 24-hour rejoin ban."""
    with transaction.atomic():
        guild = lock(guild)
        actor_member = manager_require(guild=guild, user=actor)
        member = _target(guild, target)
        if member.pk == actor_member.pk:
            raise ApplicationError(GuildError.TARGET_INVALID, "You can't kick yourself: leave the guild instead.")
        if not can_kick(actor_member, member):
            raise ForbiddenError(GuildError.NOT_ALLOWED, "You can't kick someone of your rank or above.")
        until = timezone.now() + KICK_BAN
        GuildBan.objects.update_or_create(guild=guild, user=target, defaults={"until": until, "created_by": actor})
        audit_record(actor=actor, verb=AuditVerb.GUILD_MEMBER_KICKED, target=guild,
                     details={"user_id": target.pk, "handle": target.handle, "role": member.role,
                              "banned_until": until.isoformat()})
        _remove(guild, member, op="kicked", actor=actor)


def guild_member_ban_by_platform(*, actor: User, guild: Guild, target: User, until) -> GuildBan:
    """Staff ban `target` from the guild until `until` (the moderation queue audits it): out at once, and
    kept from joining or asking again. The leader can't be banned from their own guild (disband it)."""
    with transaction.atomic():
        guild = lock(guild)
        member = membership_get(guild=guild, user=target)
        if member is not None and member.role == GuildRole.LEADER:
            raise ForbiddenError(GuildError.TARGET_INVALID, "The leader can't be banned from their guild: disband it.")
        ban, _ = GuildBan.objects.update_or_create(guild=guild, user=target, defaults={"until": until, "created_by": actor})
        if member is not None:
            _remove(guild, member, op="kicked", actor=actor)
    return ban


def guild_member_set_role(*, actor: User, guild: Guild, target: User, role: str) -> GuildMember:
    """The leader makes a member an officer or an officer a member (leader: see guild_ownership_transfer). Audited."""
    role = GuildRole(role)
    if role == GuildRole.LEADER:
        return guild_ownership_transfer(actor=actor, guild=guild, target=target)
    with transaction.atomic():
        guild = lock(guild)
        leader_require(guild, actor)
        member = _target(guild, target)
        if member.role == GuildRole.LEADER:
            raise ApplicationError(GuildError.TARGET_INVALID, "To step down, hand leadership to another member.")
        if member.role == role:
            return member
        previous, member.role = member.role, role
        member.save(update_fields=["role"])
        audit_record(actor=actor, verb=AuditVerb.GUILD_ROLE_CHANGED, target=guild,
                     details={"user_id": target.pk, "handle": target.handle, "from": previous, "to": role.value})
        guild_activity_record(guild=guild, kind=ActivityKind.ROLE_CHANGED, actor=actor, subject=target,
                              details={"role": role.value})
        publish_on_commit(events.guild_group(guild.pk), events.member_changed(member, op="updated"))
    return member


def guild_ownership_transfer(*, actor: User, guild: Guild, target: User) -> GuildMember:
    """The leader hands leadership to another member and becomes an officer. Audited."""
    with transaction.atomic():
        guild = lock(guild)
        leader = leader_require(guild, actor)
        successor = _target(guild, target)
        if successor.pk == leader.pk:
            raise ApplicationError(GuildError.TARGET_INVALID, "You already lead this guild.")
        previous = successor.role
        leader.role = GuildRole.OFFICER
        leader.save(update_fields=["role"])  # first: a guild has one leader (guild_one_leader)
        successor.role = GuildRole.LEADER
        successor.save(update_fields=["role"])
        leader.user = actor
        audit_record(actor=actor, verb=AuditVerb.GUILD_OWNERSHIP_TRANSFERRED, target=guild,
                     details={"from_user_id": actor.pk, "to_user_id": target.pk, "to_handle": target.handle,
                              "to_previous_role": previous})
        guild_activity_record(guild=guild, kind=ActivityKind.LEADER_CHANGED, actor=actor, subject=target)
        publish_on_commit(events.guild_group(guild.pk), events.member_changed(leader, op="updated"))
        publish_on_commit(events.guild_group(guild.pk), events.member_changed(successor, op="updated"))
    return successor
