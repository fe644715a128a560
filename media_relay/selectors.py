"""Who may do what in a room's voice channel on the relay, read from the rooms app.

One rule (``media_permissions``) serves both the token endpoint and the relay's live
``authorize`` (media_relay.platform), so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import DeviceSession, User
from config.errors import ForbiddenError, GoneError
from rooms.errors import RoomError
from rooms.models import Room, RoomBan, RoomMember, RoomRole
from rooms.selectors import member_get

from .errors import MediaError
from .models import Recording, StreamKey
from .relay_settings import relay_token_secret
from .sfu.actions import Action
from .sfu.peers import PEER_SUFFIX_SEPARATOR, is_whip_peer
from .sfu.tokens import session_fingerprint

RELAY_ROOM_PREFIX = "room-"


def relay_room_name(room_id: int) -> str:
    return f"{RELAY_ROOM_PREFIX}{room_id}"


def room_id_from_relay_room(name: str) -> int | None:
    """The rooms.Room id of a relay room name, or None for a name the platform never issues."""
    digits = name.removeprefix(RELAY_ROOM_PREFIX)
    return int(digits) if name.startswith(RELAY_ROOM_PREFIX) and digits.isdigit() else None


def media_permissions(*, room: Room, member: RoomMember | None) -> frozenset[str]:
    """A member joins and listens; talks when the room microphone is on (the leader always) and they
    aren't muted, and sends their camera too where the room allows cameras (a call from a direct message);
    the leader and moderators mute and kick. Nobody does anything in a closed room."""
    if member is None or room.closed_at is not None:
        return frozenset()
    perms = {Action.JOIN, Action.SUBSCRIBE}
    if not member.is_muted and (room.is_mic_enabled or member.role == RoomRole.LEADER):
        perms.add(Action.PUBLISH_AUDIO)
        if room.is_camera_enabled:
            perms.add(Action.PUBLISH_VIDEO)
    if member.can_moderate:
        perms |= {Action.MUTE_OTHERS, Action.KICK}
    return frozenset(str(p) for p in perms)


@dataclass(frozen=True)
class RoomMediaRights:
    """A room's live rights, keyed by relay peer id (the user id as a string), and what the relay
    should be doing for it: the recording going on (its id), if any."""

    room_id: int
    is_open: bool
    perms: dict[str, frozenset[str]] = field(default_factory=dict)
    streamers: frozenset[str] = frozenset()  # members holding the room's live stream key
    sessions: dict[str, str] = field(default_factory=dict)  # member -> fingerprint of their signed-in session
    recording_id: int | None = None

    def perms_for(self, peer_id: str, *, session: str = "") -> frozenset[str]:
        """A peer's rights; one whose token was asked with a session (``session``, a fingerprint)
        has none once that session ended (signed out, or signed in elsewhere)."""
        member_id = self.member_id(peer_id)
        if session and self.sessions.get(member_id) != session:
            return frozenset()
        if is_whip_peer(peer_id) and member_id not in self.streamers:
            return frozenset()  # a WHIP publisher whose key was revoked or rotated
        return self.perms.get(member_id, frozenset())

    def knows(self, peer_id: str, session: str) -> bool:
        """Whether this copy was read after the peer's member (and their session) came to be."""
        member_id = self.member_id(peer_id)
        return member_id in self.perms and (not session or self.sessions.get(member_id) == session)

    @staticmethod
    def member_id(peer_id: str) -> str:
        return peer_id.partition(PEER_SUFFIX_SEPARATOR)[0]


def room_media_rights(*, room_id: int) -> RoomMediaRights:
    """Every member's rights in one room, who streams, their sessions, and its recording. Two queries."""
    going = Recording.objects.filter(room=OuterRef("pk"), stopped_at__isnull=True).values("pk")[:1]
    room = (
        Room.objects.filter(pk=room_id).only("closed_at", "is_mic_enabled", "is_camera_enabled")
        .annotate(recording_id=Subquery(going)).first()
    )
    if room is None or room.closed_at is not None:
        return RoomMediaRights(room_id=room_id, is_open=False)
    live_key = StreamKey.objects.filter(room_id=room_id, user=OuterRef("user_id"), revoked_at__isnull=True)
    # one signed-in session per account (accounts.services.sessions)
    session = DeviceSession.objects.filter(user=OuterRef("user_id")).order_by("-pk").values("session_key")[:1]
    members = (
        RoomMember.objects.filter(room_id=room_id).only("user_id", "role", "is_muted")
        .annotate(has_stream_key=Exists(live_key), session_key=Subquery(session))
    )
    secret = relay_token_secret()
    return RoomMediaRights(
        room_id=room_id,
        is_open=True,
        perms={str(m.user_id): media_permissions(room=room, member=m) for m in members},
        streamers=frozenset(str(m.user_id) for m in members if m.has_stream_key),
        sessions={str(m.user_id): session_fingerprint(m.session_key, secret=secret) for m in members if m.session_key},
        recording_id=room.recording_id,
    )


def voice_leader_require(*, room: Room, user: User, doing: str) -> RoomMember:
    """The leader's member row; 410 for a closed room, 403 for anyone else ("Only the room's leader
    can <doing>.")."""
    member = voice_member_get(room=room, user=user)
    if member.role != RoomRole.LEADER:
        raise ForbiddenError(MediaError.NOT_LEADER, f"Only the room's leader can {doing}.")
    return member


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
