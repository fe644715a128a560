"""Shapes of the real-time events the guilds app publishes (docs/realtime.md, "Guilds")."""

from rooms.api.serializers import RoomSettingsSerializer

from .api.serializers import (
    GuildInviteSerializer,
    GuildJoinRequestSerializer,
    GuildMemberEventSerializer,
    GuildMessageSerializer,
    GuildRefSerializer,
    GuildSerializer,
)


def guild_group(guild_id: int) -> str:
    """Every open guild socket (/ws/guilds/<slug>/) of the guild's members."""
    return f"guild.{guild_id}"


def guild_user_group(guild_id: int, user_id: int) -> str:
    """Every guild socket one member has open (to close them when they leave or are kicked)."""
    return f"guild.{guild_id}.user.{user_id}"


def member_changed(member, *, op: str) -> dict:
    """op: joined, left, kicked, updated (role)."""
    return {"type": "guilds.member", "op": op, "member": GuildMemberEventSerializer(member).data}


def guild_changed(guild, *, op: str) -> dict:
    """op: updated (settings, avatar), disbanded (then close 4410)."""
    return {"type": "guilds.guild", "op": op, "guild": GuildSerializer(guild).data}


def guild_removed(guild, *, reason: str) -> dict:
    """To the sockets of one member who left or was kicked (then close 4403). reason: left, kicked."""
    return {"type": "guilds.guild", "op": "removed", "reason": reason, "guild": GuildRefSerializer(guild).data}


def chat_created(message) -> dict:
    return {"type": "guilds.chat", "op": "created", "message": GuildMessageSerializer(message).data}


def chat_deleted(message) -> dict:
    return {"type": "guilds.chat", "op": "deleted", "id": message.pk}


def room_created(room) -> dict:
    return {"type": "guilds.room", "op": "created", "room": RoomSettingsSerializer(room).data}


def room_closed(room) -> dict:
    return {"type": "guilds.room", "op": "closed", "code": room.code}


def event_created(event) -> dict:
    """A guild event was scheduled (members' guild sockets)."""
    return {"type": "guilds.event", "op": "created", "event": {
        "id": event.pk, "slug": event.slug, "title": event.title,
        "starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat(),
    }}


def join_request_changed(join_request, *, op: str) -> dict:
    """op: created, approved, rejected, cancelled. To the requester and the guild's officers and leader."""
    return {"type": "guilds.join_request", "op": op, "join_request": GuildJoinRequestSerializer(join_request).data}


def invite_changed(invite, *, op: str) -> dict:
    """op: created, accepted, declined, revoked. To the invited user and whoever invited them."""
    return {"type": "guilds.invite", "op": op, "invite": GuildInviteSerializer(invite).data}
