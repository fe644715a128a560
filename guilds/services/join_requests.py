"""Asking to join an invite-only guild; officers and the leader approve or reject."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.notifications import notification_create, notifications_withdraw
from config.errors import ApplicationError, ConflictError, NotFoundError
from config.realtime import publish_on_commit, user_group

from .. import events
from ..errors import GuildError
from ..models import Guild, GuildJoinRequest, GuildMember, RequestStatus
from ..notification_kinds import NotificationKind
from ..selectors import manager_ids, manager_require, managers_list
from .membership import admit, lock, refuse_if_banned, refuse_if_blocked_by_leader, refuse_if_full, refuse_if_in_a_guild


def _publish(guild: Guild, join_request: GuildJoinRequest, op: str) -> None:
    """To the requester and to the guild's officers and leader (members don't see requests)."""
    recipients = {join_request.user_id, *manager_ids(guild=guild)}
    publish_on_commit([user_group(uid) for uid in sorted(recipients)], events.join_request_changed(join_request, op=op))


def _pending(guild: Guild, request_id: int, **side) -> GuildJoinRequest:
    """Inside the guild lock (which every change to the guild's requests takes)."""
    join_request = (GuildJoinRequest.objects.select_related("user")
                    .filter(pk=request_id, guild=guild, status=RequestStatus.PENDING, **side).first())
    if join_request is None:
        raise NotFoundError(GuildError.REQUEST_NOT_FOUND, "No such pending request to join.")
    join_request.guild = guild
    return join_request


def _answered(join_request: GuildJoinRequest, status: RequestStatus, actor: User | None = None) -> None:
    """Inside the guild lock: record the answer; the officers' and leader's notifications no longer stand."""
    join_request.status, join_request.responded_at = status, timezone.now()
    fields = ["status", "responded_at"]
    if actor is not None:
        join_request.responded_by = actor
        fields.append("responded_by")
    join_request.save(update_fields=fields)
    notifications_withdraw(kind=NotificationKind.GUILD_JOIN_REQUEST, data_filter={"request": join_request.pk})


def guild_join_request_create(*, actor: User, guild: Guild) -> GuildJoinRequest:
    with transaction.atomic():
        guild = lock(guild)
        if guild.is_public:
            raise ApplicationError(GuildError.IS_PUBLIC, "This guild is public: join it directly.")
        refuse_if_in_a_guild(actor, guild)
        refuse_if_banned(actor, guild)
        refuse_if_blocked_by_leader(actor, guild)
        refuse_if_full(guild)
        if GuildJoinRequest.objects.filter(guild=guild, user=actor, status=RequestStatus.PENDING).exists():
            raise ConflictError(GuildError.REQUEST_EXISTS, "You already asked to join this guild.")
        try:
            with transaction.atomic():
                join_request = GuildJoinRequest.objects.create(guild=guild, user=actor)
        except IntegrityError as exc:  # the partial unique index, where the lock doesn't serialize
            raise ConflictError(GuildError.REQUEST_EXISTS, "You already asked to join this guild.") from exc
        for manager in managers_list(guild=guild):
            notification_create(recipient=manager, kind=NotificationKind.GUILD_JOIN_REQUEST, actor=actor,
                                data={"request": join_request.pk, "guild": guild.slug, "guild_name": guild.name})
        _publish(guild, join_request, "created")
    return join_request


def guild_join_request_approve(*, actor: User, guild: Guild, request_id: int) -> GuildMember:
    """Admit the requester (if there is room and they are still in no guild)."""
    with transaction.atomic():
        guild = lock(guild)
        manager_require(guild=guild, user=actor)
        join_request = _pending(guild, request_id)
        _answered(join_request, RequestStatus.APPROVED, actor)
        refuse_if_in_a_guild(join_request.user, guild, you=False)
        member = admit(guild, join_request.user, you=False)
        notification_create(recipient=join_request.user, kind=NotificationKind.GUILD_REQUEST_ACCEPTED, actor=actor,
                            data={"guild": guild.slug, "guild_name": guild.name})
        _publish(guild, join_request, "approved")
    return member


def guild_join_request_reject(*, actor: User, guild: Guild, request_id: int) -> GuildJoinRequest:
    with transaction.atomic():
        guild = lock(guild)
        manager_require(guild=guild, user=actor)
        join_request = _pending(guild, request_id)
        _answered(join_request, RequestStatus.REJECTED, actor)
        _publish(guild, join_request, "rejected")
    return join_request


def guild_join_request_cancel(*, actor: User, guild: Guild, request_id: int) -> GuildJoinRequest:
    """The requester withdraws their request."""
    with transaction.atomic():
        guild = lock(guild)
        join_request = _pending(guild, request_id, user=actor)
        _answered(join_request, RequestStatus.CANCELLED)
        _publish(guild, join_request, "cancelled")
    return join_request
