"""Shapes of the events the chat core publishes to a context's group (docs/realtime.md, "Chat core").

A context's own message events (rooms.chat, guilds.chat, ...) stay in its app: the core publishes
what the ChatPolicy builds. Messages inside core events are the context's message payload.
"""

from typing import Any, Literal, TypedDict

from accounts.events import UserSummary, user_summary
from config.event_schema import emits, iso

from .models import RestrictionKind


class Pin(TypedDict):
    message: dict[str, Any]  # the context's message payload
    pinned_by: UserSummary | None
    pinned_at: str


def pin_payload(chat_settings, message, policy) -> Pin:
    pinned_by = chat_settings.pinned_by
    return {"message": policy.message_payload(message), "pinned_by": user_summary(pinned_by) if pinned_by else None,
            "pinned_at": iso(chat_settings.pinned_at)}


class Modes(TypedDict):
    slow_mode_seconds: int
    is_emote_only: bool
    followers_only_minutes: int | None
    is_subscribers_only: bool


def modes_payload(chat_settings, *, slow_mode_seconds: int) -> Modes:
    return {
        "slow_mode_seconds": slow_mode_seconds,
        "is_emote_only": bool(chat_settings and chat_settings.is_emote_only),
        "followers_only_minutes": chat_settings.followers_only_minutes if chat_settings else None,
        "is_subscribers_only": bool(chat_settings and chat_settings.is_subscribers_only),
    }


class Restriction(TypedDict):
    user: UserSummary
    kind: Literal["timeout", "ban"]
    expires_at: str | None  # null: a permanent ban
    reason: str
    created_at: str


def restriction_payload(restriction) -> Restriction:
    return {"user": user_summary(restriction.user), "kind": restriction.kind, "expires_at": iso(restriction.expires_at),
            "reason": restriction.reason, "created_at": iso(restriction.created_at)}


class Me(TypedDict):
    is_moderator: bool
    badges: list[str]
    restriction: Restriction | None


class ChatState(TypedDict):
    """The chat part of a context's hello (chat.selectors.chat_snapshot): a reconnect is a full resync."""

    messages: list[dict[str, Any]]
    pinned: Pin | None
    modes: Modes
    me: Me


# -- events -----------------------------------------------------------------------------------------
class Pinned(TypedDict):
    type: Literal["chat.pin"]
    op: Literal["pinned"]
    pin: Pin


class Unpinned(TypedDict):
    type: Literal["chat.pin"]
    op: Literal["unpinned"]
    message_id: int


@emits
def pinned(pin: Pin) -> Pinned:
    return {"type": "chat.pin", "op": "pinned", "pin": pin}


@emits
def unpinned(message_id: int) -> Unpinned:
    return {"type": "chat.pin", "op": "unpinned", "message_id": message_id}


class RestrictionChanged(TypedDict):
    type: Literal["chat.restriction"]
    op: Literal["timed_out", "banned"]
    restriction: Restriction


class RestrictionLifted(TypedDict):
    type: Literal["chat.restriction"]
    op: Literal["lifted"]
    user_id: int


@emits
def restriction_changed(restriction) -> RestrictionChanged:
    op = "banned" if restriction.kind == RestrictionKind.BAN else "timed_out"
    return {"type": "chat.restriction", "op": op, "restriction": restriction_payload(restriction)}


@emits
def restriction_lifted(user_id: int) -> RestrictionLifted:
    return {"type": "chat.restriction", "op": "lifted", "user_id": user_id}


class ModesUpdated(TypedDict):
    type: Literal["chat.modes"]
    op: Literal["updated"]
    modes: Modes


@emits
def modes_updated(modes: Modes) -> ModesUpdated:
    return {"type": "chat.modes", "op": "updated", "modes": modes}


class ReactionBurst(TypedDict):
    type: Literal["chat.reactions"]
    op: Literal["burst"]
    counts: dict[str, int]  # emoji -> how many reactions in the window
    window_ms: int


@emits
def reaction_burst(counts: dict[str, int], *, window_ms: int) -> ReactionBurst:
    return {"type": "chat.reactions", "op": "burst", "counts": counts, "window_ms": window_ms}
