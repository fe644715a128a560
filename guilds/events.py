"""Shapes of the real-time events the guilds app publishes (docs/realtime.md, "Guilds").

Payloads are built here field by field, not by the API's serializers, so a change to an API
response never changes an event silently; config.event_schema checks them against these shapes.
"""

from typing import Literal, TypedDict

from accounts.events import UserSummary, user_summary
from config.event_schema import emits, iso
from rooms.events import RoomSettings, room_settings_payload


def guild_group(guild_id: int) -> str:
    """Every open guild socket (/ws/guilds/<slug>/) of the guild's members."""
    return f"guild.{guild_id}"


def guild_user_group(guild_id: int, user_id: int) -> str:
    """Every guild socket one member has open (to close them when they leave or are kicked)."""
    return f"guild.{guild_id}.user.{user_id}"


# -- payloads (the objects inside events and the hello snapshot) --------------------------------
class GuildRef(TypedDict):
    id: int
    slug: str
    name: str
    avatar_url: str | None


def guild_ref_payload(guild) -> GuildRef:
    return {"id": guild.pk, "slug": guild.slug, "name": guild.name, "avatar_url": guild.avatar.url if guild.avatar else None}


class GuildPayload(TypedDict):
    id: int
    slug: str
    name: str
    description: str
    avatar_url: str | None
    is_public: bool
    max_members: int
    total_watch_seconds: int
    weekly_watch_seconds: int
    total_watch_hours: float
    weekly_watch_hours: float
    created_at: str


def guild_payload(guild) -> GuildPayload:
    return {
        **guild_ref_payload(guild), "description": guild.description, "is_public": guild.is_public,
        "max_members": guild.max_members,
        "total_watch_seconds": guild.total_watch_seconds, "weekly_watch_seconds": guild.weekly_watch_seconds,
        "total_watch_hours": round(guild.total_watch_seconds / 3600, 1),
        "weekly_watch_hours": round(guild.weekly_watch_seconds / 3600, 1),
        "created_at": iso(guild.created_at),
    }


class Member(TypedDict):
    user: UserSummary
    role: str
    joined_at: str


def member_payload(member) -> Member:
    return {"user": user_summary(member.user), "role": member.role, "joined_at": iso(member.joined_at)}


class RosterMember(Member):
    weekly_watch_seconds: int | None


def roster_member_payload(member) -> RosterMember:
    """A member in the hello's roster, with this week's watching (guilds.selectors.members_list annotates it)."""
    return {**member_payload(member), "weekly_watch_seconds": getattr(member, "weekly_watch_seconds", None)}


class Message(TypedDict):
    id: int
    author: UserSummary
    body: str
    created_at: str
    is_deleted: bool


def message_payload(message) -> Message:
    return {
        "id": message.pk, "author": user_summary(message.author), "body": "" if message.deleted_at else message.body,
        "created_at": iso(message.created_at), "is_deleted": message.deleted_at is not None,
    }


class GuildMe(TypedDict):
    role: str


class GuildHello(TypedDict):
    """The first frame on /ws/guilds/<slug>/ (guilds.selectors.guild_snapshot)."""

    type: Literal["hello"]
    server_time: float
    guild: GuildPayload
    me: GuildMe | None
    members: list[RosterMember]
    messages: list[Message]


# -- events -------------------------------------------------------------------------------------
class MemberChanged(TypedDict):
    type: Literal["guilds.member"]
    op: Literal["joined", "left", "kicked", "updated"]
    member: Member


@emits
def member_changed(member, *, op: str) -> MemberChanged:
    """op: joined, left, kicked, updated (role)."""
    return {"type": "guilds.member", "op": op, "member": member_payload(member)}


class GuildChanged(TypedDict):
    type: Literal["guilds.guild"]
    op: Literal["updated", "disbanded"]
    guild: GuildPayload


@emits
def guild_changed(guild, *, op: str) -> GuildChanged:
    """op: updated (settings, avatar), disbanded (then close 4410)."""
    return {"type": "guilds.guild", "op": op, "guild": guild_payload(guild)}


class GuildRemoved(TypedDict):
    type: Literal["guilds.guild"]
    op: Literal["removed"]
    reason: Literal["left", "kicked"]
    guild: GuildRef


@emits
def guild_removed(guild, *, reason: str) -> GuildRemoved:
    """To the sockets of one member who left or was kicked (then close 4403). reason: left, kicked."""
    return {"type": "guilds.guild", "op": "removed", "reason": reason, "guild": guild_ref_payload(guild)}


class ChatCreated(TypedDict):
    type: Literal["guilds.chat"]
    op: Literal["created"]
    message: Message


@emits
def chat_created(message) -> ChatCreated:
    return {"type": "guilds.chat", "op": "created", "message": message_payload(message)}


class ChatDeleted(TypedDict):
    type: Literal["guilds.chat"]
    op: Literal["deleted"]
    id: int


@emits
def chat_deleted(message) -> ChatDeleted:
    return {"type": "guilds.chat", "op": "deleted", "id": message.pk}


class RoomCreated(TypedDict):
    type: Literal["guilds.room"]
    op: Literal["created"]
    room: RoomSettings


@emits
def room_created(room) -> RoomCreated:
    return {"type": "guilds.room", "op": "created", "room": room_settings_payload(room)}


class RoomClosed(TypedDict):
    type: Literal["guilds.room"]
    op: Literal["closed"]
    code: str


@emits
def room_closed(room) -> RoomClosed:
    return {"type": "guilds.room", "op": "closed", "code": room.code}


class ScheduledEvent(TypedDict):
    id: int
    slug: str
    title: str
    starts_at: str
    ends_at: str


class EventCreated(TypedDict):
    type: Literal["guilds.event"]
    op: Literal["created"]
    event: ScheduledEvent


@emits
def event_created(event) -> EventCreated:
    """A guild event was scheduled (members' guild sockets)."""
    return {"type": "guilds.event", "op": "created", "event": {
        "id": event.pk, "slug": event.slug, "title": event.title,
        "starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat(),
    }}


class JoinRequest(TypedDict):
    id: int
    guild: GuildRef
    user: UserSummary
    status: str
    created_at: str
    responded_at: str | None


class JoinRequestChanged(TypedDict):
    type: Literal["guilds.join_request"]
    op: Literal["created", "approved", "rejected", "cancelled"]
    join_request: JoinRequest


@emits
def join_request_changed(join_request, *, op: str) -> JoinRequestChanged:
    """op: created, approved, rejected, cancelled. To the requester and the guild's officers and leader."""
    return {"type": "guilds.join_request", "op": op, "join_request": {
        "id": join_request.pk, "guild": guild_ref_payload(join_request.guild), "user": user_summary(join_request.user),
        "status": join_request.status, "created_at": iso(join_request.created_at),
        "responded_at": iso(join_request.responded_at),
    }}


class Invite(TypedDict):
    id: int
    guild: GuildRef
    invited_user: UserSummary
    invited_by: UserSummary | None
    status: str
    created_at: str
    responded_at: str | None


class InviteChanged(TypedDict):
    type: Literal["guilds.invite"]
    op: Literal["created", "accepted", "declined", "revoked"]
    invite: Invite


@emits
def invite_changed(invite, *, op: str) -> InviteChanged:
    """op: created, accepted, declined, revoked. To the invited user and whoever invited them."""
    return {"type": "guilds.invite", "op": op, "invite": {
        "id": invite.pk, "guild": guild_ref_payload(invite.guild), "invited_user": user_summary(invite.invited_user),
        "invited_by": user_summary(invite.invited_by) if invite.invited_by else None, "status": invite.status,
        "created_at": iso(invite.created_at), "responded_at": iso(invite.responded_at),
    }}
