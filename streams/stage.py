"""Writes for a live stream's stage: invites by @handle, raised hands, seats, mute, remove, leave, expiry.

The host (the channel's owner) or a channel moderator manages the stage. An invite goes to a signed-in
viewer who is watching now (streams.presence) and has not blocked the host; it is one-time and is
answered within INVITE_SECONDS (then it expires: lazily when read or answered, and by the beat job
streams.tasks.stage_invites_expire; both idempotent). A raised hand waits for the host.

Seats: 1 host + settings.STAGE_GUESTS_MAX guests. Taking a seat locks the stream's row and counts the
seats under that lock; the database also keeps one pending request and one seat per (stream, user).
Every change goes to the stream's watchers and to its relay worker (``stream.<id>.relay``), which
re-reads the rights (streams.selectors.stream_media_rights): a guest publishes at once, a removed or
muted guest's audio is dropped at once.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import is_blocked_by
from config.errors import ConflictError, ForbiddenError, GoneError, NotFoundError
from config.realtime import publish_on_commit

from . import events
from .errors import StreamError
from .models import ChannelModerator, StageInvite, StageKind, StageStatus, Stream, StreamStatus
from .presence import presence_filter

INVITE_SECONDS = 30
OPEN = (StageStatus.PENDING, StageStatus.ACCEPTED)


def stage_guests_max() -> int:
    return getattr(settings, "STAGE_GUESTS_MAX", 12)


def invite_expires_at(invite: StageInvite):
    return invite.invited_at + timedelta(seconds=INVITE_SECONDS) if invite.kind == StageKind.INVITE else None


def is_stage_manager(*, stream: Stream, user: User) -> bool:
    if not user.is_authenticated:
        return False
    return stream.channel.owner_id == user.pk or ChannelModerator.objects.filter(
        channel_id=stream.channel_id, user=user).exists()


def stage_manager_require(stream: Stream, actor: User) -> None:
    if not is_stage_manager(stream=stream, user=actor):
        raise ForbiddenError(StreamError.NOT_STAGE_MANAGER, "Only the host or a channel moderator manages the stage.")


def _live_require(stream: Stream) -> None:
    if stream.status == StreamStatus.ENDED:
        raise GoneError(StreamError.STREAM_ENDED, "This stream has ended.")
    if stream.status != StreamStatus.LIVE:
        raise ConflictError(StreamError.NOT_LIVE, "The stage opens when the stream goes live.")


def _guests(stream_id: int) -> int:
    return StageInvite.objects.filter(stream_id=stream_id, status=StageStatus.ACCEPTED).count()


def _announce(invite: StageInvite, op: events.StageOp) -> None:
    event = events.stage_changed(invite, op=op, guests=_guests(invite.stream_id))
    publish_on_commit([events.stream_group(invite.stream_id), events.stream_relay_group(invite.stream_id)], event)


def _close_prompt(invite: StageInvite) -> None:
    if invite.kind == StageKind.INVITE:
        publish_on_commit(events.stream_user_group(invite.stream_id, invite.invitee_id),
                          events.stage_invite_closed(invite))


def _locked(invite: StageInvite) -> StageInvite:
    return StageInvite.objects.select_for_update().select_related("stream__channel", "invitee").get(pk=invite.pk)


def _expire_if_due(invite: StageInvite, now) -> bool:
    """Within a transaction holding `invite` locked: expire a pending invite past its deadline."""
    expires = invite_expires_at(invite)
    if invite.status != StageStatus.PENDING or expires is None or expires > now:
        return False
    invite.status, invite.answered_at = StageStatus.EXPIRED, now
    invite.save(update_fields=["status", "answered_at"])
    _close_prompt(invite)
    _announce(invite, "answered")
    return True


def _pending_require(invite: StageInvite) -> None:
    if invite.status != StageStatus.PENDING:
        raise GoneError(StreamError.INVITE_NOT_PENDING, f"This invite is {invite.get_status_display().lower()}.",
                        {"status": invite.status})


def _seat_take(invite: StageInvite, now) -> None:
    """Put `invite`'s user on stage: the stream's row is locked, so two last-seat takers queue here."""
    Stream.objects.select_for_update().filter(pk=invite.stream_id).values_list("pk").first()
    seats = stage_guests_max()
    if _guests(invite.stream_id) >= seats:
        raise ConflictError(StreamError.STAGE_FULL, "The stage is full.", {"seats": seats})
    invite.status, invite.answered_at = StageStatus.ACCEPTED, now
    try:
        with transaction.atomic():
            invite.save(update_fields=["status", "answered_at"])
    except IntegrityError:
        raise ConflictError(StreamError.ALREADY_ON_STAGE, "Already on stage.") from None
    _close_prompt(invite)
    _announce(invite, "joined")


# -- invites --------------------------------------------------------------------------------------
def stage_invite(*, actor: User, stream: Stream, handle: str, video_allowed: bool = False) -> StageInvite:
    """Invite the viewer @handle onto the stage: they get the prompt on their stream sockets."""
    stage_manager_require(stream, actor)
    _live_require(stream)
    invitee = User.objects.filter(handle=handle.strip().lstrip("@").lower(), is_active=True).first()
    if invitee is None:
        raise NotFoundError(StreamError.USER_NOT_FOUND, "No one has that handle.")
    if invitee.pk == actor.pk or invitee.pk == stream.channel.owner_id:
        raise ConflictError(StreamError.CANNOT_INVITE_SELF, "The host is always on stage.")
    host = stream.channel.owner
    if is_blocked_by(user=host, other=invitee):
        raise ForbiddenError(StreamError.BLOCKED, "They can't be invited.")
    if not presence_filter(stream_id=stream.pk, user_ids=[invitee.pk]):
        raise ConflictError(StreamError.NOT_WATCHING, "Only someone watching the stream now can be invited.")
    now = timezone.now()
    with transaction.atomic():
        open_ = StageInvite.objects.select_for_update().filter(stream=stream, invitee=invitee, status__in=OPEN).first()
        if open_ is not None and _expire_if_due(open_, now):
            open_ = None  # an unanswered invite past its 30 s: expired now, a new one may go out
        if open_ is not None and open_.status == StageStatus.ACCEPTED:
            raise ConflictError(StreamError.ALREADY_ON_STAGE, "They are on stage already.")
        if open_ is not None:
            raise ConflictError(StreamError.ALREADY_INVITED, "They have an invite or a raised hand already.",
                                {"invite_id": open_.pk})
        try:
            with transaction.atomic():
                invite = StageInvite.objects.create(stream=stream, kind=StageKind.INVITE, inviter=actor,
                                                    invitee=invitee, video_allowed=video_allowed, invited_at=now)
        except IntegrityError:
            raise ConflictError(StreamError.ALREADY_INVITED, "They have an invite already.") from None
        publish_on_commit(events.stream_user_group(stream.pk, invitee.pk),
                          events.stage_invited(invite, host=host, expires_at=invite_expires_at(invite)))
        _announce(invite, "invited")
    return invite


def stage_invite_cancel(*, actor: User, invite: StageInvite) -> StageInvite:
    stage_manager_require(invite.stream, actor)
    with transaction.atomic():
        invite = _locked(invite)
        if _expire_if_due(invite, timezone.now()):
            return invite
        _pending_require(invite)
        invite.status, invite.answered_at = StageStatus.CANCELLED, timezone.now()
        invite.save(update_fields=["status", "answered_at"])
        _close_prompt(invite)
        _announce(invite, "answered" if invite.kind == StageKind.INVITE else "hand_closed")
    return invite


def _own_require(invite: StageInvite, actor: User) -> None:
    if not actor.is_authenticated or invite.invitee_id != actor.pk:
        raise NotFoundError(StreamError.INVITE_NOT_FOUND, "No such invite.")


def stage_invite_accept(*, actor: User, invite: StageInvite) -> StageInvite:
    """The invitee takes a seat: publish rights in the relay at once. Expired, cancelled, answered, someone
    else's invite or a full stage: refused. Of concurrent accepts for the last seat exactly one wins."""
    _own_require(invite, actor)
    try:
        with transaction.atomic():
            invite = _locked(invite)
            now = timezone.now()
            if _expire_if_due(invite, now):
                raise GoneError(StreamError.INVITE_NOT_PENDING, "This invite has expired.", {"status": invite.status})
            _pending_require(invite)
            _live_require(invite.stream)
            _seat_take(invite, now)
    except GoneError as err:
        if err.extra.get("status") == StageStatus.EXPIRED:
            _commit_expiry(invite)
        raise
    return invite


def _commit_expiry(invite: StageInvite) -> None:
    """The refusal rolled back the expiry written while answering: write it in its own transaction."""
    with transaction.atomic():
        _expire_if_due(_locked(invite), timezone.now())


def stage_invite_decline(*, actor: User, invite: StageInvite) -> StageInvite:
    _own_require(invite, actor)
    with transaction.atomic():
        invite = _locked(invite)
        if _expire_if_due(invite, timezone.now()):
            return invite
        _pending_require(invite)
        invite.status, invite.answered_at = StageStatus.REJECTED, timezone.now()
        invite.save(update_fields=["status", "answered_at"])
        _close_prompt(invite)
        _announce(invite, "answered")
    return invite


def stage_invites_expire(*, stream_id: int | None = None) -> int:
    """Expire the invites past their 30 s (the beat job, and before inviting). Idempotent."""
    due = StageInvite.objects.filter(kind=StageKind.INVITE, status=StageStatus.PENDING,
                                     invited_at__lte=timezone.now() - timedelta(seconds=INVITE_SECONDS))
    if stream_id is not None:
        due = due.filter(stream_id=stream_id)
    expired = 0
    for invite in due.only("pk"):
        with transaction.atomic():
            expired += _expire_if_due(_locked(invite), timezone.now())
    return expired


# -- raised hands ---------------------------------------------------------------------------------
def stage_hand_raise(*, actor: User, stream: Stream) -> StageInvite:
    if not actor.is_authenticated:
        raise ForbiddenError(StreamError.NOT_WATCHING, "Sign in to raise your hand.")
    _live_require(stream)
    if actor.pk == stream.channel.owner_id:
        raise ConflictError(StreamError.CANNOT_INVITE_SELF, "The host is always on stage.")
    if is_blocked_by(user=stream.channel.owner, other=actor):
        raise ForbiddenError(StreamError.BLOCKED, "You can't join this stage.")
    with transaction.atomic():
        if StageInvite.objects.filter(stream=stream, invitee=actor, status=StageStatus.ACCEPTED).exists():
            raise ConflictError(StreamError.ALREADY_ON_STAGE, "You are on stage already.")
        try:
            with transaction.atomic():
                hand = StageInvite.objects.create(stream=stream, kind=StageKind.HAND, invitee=actor)
        except IntegrityError:
            raise ConflictError(StreamError.ALREADY_INVITED, "Your hand is up, or you have an invite.") from None
        _announce(hand, "hand_raised")
    return hand


def stage_hand_lower(*, actor: User, stream: Stream) -> None:
    with transaction.atomic():
        hand = (StageInvite.objects.select_for_update().select_related("invitee")
                .filter(stream=stream, invitee=actor, kind=StageKind.HAND, status=StageStatus.PENDING).first())
        if hand is None:
            raise NotFoundError(StreamError.INVITE_NOT_FOUND, "Your hand is not up.")
        hand.status, hand.answered_at = StageStatus.CANCELLED, timezone.now()
        hand.save(update_fields=["status", "answered_at"])
        _announce(hand, "hand_closed")


def stage_hand_answer(*, actor: User, invite: StageInvite, approve: bool) -> StageInvite:
    """The host approves a raised hand (a seat, as an accepted invite) or denies it."""
    stage_manager_require(invite.stream, actor)
    with transaction.atomic():
        invite = _locked(invite)
        if invite.kind != StageKind.HAND:
            raise NotFoundError(StreamError.INVITE_NOT_FOUND, "No such raised hand.")
        _pending_require(invite)
        if approve:
            _live_require(invite.stream)
            _seat_take(invite, timezone.now())
        else:
            invite.status, invite.answered_at = StageStatus.REJECTED, timezone.now()
            invite.save(update_fields=["status", "answered_at"])
            _announce(invite, "hand_closed")
    return invite


# -- seats ----------------------------------------------------------------------------------------
def _seat_end(invite: StageInvite) -> StageInvite:
    if invite.status != StageStatus.ACCEPTED:
        raise ConflictError(StreamError.NOT_ON_STAGE, "Not on stage.")
    invite.status, invite.left_at = StageStatus.ENDED, timezone.now()
    invite.save(update_fields=["status", "left_at"])
    _announce(invite, "left")
    return invite


def stage_guest_remove(*, actor: User, invite: StageInvite) -> StageInvite:
    """The host or a moderator takes a guest off stage: their publisher is dropped by the relay at once."""
    stage_manager_require(invite.stream, actor)
    with transaction.atomic():
        return _seat_end(_locked(invite))


def stage_leave(*, actor: User, stream: Stream) -> StageInvite:
    seat = StageInvite.objects.filter(stream=stream, invitee_id=getattr(actor, "pk", None),
                                      status=StageStatus.ACCEPTED).first()
    if seat is None:
        raise ConflictError(StreamError.NOT_ON_STAGE, "You are not on stage.")
    with transaction.atomic():
        return _seat_end(_locked(seat))


def stage_guest_mute(*, actor: User, invite: StageInvite, muted: bool) -> StageInvite:
    """The host mutes (the relay stops forwarding their audio) or unmutes a guest."""
    stage_manager_require(invite.stream, actor)
    with transaction.atomic():
        invite = _locked(invite)
        if invite.status != StageStatus.ACCEPTED:
            raise ConflictError(StreamError.NOT_ON_STAGE, "Not on stage.")
        if invite.muted != muted:
            invite.muted = muted
            invite.save(update_fields=["muted"])
            _announce(invite, "muted" if muted else "unmuted")
    return invite


def stage_end_all(*, stream_id: int) -> None:
    """The stream ended: every seat and open request closes with it (no events: the watchers are closed)."""
    now = timezone.now()
    StageInvite.objects.filter(stream_id=stream_id, status=StageStatus.ACCEPTED).update(
        status=StageStatus.ENDED, left_at=now)
    StageInvite.objects.filter(stream_id=stream_id, status=StageStatus.PENDING).update(
        status=StageStatus.CANCELLED, answered_at=now)

