"""Reads of accounts, the social graph, notifications, sessions and presence."""

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from config.errors import ApplicationError, ForbiddenError, NotFoundError

from .errors import AccountError, SocialError
from .handles import normalize_handle, validate_handle_shape
from .languages import Proficiency, language_name
from .models import (
    ApiToken,
    Audience,
    Block,
    DeviceSession,
    EmailDigest,
    Follow,
    FriendRequest,
    FriendRequestStatus,
    Friendship,
    LanguageLevel,
    Notification,
    NotificationPreference,
    PresenceConnection,
    PushSubscription,
    QuietHours,
    User,
)
from .notification_registry import kind_info, registered_kinds


# -- users ---------------------------------------------------------------------------
def visible_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True, deactivated_at__isnull=True)


def user_get_by_handle(*, handle: str, viewer: User | None) -> User:
    """The profile owner, unless they don't exist, left, or blocked the viewer."""
    handle = normalize_handle(handle)
    user = visible_users().filter(handle=handle).first()
    if user is None or (viewer is not None and viewer.is_authenticated and is_blocked_by(user=viewer, other=user)):
        raise NotFoundError(AccountError.USER_NOT_FOUND, f"No user @{handle}.")
    return user


def handle_check_available(*, handle: str, for_user: User | None = None) -> str:
    """Normalize and validate a handle; raise unless it is free. Returns the normalized handle."""
    handle = normalize_handle(handle)
    validate_handle_shape(handle)
    taken = User.objects.filter(handle=handle)
    if for_user is not None:
        taken = taken.exclude(pk=for_user.pk)
    if taken.exists():
        raise ApplicationError(AccountError.HANDLE_TAKEN, f"@{handle} is taken.", {"handle": handle})
    return handle


def user_search(*, query: str, viewer: User) -> QuerySet[User]:
    query = normalize_handle(query)
    blocked_me = Block.objects.filter(blocker=OuterRef("pk"), blocked=viewer)
    return (
        visible_users()
        .filter(is_searchable=True)
        .filter(Q(handle__startswith=query) | Q(display_name__icontains=query))
        .exclude(Exists(blocked_me))
        .order_by("handle")
    )


# -- relationships ---------------------------------------------------------------------
def are_friends(*, user: User, other: User) -> bool:
    return Friendship.objects.filter(user=user, friend=other).exists()


def is_blocked_by(*, user: User, other: User) -> bool:
    """Has `other` blocked `user`?"""
    return Block.objects.filter(blocker=other, blocked=user).exists()


def is_blocked_between(*, user: User, other: User) -> bool:
    return Block.objects.filter(Q(blocker=user, blocked=other) | Q(blocker=other, blocked=user)).exists()


def have_mutual_friend(*, user: User, other: User) -> bool:
    return Friendship.objects.filter(user=user, friend__in=Friendship.objects.filter(user=other).values("friend")).exists()


def friend_ids(*, user_id: int) -> list[int]:
    return list(Friendship.objects.filter(user_id=user_id).values_list("friend_id", flat=True))


def audience_allows(*, audience: str, owner: User, viewer: User | None) -> bool:
    if viewer is not None and viewer.is_authenticated and viewer.pk == owner.pk:
        return True
    if audience == Audience.EVERYONE:
        return True
    if audience == Audience.FRIENDS and viewer is not None and viewer.is_authenticated:
        return are_friends(user=owner, other=viewer)
    return False


def friends_list(*, owner: User, viewer: User | None) -> QuerySet[User]:
    if not audience_allows(audience=owner.friends_visibility, owner=owner, viewer=viewer):
        raise ForbiddenError(SocialError.LIST_PRIVATE, f"@{owner.handle} keeps their friend list private.")
    return with_presence(visible_users().filter(friendships__friend=owner)).order_by("handle")


def with_presence(users: QuerySet[User]) -> QuerySet[User]:
    fresh = PresenceConnection.objects.filter(user=OuterRef("pk"), last_heartbeat_at__gte=presence_cutoff())
    return users.annotate(is_online=Exists(fresh))


def friends_online(*, user: User, limit: int = 12) -> QuerySet[User]:
    """The user's friends with a live socket now (the home page's "Friends online"). One query."""
    return with_presence(visible_users().filter(friendships__friend=user)).filter(is_online=True).order_by("handle")[:limit]


def presence_cutoff():
    return timezone.now() - timedelta(seconds=settings.PRESENCE_STALE_SECONDS)


def friend_requests_incoming(*, user: User) -> QuerySet[FriendRequest]:
    return (
        FriendRequest.objects.filter(to_user=user, status=FriendRequestStatus.PENDING)
        .select_related("from_user", "to_user")
        .order_by("-id")
    )


def friend_requests_outgoing(*, user: User) -> QuerySet[FriendRequest]:
    return (
        FriendRequest.objects.filter(from_user=user, status=FriendRequestStatus.PENDING)
        .select_related("from_user", "to_user")
        .order_by("-id")
    )


def blocked_users(*, user: User) -> QuerySet[User]:
    return User.objects.filter(pk__in=Block.objects.filter(blocker=user).values("blocked")).order_by("handle")


def followers(*, user: User) -> QuerySet[User]:
    return visible_users().filter(following__followee=user).order_by("handle")


def following(*, user: User) -> QuerySet[User]:
    return visible_users().filter(followers__follower=user).order_by("handle")


def relationship(*, viewer: User, other: User) -> dict:
    """How the viewer stands with another user, for profile buttons. Four queries."""
    if viewer.pk == other.pk:
        return {"is_self": True}
    pending = {
        (r.from_user_id == viewer.pk): r.pk
        for r in FriendRequest.objects.filter(
            Q(from_user=viewer, to_user=other) | Q(from_user=other, to_user=viewer), status=FriendRequestStatus.PENDING
        )
    }
    return {
        "is_self": False,
        "is_friend": are_friends(user=viewer, other=other),
        "is_following": Follow.objects.filter(follower=viewer, followee=other).exists(),
        "is_blocked": Block.objects.filter(blocker=viewer, blocked=other).exists(),
        "outgoing_request_id": pending.get(True),
        "incoming_request_id": pending.get(False),
    }


def profile_get(*, handle: str, viewer: User | None) -> dict:
    """The account's part of a public profile as the viewer may see it (web.profiles adds the rest)."""
    owner = user_get_by_handle(handle=handle, viewer=viewer)
    can_see_friends = audience_allows(audience=owner.friends_visibility, owner=owner, viewer=viewer)
    can_see_stats = audience_allows(audience=owner.stats_visibility, owner=owner, viewer=viewer)
    return {
        "user": owner,
        "friend_count": Friendship.objects.filter(user=owner).count() if can_see_friends else None,
        "can_see_stats": can_see_stats,
        "can_see_friends": can_see_friends,
        "can_see_practice": audience_allows(audience=owner.practice_visibility, owner=owner, viewer=viewer),
        "languages": language_profile(user=owner),
        "relationship": relationship(viewer=viewer, other=owner) if viewer and viewer.is_authenticated else None,
    }


def language_levels(*, user: User) -> dict[str, str]:
    """The stored CEFR level of each language the user learns (code → level); one query."""
    return dict(LanguageLevel.objects.filter(user=user).values_list("language", "level"))


def language_levels_of(*, user_ids) -> dict[int, dict[str, str]]:
    """The stored levels of several users at once (user id → code → level); one query."""
    found: dict[int, dict[str, str]] = {}
    for user_id, code, level in LanguageLevel.objects.filter(user_id__in=user_ids).values_list("user_id", "language", "level"):
        found.setdefault(user_id, {})[code] = level
    return found


def _level_name(level: str | None) -> str:
    """"Native", "learning · B1 · Intermediate", or "learning" while the learner has not set a level."""
    if level == Proficiency.NATIVE:
        return Proficiency.NATIVE.label
    return f"learning · {Proficiency(level).label}" if level else "learning"


def language_profile(*, user: User) -> list[dict]:
    """The languages on a profile, spoken (native) first, then learned with their level (None: not set)."""
    levels = language_levels(user=user)
    rows = [(code, Proficiency.NATIVE) for code in user.native_languages]
    rows += [(code, levels.get(code)) for code in user.learning_languages]
    return [{"code": code, "name": language_name(code), "level": level,
             "level_name": _level_name(level),
             "is_native": level == Proficiency.NATIVE} for code, level in rows]


# -- notifications -----------------------------------------------------------------------
def notifications_list(*, user: User, unread_only: bool = False, after_id: int | None = None) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user).select_related("actor")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    if after_id is not None:
        qs = qs.filter(pk__gt=after_id)
    return qs.order_by("-id")


def notifications_unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


# -- sessions and tokens -------------------------------------------------------------------
def session_store(session_key: str) -> SessionBase:
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key)


def session_is_current(*, session_key: str | None, user_id: int) -> bool:
    """Is this still the account's live session? (It ends on sign-in elsewhere or sign-out.)"""
    if not session_key:
        return False
    store = session_store(session_key)
    return store.exists(session_key) and str(store.get("_auth_user_id")) == str(user_id)


def device_sessions_list(*, user: User) -> QuerySet[DeviceSession]:
    return DeviceSession.objects.filter(user=user).order_by("-created_at")


def api_tokens_list(*, user: User) -> QuerySet[ApiToken]:
    """Live tokens: not revoked, not expired."""
    live = Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    return ApiToken.objects.filter(live, user=user, revoked_at__isnull=True).order_by("-id")


# -- delivery channels (docs/notifications.md) --------------------------------------------
def notification_channels(*, user: User, kind: str) -> frozenset[str]:
    """The channels `kind` reaches `user` on: what the kind offers, narrowed by the user's preference."""
    info = kind_info(kind)
    if info is None:
        return frozenset()
    chosen = NotificationPreference.objects.filter(user=user, kind=kind).values_list("channels", flat=True).first()
    return info.channels if chosen is None else info.channels & frozenset(chosen)


def notification_preferences(*, user: User) -> list[dict]:
    """Every registered kind with the channels it offers and those the user has on (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channels"))
    return [
        {"kind": kind, "label": info.label, "available": sorted(info.channels),
         "channels": sorted(info.channels if kind not in chosen else info.channels & frozenset(chosen[kind]))}
        for kind, info in sorted(registered_kinds().items(), key=lambda item: item[1].label)
    ]


def push_subscriptions(*, user: User) -> QuerySet:
    return PushSubscription.objects.filter(user=user)


def has_email_digest(*, user: User) -> bool:
    return EmailDigest.objects.filter(user=user).exists()


def quiet_hours(*, user: User) -> QuietHours | None:
    return QuietHours.objects.filter(user=user).first()


def is_quiet_now(*, user: User, now=None) -> bool:
    """Within the user's quiet hours (their time zone): no e-mail, no Web Push."""
    quiet = quiet_hours(user=user)
    if quiet is None:
        return False
    try:
        zone = ZoneInfo(user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = (now or timezone.now()).astimezone(zone).time()
    if quiet.starts < quiet.ends:
        return quiet.starts <= local < quiet.ends
    return local >= quiet.starts or local < quiet.ends  # past midnight
