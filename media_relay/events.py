"""Shapes of the events the relay pushes to peers, one builder per event.

Room events follow the project's real-time convention ``{"type": "<app>.<noun>", "op":
"<verb>", ...}``; replies to a peer's own request (joined, answer, offer, ok, pong,
error) are plain types, see docs/media_relay.md. ``stream_ended`` and ``recording_changed`` are
the ones the platform publishes, to the room's channel-layer group (docs/realtime.md).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from config.event_schema import emits


class PeerJoined(TypedDict):
    type: Literal["media_relay.peer"]
    op: Literal["joined"]
    peer_id: str
    name: str


@emits
def peer_joined(*, peer_id: str, name: str) -> PeerJoined:
    return {"type": "media_relay.peer", "op": "joined", "peer_id": peer_id, "name": name}


class PeerLeft(TypedDict):
    type: Literal["media_relay.peer"]
    op: Literal["left"]
    peer_id: str
    reason: str


@emits
def peer_left(*, peer_id: str, reason: str) -> PeerLeft:
    return {"type": "media_relay.peer", "op": "left", "peer_id": peer_id, "reason": reason}


class Producer(TypedDict):
    """media_relay.router.Producer.describe()"""

    producer_id: str
    peer_id: str
    kind: str
    codec: str
    paused: bool


class ProducerAdded(TypedDict):
    type: Literal["media_relay.producer"]
    op: Literal["added"]
    producer: Producer


@emits
def producer_added(*, producer: dict[str, Any]) -> ProducerAdded:
    return {"type": "media_relay.producer", "op": "added", "producer": producer}


class ProducerClosed(TypedDict):
    type: Literal["media_relay.producer"]
    op: Literal["closed"]
    producer_id: str
    peer_id: str
    reason: str


@emits
def producer_closed(*, producer_id: str, peer_id: str, reason: str) -> ProducerClosed:
    return {
        "type": "media_relay.producer",
        "op": "closed",
        "producer_id": producer_id,
        "peer_id": peer_id,
        "reason": reason,
    }


class ProducerPaused(TypedDict):
    type: Literal["media_relay.producer"]
    op: Literal["paused", "resumed"]
    producer_id: str
    peer_id: str
    kind: str
    by: str


@emits
def producer_paused(*, producer_id: str, peer_id: str, kind: str, paused: bool, by: str) -> ProducerPaused:
    return {
        "type": "media_relay.producer",
        "op": "paused" if paused else "resumed",
        "producer_id": producer_id,
        "peer_id": peer_id,
        "kind": kind,
        "by": by,
    }


class ConsumerClosed(TypedDict):
    type: Literal["media_relay.consumer"]
    op: Literal["closed"]
    consumer_id: str
    producer_id: str
    reason: str


@emits
def consumer_closed(*, consumer_id: str, producer_id: str, reason: str) -> ConsumerClosed:
    return {
        "type": "media_relay.consumer",
        "op": "closed",
        "consumer_id": consumer_id,
        "producer_id": producer_id,
        "reason": reason,
    }


class Speaker(TypedDict):
    peer_id: str
    producer_id: str
    level: float


class SpeakersChanged(TypedDict):
    type: Literal["media_relay.speakers"]
    op: Literal["changed"]
    speaking: list[Speaker]
    dominant: str | None


@emits
def speakers_changed(*, speaking: list[dict[str, Any]], dominant: str | None) -> SpeakersChanged:
    return {"type": "media_relay.speakers", "op": "changed", "speaking": speaking, "dominant": dominant}


class StreamEnded(TypedDict):
    type: Literal["media_relay.stream"]
    op: Literal["ended"]
    user_id: int
    reason: Literal["stream_key_revoked", "stream_key_rotated"]


@emits
def stream_ended(*, user_id: int, reason: str) -> StreamEnded:
    """The room's WHIP stream by `user_id` is over (its key was revoked or rotated)."""
    return {"type": "media_relay.stream", "op": "ended", "user_id": user_id, "reason": reason}


def relay_group(room_id: int) -> str:
    """The group only relay workers follow for a room (beside the room's own, which pages get too)."""
    return f"media_relay.room.{room_id}"


class RightsChanged(TypedDict):
    type: Literal["media_relay.rights"]
    op: Literal["changed"]


@emits
def rights_changed() -> RightsChanged:
    """To a room's relay group: re-read the room's voice rights now (a member's session ended)."""
    return {"type": "media_relay.rights", "op": "changed"}


class Recording(TypedDict):
    id: int
    started_at: str
    stopped_at: str | None


class RecordingChanged(TypedDict):
    type: Literal["media_relay.recording"]
    op: Literal["started", "stopped"]
    recording: Recording


@emits
def recording_changed(recording, *, op: str) -> RecordingChanged:
    """To the room's group (media_relay.recordings): op started or stopped."""
    return {
        "type": "media_relay.recording",
        "op": op,
        "recording": {
            "id": recording.pk,
            "started_at": recording.started_at.isoformat(),
            "stopped_at": recording.stopped_at.isoformat() if recording.stopped_at else None,
        },
    }


def hls_group(relay_room: str) -> str:
    """The group relay workers follow for a relay room's HLS switch (any relay room, not only rooms')."""
    return f"media_relay.hls.{relay_room}"


class HlsSwitched(TypedDict):
    type: Literal["media_relay.hls"]
    op: Literal["on", "off"]
    relay_room: str


@emits
def hls_switched(*, relay_room: str, op: str) -> HlsSwitched:
    """To the relay room's HLS group (media_relay.hls_output): write it as HLS now, or stop."""
    return {"type": "media_relay.hls", "op": op, "relay_room": relay_room}
