"""Shapes of the real-time events the direct messages app publishes (docs/realtime.md, "Direct messages").

Every event goes to the members' personal sockets (/ws/me/, config.realtime.user_group): a member
sees a conversation on every page, in every tab.
"""

from datetime import timedelta
from typing import Literal, TypedDict

from accounts.events import UserSummary, user_summary
from config.event_schema import emits, iso

CALL_RING_SECONDS = 30


# -- payloads -----------------------------------------------------------------------------------
class CallPayload(TypedDict):
    id: int
    conversation_id: int
    caller: UserSummary
    callee: UserSummary
    status: str
    room: str | None  # the voice room's code once accepted
    created_at: str
    expires_at: str  # a ringing call is missed at this time
    answered_at: str | None
    ended_at: str | None
    duration_seconds: int | None


def call_payload(call) -> CallPayload:
    return {
        "id": call.pk, "conversation_id": call.conversation_id, "caller": user_summary(call.caller),
        "callee": user_summary(call.callee), "status": call.status, "room": call.room.code if call.room_id else None,
        "created_at": iso(call.created_at), "expires_at": iso(call.created_at + timedelta(seconds=CALL_RING_SECONDS)),
        "answered_at": iso(call.answered_at), "ended_at": iso(call.ended_at), "duration_seconds": call.duration_seconds,
    }


class MessagePayload(TypedDict):
    id: int
    conversation_id: int
    author: UserSummary
    body: str  # "" once deleted
    mentions: list[int]
    created_at: str
    edited_at: str | None
    is_deleted: bool
    call: CallPayload | None  # a call's outcome (missed, declined, ended with its duration)


def message_payload(message) -> MessagePayload:
    is_deleted = message.deleted_at is not None
    return {
        "id": message.pk, "conversation_id": message.conversation_id, "author": user_summary(message.author),
        "body": "" if is_deleted else message.body, "mentions": [] if is_deleted else message.mentions,
        "created_at": iso(message.created_at), "edited_at": iso(message.edited_at), "is_deleted": is_deleted,
        "call": call_payload(message.call) if message.call_id else None,
    }


class ConversationPayload(TypedDict):
    id: int
    kind: str
    name: str
    created_by: int | None
    members: list[UserSummary]


def conversation_payload(conversation, members) -> ConversationPayload:
    return {"id": conversation.pk, "kind": conversation.kind, "name": conversation.name,
            "created_by": conversation.created_by_id, "members": [user_summary(user) for user in members]}


# -- events ------------------------------------------------------------------------------------
class MessageCreated(TypedDict):
    type: Literal["dms.message"]
    op: Literal["created", "edited"]
    message: MessagePayload


@emits
def message_created(message, *, op: str = "created") -> MessageCreated:
    return {"type": "dms.message", "op": op, "message": message_payload(message)}


class MessageDeleted(TypedDict):
    type: Literal["dms.message"]
    op: Literal["deleted"]
    conversation_id: int
    id: int


@emits
def message_deleted(message) -> MessageDeleted:
    return {"type": "dms.message", "op": "deleted", "conversation_id": message.conversation_id, "id": message.pk}


class Read(TypedDict):
    type: Literal["dms.read"]
    op: Literal["read"]
    conversation_id: int
    user_id: int
    last_read_id: int
    unread_count: int  # the reader's own, for their other tabs


@emits
def read(member) -> Read:
    return {"type": "dms.read", "op": "read", "conversation_id": member.conversation_id, "user_id": member.user_id,
            "last_read_id": member.last_read_id, "unread_count": member.unread_count}


class Typing(TypedDict):
    type: Literal["dms.typing"]
    op: Literal["started"]
    conversation_id: int
    user: UserSummary


@emits
def typing(*, conversation_id: int, user) -> Typing:
    return {"type": "dms.typing", "op": "started", "conversation_id": conversation_id, "user": user_summary(user)}


class ConversationChanged(TypedDict):
    type: Literal["dms.conversation"]
    op: Literal["created", "updated"]
    conversation: ConversationPayload


@emits
def conversation_changed(conversation, members, *, op: str) -> ConversationChanged:
    return {"type": "dms.conversation", "op": op, "conversation": conversation_payload(conversation, members)}


class ConversationRemoved(TypedDict):
    type: Literal["dms.conversation"]
    op: Literal["removed"]
    conversation_id: int


@emits
def conversation_removed(conversation_id: int) -> ConversationRemoved:
    """To a member who left or was removed: the conversation is gone from their list."""
    return {"type": "dms.conversation", "op": "removed", "conversation_id": conversation_id}


class CallChanged(TypedDict):
    type: Literal["dms.call"]
    op: Literal["ringing", "accepted", "declined", "missed", "cancelled", "ended"]
    call: CallPayload


@emits
def call_changed(call) -> CallChanged:
    """The op is the call's new status: every tab of both rings on `ringing` and stops on anything else."""
    return {"type": "dms.call", "op": call.status, "call": call_payload(call)}
