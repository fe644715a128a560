"""Reads: a player's XP, level, streak and watch hours; leaderboards; events; badges and decorations."""

from datetime import date, datetime, timedelta

from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from config.errors import NotFoundError
from guilds.models import Guild, GuildMember
from guilds.selectors import member_require, week_start

from . import leaderboard
from .errors import GamificationError
from .leaderboard import BoardRef, Metric, Period, Scope
from .models import (
    Badge,
    Board,
    DailyActivity,
    Decoration,
    DecorationKind,
    Event,
    EventTaskProgress,
    LeaderboardSnapshot,
    PlayerStats,
    PremiumGrant,
    UserBadge,
    UserDecoration,
    WeeklyReset,
)
from .rules import LEADERBOARD_SIZE, level_progress, task_goal, task_progress_label
from .services.activity import local_day
from .shapes import badge_data, decoration_data


def worn(decoration: Decoration, user: User) -> Decoration | None:
    """An equipped decoration as others see it: a premium perk only while its wearer is premium."""
    return None if decoration.is_premium and not user.is_premium else decoration


def player_stats(*, user: User) -> dict:
    """Level, XP, streak, and the equipped title and frame. One query."""
    stats = PlayerStats.objects.filter(user=user).select_related("title", "frame").first()
    xp = stats.xp if stats else 0
    return {
        **level_progress(xp),
        "streak_current": stats.streak_current if stats else 0,
        "streak_best": stats.streak_best if stats else 0,
        "title": decoration_data(worn(stats.title, user) if stats and stats.title_id else None),
        "frame": decoration_data(worn(stats.frame, user) if stats and stats.frame_id else None),
    }


def watch_hours(*, user: User) -> dict:
    """Hours of active watching this week (from Monday), month, year and all time, in the user's days."""
    today = local_day(user)
    starts = {
        "this_week": today - timedelta(days=today.weekday()),
        "this_month": today.replace(day=1),
        "this_year": today.replace(month=1, day=1),
    }
    rows = DailyActivity.objects.filter(user=user)
    sums = rows.aggregate(
        all_time=Sum("watch_seconds"),
        **{name: Sum("watch_seconds", filter=Q(day__gte=start)) for name, start in starts.items()},
    )
    return {name: round((seconds or 0) / 3600, 2) for name, seconds in sums.items()}


# -- leaderboards --------------------------------------------------------------------------------------
def _board_for(scope: str, metric: str, period: str, moment: datetime | None = None) -> BoardRef:
    try:
        return BoardRef.current(Scope(scope), Metric(metric), Period(period), moment)
    except ValueError as exc:
        raise NotFoundError(GamificationError.BOARD_NOT_FOUND, f"There is no {scope} leaderboard by {metric} for {period}.",
                            {"scope": scope, "metric": metric, "period": period}) from exc


def _guild_url(slug: str) -> str | None:
    try:
        return reverse("guild", kwargs={"slug": slug})
    except NoReverseMatch:  # the guild pages are not mounted
        return None


def _players(ids: list[int]) -> dict[int, dict]:
    """Leaderboard rows' people, visible accounts only. One query."""
    users = (
        User.objects.filter(pk__in=ids, is_active=True, deactivated_at__isnull=True)
        .select_related("stats", "stats__title", "stats__frame")
    )
    players = {}
    for user in users:
        stats = getattr(user, "stats", None)
        players[user.pk] = {
            "id": user.pk, "handle": user.handle, "display_name": user.display_name,
            "avatar_url": user.avatar.url if user.avatar else None,
            "level": stats.level if stats else 1,
            "title": decoration_data(worn(stats.title, user)) if stats and stats.title_id else None,
            "frame": decoration_data(worn(stats.frame, user)) if stats and stats.frame_id else None,
            "is_premium": user.is_premium,
        }
    return players


def _guilds(ids: list[int]) -> dict[int, dict]:
    guilds = Guild.objects.filter(pk__in=ids).annotate(member_count=Count("members"))
    return {
        g.pk: {"id": g.pk, "slug": g.slug, "name": g.name, "avatar_url": g.avatar.url if g.avatar else None,
               "member_count": g.member_count, "url": _guild_url(g.slug)}
        for g in guilds
    }


def _row(entry: leaderboard.Entry, board: BoardRef, who: dict | None, viewer_entity: int | None) -> dict:
    return {
        "rank": entry.rank,
        "score": entry.score,
        "hours": round(entry.score / 3600, 1) if board.metric == Metric.WATCH else None,
        "user": who if board.scope == Scope.INDIVIDUAL else None,
        "guild": who if board.scope == Scope.GUILD else None,
        "is_me": entry.entity_id == viewer_entity,
    }


def viewer_entity(*, viewer: User | None, scope: Scope) -> int | None:
    """Who the viewer is on a board: themselves, or the guild they belong to."""
    if viewer is None or not viewer.is_authenticated:
        return None
    if scope == Scope.INDIVIDUAL:
        return viewer.pk
    return GuildMember.objects.filter(user=viewer).values_list("guild_id", flat=True).first()


def leaderboard_page(*, viewer: User | None, scope: str, metric: str, period: str, limit: int = LEADERBOARD_SIZE,
                     moment: datetime | None = None) -> dict:
    """The top `limit` of a current board and the viewer's own row (however far down).

    From Redis when it is there (one round trip each for the top, the viewer's rank and
    the size), else from the database; then one query for the people or guilds shown.
    """
    board = _board_for(scope, metric, period, moment)
    limit = max(1, min(limit, LEADERBOARD_SIZE))
    entries = leaderboard.top(board, limit)
    mine = viewer_entity(viewer=viewer, scope=board.scope)
    my_entry = leaderboard.rank(board, mine) if mine is not None else None
    ids = [e.entity_id for e in entries] + ([my_entry.entity_id] if my_entry else [])
    people = _players(ids) if board.scope == Scope.INDIVIDUAL else _guilds(ids)
    rows = [_row(e, board, people[e.entity_id], mine) for e in entries if e.entity_id in people]
    return {
        "scope": board.scope, "metric": board.metric, "period": board.period,
        "starts": board.start, "ends": board.end, "as_of": timezone.now(),
        "total": leaderboard.size(board),
        "entries": rows,
        "me": _row(my_entry, board, people.get(my_entry.entity_id), mine) if my_entry else None,
        "has_guild": mine is not None if board.scope == Scope.GUILD else None,
    }


def weekly_results(*, week: date | None = None, viewer: User | None = None, limit: int = 10) -> dict | None:
    """A finished week's final rankings (the latest by default) and the viewer's premium grants for it."""
    resets = WeeklyReset.objects.all()
    reset = (resets.filter(week_start=week) if week else resets).order_by("-week_start").first()
    if reset is None:
        if week is not None:
            raise NotFoundError(GamificationError.WEEK_NOT_FOUND, "No results for that week.", {"week": str(week)})
        return None
    rows = LeaderboardSnapshot.objects.filter(week_start=reset.week_start, rank__lte=limit).order_by("board", "rank")
    boards: dict[str, list[dict]] = {}
    for row in rows:
        boards.setdefault(row.board, []).append(
            {"rank": row.rank, "label": row.label, "score": row.score, "user_id": row.user_id, "guild_id": row.guild_id,
             "hours": round(row.score / 3600, 1) if row.board != Board.INDIVIDUAL_XP else None}
        )
    grants = []
    if viewer is not None and viewer.is_authenticated:
        grants = list(PremiumGrant.objects.filter(user=viewer, week_start=reset.week_start)
                      .values("source", "rank", "days", "premium_until_after"))
    return {"week_start": reset.week_start, "ran_at": reset.ran_at, "boards": boards, "my_grants": grants}


# -- events --------------------------------------------------------------------------------------------
def _event_state(event: Event, now: datetime) -> str:
    if now < event.starts_at:
        return "upcoming"
    return "running" if now < event.ends_at else "ended"


def _events_with_progress(events: list[Event], user: User | None, now: datetime) -> list[dict]:
    task_ids = [t.pk for e in events for t in e.tasks.all()]
    progress = {}
    if user is not None and user.is_authenticated and task_ids:
        progress = {p.task_id: p for p in EventTaskProgress.objects.filter(user=user, task_id__in=task_ids)}
    result = []
    for event in events:
        tasks = []
        for task in event.tasks.all():
            goal = task_goal(task.kind, task.target)
            row = progress.get(task.pk)
            done = min(row.progress, goal) if row else 0
            tasks.append({
                "id": task.pk, "kind": task.kind, "title": task.title, "description": task.description, "ref": task.ref,
                "target": task.target, "goal": goal, "progress": done, "percent": int(done * 100 / goal),
                "label": task_progress_label(task.kind, done, task.target),
                "completed_at": row.completed_at if row else None, "xp_reward": task.xp_reward,
                "badge": badge_data(task.badge) if task.badge_id else None,
            })
        completed = sum(1 for t in tasks if t["completed_at"])
        result.append({
            "id": event.pk, "slug": event.slug, "kind": event.kind, "title": event.title,
            "description": event.description, "sponsor_name": event.sponsor_name,
            "starts_at": event.starts_at, "ends_at": event.ends_at, "state": _event_state(event, now),
            "reward_badge": badge_data(event.reward_badge) if event.reward_badge_id else None,
            "reward_decoration": decoration_data(event.reward_decoration) if event.reward_decoration_id else None,
            "tasks": tasks, "tasks_completed": completed, "is_completed": bool(tasks) and completed == len(tasks),
            "guild": {"slug": event.guild.slug, "name": event.guild.name} if event.guild_id else None,
        })
    return result


def _published_events():
    return Event.objects.filter(is_published=True).select_related("reward_badge", "reward_decoration", "guild").prefetch_related(
        "tasks__badge"
    )


def _visible_events(user: User | None):
    """Platform-wide events, and the events of the user's own guild (nobody else sees those)."""
    mine = GuildMember.objects.filter(user=user).values("guild_id") if user is not None and user.is_authenticated else []
    return _published_events().filter(Q(guild__isnull=True) | Q(guild__in=mine))


def _by_state(events, state: str, now: datetime):
    if state == "past":
        return events.filter(ends_at__lte=now).order_by("-ends_at")[:20]
    return events.filter(ends_at__gt=now).order_by("starts_at", "id")


def events_list(*, user: User | None, state: str = "current", now: datetime | None = None) -> list[dict]:
    """Published events the user may see, with their tasks and the user's progress: "current"
    (running, then upcoming) or "past". Four queries: events, tasks (with badges), and the user's progress.
    """
    now = now or timezone.now()
    return _events_with_progress(list(_by_state(_visible_events(user), state, now)), user, now)


def guild_member_week_seconds() -> Coalesce:
    """A guild member's watch seconds this week (from Monday, UTC): guilds.selectors.member_figures."""
    this_week = (
        DailyActivity.objects.filter(user=OuterRef("user_id"), day__gte=week_start())
        .order_by().values("user").annotate(seconds=Sum("watch_seconds")).values("seconds")
    )
    return Coalesce(Subquery(this_week), Value(0))


def guild_events_list(*, guild, user: User, state: str = "current", now: datetime | None = None) -> list[dict]:
    """A guild's own events, for its members (anyone else: not_a_guild_member)."""
    member_require(guild=guild, user=user)
    now = now or timezone.now()
    return _events_with_progress(list(_by_state(_published_events().filter(guild=guild), state, now)), user, now)


def event_get_for_user(*, slug: str, user: User | None, now: datetime | None = None) -> dict:
    event = _visible_events(user).filter(slug=slug).first()
    if event is None:
        raise NotFoundError(GamificationError.EVENT_NOT_FOUND, "No such event.", {"slug": slug})
    return _events_with_progress([event], user, now or timezone.now())[0]


# -- badges and decorations ----------------------------------------------------------------------------------
def badge_showcase(*, user: User) -> list[dict]:
    """The badges a user shows on their profile, in order. One query."""
    rows = UserBadge.objects.filter(user=user, showcase_position__isnull=False).select_related("badge")
    return [badge_data(ub.badge, position=ub.showcase_position, earned_at=ub.earned_at)
            for ub in rows.order_by("showcase_position")]


def badges_collection(*, user: User) -> dict:
    """Every active badge, earned ones first (with showcase positions), then the ones still to earn. Two queries."""
    earned = list(UserBadge.objects.filter(user=user).select_related("badge").order_by("-earned_at", "-id"))
    earned_ids = {ub.badge_id for ub in earned}
    locked = Badge.objects.filter(is_active=True).exclude(pk__in=earned_ids).order_by("rarity", "name")
    return {
        "earned": [badge_data(ub.badge, position=ub.showcase_position, earned_at=ub.earned_at) for ub in earned],
        "locked": [badge_data(badge) for badge in locked],
    }


def decorations_for_user(*, user: User) -> dict:
    """Titles and frames: owned (unlocked, or reached by level) and locked, with what is equipped. Three queries."""
    stats = PlayerStats.objects.filter(user=user).first()
    level = stats.level if stats else 1
    owned_ids = set(UserDecoration.objects.filter(user=user).values_list("decoration_id", flat=True))
    result: dict = {kind: {"owned": [], "locked": []} for kind in DecorationKind.values}
    for decoration in Decoration.objects.filter(is_active=True):
        is_owned = decoration.pk in owned_ids or (decoration.unlock_level is not None and decoration.unlock_level <= level)
        data = decoration_data(decoration)
        result[decoration.kind]["owned" if is_owned else "locked"].append(data)
    result["equipped"] = {"title": stats.title_id if stats else None, "frame": stats.frame_id if stats else None}
    result["level"] = level
    return result
