"""Shapes of the streams app's real-time events (docs/realtime.md, "Streams").

A stream's watchers are on ``stream.<id>`` (the stream socket, /ws/stream/<id>/); the relay worker
hosting the stream follows ``stream.<id>.relay`` (media_relay.relay_kinds), so viewer counts don't
make it re-read the stream's rights. Followers hear of a go-live on their own ``user.<id>``.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from config.event_schema import emits


def stream_group(stream_id: int) -> str:
    return f"stream.{stream_id}"


def stream_relay_group(stream_id: int) -> str:
    return f"stream.{stream_id}.relay"


class ChannelBrief(TypedDict):
    id: int
    slug: str
    name: str
    avatar_url: str | None


class StreamState(TypedDict):
    id: int
    title: str
    status: str  # scheduled, live, ended
    category: str
    channel: ChannelBrief
    scheduled_for: str | None
    started_at: str | None
    ended_at: str | None


class Viewers(TypedDict):
    current: int
    peak: int


class Me(TypedDict):
    is_owner: bool
    can_go_live: bool
    can_end: bool
    can_chat: bool


class StreamHello(TypedDict):
    """The first frame on /ws/stream/<id>/: the stream and its audience as numbers (never a roster)."""

    type: Literal["hello"]
    server_time: float
    stream: StreamState
    viewers: Viewers
    me: Me


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def channel_brief(channel) -> ChannelBrief:
    return {"id": channel.pk, "slug": channel.slug, "name": channel.name,
            "avatar_url": channel.avatar.url if channel.avatar else None}


def stream_state(stream) -> StreamState:
    return {
        "id": stream.pk, "title": stream.title, "status": stream.status, "category": stream.category,
        "channel": channel_brief(stream.channel), "scheduled_for": _iso(stream.scheduled_for),
        "started_at": _iso(stream.started_at), "ended_at": _iso(stream.ended_at),
    }


class StreamChanged(TypedDict):
    type: Literal["streams.stream"]
    op: Literal["live", "ended", "updated"]
    stream: StreamState


@emits
def stream_changed(stream, *, op: Literal["live", "ended", "updated"]) -> StreamChanged:
    return {"type": "streams.stream", "op": op, "stream": stream_state(stream)}


class ViewersCounted(TypedDict):
    type: Literal["streams.viewers"]
    op: Literal["counted"]
    stream_id: int
    current: int
    peak: int


@emits
def viewers_counted(*, stream_id: int, current: int, peak: int) -> ViewersCounted:
    return {"type": "streams.viewers", "op": "counted", "stream_id": stream_id, "current": current, "peak": peak}


class ChannelLive(TypedDict):
    type: Literal["streams.channel"]
    op: Literal["live"]
    stream: StreamState


@emits
def channel_live(stream) -> ChannelLive:
    """To each follower's ``user.<id>``: a channel they follow went live."""
    return {"type": "streams.channel", "op": "live", "stream": stream_state(stream)}
