"""Creating, joining, leaving and running a room: the leader's powers and automatic hand-over."""

import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from accounts.models import User
from accounts.public_text import public_text_check
from config.disconnects import Disconnect
from config.errors import ApplicationError, ForbiddenError, NotFoundError
from config.realtime import publish_on_commit

from .. import events
from ..capacity import max_members_limit
from ..errors import RoomError
from ..models import Room, RoomBan, RoomInvite, RoomKind, RoomMember, RoomRole, Visibility
from ..selectors import (
    can_lead,
    can_moderate,
    me_snapshot,
    member_actions,
    member_count,
    member_get,
    outranks,
    room_create_defaults,
    room_join_check,
    with_summary,
)
from ..signals import room_closed, room_joined
from ..sources import SourceKind, parse_source
from .playback import playback_release_hold, resume_if_ready
from .watch import watch_session_end

KICK_BAN = timedelta(minutes=10)
LEADER_GRACE = timedelta(seconds=30)
MEMBER_GRACE = timedelta(minutes=2)
HEARTBEAT_STALE = timedelta(seconds=90)
# Joined (e.g. over the API) but never opened the room: long enough for a slow page load, short enough
# that a room nobody ever entered doesn't linger.
NEVER_CONNECTED_GRACE = timedelta(minutes=10)
DEFAULT_MAX = {RoomKind.WATCH: 10, RoomKind.VOICE: 12}

# Settings that change what members may do: each member is told their new capabilities (rooms.me).
CAPABILITY_SETTINGS = {"playback_control", "chat_mode"}
SETTINGS_FIELDS = ("name", "topic", "languages", "visibility", "max_members", "is_mic_enabled", "playback_control",
                   "chat_mode", "slow_mode_seconds", "is_locked", "wait_for_ready")


def _lock(room: Room) -> Room:
    return Room.objects.select_for_update().get(pk=room.pk)


def _validate_settings(room: Room) -> None:
    limit = max_members_limit(kind=room.kind, user=room.created_by)
    if not 2 <= room.max_members <= limit:
        raise ApplicationError(RoomError.SETTINGS_INVALID, f"A {room.get_kind_display().lower()} holds 2–{limit} people.",
                               {"fields": {"max_members": [f"2–{limit}"]}})
    if not room.name.strip():
        raise ApplicationError(RoomError.SETTINGS_INVALID, "Give the room a name.", {"fields": {"name": ["Required."]}})


def publish_hallway(room: Room, op: str) -> None:
    if room.visibility != Visibility.PUBLIC or room.is_matchmade:
        return
    if op == "closed":
        publish_on_commit(events.HALLWAY_GROUP, events.hallway_changed(room, op=op))
    else:
        publish_on_commit(events.HALLWAY_GROUP, events.hallway_changed(with_summary(Room.objects.filter(pk=room.pk)).get(), op=op))


def room_create(*, creator: User, name: str, kind: str = RoomKind.WATCH, source_url: str = "", **settings) -> Room:
    kind = RoomKind(kind)
    settings.setdefault("max_members", DEFAULT_MAX[kind])
    settings.setdefault("is_mic_enabled", kind == RoomKind.VOICE)
    room = Room(kind=kind, name=name.strip(), created_by=creator, **settings)
    public_text_check(text=room.name, field="name")
    _validate_settings(room)
    if source_url:
        source = parse_source(source_url)
        room.source_kind, room.source_url, room.source_media_id = source.kind, source.url, source.media_id
        room.source_title, room.position = source.title[:200], source.start
        room.is_playing = source.kind == SourceKind.LIVE  # a live stream is on already; anything else waits for play
    room.position_at = time.time()
    with transaction.atomic():
        room.save()
        RoomMember.objects.create(room=room, user=creator, role=RoomRole.LEADER)
        publish_hallway(room, "created")
    return room


def room_create_with_defaults(*, creator: User, name: str, kind: str = RoomKind.WATCH, **given) -> Room:
    """room_create where the creator's room defaults (settings) fill the settings the caller left out (the API)."""
    return room_create(creator=creator, name=name, kind=kind, **{**room_create_defaults(user=creator, kind=kind), **given})


def room_update(*, actor: User, room: Room, **changes) -> Room:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ApplicationError(RoomError.SETTINGS_INVALID, f"Unknown settings: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        room = _lock(room)
        _require_moderator(room, actor)
        for field, value in changes.items():
            setattr(room, field, value.strip() if isinstance(value, str) else value)
        _validate_settings(room)
        if "name" in changes:
            public_text_check(text=room.name, field="name", community_kind="room", community_id=room.pk)
        if "max_members" in changes and changes["max_members"] < member_count(room=room):
            raise ApplicationError(RoomError.SETTINGS_INVALID, "More people are in the room than that.",
                                   {"fields": {"max_members": ["Below the current member count."]}})
        room.save(update_fields=list(changes))
        publish_on_commit(events.room_group(room.pk), events.room_changed(room, op="updated"))
        publish_hallway(room, "updated")
        if CAPABILITY_SETTINGS & set(changes):
            for member in RoomMember.objects.filter(room=room):
                publish_me(room, member)
    return room


def room_close(*, room: Room, actor: User | None = None, reason: str = "closed_by_leader") -> Room:
    """Close the room; actor None means the platform closed it (e.g. everyone left)."""
    with transaction.atomic():
        room = _lock(room)
        if actor is not None:
            _require_leader(room, actor)
        if room.closed_at is not None:
            return room
        room.closed_at = timezone.now()
        room.is_playing = False
        room.save(update_fields=["closed_at", "is_playing"])
        RoomMember.objects.filter(room=room).delete()
        room_closed.send(sender=Room, room=room)
        publish_on_commit(events.room_group(room.pk), events.room_changed(room, op="closed", reason=reason),
                          disconnect=Disconnect.GONE)
        publish_hallway(room, "closed")
    return room


# -- joining -------------------------------------------------------------------------------
def room_join(*, user: User, room: Room, invite_code: str = "") -> RoomMember:
    """Join, or return the existing membership. Capacity is exact under concurrency (room row lock)."""
    with transaction.atomic():
        room = _lock(room)
        existing = member_get(room=room, user=user)
        if existing is not None:
            return existing
        # Under the room lock, so invite uses, like seats, are counted one join at a time.
        invite = room_join_check(room=room, user=user, invite_code=invite_code)
        if invite is not None:
            RoomInvite.objects.filter(pk=invite.pk).update(uses=F("uses") + 1)
        # An empty permanent room has no leader: whoever comes in first leads it.
        role = RoomRole.LEADER if room.is_permanent and not _has_leader(room) else RoomRole.MEMBER
        try:
            with transaction.atomic():
                member = RoomMember.objects.create(room=room, user=user, role=role)
        except IntegrityError:  # the same user joining twice at once, where the lock didn't serialize
            return RoomMember.objects.get(room=room, user=user)
        room_joined.send(sender=RoomMember, member=member)
        publish_on_commit(events.room_group(room.pk), events.member_changed(member, op="joined"))
        publish_hallway(room, "updated")
    return member


def _has_leader(room: Room) -> bool:
    return RoomMember.objects.filter(room=room, role=RoomRole.LEADER).exists()


def _remove_member(room: Room, member: RoomMember, *, op: str) -> None:
    """Inside the room lock: remove a member, hand leadership on, close an empty room unless it is permanent."""
    member.delete()
    publish_on_commit(events.room_group(room.pk), events.member_changed(member, op=op))
    # Their sockets (a kicked member's, or another tab of one who left) hear nothing more from the room.
    publish_on_commit(events.room_user_group(room.pk, member.user_id), events.removed_from_room(reason=op),
                      disconnect=Disconnect.FORBIDDEN)
    # The successor: connected members first (however many tabs they have open), then the longest present.
    is_offline = Case(When(connections__gt=0, then=Value(0)), default=Value(1))
    remaining = RoomMember.objects.filter(room=room).order_by(is_offline, "joined_at", "id")
    if not remaining.exists():
        if room.is_permanent:
            publish_hallway(room, "updated")
        else:
            transaction.on_commit(lambda: room_close(room=room, reason="empty"))
        return
    if member.is_buffering:
        resume_if_ready(room)
    if member.role == RoomRole.LEADER:
        _hand_over(room, remaining.first())
    publish_hallway(room, "updated")


def member_changed_publish(room: Room, member: RoomMember) -> None:
    publish_on_commit(events.room_group(room.pk), events.member_changed(member, op="updated"))


def publish_me(room: Room, member: RoomMember) -> None:
    """`room` fresh (locked): the member's own sockets learn what they may do now."""
    publish_on_commit(events.room_user_group(room.pk, member.user_id), events.me_changed(me_snapshot(room=room, member=member)))


def standing_changed_publish(room: Room, member: RoomMember) -> None:
    """A member's role or mute changed: everyone sees it, and they learn their new capabilities."""
    member_changed_publish(room, member)
    publish_me(room, member)


def _hand_over(room: Room, successor: RoomMember) -> None:
    RoomMember.objects.filter(room=room, role=RoomRole.LEADER).exclude(pk=successor.pk).update(role=RoomRole.MODERATOR)
    successor.role = RoomRole.LEADER
    successor.save(update_fields=["role"])
    standing_changed_publish(room, successor)


def room_leave(*, user: User, room: Room) -> None:
    with transaction.atomic():
        room = _lock(room)
        member = member_get(room=room, user=user)
        if member is None:
            raise NotFoundError(RoomError.NOT_A_MEMBER, "You are not in this room.")
        _remove_member(room, member, op="left")


# -- leader powers ------------------------------------------------------------------------------
def _require_moderator(room: Room, actor: User) -> RoomMember:
    member = member_get(room=room, user=actor)
    if not can_moderate(member=member):
        raise ForbiddenError(RoomError.NOT_ALLOWED, "Only the leader and moderators can do that.")
    return member


def _require_leader(room: Room, actor: User) -> RoomMember:
    member = member_get(room=room, user=actor)
    if not can_lead(member=member):
        raise ForbiddenError(RoomError.NOT_ALLOWED, "Only the leader can do that.")
    return member


def _target(room: Room, actor_member: RoomMember, target: User, action: str) -> RoomMember:
    """The member `actor_member` does `action` (one of selectors.MEMBER_ACTIONS) to, or why not."""
    member = member_get(room=room, user=target)
    if member is None:
        raise NotFoundError(RoomError.TARGET_INVALID, f"@{target.handle} is not in this room.")
    if member.pk == actor_member.pk:
        raise ApplicationError(RoomError.TARGET_INVALID, "You can't do that to yourself.")
    if not outranks(actor=actor_member, target=member):
        raise ForbiddenError(RoomError.NOT_ALLOWED, "You can't do that to someone of your rank or above.")
    if action not in member_actions(room=room, actor=actor_member, target=member):
        raise ForbiddenError(RoomError.NOT_ALLOWED, "Not in a 1:1 partner call.")
    return member


def member_kick(*, actor: User, room: Room, target: User, ban_for: timedelta | None = KICK_BAN) -> None:
    """Remove a member; they can't rejoin until the ban ends (None: for good)."""
    with transaction.atomic():
        room = _lock(room)
        member = _target(room, _require_moderator(room, actor), target, "kick")
        RoomBan.objects.update_or_create(
            room=room, user=target, defaults={"until": timezone.now() + ban_for if ban_for else None, "created_by": actor}
        )
        _remove_member(room, member, op="kicked")


def member_ban_by_platform(*, actor: User, room: Room, target: User, until) -> RoomBan:
    """Staff ban `target` from the room until `until` (None: for good; the moderation queue audits it): a
    member is removed at once and their sockets here close."""
    with transaction.atomic():
        room = _lock(room)
        ban, _ = RoomBan.objects.update_or_create(room=room, user=target, defaults={"until": until, "created_by": actor})
        member = member_get(room=room, user=target)
        if member is not None:
            _remove_member(room, member, op="kicked")
    return ban


def member_mute(*, actor: User, room: Room, target: User, is_muted: bool) -> RoomMember:
    with transaction.atomic():
        room = _lock(room)
        member = _target(room, _require_moderator(room, actor), target, "mute")
        member.is_muted = is_muted
        member.save(update_fields=["is_muted"])
        standing_changed_publish(room, member)
    return member


def member_set_role(*, actor: User, room: Room, target: User, role: RoomRole) -> RoomMember:
    if role == RoomRole.LEADER:
        return leadership_transfer(actor=actor, room=room, target=target)
    with transaction.atomic():
        room = _lock(room)
        leader = _require_leader(room, actor)
        member = member_get(room=room, user=target)
        if member is None or member.role == RoomRole.LEADER:
            raise NotFoundError(RoomError.TARGET_INVALID, "Pick another member of the room.")
        _target(room, leader, target, "role")
        member.role = role
        member.save(update_fields=["role"])
        standing_changed_publish(room, member)
    return member


def leadership_transfer(*, actor: User, room: Room, target: User) -> RoomMember:
    with transaction.atomic():
        room = _lock(room)
        leader = _require_leader(room, actor)
        successor = member_get(room=room, user=target)
        if successor is None or successor.pk == leader.pk:
            raise NotFoundError(RoomError.TARGET_INVALID, "Pick another member of the room.")
        _target(room, leader, target, "transfer")
        _hand_over(room, successor)
        leader.refresh_from_db()
        standing_changed_publish(room, leader)
        publish_hallway(room, "updated")
    return successor


# -- raised hands -------------------------------------------------------------------------------
def member_hand_raise(*, user: User, room: Room, is_raised: bool) -> RoomMember:
    """Raise or lower one's own hand; raising again keeps one's place (the first raise's time)."""
    with transaction.atomic():
        member = RoomMember.objects.select_for_update().filter(room=room, user=user).first()
        if member is None:
            raise NotFoundError(RoomError.NOT_A_MEMBER, "You are not in this room.")
        return _set_hand(room, member, is_raised)


def member_hand_lower(*, actor: User, room: Room, target: User) -> RoomMember:
    """A moderator puts someone's hand down (they were heard, or it was a mistake)."""
    with transaction.atomic():
        room = _lock(room)
        member = _target(room, _require_moderator(room, actor), target, "lower_hand")
        return _set_hand(room, member, False)


def _set_hand(room: Room, member: RoomMember, is_raised: bool) -> RoomMember:
    if (member.hand_raised_at is not None) == is_raised:
        return member  # no change, no event
    member.hand_raised_at = timezone.now() if is_raised else None
    member.save(update_fields=["hand_raised_at"])
    publish_on_commit(events.room_group(room.pk), events.hand_changed(member))
    return member


# -- connections and the sweep ----------------------------------------------------------------
def member_connected(*, room: Room, user: User) -> RoomMember | None:
    with transaction.atomic():
        RoomMember.objects.filter(room=room, user=user).update(
            connections=F("connections") + 1, disconnected_at=None, last_heartbeat_at=timezone.now()
        )
        member = RoomMember.objects.select_related("user").filter(room=room, user=user).first()
        if member is not None and member.connections == 1:
            member_changed_publish(room, member)
    return member


def member_disconnected(*, room: Room, user: User) -> None:
    with transaction.atomic():
        member = RoomMember.objects.select_for_update().select_related("user").filter(room=room, user=user).first()
        if member is None:
            return
        member.connections = max(0, member.connections - 1)
        was_buffering, member.is_buffering = member.is_buffering, False
        if member.connections == 0:
            member.disconnected_at = timezone.now()
        member.save(update_fields=["connections", "disconnected_at", "is_buffering"])
        if member.connections == 0:
            member_changed_publish(room, member)
            watch_session_end(user=user, room=room)
    if was_buffering:
        playback_release_hold(room=room)


def _gone(now) -> Q:
    """Members gone for good: disconnected past the grace period, or joined long ago and never connected."""
    return Q(connections=0) & (
        Q(disconnected_at__lt=now - MEMBER_GRACE)
        | Q(disconnected_at__isnull=True, joined_at__lt=now - NEVER_CONNECTED_GRACE)
    )


def rooms_sweep(*, now=None) -> int:
    """Every few seconds (beat): forget dead sockets, hand over from an absent leader,
    remove members gone past the grace period (or who never came), close empty rooms
    unless they are permanent. Safe to run twice."""
    now = now or timezone.now()
    stale = RoomMember.objects.filter(connections__gt=0, last_heartbeat_at__lt=now - HEARTBEAT_STALE)
    held_room_ids = set(stale.filter(is_buffering=True, room__is_waiting_for_ready=True).values_list("room_id", flat=True))
    stale.update(connections=0, disconnected_at=now, is_buffering=False)
    for room_id in held_room_ids:
        playback_release_hold(room=Room(pk=room_id))
    changed = 0
    absent = RoomMember.objects.filter(connections=0, room__closed_at__isnull=True).filter(
        Q(disconnected_at__lt=now - LEADER_GRACE) | _gone(now)
    )
    for room_id in set(absent.values_list("room_id", flat=True)):
        with transaction.atomic():
            room = Room.objects.select_for_update().get(pk=room_id)
            for member in RoomMember.objects.filter(_gone(now), room=room):
                _remove_member(room, member, op="left")
                changed += 1
            leader = RoomMember.objects.filter(room=room, role=RoomRole.LEADER, connections=0,
                                               disconnected_at__lt=now - LEADER_GRACE).first()
            successor = RoomMember.objects.filter(room=room, connections__gt=0).order_by("joined_at", "id").first()
            if leader is not None and successor is not None:
                _hand_over(room, successor)
                leader.refresh_from_db()
                standing_changed_publish(room, leader)
                changed += 1
    return changed + _empty_rooms_close(now)


def _empty_rooms_close(now) -> int:
    """Close open rooms left with nobody in them (made without a member, or emptied where no close followed)."""
    empty = Room.objects.filter(closed_at__isnull=True, is_permanent=False, created_at__lt=now - NEVER_CONNECTED_GRACE).filter(
        ~Exists(RoomMember.objects.filter(room=OuterRef("pk")))
    )
    rooms = list(empty)
    for room in rooms:
        room_close(room=room, reason="empty")
    return len(rooms)
