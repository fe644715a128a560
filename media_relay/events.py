"""Shapes of the events the relay pushes to peers, one builder per event.

Room events follow the project's real-time convention ``{"type": "<app>.<noun>", "op":
"<verb>", ...}``; replies to a peer's own request (joined, answer, offer, ok, pong,
error) are plain types, see docs/media_relay.md. ``stream_ended`` and ``recording_changed`` are
the ones the platform publishes, to the room's channel-layer group (docs/realtime.md).
"""

from __future__ import annotations

from typing import Any


def peer_joined(*, peer_id: str, name: str) -> dict[str, Any]:
    return {"type": "media_relay.peer", "op": "joined", "peer_id": peer_id, "name": name}


def peer_left(*, peer_id: str, reason: str) -> dict[str, Any]:
    return {"type": "media_relay.peer", "op": "left", "peer_id": peer_id, "reason": reason}


def producer_added(*, producer: dict[str, Any]) -> dict[str, Any]:
    return {"type": "media_relay.producer", "op": "added", "producer": producer}


def producer_closed(*, producer_id: str, peer_id: str, reason: str) -> dict[str, Any]:
    return {
        "type": "media_relay.producer",
        "op": "closed",
        "producer_id": producer_id,
        "peer_id": peer_id,
        "reason": reason,
    }


def producer_paused(*, producer_id: str, peer_id: str, kind: str, paused: bool, by: str) -> dict[str, Any]:
    return {
        "type": "media_relay.producer",
        "op": "paused" if paused else "resumed",
        "producer_id": producer_id,
        "peer_id": peer_id,
        "kind": kind,
        "by": by,
    }


def consumer_closed(*, consumer_id: str, producer_id: str, reason: str) -> dict[str, Any]:
    return {
        "type": "media_relay.consumer",
        "op": "closed",
        "consumer_id": consumer_id,
        "producer_id": producer_id,
        "reason": reason,
    }


def speakers_changed(*, speaking: list[dict[str, Any]], dominant: str | None) -> dict[str, Any]:
    return {"type": "media_relay.speakers", "op": "changed", "speaking": speaking, "dominant": dominant}


def stream_ended(*, user_id: int, reason: str) -> dict[str, Any]:
    """The room's WHIP stream by `user_id` is over (its key was revoked or rotated)."""
    return {"type": "media_relay.stream", "op": "ended", "user_id": user_id, "reason": reason}


def relay_group(room_id: int) -> str:
    """The group only relay workers follow for a room (beside the room's own, which pages get too)."""
    return f"media_relay.room.{room_id}"


def rights_changed() -> dict[str, Any]:
    """To a room's relay group: re-read the room's voice rights now (a member's session ended)."""
    return {"type": "media_relay.rights", "op": "changed"}


def recording_changed(recording, *, op: str) -> dict[str, Any]:
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
