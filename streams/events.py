"""Shapes of the streams app's real-time events (docs/realtime.md, "Streams").

A stream's watchers are on ``stream.<id>`` (the stream socket, /ws/stream/<id>/); the relay worker
hosting the stream follows ``stream.<id>.relay`` (media_relay.relay_kinds), so viewer counts don't
make it re-read the stream's rights. Followers hear of a go-live on their own ``user.<id>``.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from accounts.events import UserSummary, user_summary
from chat.events import ChatState
from config.event_schema import emits, iso


def stream_group(stream_id: int) -> str:
    return f"stream.{stream_id}"


def stream_relay_group(stream_id: int) -> str:
    return f"stream.{stream_id}.relay"


def channel_chat_group(channel_id: int) -> str:
    """A channel's live chat (and alerts): every stream socket of the channel's streams joins it."""
    return f"channel.{channel_id}.chat"


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
    chat: ChatState  # chat.selectors.chat_snapshot: recent history, the pin, the modes, my badges and restriction


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


# -- live chat (streams.chat_policy, streams.live_chat) ---------------------------------------------
class StreamChatMessage(TypedDict):
    id: int
    author: UserSummary
    body: str  # "" once deleted
    badges: list[str]  # chat.policy.Badge values, the author's when they posted
    created_at: str
    is_deleted: bool


def chat_message_payload(message) -> StreamChatMessage:
    return {"id": message.pk, "author": user_summary(message.author), "body": "" if message.deleted_at else message.body,
            "badges": message.badges, "created_at": iso(message.created_at), "is_deleted": message.deleted_at is not None}


class ChatCreated(TypedDict):
    type: Literal["streams.chat"]
    op: Literal["created"]
    message: StreamChatMessage


class ChatDeleted(TypedDict):
    type: Literal["streams.chat"]
    op: Literal["deleted"]
    id: int


@emits
def chat_created(message) -> ChatCreated:
    return {"type": "streams.chat", "op": "created", "message": chat_message_payload(message)}


@emits
def chat_deleted(message) -> ChatDeleted:
    return {"type": "streams.chat", "op": "deleted", "id": message.pk}


class ChatPage(TypedDict):
    """The reply to `chat.history` (a page of older messages, or those after a reconnect), to the asker only."""

    type: Literal["history"]
    ref: Any
    messages: list[StreamChatMessage]


def chat_page(messages, *, ref) -> ChatPage:
    return {"type": "history", "ref": ref, "messages": [chat_message_payload(m) for m in messages]}


class Alert(TypedDict):
    kind: Literal["donation", "subscription"]
    actor: UserSummary | None  # null: anonymous
    amount_minor: int | None  # in the currency's minor unit (cents)
    currency: str | None  # ISO 4217
    message: str
    created_at: str


class AlertShown(TypedDict):
    type: Literal["streams.alert"]
    op: Literal["shown"]
    alert: Alert


@emits
def alert_shown(alert: Alert) -> AlertShown:
    return {"type": "streams.alert", "op": "shown", "alert": alert}
