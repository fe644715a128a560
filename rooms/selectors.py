"""Reads of rooms, members, chat, queue and the hallway."""


from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.languages import CEFR_LEVELS, LANGUAGE_NAMES
from accounts.models import User
from accounts.selectors import are_friends, friend_ids, is_blocked_between
from chat.selectors import messages_page
from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from config.event_schema import iso
from config.hooks import Hook

from .chat_policy import ROOM_CHAT
from .errors import RoomError, ScheduleError
from .models import (
    ChatMessage,
    ChatMode,
    PlaybackControl,
    QueueItem,
    Room,
    RoomBan,
    RoomInvite,
    RoomKind,
    RoomMember,
    RoomReminder,
    RoomRole,
    ScheduledRoom,
    ScheduleStatus,
    SkipVote,
    Visibility,
)

HISTORY_SIZE = 50

# Who counts as one of a room's own people, let in without an invite even when it is private:
# higher apps register a check here instead of rooms importing them (guilds: members of the
# room's guild, registered in guilds/apps.py).
insider_checks = Hook("(room, user) -> True when the user belongs in the room's circle")


def room_create_defaults(*, user: User, kind: str) -> dict:
    """The settings a new room of `kind` starts with for `user`: their room defaults (settings page), except that
    a voice room, being for talking, starts with microphones on whatever the default for watch parties."""
    return {
        "visibility": user.room_visibility,
        "is_mic_enabled": kind == RoomKind.VOICE or user.room_mic_enabled,
        "playback_control": user.room_playback_control,
        "chat_mode": user.room_chat_mode,
    }


def is_insider(*, room: Room, user: User) -> bool:
    return insider_checks.any(room=room, user=user)


def room_get(*, code: str) -> Room:
    room = Room.objects.filter(code=code).first()
    if room is None:
        raise NotFoundError(RoomError.NOT_FOUND, "No such room.")
    return room


def room_get_for_user(*, code: str, user: User) -> Room:
    """A room as the user may read it: a public room for anyone, any other only for its members."""
    room = room_get(code=code)
    if room.visibility != Visibility.PUBLIC:
        member_require(room=room, user=user)
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
        insider = is_insider(room=room, user=user)
        if (room.visibility == Visibility.PRIVATE or room.is_matchmade) and not insider:
            raise ForbiddenError(RoomError.PRIVATE, "This room is private: you need an invite.")
        if room.visibility == Visibility.FRIENDS and not (insider or (leader and are_friends(user=user, other=leader.user))):
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
    """Annotate what a hallway card shows: member count (and how many are connected) and leader, in two queries."""
    leaders = RoomMember.objects.filter(role=RoomRole.LEADER).select_related("user")
    return rooms.annotate(
        member_count=Count("members", distinct=True),
        connected_count=Count("members", filter=Q(members__connections__gt=0), distinct=True),
    ).prefetch_related(Prefetch("members", queryset=leaders, to_attr="leader_members"))


def language_filters_check(*, language: str | None, level: str | None) -> None:
    """The hallway's language and level filters take known values only (a clear 400 otherwise)."""
    if language and language not in LANGUAGE_NAMES:
        raise ApplicationError(RoomError.FILTER_INVALID, "Unknown language code.", {"fields": {"language": [language[:10]]}})
    if level and level not in CEFR_LEVELS:
        raise ApplicationError(RoomError.FILTER_INVALID, "A level is one of A1, A2, B1, B2, C1, C2.",
                               {"fields": {"level": [level[:10]]}, "levels": list(CEFR_LEVELS)})


def _with_language(rows: QuerySet, language: str) -> QuerySet:
    # JSON containment differs by database; languages are few, so match on the text.
    return rows.filter(languages__icontains=f'"{language}"')


def hallway_list(*, kind: str | None = None, language: str | None = None, level: str | None = None,
                 query: str | None = None, has_seats: bool = False) -> QuerySet[Room]:
    """Live public rooms. `level` (A1–C2) keeps rooms opened from a scheduled room of that level: the level
    is the scheduled room's (rooms.ScheduledRoom.level), the only place a room has one."""
    language_filters_check(language=language, level=level)
    rooms = Room.objects.filter(visibility=Visibility.PUBLIC, closed_at__isnull=True, is_matchmade=False)
    if kind:
        rooms = rooms.filter(kind=kind)
    if query:
        rooms = rooms.filter(Q(name__icontains=query) | Q(topic__icontains=query))
    if level:
        rooms = rooms.filter(Exists(ScheduledRoom.objects.filter(room=OuterRef("pk"), level=level)))
    rooms = with_summary(rooms)
    if language:
        rooms = _with_language(rooms, language)
    if has_seats:
        rooms = rooms.filter(member_count__lt=F("max_members"))
    # Live: someone is connected. Permanent rooms stay listed while empty; a room whose members
    # joined over the API and never came in is not shown (and the sweep closes it).
    return rooms.filter(Q(connected_count__gt=0) | Q(is_permanent=True)).order_by(
        "-connected_count", "-member_count", "-created_at"
    )


def rooms_to_join(*, user: User, limit: int = 6) -> list[Room]:
    """Live rooms the user may walk into and isn't in: public ones and their friends' rooms, those with
    friends inside first (annotated `friends_inside`). Three queries: friends, rooms, leaders."""
    friends = friend_ids(user_id=user.pk)
    led_by_friend = Exists(RoomMember.objects.filter(room=OuterRef("pk"), role=RoomRole.LEADER, user_id__in=friends))
    rooms = Room.objects.filter(closed_at__isnull=True, is_matchmade=False, is_locked=False).filter(
        Q(visibility=Visibility.PUBLIC) | (Q(visibility=Visibility.FRIENDS) & led_by_friend)
    ).exclude(members__user=user)
    rooms = with_summary(rooms).annotate(
        friends_inside=Count("members", filter=Q(members__user_id__in=friends, members__connections__gt=0), distinct=True)
    )
    rooms = rooms.filter(Q(connected_count__gt=0) | Q(is_permanent=True), member_count__lt=F("max_members"))
    return list(rooms.order_by("-friends_inside", "-connected_count", "-created_at")[:limit])


def messages_list(*, room: Room, after_id: int | None = None, before_id: int | None = None,
                  limit: int = HISTORY_SIZE) -> list[ChatMessage]:
    """Oldest first: the `limit` after `after_id` (resync), else the latest before `before_id`."""
    return messages_page(policy=ROOM_CHAT, context=room, after_id=after_id, before_id=before_id, limit=limit)


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


# -- capabilities: who may do what (the pages receive these as data, never recompute them) ----------------
MEMBER_ACTIONS = ("mute", "kick", "lower_hand", "role", "transfer")


def can_control_playback(*, room: Room, member: RoomMember | None) -> bool:
    """Play, pause, seek, load, reorder the queue, skip now."""
    return member is not None and (room.playback_control == PlaybackControl.ANYONE or member.can_moderate)


def can_moderate(*, member: RoomMember | None) -> bool:
    """Room settings, invites to a private room, anyone's chat message or queue item."""
    return member is not None and member.can_moderate


def can_lead(*, member: RoomMember | None) -> bool:
    """Close the room, set roles, hand leadership on, record the room's voice."""
    return member is not None and member.role == RoomRole.LEADER


def can_chat(*, room: Room, member: RoomMember | None) -> bool:
    if member is None or member.is_muted or room.chat_mode == ChatMode.OFF:
        return False
    return room.chat_mode != ChatMode.MODS or member.can_moderate


def outranks(*, actor: RoomMember, target: RoomMember) -> bool:
    """Moderators act on members; the leader on members and moderators; nobody on the leader."""
    if target.role == RoomRole.LEADER:
        return False
    return actor.role == RoomRole.LEADER or (actor.role == RoomRole.MODERATOR and target.role == RoomRole.MEMBER)


def member_actions(*, room: Room, actor: RoomMember | None, target: RoomMember) -> list[str]:
    """What `actor` may do to `target` (a seat's menu): some of MEMBER_ACTIONS, in that order.

    A 1:1 partner call has none: each side leaves, or moves on to the next partner.
    """
    if actor is None or actor.user_id == target.user_id or room.is_matchmade or not outranks(actor=actor, target=target):
        return []
    actions = ["mute", "kick", "lower_hand"]
    if can_lead(member=actor):
        actions += ["role", "transfer"]
    return actions


def member_capabilities(*, room: Room, member: RoomMember | None) -> dict:
    """The flags a page needs for `member`; `member_actions` by the target's role (never on oneself)."""
    return {
        "can_control": can_control_playback(room=room, member=member),
        "can_moderate": can_moderate(member=member),
        "can_lead": can_lead(member=member),
        "can_chat": can_chat(room=room, member=member),
        "member_actions": {
            role: member_actions(room=room, actor=member, target=RoomMember(role=role)) for role in RoomRole.values
        },
    }


def me_snapshot(*, room: Room, member: RoomMember) -> dict:
    """`me` in a room's hello and in rooms.me events: my standing and what I may do."""
    return {
        "role": member.role, "is_muted": member.is_muted,
        "hand_raised_at": iso(member.hand_raised_at),
        **member_capabilities(room=room, member=member),
    }


def room_snapshot(*, room: Room, user: User) -> dict:
    """Everything a client needs on (re)connect, from the database (the hello's body). Seven queries."""
    from . import events

    room = Room.objects.get(pk=room.pk)
    members = list(members_list(room=room))
    me = next((m for m in members if m.user_id == user.pk), None)
    votes, needed = skip_tally(room=room)
    return {
        "room": events.room_settings_payload(room),
        "me": me_snapshot(room=room, member=me) if me else None,
        "state": events.playback_payload(room),
        "members": [events.member_payload(member) for member in members],
        "queue": [events.queue_item_payload(item) for item in queue_list(room=room)],
        "skip_votes": votes,
        "skip_needed": needed,
        "messages": [events.chat_message_payload(message) for message in messages_list(room=room)],
    }


def match_waiting_count(*, user: User) -> int:
    """How many others are waiting for a partner now."""
    from .models import MatchRequest, MatchStatus

    return MatchRequest.objects.filter(status=MatchStatus.WAITING).exclude(user=user).count()


def match_status(*, user: User) -> dict:
    """Where `user` stands in partner matching; `speaks`/`learns` are their last request's (else their profile's)."""
    from .models import MatchRequest

    request = MatchRequest.objects.filter(user=user).select_related("room", "partner").order_by("-id").first()
    waiting_count = match_waiting_count(user=user)
    if request is None:
        return {"status": "idle", "room": None, "partner": None, "waiting_since": None, "waiting_count": waiting_count,
                "speaks": list(user.native_languages), "learns": list(user.learning_languages)}
    return {
        "status": request.status,
        "room": request.room.code if request.room else None,
        "partner": request.partner,
        "waiting_since": request.created_at if request.status == "waiting" else None,
        "waiting_count": waiting_count,
        "speaks": request.speaks,
        "learns": request.learns,
    }


def invite_get(*, code: str):
    from .models import RoomInvite

    invite = RoomInvite.objects.select_related("room", "created_by").filter(code=code).first()
    if invite is None:
        raise NotFoundError(RoomError.INVITE_INVALID, "That invite link isn't valid.")
    return invite


def upcoming_list(*, viewer=None, host=None, language: str | None = None, level: str | None = None):
    """Scheduled rooms still to open, soonest first, with how many asked to be reminded and whether the
    viewer did (one query); the hallway's language and level filters apply (level: exactly that level)."""
    language_filters_check(language=language, level=level)
    rooms = (ScheduledRoom.objects.filter(status=ScheduleStatus.SCHEDULED).select_related("host")
             .annotate(reminder_count=Count("reminders")).order_by("starts_at", "id"))
    if language:
        rooms = _with_language(rooms, language)
    if level:
        rooms = rooms.filter(level=level)
    if host is not None:
        rooms = rooms.filter(host=host)
    if viewer is not None and viewer.is_authenticated:
        rooms = rooms.annotate(is_reminded=Exists(RoomReminder.objects.filter(scheduled=OuterRef("pk"), user=viewer)))
    return rooms


def scheduled_room_get(*, pk: int):
    found = ScheduledRoom.objects.select_related("host", "room").filter(pk=pk).first()
    if found is None:
        raise NotFoundError(ScheduleError.NOT_FOUND, "No such scheduled room.")
    return found
