"""Reads of guilds, members, requests, invites, chat, guild rooms and the activity feed."""

from collections.abc import Callable
from datetime import date, timedelta

from django.db.models import Case, Count, Expression, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from chat.selectors import messages_page
from config.errors import ForbiddenError, NotFoundError
from rooms.models import Room
from rooms.selectors import with_summary

from . import chat_policy  # a module: the policy reads can_manage from here
from .errors import GuildError
from .models import (
    ActivityKind,
    Guild,
    GuildActivity,
    GuildInvite,
    GuildJoinRequest,
    GuildMember,
    GuildMessage,
    GuildRole,
    InviteStatus,
    RequestStatus,
)

HISTORY_SIZE = 50
ACTIVITY_SIZE = 20
MANAGERS = (GuildRole.LEADER, GuildRole.OFFICER)
ROLE_ORDER = Case(
    When(role=GuildRole.LEADER, then=Value(0)), When(role=GuildRole.OFFICER, then=Value(1)),
    default=Value(2), output_field=IntegerField(),
)


def week_start(today: date | None = None) -> date:
    """Monday of the current week, in UTC (the period of weekly watch seconds and the rank)."""
    today = today or timezone.now().date()
    return today - timedelta(days=today.weekday())


def can_manage(member: GuildMember | None) -> bool:
    """Officers and the leader invite, kick members, answer requests and run guild rooms."""
    return member is not None and member.role in MANAGERS


def can_kick(actor: GuildMember | None, target: GuildMember) -> bool:
    """Officers kick members; the leader kicks officers and members; nobody kicks themselves."""
    if actor is None or actor.pk == target.pk or target.role == GuildRole.LEADER:
        return False
    return actor.role == GuildRole.LEADER or (actor.role == GuildRole.OFFICER and target.role == GuildRole.MEMBER)


def member_menu(*, me: GuildMember | None, member: GuildMember) -> dict:
    """What the viewer may do to one member from the member list (the services enforce the same rules)."""
    leads_them = me is not None and me.role == GuildRole.LEADER and me.pk != member.pk
    return {"can_kick": can_kick(me, member), "can_set_role": leads_them, "can_transfer": leads_them}


# -- guilds ---------------------------------------------------------------------------------
def guild_get(*, slug: str) -> Guild:
    guild = Guild.objects.filter(slug=slug).first()
    if guild is None:
        raise NotFoundError(GuildError.NOT_FOUND, "No such guild.")
    return guild


def guild_list(*, query: str | None = None, is_public: bool | None = None) -> QuerySet[Guild]:
    """Browse and search: busiest this week first. One query per page (plus the count)."""
    guilds = Guild.objects.annotate(member_count=Count("members"))
    if query:
        guilds = guilds.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if is_public is not None:
        guilds = guilds.filter(is_public=is_public)
    return guilds.order_by("-weekly_watch_seconds", "name", "id")


def guild_for_user(*, user: User) -> Guild | None:
    """The one guild a user belongs to, or None."""
    if not user.is_authenticated:
        return None
    return Guild.objects.filter(members__user=user).first()


def guild_rank(*, guild: Guild) -> int | None:
    """1 + the number of guilds with more watching this week; None (unranked) for a guild with none."""
    if not guild.weekly_watch_seconds:
        return None
    return Guild.objects.filter(weekly_watch_seconds__gt=guild.weekly_watch_seconds).count() + 1


def guild_detail(*, guild: Guild, viewer: User) -> dict:
    """What the guild page header and GET /guilds/{slug}/ show. Three queries (four for an outsider of an invite-only guild)."""
    members = list(GuildMember.objects.filter(guild=guild).filter(Q(role=GuildRole.LEADER) | Q(user=viewer))
                   .select_related("user"))
    leader = next((m.user for m in members if m.role == GuildRole.LEADER), None)
    me = next((m for m in members if m.user_id == viewer.pk), None)
    pending = None
    if me is None and not guild.is_public:
        pending = GuildJoinRequest.objects.filter(guild=guild, user=viewer, status=RequestStatus.PENDING).first()
    return {
        "guild": guild,
        "member_count": member_count(guild=guild),
        "rank": guild_rank(guild=guild),
        "leader": leader,
        "me": me,
        "pending_request": pending,
    }


# -- members --------------------------------------------------------------------------------
def membership_get(*, guild: Guild, user: User) -> GuildMember | None:
    if not user.is_authenticated:
        return None
    return GuildMember.objects.filter(guild=guild, user=user).first()


def member_require(*, guild: Guild, user: User) -> GuildMember:
    member = membership_get(guild=guild, user=user)
    if member is None:
        raise ForbiddenError(GuildError.NOT_A_MEMBER, "Only members of this guild can do that.")
    return member


def manager_require(*, guild: Guild, user: User) -> GuildMember:
    member = membership_get(guild=guild, user=user)
    if not can_manage(member):
        raise ForbiddenError(GuildError.NOT_ALLOWED, "Only the leader and officers can do that.")
    return member


def is_in_rooms_guild(*, room: Room, user: User) -> bool:
    """Registered in rooms.selectors.insider_checks: guild members may enter their guild's rooms."""
    return (room.guild_id is not None and user.is_authenticated
            and GuildMember.objects.filter(guild_id=room.guild_id, user=user).exists())


def member_count(*, guild: Guild) -> int:
    return GuildMember.objects.filter(guild=guild).count()


def manager_ids(*, guild: Guild) -> list[int]:
    return list(GuildMember.objects.filter(guild=guild, role__in=MANAGERS).values_list("user_id", flat=True))


def managers_list(*, guild: Guild) -> QuerySet[User]:
    """The leader and officers (who answer requests to join)."""
    return User.objects.filter(guild_membership__guild=guild, guild_membership__role__in=MANAGERS).order_by("pk")


# Per-member figures higher apps add to members_list: name -> a function returning a query
# expression over GuildMember, registered in their AppConfig.ready (gamification: weekly_watch_seconds).
member_figures: dict[str, Callable[[], Expression]] = {}


def members_list(*, guild: Guild) -> QuerySet[GuildMember]:
    """Leader, officers, then members by seniority, with the registered member figures. One query."""
    return (
        GuildMember.objects.filter(guild=guild).select_related("user")
        .annotate(role_order=ROLE_ORDER, **{name: figure() for name, figure in member_figures.items()})
        .order_by("role_order", "joined_at", "id")
    )


# -- requests and invites -------------------------------------------------------------------
def join_requests_pending(*, guild: Guild) -> QuerySet[GuildJoinRequest]:
    return (GuildJoinRequest.objects.filter(guild=guild, status=RequestStatus.PENDING)
            .select_related("user", "guild").order_by("id"))


def join_requests_of_user(*, user: User) -> QuerySet[GuildJoinRequest]:
    return (GuildJoinRequest.objects.filter(user=user, status=RequestStatus.PENDING)
            .select_related("user", "guild").order_by("-id"))


def invites_pending_for_guild(*, guild: Guild) -> QuerySet[GuildInvite]:
    return (GuildInvite.objects.filter(guild=guild, status=InviteStatus.PENDING)
            .select_related("guild", "invited_user", "invited_by").order_by("-id"))


def invites_pending_for_user(*, user: User) -> QuerySet[GuildInvite]:
    return (GuildInvite.objects.filter(invited_user=user, status=InviteStatus.PENDING)
            .select_related("guild", "invited_user", "invited_by").order_by("-id"))


# -- chat -----------------------------------------------------------------------------------
def messages_list(*, guild: Guild, after_id: int | None = None, before_id: int | None = None,
                  limit: int = HISTORY_SIZE) -> list[GuildMessage]:
    """Oldest first: the `limit` after `after_id` (resync), else the latest before `before_id`."""
    return messages_page(policy=chat_policy.GUILD_CHAT, context=guild, after_id=after_id, before_id=before_id, limit=limit)


# -- guild rooms and activity -----------------------------------------------------------------
def guild_rooms_list(*, guild: Guild) -> QuerySet[Room]:
    """Open rooms linked to the guild, fullest first, with member count and leader. Two queries."""
    return with_summary(Room.objects.filter(guild=guild, closed_at__isnull=True)).order_by("-member_count", "-created_at")


def guild_room_get(*, guild: Guild, code: str) -> Room:
    room = Room.objects.filter(guild=guild, code=code).first()
    if room is None:
        raise NotFoundError(GuildError.ROOM_NOT_FOUND, "This guild has no such room.")
    return room


MEMBERS_ONLY_ACTIVITY = (ActivityKind.ROOM_CREATED, ActivityKind.EVENT_CREATED)


def activity_list(*, guild: Guild, for_member: bool, limit: int = ACTIVITY_SIZE) -> list[GuildActivity]:
    """Newest first. Guild rooms and events are the members' business: leave them out for anyone else."""
    activity = GuildActivity.objects.filter(guild=guild)
    if not for_member:
        activity = activity.exclude(kind__in=MEMBERS_ONLY_ACTIVITY)
    return list(activity.select_related("actor", "subject").order_by("-id")[:limit])


# -- sockets ----------------------------------------------------------------------------------
def guild_socket_member(*, slug: str, user: User) -> tuple[Guild, GuildMember]:
    """Who may open a guild's socket: its members."""
    guild = guild_get(slug=slug)
    return guild, member_require(guild=guild, user=user)


def guild_snapshot(*, guild: Guild, user: User) -> dict:
    """Everything the guild socket needs on (re)connect, from the database (the hello's body). Three queries."""
    from . import events

    members = list(members_list(guild=guild))
    me = next((m for m in members if m.user_id == user.pk), None)
    return {
        "guild": events.guild_payload(Guild.objects.get(pk=guild.pk)),
        "me": {"role": me.role} if me else None,
        "members": [events.roster_member_payload(member) for member in members],
        "messages": [events.message_payload(message) for message in messages_list(guild=guild)],
    }
