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
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Block, User
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


def _commit_without_waiting_for_the_disk() -> None:
    """In an invite's transaction: PostgreSQL acknowledges the commit before its WAL is on disk
    (``synchronous_commit`` off for this transaction only; 7-15 ms of the invite's way to the prompt on the
    bench machine, bench/README.md "Stage invites"). An invite lives 30 s: a database crash in the next
    moment could lose it (the prompt's Accept then answers "no such invite"), never leave anything
    inconsistent."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _guests(stream_id: int) -> int:
    return StageInvite.objects.filter(stream_id=stream_id, status=StageStatus.ACCEPTED).count()


def _announce(invite: StageInvite, op: events.StageOp, *, guests: int | None = None) -> None:
    """`guests`: the count read already (an invite leaves it as it was)."""
    guests = _guests(invite.stream_id) if guests is None else guests
    event = events.stage_changed(invite, op=op, guests=guests)
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
def _invite_insert(*, stream: Stream, actor: User, invitee: User, video_allowed: bool,
                   now) -> tuple[StageInvite, int] | None:
    """The invite's row in one statement, and the guests on stage (for the host's panel); None when `invitee`
    has an open request (pending or accepted) on the stream or blocked the host.

    Outside a transaction the statement is its own, committed without waiting for the disk
    (`set_config(..., true)` is ``SET LOCAL``: see _commit_without_waiting_for_the_disk). Of two invites at
    once the partial unique index lets one in; the other gets None (``ON CONFLICT DO NOTHING``)."""
    table, blocks = StageInvite._meta.db_table, Block._meta.db_table
    quick = ("FROM (SELECT set_config('synchronous_commit', 'off', true)) AS quick"
             if connection.vendor == "postgresql" and not connection.in_atomic_block else "")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (stream_id, kind, inviter_id, invitee_id, status, video_allowed, muted, invited_at) "
            f"SELECT %s, %s, %s, %s, %s, %s, false, %s {quick} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE stream_id = %s AND invitee_id = %s AND status IN (%s, %s)) "
            f"AND NOT EXISTS (SELECT 1 FROM {blocks} WHERE blocker_id = %s AND blocked_id = %s) "
            f"ON CONFLICT DO NOTHING "
            f"RETURNING id, (SELECT count(*) FROM {table} WHERE stream_id = %s AND status = %s)",
            [stream.pk, StageKind.INVITE.value, actor.pk, invitee.pk, StageStatus.PENDING.value, video_allowed,
             connection.ops.adapt_datetimefield_value(now), stream.pk, invitee.pk, *(s.value for s in OPEN),
             invitee.pk, stream.channel.owner_id, stream.pk, StageStatus.ACCEPTED.value])
        row = cursor.fetchone()
    if row is None:
        return None
    # the event payloads come from what is loaded already: no read after the write
    return StageInvite(pk=row[0], stream=stream, kind=StageKind.INVITE, inviter=actor, invitee=invitee,
                       status=StageStatus.PENDING, video_allowed=video_allowed, invited_at=now), row[1]


def _invite_past_refusal(*, stream: Stream, actor: User, invitee: User, video_allowed: bool,
                         now) -> tuple[StageInvite, int]:
    """The insert wrote nothing: they blocked the host, or an open request stands in the way. Refuse, unless
    it is an invite past its 30 s (expired now, under its row lock, and the new invite written in the same
    transaction)."""
    if is_blocked_by(user=stream.channel.owner, other=invitee):
        raise ForbiddenError(StreamError.BLOCKED, "They can't be invited.")
    open_ = StageInvite.objects.select_for_update().filter(stream=stream, invitee=invitee, status__in=OPEN).first()
    if open_ is not None and open_.status == StageStatus.ACCEPTED:
        raise ConflictError(StreamError.ALREADY_ON_STAGE, "They are on stage already.")
    if open_ is None or _expire_if_due(open_, now):  # answered meanwhile, or past its time: expired now
        written = _invite_insert(stream=stream, actor=actor, invitee=invitee, video_allowed=video_allowed, now=now)
        if written is not None:
            return written
    raise ConflictError(StreamError.ALREADY_INVITED, "They have an invite or a raised hand already.",
                        {"invite_id": open_.pk} if open_ is not None else {})


def stage_invite(*, actor: User, stream: Stream, handle: str, video_allowed: bool = False) -> StageInvite:
    """Invite the viewer @handle onto the stage: they get the prompt on their stream sockets.

    The way to the prompt (bench/stage_invite.py): one plain read of the invitee, their presence (the
    cache), then one statement that checks the rest (a block, an open request), writes the row, counts the
    guests and commits on its own; the prompt is published right after it. A refusal, or an open request
    in the way, costs a short locked transaction to tell why."""
    stage_manager_require(stream, actor)
    _live_require(stream)
    invitee = User.objects.filter(handle=handle.strip().lstrip("@").lower(), is_active=True).first()
    if invitee is None or invitee.is_suspended:
        raise NotFoundError(StreamError.USER_NOT_FOUND, "No one has that handle.")
    if invitee.pk == actor.pk or invitee.pk == stream.channel.owner_id:
        raise ConflictError(StreamError.CANNOT_INVITE_SELF, "The host is always on stage.")
    if not presence_filter(stream_id=stream.pk, user_ids=[invitee.pk]):
        raise ConflictError(StreamError.NOT_WATCHING, "Only someone watching the stream now can be invited.")
    now, args = timezone.now(), {"stream": stream, "actor": actor, "invitee": invitee, "video_allowed": video_allowed}
    written = _invite_insert(**args, now=now)
    if written is None:
        with transaction.atomic():
            _commit_without_waiting_for_the_disk()
            written = _invite_past_refusal(**args, now=now)
            _invite_publish(*written)
    else:
        _invite_publish(*written)
    return written[0]


def _invite_publish(invite: StageInvite, guests: int) -> None:
    """The prompt to the invitee first, then the host's panel; after the commit (at once after an insert
    that was its own transaction)."""
    publish_on_commit(events.stream_user_group(invite.stream_id, invite.invitee_id),
                      events.stage_invited(invite, host=invite.stream.channel.owner,
                                           expires_at=invite_expires_at(invite)))
    _announce(invite, "invited", guests=guests)


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


def stage_seats_end_for_user(*, user: User) -> int:
    """A suspended account leaves every stage at once (its publishers dropped) and its open invites lapse."""
    ended = 0
    with transaction.atomic(savepoint=False):  # part of the ban's transaction: no savepoint round trips
        for seat in StageInvite.objects.select_for_update().filter(invitee=user, status__in=OPEN):
            if seat.status == StageStatus.ACCEPTED:
                _seat_end(seat)
            else:
                seat.status, seat.answered_at = StageStatus.CANCELLED, timezone.now()
                seat.save(update_fields=["status", "answered_at"])
                _close_prompt(seat)
                _announce(seat, "answered" if seat.kind == StageKind.INVITE else "hand_closed")
            ended += 1
    return ended


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

