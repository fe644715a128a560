"""Playback commands move the room's authoritative state (rooms.sync) and tell everyone."""

import time

from django.db import transaction

from accounts.models import User
from config.errors import ApplicationError, CommonError, ForbiddenError
from config.realtime import publish_on_commit

from .. import events
from ..errors import PlaybackError, RoomError
from ..models import QueueItem, Room, RoomMember
from ..selectors import can_control_playback, member_require
from ..sources import Source, SourceKind, parse_source
from ..sync import MAX_POSITION, MAX_RATE, MIN_RATE, PlaybackState

ENDED_TOLERANCE = 2.0  # seconds: a client's "ended" may arrive a little before the server's clock agrees
LIVE_REFUSED = ("pause", "seek", "rate")  # a live stream plays at its live edge, for everyone


def _lock(room: Room) -> Room:
    return Room.objects.select_for_update().get(pk=room.pk)


def require_control(room: Room, user: User) -> RoomMember:
    member = member_require(room=room, user=user)
    if not can_control_playback(room=room, member=member):
        raise ForbiddenError(PlaybackError.NO_RIGHTS, "Only the leader and moderators control playback here.")
    return member


def save_state(room: Room, state: PlaybackState, *extra_fields: str) -> None:
    room.set_playback(state)
    room.save(update_fields=["is_playing", "position", "position_at", "rate", "duration", "state_version", *extra_fields])
    publish_on_commit(events.room_group(room.pk), events.state_updated(room))


def load_source(room: Room, source: Source, title: str = "") -> None:
    """Inside the room lock: switch to a new source, playing from its start."""
    room.source_kind, room.source_url, room.source_media_id = source.kind, source.url, source.media_id
    room.source_title = (title or source.title)[:200]
    room.is_waiting_for_ready = False
    save_state(room, PlaybackState(is_playing=True, position=source.start, at=time.time()),
                "source_kind", "source_url", "source_media_id", "source_title", "is_waiting_for_ready")


def playback_command(*, actor: User, room: Room, action: str, position: float | None = None,
                     rate: float | None = None, url: str = "", title: str = "") -> Room:
    """action: play, pause, seek (position), rate (rate), load (url)."""
    now = time.time()
    with transaction.atomic():
        room = _lock(room)
        require_control(room, actor)
        if action == "load":
            load_source(room, parse_source(url), title)
            return room
        if not room.source_url:
            raise ApplicationError(PlaybackError.NO_SOURCE, "Nothing is loaded: add a video first.")
        if room.source_kind == SourceKind.LIVE and action in LIVE_REFUSED:
            raise ApplicationError(PlaybackError.LIVE_NO_CONTROL,
                                   "A live stream plays at its live edge for everyone: it can't be paused, seeked or slowed.",
                                   {"action": action})
        state = room.playback
        if action == "play":
            state = state.play(now, position)
        elif action == "pause":
            state = state.pause(now, position)
        elif action == "seek":
            if position is None:
                raise ApplicationError(CommonError.INVALID, "A seek needs a position.", {"fields": {"position": ["Required."]}})
            state = state.seek(now, position)
        elif action == "rate":
            if rate is None:
                raise ApplicationError(CommonError.INVALID, "Say which rate.", {"fields": {"rate": ["Required."]}})
            if not MIN_RATE <= rate <= MAX_RATE:
                raise ApplicationError(CommonError.INVALID, f"Rates go from {MIN_RATE} to {MAX_RATE}.", {"fields": {"rate": ["Out of range."]}})
            state = state.with_rate(now, rate)
        else:
            raise ApplicationError(CommonError.INVALID, f"Unknown action '{action}'.")
        room.is_waiting_for_ready = False
        save_state(room, state, "is_waiting_for_ready")
    return room


def playback_duration_report(*, user: User, room: Room, duration: float) -> None:
    """A player learned the media's length; the first report for a source sticks (a live stream has none)."""
    with transaction.atomic():
        room = _lock(room)
        member_require(room=room, user=user)
        if room.duration is None and 0 < duration < MAX_POSITION and room.source_kind != SourceKind.LIVE:
            save_state(room, room.playback.with_duration(time.time(), duration))


def member_buffering(*, user: User, room: Room, is_buffering: bool) -> None:
    """Show who buffers; with wait-for-ready, hold the room until everyone has buffered."""
    from .membership import member_changed_publish

    now = time.time()
    with transaction.atomic():
        room = _lock(room)
        member = member_require(room=room, user=user)
        if member.is_buffering == is_buffering:
            return
        member.is_buffering = is_buffering
        member.save(update_fields=["is_buffering"])
        member_changed_publish(room, member)
        if not room.wait_for_ready or room.source_kind == SourceKind.LIVE:  # a live stream doesn't wait
            return
        if is_buffering and room.is_playing:
            room.is_waiting_for_ready = True
            save_state(room, room.playback.pause(now), "is_waiting_for_ready")
        elif not is_buffering:
            resume_if_ready(room)


def resume_if_ready(room: Room) -> None:
    """Inside the room lock: end a wait-for-ready hold once no connected member is buffering."""
    if room.is_waiting_for_ready and not RoomMember.objects.filter(room=room, connections__gt=0, is_buffering=True).exists():
        room.is_waiting_for_ready = False
        save_state(room, room.playback.play(time.time()), "is_waiting_for_ready")


def playback_release_hold(*, room: Room) -> None:
    """A buffering member went away (closed the tab, or the sweep forgot a dead socket): resume if nobody else buffers."""
    with transaction.atomic():
        resume_if_ready(_lock(room))


def playback_ended(*, user: User, room: Room, source_url: str) -> bool:
    """A player reached the end. Advance the queue if the server agrees it has ended (a live stream's end
    comes from its app: live_source_end)."""
    from .queue import queue_advance

    with transaction.atomic():
        room = _lock(room)
        member_require(room=room, user=user)
        state = room.playback
        ended = room.source_url == source_url and state.is_playing and room.source_kind != SourceKind.LIVE and (
            state.duration is None or state.position_at(time.time()) >= state.duration - ENDED_TOLERANCE
        )
        if ended:
            queue_advance(room=room)
        return ended


def live_source_end(*, media_id: str) -> int:
    """A live stream ended (its app says so): every room playing it moves on to its next item, or stops
    on it ("Stream ended": a live item that isn't playing); queued copies of it go. Returns the rooms moved."""
    from .queue import publish_queue, queue_advance

    moved = 0
    for room_id in Room.objects.filter(source_kind=SourceKind.LIVE, source_media_id=media_id).values_list("pk", flat=True):
        with transaction.atomic():
            room = Room.objects.select_for_update().get(pk=room_id)
            QueueItem.objects.filter(room=room, kind=SourceKind.LIVE, media_id=media_id).delete()
            if room.source_kind == SourceKind.LIVE and room.source_media_id == media_id and room.is_playing:
                queue_advance(room=room)
                moved += 1
            else:
                publish_queue(room)
    return moved


DRIFT_REPORT_STEP_MS = 20  # smaller changes aren't worth telling everyone


def member_drift_report(*, user: User, room: Room, drift_ms: int) -> None:
    """A member's offset from the room clock, for everyone's sync indicator."""
    from .membership import member_changed_publish

    with transaction.atomic():
        member = RoomMember.objects.select_for_update().select_related("user").filter(room=room, user=user).first()
        if member is None:
            raise ForbiddenError(RoomError.NOT_A_MEMBER, "Join the room first.")
        if member.drift_ms is not None and abs(member.drift_ms - drift_ms) < DRIFT_REPORT_STEP_MS:
            return
        member.drift_ms = drift_ms
        member.save(update_fields=["drift_ms"])
        member_changed_publish(room, member)
