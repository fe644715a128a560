"""Officers and the leader invite users by handle; the invited user accepts or declines.

An invite works for public and invite-only guilds alike, and lifts a kick's rejoin ban.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import is_blocked_between
from accounts.services.notifications import notification_create, notifications_withdraw
from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from config.realtime import publish_on_commit, user_group

from .. import events
from ..errors import GuildError
from ..models import Guild, GuildBan, GuildInvite, GuildMember, InviteStatus
from ..notification_kinds import NotificationKind
from ..selectors import manager_require
from .membership import admit, lock, refuse_if_full, refuse_if_in_a_guild


def _publish(invite: GuildInvite, op: str) -> None:
    recipients = {invite.invited_user_id, invite.invited_by_id} - {None}
    publish_on_commit([user_group(uid) for uid in sorted(recipients)], events.invite_changed(invite, op=op))


def _pending(invite_id: int, **filters) -> GuildInvite:
    invite = (GuildInvite.objects.select_related("guild", "invited_user", "invited_by")
              .filter(pk=invite_id, status=InviteStatus.PENDING, **filters).first())
    if invite is None:
        raise NotFoundError(GuildError.INVITE_NOT_FOUND, "No such pending invite.")
    return invite


def _answer(invite: GuildInvite, status: InviteStatus) -> None:
    """Inside the guild lock: the invite is answered or revoked, so its notification no longer stands."""
    invite.status, invite.responded_at = status, timezone.now()
    invite.save(update_fields=["status", "responded_at"])
    notifications_withdraw(recipient=invite.invited_user, kind=NotificationKind.GUILD_INVITE,
                           data_filter={"invite": invite.pk})


def guild_invite_create(*, actor: User, guild: Guild, invitee: User) -> GuildInvite:
    with transaction.atomic():
        guild = lock(guild)
        manager_require(guild=guild, user=actor)
        if invitee.pk == actor.pk:
            raise ApplicationError(GuildError.TARGET_INVALID, "You can't invite yourself.")
        if GuildMember.objects.filter(guild=guild, user=invitee).exists():
            raise ConflictError(GuildError.ALREADY_IN_GUILD, f"@{invitee.handle} is already in this guild.")
        if is_blocked_between(user=actor, other=invitee):
            raise ForbiddenError(GuildError.BLOCKED, f"You can't invite @{invitee.handle}.")
        refuse_if_full(guild)
        if GuildInvite.objects.filter(guild=guild, invited_user=invitee, status=InviteStatus.PENDING).exists():
            raise ConflictError(GuildError.INVITE_EXISTS, f"@{invitee.handle} already has an invite to this guild.")
        try:
            with transaction.atomic():
                invite = GuildInvite.objects.create(guild=guild, invited_user=invitee, invited_by=actor)
        except IntegrityError as exc:  # the partial unique index, where the lock doesn't serialize
            raise ConflictError(GuildError.INVITE_EXISTS, f"@{invitee.handle} already has an invite to this guild.") from exc
        notification_create(recipient=invitee, kind=NotificationKind.GUILD_INVITE, actor=actor,
                            data={"invite": invite.pk, "guild": guild.slug, "guild_name": guild.name})
        _publish(invite, "created")
    return invite


def guild_invite_accept(*, actor: User, invite_id: int) -> GuildMember:
    invite = _pending(invite_id, invited_user=actor)
    with transaction.atomic():
        guild = lock(invite.guild)
        invite = _pending(invite_id, invited_user=actor)  # re-read under the lock
        refuse_if_in_a_guild(actor, guild)
        _answer(invite, InviteStatus.ACCEPTED)
        GuildBan.objects.filter(guild=guild, user=actor).delete()
        member = admit(guild, actor)
        _publish(invite, "accepted")
    return member


def guild_invite_decline(*, actor: User, invite_id: int) -> GuildInvite:
    invite = _pending(invite_id, invited_user=actor)
    with transaction.atomic():
        lock(invite.guild)
        invite = _pending(invite_id, invited_user=actor)
        _answer(invite, InviteStatus.DECLINED)
        _publish(invite, "declined")
    return invite


def guild_invite_revoke(*, actor: User, guild: Guild, invite_id: int) -> GuildInvite:
    with transaction.atomic():
        guild = lock(guild)
        manager_require(guild=guild, user=actor)
        invite = _pending(invite_id, guild=guild)
        _answer(invite, InviteStatus.REVOKED)
        _publish(invite, "revoked")
    return invite
