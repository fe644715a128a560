"""Shapes of the real-time events the rooms app publishes (docs/realtime.md)."""

from rest_framework.fields import DateTimeField

from accounts.api.serializers import UserSummarySerializer

from .api.serializers import (
    ChatMessageSerializer,
    MemberSerializer,
    PlaybackSerializer,
    QueueItemSerializer,
    RoomSettingsSerializer,
    RoomSummarySerializer,
)


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def room_user_group(room_id: int, user_id: int) -> str:
    """Every socket one user has open in one room (to close them on a kick)."""
    return f"room.{room_id}.user.{user_id}"


HALLWAY_GROUP = "hallway"


def state_updated(room) -> dict:
    return {"type": "rooms.state", "op": "updated", "state": PlaybackSerializer(room).data}


def member_changed(member, *, op: str) -> dict:
    """op: joined, left, updated, kicked."""
    return {"type": "rooms.member", "op": op, "member": MemberSerializer(member).data}


def hand_changed(member) -> dict:
    """op: raised, lowered (by the member, or a moderator)."""
    raised_at = DateTimeField().to_representation(member.hand_raised_at) if member.hand_raised_at else None
    return {"type": "rooms.hand", "op": "raised" if raised_at else "lowered", "user_id": member.user_id,
            "hand_raised_at": raised_at}


def me_changed(me: dict) -> dict:
    """To one member's own sockets when their role, mute or the room's rules change what they may do."""
    return {"type": "rooms.me", "op": "updated", "me": me}


def room_changed(room, *, op: str, reason: str = "") -> dict:
    """op: updated, closed."""
    event = {"type": "rooms.room", "op": op, "room": RoomSettingsSerializer(room).data}
    if reason:
        event["reason"] = reason
    return event


def removed_from_room(*, reason: str) -> dict:
    """To the sockets of one member who was removed (then closed with 4403)."""
    return {"type": "rooms.room", "op": "removed", "reason": reason}


def chat_created(message) -> dict:
    return {"type": "rooms.chat", "op": "created", "message": ChatMessageSerializer(message).data}


def chat_deleted(message) -> dict:
    return {"type": "rooms.chat", "op": "deleted", "id": message.pk}


def queue_updated(items, *, skip_votes: int, skip_needed: int) -> dict:
    return {
        "type": "rooms.queue", "op": "updated", "items": QueueItemSerializer(items, many=True).data,
        "skip_votes": skip_votes, "skip_needed": skip_needed,
    }


def hallway_changed(room, *, op: str) -> dict:
    """op: created, updated (settings or member count), closed."""
    if op == "closed":
        return {"type": "rooms.hallway", "op": "closed", "code": room.code}
    return {"type": "rooms.hallway", "op": op, "room": RoomSummarySerializer(room).data}


def partner_found(*, room, partner) -> dict:
    return {"type": "rooms.match", "op": "found", "room": room.code, "partner": UserSummarySerializer(partner).data}


def match_expired() -> dict:
    return {"type": "rooms.match", "op": "expired"}
