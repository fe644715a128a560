"""Shapes of the real-time events the rooms app publishes (docs/realtime.md).

Payloads are built here field by field, not by the API's serializers, so a change to an API
response never changes an event silently; config.event_schema checks them against these shapes.
"""

from typing import Literal, TypedDict

from accounts.events import UserSummary, user_summary
from config.event_schema import emits, iso


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def room_user_group(room_id: int, user_id: int) -> str:
    """Every socket one user has open in one room (to close them on a kick)."""
    return f"room.{room_id}.user.{user_id}"


HALLWAY_GROUP = "hallway"


# -- payloads (the objects inside events and the hello snapshot) --------------------------------
class Source(TypedDict):
    kind: str
    url: str
    media_id: str
    title: str


class Playback(TypedDict):
    version: int
    source: Source | None
    is_playing: bool
    position: float
    at: float
    rate: float
    duration: float | None
    is_waiting_for_ready: bool


def playback_payload(room) -> Playback:
    source = None
    if room.source_url:
        source = {"kind": room.source_kind, "url": room.source_url, "media_id": room.source_media_id,
                  "title": room.source_title}
    return {
        "version": room.state_version, "source": source, "is_playing": room.is_playing,
        "position": float(room.position), "at": float(room.position_at), "rate": float(room.rate),
        "duration": None if room.duration is None else float(room.duration),
        "is_waiting_for_ready": room.is_waiting_for_ready,
    }


class RoomSettings(TypedDict):
    code: str
    kind: str
    name: str
    topic: str
    languages: list[str]
    visibility: str
    max_members: int
    is_mic_enabled: bool
    playback_control: str
    chat_mode: str
    slow_mode_seconds: int
    is_locked: bool
    wait_for_ready: bool
    is_matchmade: bool
    is_permanent: bool
    created_at: str
    closed_at: str | None


def room_settings_payload(room) -> RoomSettings:
    return {
        "code": room.code, "kind": room.kind, "name": room.name, "topic": room.topic, "languages": room.languages,
        "visibility": room.visibility, "max_members": room.max_members, "is_mic_enabled": room.is_mic_enabled,
        "playback_control": room.playback_control, "chat_mode": room.chat_mode,
        "slow_mode_seconds": room.slow_mode_seconds, "is_locked": room.is_locked,
        "wait_for_ready": room.wait_for_ready, "is_matchmade": room.is_matchmade, "is_permanent": room.is_permanent,
        "created_at": iso(room.created_at), "closed_at": iso(room.closed_at),
    }


class RoomSummary(TypedDict):
    """A hallway card."""

    code: str
    kind: str
    name: str
    topic: str
    languages: list[str]
    visibility: str
    max_members: int
    member_count: int
    is_locked: bool
    is_mic_enabled: bool
    is_permanent: bool
    leader: UserSummary | None
    source_kind: str
    created_at: str


def room_summary_payload(room) -> RoomSummary:
    """`room` comes annotated by rooms.selectors.with_summary (member_count, leader prefetched)."""
    return {
        "code": room.code, "kind": room.kind, "name": room.name, "topic": room.topic, "languages": room.languages,
        "visibility": room.visibility, "max_members": room.max_members, "member_count": room.member_count,
        "is_locked": room.is_locked, "is_mic_enabled": room.is_mic_enabled, "is_permanent": room.is_permanent,
        "leader": user_summary(room.leader_members[0].user) if room.leader_members else None,
        "source_kind": room.source_kind, "created_at": iso(room.created_at),
    }


class Member(TypedDict):
    user: UserSummary
    role: str
    is_muted: bool
    joined_at: str
    is_connected: bool
    is_buffering: bool
    drift_ms: int | None
    hand_raised_at: str | None


def member_payload(member) -> Member:
    return {
        "user": user_summary(member.user), "role": member.role, "is_muted": member.is_muted,
        "joined_at": iso(member.joined_at), "is_connected": member.connections > 0,
        "is_buffering": member.is_buffering, "drift_ms": member.drift_ms, "hand_raised_at": iso(member.hand_raised_at),
    }


class ChatMessage(TypedDict):
    id: int
    author: UserSummary
    body: str
    mentions: list[int]
    created_at: str
    is_deleted: bool


def chat_message_payload(message) -> ChatMessage:
    return {
        "id": message.pk, "author": user_summary(message.author), "body": "" if message.deleted_at else message.body,
        "mentions": message.mentions, "created_at": iso(message.created_at), "is_deleted": message.deleted_at is not None,
    }


class QueueItem(TypedDict):
    id: int
    order: int
    kind: str
    url: str
    media_id: str
    title: str
    start: float
    added_by: UserSummary | None
    created_at: str
    media_title: str  # what the server read from a direct file (rooms.tasks.probe_queue_item)
    duration: float | None
    thumbnail: str | None


def queue_item_payload(item) -> QueueItem:
    return {
        "id": item.pk, "order": item.order, "kind": item.kind, "url": item.url, "media_id": item.media_id,
        "title": item.title, "start": float(item.start),
        "added_by": user_summary(item.added_by) if item.added_by else None, "created_at": iso(item.created_at),
        "media_title": item.media_title, "duration": item.duration,
        "thumbnail": item.thumbnail.url if item.thumbnail else None,
    }


class Me(TypedDict):
    """My standing and what I may do, computed by the server (rooms.selectors.me_snapshot)."""

    role: str
    is_muted: bool
    hand_raised_at: str | None
    can_control: bool
    can_moderate: bool
    can_lead: bool
    can_chat: bool
    member_actions: dict[str, list[str]]  # by the target's role: what I may do to them


class RoomHello(TypedDict):
    """The first frame on /ws/rooms/<code>/: the room as the database has it (rooms.selectors.room_snapshot)."""

    type: Literal["hello"]
    server_time: float
    room: RoomSettings
    me: Me | None
    state: Playback
    members: list[Member]
    queue: list[QueueItem]
    skip_votes: int
    skip_needed: int
    messages: list[ChatMessage]


class HallwayHello(TypedDict):
    """The first frame on /ws/hallway/: nothing to snapshot, the client (re)fetches GET /api/v1/rooms/."""

    type: Literal["hello"]
    server_time: float


# -- events -------------------------------------------------------------------------------------
class StateUpdated(TypedDict):
    type: Literal["rooms.state"]
    op: Literal["updated"]
    state: Playback


@emits
def state_updated(room) -> StateUpdated:
    return {"type": "rooms.state", "op": "updated", "state": playback_payload(room)}


class HandChanged(TypedDict):
    type: Literal["rooms.hand"]
    op: Literal["raised", "lowered"]
    user_id: int
    hand_raised_at: str | None


@emits
def hand_changed(member) -> HandChanged:
    """op: raised, lowered (by the member, or a moderator)."""
    return {"type": "rooms.hand", "op": "raised" if member.hand_raised_at else "lowered", "user_id": member.user_id,
            "hand_raised_at": iso(member.hand_raised_at)}


class MeUpdated(TypedDict):
    type: Literal["rooms.me"]
    op: Literal["updated"]
    me: Me


@emits
def me_changed(me: Me) -> MeUpdated:
    """To one member's own sockets when their role, mute or the room's rules change what they may do."""
    return {"type": "rooms.me", "op": "updated", "me": me}


class MemberChanged(TypedDict):
    type: Literal["rooms.member"]
    op: Literal["joined", "left", "updated", "kicked"]
    member: Member


@emits
def member_changed(member, *, op: str) -> MemberChanged:
    return {"type": "rooms.member", "op": op, "member": member_payload(member)}


class RoomUpdated(TypedDict):
    type: Literal["rooms.room"]
    op: Literal["updated"]
    room: RoomSettings


class RoomClosed(TypedDict):
    type: Literal["rooms.room"]
    op: Literal["closed"]
    room: RoomSettings
    reason: str


@emits
def room_changed(room, *, op: str, reason: str = "") -> RoomUpdated | RoomClosed:
    """op: updated, closed (with a reason)."""
    event = {"type": "rooms.room", "op": op, "room": room_settings_payload(room)}
    if reason:
        event["reason"] = reason
    return event


class RemovedFromRoom(TypedDict):
    type: Literal["rooms.room"]
    op: Literal["removed"]
    reason: Literal["kicked", "left"]


@emits
def removed_from_room(*, reason: str) -> RemovedFromRoom:
    """To the sockets of one member who was removed (then closed with 4403)."""
    return {"type": "rooms.room", "op": "removed", "reason": reason}


class ChatCreated(TypedDict):
    type: Literal["rooms.chat"]
    op: Literal["created"]
    message: ChatMessage


@emits
def chat_created(message) -> ChatCreated:
    return {"type": "rooms.chat", "op": "created", "message": chat_message_payload(message)}


class ChatDeleted(TypedDict):
    type: Literal["rooms.chat"]
    op: Literal["deleted"]
    id: int


@emits
def chat_deleted(message) -> ChatDeleted:
    return {"type": "rooms.chat", "op": "deleted", "id": message.pk}


class QueueUpdated(TypedDict):
    type: Literal["rooms.queue"]
    op: Literal["updated"]
    items: list[QueueItem]
    skip_votes: int
    skip_needed: int


@emits
def queue_updated(items, *, skip_votes: int, skip_needed: int) -> QueueUpdated:
    return {
        "type": "rooms.queue", "op": "updated", "items": [queue_item_payload(item) for item in items],
        "skip_votes": skip_votes, "skip_needed": skip_needed,
    }


class HallwayRoom(TypedDict):
    type: Literal["rooms.hallway"]
    op: Literal["created", "updated"]
    room: RoomSummary


class HallwayClosed(TypedDict):
    type: Literal["rooms.hallway"]
    op: Literal["closed"]
    code: str


@emits
def hallway_changed(room, *, op: str) -> HallwayRoom | HallwayClosed:
    """op: created, updated (settings or member count), closed."""
    if op == "closed":
        return {"type": "rooms.hallway", "op": "closed", "code": room.code}
    return {"type": "rooms.hallway", "op": op, "room": room_summary_payload(room)}


class PartnerFound(TypedDict):
    type: Literal["rooms.match"]
    op: Literal["found"]
    room: str
    partner: UserSummary


@emits
def partner_found(*, room, partner) -> PartnerFound:
    return {"type": "rooms.match", "op": "found", "room": room.code, "partner": user_summary(partner)}


class MatchExpired(TypedDict):
    type: Literal["rooms.match"]
    op: Literal["expired"]


@emits
def match_expired() -> MatchExpired:
    return {"type": "rooms.match", "op": "expired"}
