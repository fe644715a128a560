"""Recordings of a room's voice: the leader starts and stops them, the relay writes the parts.

A recording belongs to the room: it goes on while nobody is in voice (nothing is written then)
and until the leader stops it or the room closes. Who started it, and everyone who was in the room
while it ran (a watch session overlapping it: the people recorded), may play and download it; who
started it may delete it (audited, like starting and stopping). Starting and stopping publish
``media_relay.recording`` to the room's group after commit: the room page shows everyone that
voice is being recorded, and the relay worker hosting the room (media_relay.platform.RoomLink)
starts or stops writing at once. The relay hands every finished part to ``recording_part_store``.

Services and selectors of one small model, kept apart from services.py (the relay grant) the
way stream_keys.py is; same layering rules.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import ConflictError, ForbiddenError, NotFoundError
from config.realtime import publish_on_commit
from rooms.events import room_group
from rooms.models import Room, WatchSession
from rooms.selectors import member_require

from .audit_verbs import AuditVerb
from .errors import MediaError
from .events import recording_changed
from .models import Recording, RecordingPart
from .selectors import voice_leader_require

if TYPE_CHECKING:  # the web process never imports the relay's media code (aiortc, PyAV)
    from .sfu.egress import PartFile


def recording_start(*, actor: User, room: Room) -> Recording:
    """Start recording the room's voice (its leader only); 409 if it is already being recorded."""
    voice_leader_require(room=room, user=actor, doing="record it")
    try:
        with transaction.atomic():
            recording = Recording.objects.create(room=room, started_by=actor)  # one going per room: a constraint
            audit_record(actor=actor, verb=AuditVerb.ROOM_RECORDING_STARTED, target=recording,
                         details={"room": room.code})
            publish_on_commit(room_group(room.pk), recording_changed(recording, op="started"))
    except IntegrityError:
        raise ConflictError(MediaError.RECORDING_GOING, "This room is already being recorded.") from None
    return recording


def recording_stop(*, actor: User, room: Room) -> Recording:
    """Stop the room's recording (its leader only); 404 if nothing is being recorded."""
    voice_leader_require(room=room, user=actor, doing="stop its recording")
    recording = _stop(room=room, actor=actor)
    if recording is None:
        raise NotFoundError(MediaError.RECORDING_NOT_FOUND, "This room is not being recorded.")
    return recording


def recording_stop_for_closed_room(*, room: Room) -> Recording | None:
    """The room closed: its recording ends with it (the platform acted, so no actor)."""
    return _stop(room=room, actor=None)


def _stop(*, room: Room, actor: User | None) -> Recording | None:
    with transaction.atomic():
        recording = Recording.objects.select_for_update().filter(room=room, stopped_at__isnull=True).first()
        if recording is None:
            return None
        recording.stopped_at, recording.stopped_by = timezone.now(), actor
        recording.save(update_fields=["stopped_at", "stopped_by"])
        audit_record(actor=actor, verb=AuditVerb.ROOM_RECORDING_STOPPED, target=recording,
                     details={"room": room.code, "by": "leader" if actor else "room_closed"})
        publish_on_commit(room_group(room.pk), recording_changed(recording, op="stopped"))
    return recording


def recording_part_store(*, recording_id: int, name: str, part: PartFile) -> RecordingPart | None:
    """A part the relay wrote and stored as `name` (media_relay.platform.recording_hand_off). None if the
    recording is gone (its room was deleted meanwhile): then the file is of no one's and is deleted."""
    if not Recording.objects.filter(pk=recording_id).exists():
        RecordingPart.file.field.storage.delete(name)
        return None
    return RecordingPart.objects.create(
        recording_id=recording_id, file=name, started_at=datetime.fromtimestamp(part.started_at, tz=UTC),
        duration=part.duration, size=part.size, tracks=list(part.tracks),
    )


def recording_going_get(*, room: Room, user: User) -> Recording | None:
    """The room's going recording, if any, for one of its members (403 for anyone else). Two queries."""
    member_require(room=room, user=user)
    return room_recording_going(room=room)


def room_recording_going(*, room: Room) -> Recording | None:
    """The room's going recording, if any (the room page renders this for its members). One query."""
    return Recording.objects.filter(room=room, stopped_at__isnull=True).first()


def recording_list(*, user: User) -> QuerySet[Recording]:
    """The recordings `user` started, newest first, with their rooms and parts (two queries)."""
    return Recording.objects.filter(started_by=user).select_related("room").prefetch_related("parts")


def _was_recorded(user: User) -> Exists:
    """`user` was in the recording's room while it ran (a watch session overlapping it)."""
    return Exists(WatchSession.objects.filter(
        room=OuterRef("room"), user=user, started_at__lt=Coalesce(OuterRef("stopped_at"), Now()),
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=OuterRef("started_at"))))


def recordings_playable(*, user: User) -> QuerySet[Recording]:
    """Recordings `user` may play and download: theirs and those they are in, newest first, with rooms,
    who started them and parts (two queries)."""
    return (Recording.objects.filter(Q(started_by=user) | _was_recorded(user))
            .select_related("room", "started_by").prefetch_related("parts"))


def recording_get_for_user(*, recording_id: int, user: User) -> Recording:
    """One recording `user` may play; 404 for anyone else (that it exists is theirs to know)."""
    recording = recordings_playable(user=user).filter(pk=recording_id).first()
    if recording is None:
        raise NotFoundError(MediaError.RECORDING_NOT_FOUND, "No such recording.")
    return recording


def can_delete(*, recording: Recording, user: User) -> bool:
    return recording.started_by_id == user.pk


def recording_delete(*, actor: User, recording_id: int) -> None:
    """Delete a finished recording and its files. Only who started it may (whose recordings the API
    lists): 404 for who may not see it, 403 for someone recorded in it, 409 while it is going. Audited."""
    recording = recording_get_for_user(recording_id=recording_id, user=actor)
    if not can_delete(recording=recording, user=actor):
        raise ForbiddenError(MediaError.NOT_LEADER, "Only who recorded it can delete it.")
    with transaction.atomic():
        recording = Recording.objects.select_for_update().filter(pk=recording.pk).select_related("room").first()
        if recording is None:  # deleted meanwhile
            return
        if recording.stopped_at is None:
            raise ConflictError(MediaError.RECORDING_GOING, "Stop the recording before deleting it.")
        names = list(recording.parts.values_list("file", flat=True))
        audit_record(actor=actor, verb=AuditVerb.ROOM_RECORDING_DELETED, target=recording,
                     details={"room": recording.room.code, "parts": len(names)})
        recording.delete()
        storage = RecordingPart.file.field.storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
