"""Reads of rooms, members, chat, queue and the hallway."""

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.selectors import are_friends, is_blocked_between
from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError

from .errors import RoomError
from .models import ChatMessage, QueueItem, Room, RoomBan, RoomInvite, RoomMember, RoomRole, SkipVote, Visibility

HISTORY_SIZE = 50


def room_get(*, code: str) -> Room:
    room = Room.objects.filter(code=code).first()
    if room is None:
        raise NotFoundError(RoomError.NOT_FOUND, "No such room.")
    return room


def member_get(*, room: Room, user: User) -> RoomMember | None:
    if not user.is_authenticated:
        return None
    return RoomMember.objects.filter(room=room, user=user).first()


def member_require(*, room: Room, user: User) -> RoomMember:
    member = member_get(room=room, user=user)
    if member is None:
        raise ForbiddenError(RoomError.NOT_A_MEMBER, "Join the room first.")
    return member


def _usable_invite(room: Room, user: User, code: str) -> RoomInvite:
    invite = RoomInvite.objects.filter(room=room, code=code).first()
    if invite is None or (invite.invited_user_id and invite.invited_user_id != user.pk):
        raise ForbiddenError(RoomError.INVITE_INVALID, "That invite isn't valid for you.")
    if invite.expires_at <= timezone.now():
        raise ForbiddenError(RoomError.INVITE_EXPIRED, "That invite has expired.")
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise ForbiddenError(RoomError.INVITE_USED_UP, "That invite has been used up.")
    return invite


def room_join_check(*, room: Room, user: User, invite_code: str = "") -> RoomInvite | None:
    """Raise why `user` may not join `room` now; else return the invite that lets them in, if any.

    room_join runs it under the room's row lock; the room page runs it to explain a refusal
    before anyone presses Join.
    """
    from guilds.selectors import is_guild_member  # guilds.selectors imports this module

    if room.closed_at is not None:
        raise ApplicationError(RoomError.CLOSED, "This room is closed.")
    ban = RoomBan.objects.filter(room=room, user=user).first()
    if ban is not None and (ban.until is None or ban.until > timezone.now()):
        raise ForbiddenError(RoomError.BANNED, "You were removed from this room.",
                             {"until": ban.until.isoformat() if ban.until else None})
    leader = RoomMember.objects.filter(room=room, role=RoomRole.LEADER).select_related("user").first()
    if leader is not None and is_blocked_between(user=user, other=leader.user):
        raise ForbiddenError(RoomError.PRIVATE, "You can't join this room.")
    invite = None
    if invite_code:
        invite = _usable_invite(room, user, invite_code)
    else:
        if room.is_locked:
            raise ForbiddenError(RoomError.LOCKED, "The room is locked.")
        in_guild = room.guild_id is not None and is_guild_member(guild_id=room.guild_id, user=user)
        if (room.visibility == Visibility.PRIVATE or room.is_matchmade) and not in_guild:
            raise ForbiddenError(RoomError.PRIVATE, "This room is private: you need an invite.")
        if room.visibility == Visibility.FRIENDS and not (in_guild or (leader and are_friends(user=user, other=leader.user))):
            raise ForbiddenError(RoomError.FRIENDS_ONLY, "Only friends of the leader can join.")
    if member_count(room=room) >= room.max_members:
        raise ConflictError(RoomError.FULL, "The room is full.", {"max_members": room.max_members})
    return invite


def members_list(*, room: Room) -> QuerySet[RoomMember]:
    return RoomMember.objects.filter(room=room).select_related("user").order_by("joined_at", "id")


def member_count(*, room: Room) -> int:
    return RoomMember.objects.filter(room=room).count()


def connected_count(*, room: Room) -> int:
    return RoomMember.objects.filter(room=room, connections__gt=0).count()


def with_summary(rooms: QuerySet[Room]) -> QuerySet[Room]:
    """Annotate what a hallway card shows: member count and leader, in two queries."""
    leaders = RoomMember.objects.filter(role=RoomRole.LEADER).select_related("user")
    return rooms.annotate(member_count=Count("members", distinct=True)).prefetch_related(
        Prefetch("members", queryset=leaders, to_attr="leader_members")
    )


def hallway_list(*, kind: str | None = None, language: str | None = None, query: str | None = None,
                 has_seats: bool = False) -> QuerySet[Room]:
    rooms = Room.objects.filter(visibility=Visibility.PUBLIC, closed_at__isnull=True, is_matchmade=False)
    if kind:
        rooms = rooms.filter(kind=kind)
    if query:
        rooms = rooms.filter(Q(name__icontains=query) | Q(topic__icontains=query))
    rooms = with_summary(rooms)
    if language:
        # JSON containment differs by database; languages are few, so match on the text.
        rooms = rooms.filter(languages__icontains=f'"{language}"')
    if has_seats:
        rooms = rooms.filter(member_count__lt=F("max_members"))
    return rooms.filter(member_count__gt=0).order_by("-member_count", "-created_at")


def messages_list(*, room: Room, after_id: int | None = None, before_id: int | None = None,
                  limit: int = HISTORY_SIZE) -> list[ChatMessage]:
    messages = ChatMessage.objects.filter(room=room).select_related("author")
    if after_id is not None:
        return list(messages.filter(pk__gt=after_id).order_by("id")[:limit])
    if before_id is not None:
        messages = messages.filter(pk__lt=before_id)
    return list(reversed(messages.order_by("-id")[:limit]))


def queue_list(*, room: Room) -> QuerySet[QueueItem]:
    return QueueItem.objects.filter(room=room).select_related("added_by").order_by("order", "id")


def skip_tally(*, room: Room) -> tuple[int, int]:
    """(votes to skip what's playing, votes needed: more than half of the connected members)."""
    votes = SkipVote.objects.filter(room=room, source_url=room.source_url).count() if room.source_url else 0
    return votes, connected_count(room=room) // 2 + 1


def room_socket_member(*, code: str, user: User) -> tuple[Room, RoomMember]:
    """Who may open a room's socket: members of an open room."""
    room = room_get(code=code)
    if room.closed_at is not None:
        raise ForbiddenError(RoomError.CLOSED, "This room is closed.")
    return room, member_require(room=room, user=user)


def room_snapshot(*, room: Room, user: User) -> dict:
    """Everything a client needs on (re)connect, from the database (the hello's body). Seven queries."""
    from . import events
    from .services.playback import can_control

    room = Room.objects.get(pk=room.pk)
    members = list(members_list(room=room))
    me = next((m for m in members if m.user_id == user.pk), None)
    votes, needed = skip_tally(room=room)
    return {
        "room": events.room_settings_payload(room),
        "me": {"role": me.role, "is_muted": me.is_muted, "can_control": can_control(room, me)} if me else None,
        "state": events.playback_payload(room),
        "members": [events.member_payload(member) for member in members],
        "queue": [events.queue_item_payload(item) for item in queue_list(room=room)],
        "skip_votes": votes,
        "skip_needed": needed,
        "messages": [events.chat_message_payload(message) for message in messages_list(room=room)],
    }


def match_status(*, user: User) -> dict:
    from .models import MatchRequest

    request = MatchRequest.objects.filter(user=user).select_related("room", "partner").order_by("-id").first()
    if request is None:
        return {"status": "idle", "room": None, "partner": None, "waiting_since": None}
    return {
        "status": request.status,
        "room": request.room.code if request.room else None,
        "partner": request.partner,
        "waiting_since": request.created_at if request.status == "waiting" else None,
    }


def invite_get(*, code: str):
    from .models import RoomInvite

    invite = RoomInvite.objects.select_related("room", "created_by").filter(code=code).first()
    if invite is None:
        raise NotFoundError(RoomError.INVITE_INVALID, "That invite link isn't valid.")
    return invite
