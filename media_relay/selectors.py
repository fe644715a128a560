"""Who may do what in a room's voice channel on the relay, read from the rooms app.

One rule (``media_permissions``) serves both the token endpoint and the relay's live
``authorize`` (media_relay.platform), so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from config.errors import ForbiddenError, GoneError
from rooms.errors import RoomError
from rooms.models import Room, RoomBan, RoomMember, RoomRole
from rooms.selectors import member_get

from .actions import Action

RELAY_ROOM_PREFIX = "room-"
# A relay peer id is the user id, or the user id + this + a suffix for a user's other sessions in the
# same room (WHIP publisher, WHEP players: media_relay.whip); rights are the user's either way.
PEER_SUFFIX_SEPARATOR = "~"


def whip_peer_id(user_id: int | str) -> str:
    """The relay peer id of a user's WHIP publisher (their browser's is the plain user id)."""
    return f"{user_id}{PEER_SUFFIX_SEPARATOR}whip"


def relay_room_name(room_id: int) -> str:
    return f"{RELAY_ROOM_PREFIX}{room_id}"


def room_id_from_relay_room(name: str) -> int | None:
    """The rooms.Room id of a relay room name, or None for a name the platform never issues."""
    digits = name.removeprefix(RELAY_ROOM_PREFIX)
    return int(digits) if name.startswith(RELAY_ROOM_PREFIX) and digits.isdigit() else None


def media_permissions(*, room: Room, member: RoomMember | None) -> frozenset[str]:
    """A member joins and listens; talks when the room microphone is on (the leader always) and they
    aren't muted; the leader and moderators mute and kick. Nobody does anything in a closed room."""
    if member is None or room.closed_at is not None:
        return frozenset()
    perms = {Action.JOIN, Action.SUBSCRIBE}
    if not member.is_muted and (room.is_mic_enabled or member.role == RoomRole.LEADER):
        perms.add(Action.PUBLISH_AUDIO)
    if member.can_moderate:
        perms |= {Action.MUTE_OTHERS, Action.KICK}
    return frozenset(str(p) for p in perms)


@dataclass(frozen=True)
class RoomMediaRights:
    """A room's live rights, keyed by relay peer id (the user id as a string)."""

    room_id: int
    is_open: bool
    perms: dict[str, frozenset[str]] = field(default_factory=dict)

    def perms_for(self, peer_id: str) -> frozenset[str]:
        return self.perms.get(self.member_id(peer_id), frozenset())

    @staticmethod
    def member_id(peer_id: str) -> str:
        return peer_id.partition(PEER_SUFFIX_SEPARATOR)[0]


def room_media_rights(*, room_id: int) -> RoomMediaRights:
    """Every member's rights in one room. Two queries."""
    room = Room.objects.filter(pk=room_id).only("closed_at", "is_mic_enabled").first()
    if room is None or room.closed_at is not None:
        return RoomMediaRights(room_id=room_id, is_open=False)
    members = RoomMember.objects.filter(room_id=room_id).only("user_id", "role", "is_muted")
    return RoomMediaRights(
        room_id=room_id,
        is_open=True,
        perms={str(m.user_id): media_permissions(room=room, member=m) for m in members},
    )


def voice_member_get(*, room: Room, user: User) -> RoomMember:
    """The member row of `user` if they may be in the room's voice now; raises why not."""
    if room.closed_at is not None:
        raise GoneError(RoomError.CLOSED, "This room is closed.")
    member = member_get(room=room, user=user)
    if member is not None:
        return member
    if RoomBan.objects.filter(room=room, user=user).filter(Q(until__isnull=True) | Q(until__gt=timezone.now())).exists():
        raise ForbiddenError(RoomError.BANNED, "You were removed from this room.")
    raise ForbiddenError(RoomError.NOT_A_MEMBER, "Join the room first.")
