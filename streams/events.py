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


class WebrtcSeats(TypedDict):
    open: bool  # HLS viewers may move back to WebRTC (streams.playback.webrtc_seats)
    spread_ms: int  # each asks at a random moment of this window


class ViewersCounted(TypedDict):
    type: Literal["streams.viewers"]
    op: Literal["counted"]
    stream_id: int
    current: int
    peak: int
    webrtc: WebrtcSeats


@emits
def viewers_counted(*, stream_id: int, current: int, peak: int, webrtc: WebrtcSeats) -> ViewersCounted:
    return {"type": "streams.viewers", "op": "counted", "stream_id": stream_id, "current": current, "peak": peak,
            "webrtc": webrtc}


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


# -- the stage, polls, raids ------------------------------------------------------------------------
def stream_user_group(stream_id: int, user_id: int) -> str:
    """One signed-in viewer's stream sockets: their stage invites arrive here."""
    return f"stream.{stream_id}.user.{user_id}"


class StageSeat(TypedDict):
    id: int
    kind: str  # invite, hand
    status: str  # pending, accepted, rejected, expired, cancelled, ended
    user: UserSummary
    video_allowed: bool
    muted: bool
    invited_at: str
    expires_at: str | None  # an invite's answer deadline; None for a raised hand


def stage_seat(invite, *, expires_at=None) -> StageSeat:
    return {
        "id": invite.pk, "kind": invite.kind, "status": invite.status, "user": user_summary(invite.invitee),
        "video_allowed": invite.video_allowed, "muted": invite.muted, "invited_at": invite.invited_at.isoformat(),
        "expires_at": _iso(expires_at),
    }


class StageInvited(TypedDict):
    type: Literal["streams.stage_invite"]
    op: Literal["invited"]
    stream_id: int
    invite: StageSeat
    host: UserSummary


@emits
def stage_invited(invite, *, host, expires_at) -> StageInvited:
    """To the invitee's stream sockets: the full-screen prompt."""
    return {"type": "streams.stage_invite", "op": "invited", "stream_id": invite.stream_id,
            "invite": stage_seat(invite, expires_at=expires_at), "host": user_summary(host)}


class StageInviteSent(TypedDict):
    """The reply to `stage.invite` on the host's stream socket, to the asker only."""

    type: Literal["invite_sent"]
    ref: Any
    invite: StageSeat


def stage_invite_sent(invite, *, expires_at, ref) -> StageInviteSent:
    return {"type": "invite_sent", "ref": ref, "invite": stage_seat(invite, expires_at=expires_at)}


class StageInviteClosed(TypedDict):
    type: Literal["streams.stage_invite"]
    op: Literal["closed"]
    stream_id: int
    invite_id: int
    status: str


@emits
def stage_invite_closed(invite) -> StageInviteClosed:
    """To the invitee's stream sockets: the prompt goes away (cancelled, expired, answered elsewhere)."""
    return {"type": "streams.stage_invite", "op": "closed", "stream_id": invite.stream_id,
            "invite_id": invite.pk, "status": invite.status}


StageOp = Literal["joined", "left", "muted", "unmuted", "invited", "answered", "hand_raised", "hand_closed"]


class StageChanged(TypedDict):
    type: Literal["streams.stage"]
    op: StageOp
    stream_id: int
    seat: StageSeat
    guests: int


@emits
def stage_changed(invite, *, op: StageOp, guests: int) -> StageChanged:
    """To the stream's watchers (and its relay worker, which re-reads the publish rights): the stage changed.
    ``invited``, ``answered``, ``hand_raised`` and ``hand_closed`` concern the host's panel."""
    return {"type": "streams.stage", "op": op, "stream_id": invite.stream_id, "seat": stage_seat(invite),
            "guests": guests}


class PollState(TypedDict):
    id: int
    question: str
    options: list[str]
    counts: list[int]
    is_open: bool
    closes_at: str


def poll_state(poll, counts: list[int]) -> PollState:
    return {"id": poll.pk, "question": poll.question, "options": list(poll.options), "counts": counts,
            "is_open": poll.is_open, "closes_at": poll.closes_at.isoformat()}


class PollChanged(TypedDict):
    type: Literal["streams.poll"]
    op: Literal["opened", "results", "closed"]
    stream_id: int
    poll: PollState


@emits
def poll_changed(poll, counts: list[int], *, op: Literal["opened", "results", "closed"]) -> PollChanged:
    """To the stream's watchers: a poll opened, its live results (at most one a second), it closed."""
    return {"type": "streams.poll", "op": op, "stream_id": poll.stream_id, "poll": poll_state(poll, counts)}


class Raided(TypedDict):
    type: Literal["streams.raid"]
    op: Literal["raid"]
    stream_id: int
    target: StreamState
    url: str


@emits
def raided(*, stream_id: int, target, url: str) -> Raided:
    """To an ending stream's watchers: go watch `target` (the page navigates to `url`)."""
    return {"type": "streams.raid", "op": "raid", "stream_id": stream_id, "target": stream_state(target), "url": url}
