"""The weekly reset (Celery beat, Monday 00:00 UTC): final rankings, premium for the winners, new week.

1. Snapshot the final top LEADERBOARD_SNAPSHOT_SIZE of each weekly board.
2. Premium: the top REWARDED_RANKS individuals by watch time get PREMIUM_DAYS_INDIVIDUAL days,
   every member of the top REWARDED_RANKS guilds PREMIUM_DAYS_GUILD days; extending
   (max(now, premium_until) + days), never replacing: one conditional UPDATE for all winners
   in the same transaction as their grant rows, unique per (user, week, source).
3. Audit rows (actor None: the platform acted) and a notification per winner.
4. Weekly counters roll over (this week starts at 0); monthly and all-time are untouched.

Idempotent per week: everything happens in one transaction under an advisory lock, and
the WeeklyReset row (unique week) makes a second run, concurrent or later, a no-op that
returns the first run's record. The unique constraints on snapshots and grants are the
last line. Rows the reset did not roll yet still hold the week (an award in the new week
moves it to prev_week_*), so a late run ranks the same figures as a punctual one.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Case, DateTimeField, Q, Value, When
from django.utils import timezone

from accounts.models import User
from accounts.services.notifications import notification_create
from audit.services import audit_record_many
from config.errors import ApplicationError
from config.locks import advisory_lock
from guilds.models import Guild, GuildMember

from .. import leaderboard
from ..audit_verbs import AuditVerb
from ..errors import GamificationError
from ..leaderboard import BoardRef, Metric, Period, Scope
from ..models import Board, GrantSource, LeaderboardSnapshot, PremiumGrant, WeeklyReset
from ..notification_kinds import NotificationKind
from ..rules import LEADERBOARD_SNAPSHOT_SIZE, PREMIUM_DAYS_GUILD, PREMIUM_DAYS_INDIVIDUAL, REWARDED_RANKS
from .scores import weekly_counters_roll

LOCK_NAME = "gamification.weekly_reset"
SNAPSHOT_BOARDS = {
    Board.INDIVIDUAL_WATCH: (Scope.INDIVIDUAL, Metric.WATCH),
    Board.INDIVIDUAL_XP: (Scope.INDIVIDUAL, Metric.XP),
    Board.GUILD_WATCH: (Scope.GUILD, Metric.WATCH),
}


def week_just_ended(now: datetime | None = None) -> date:
    return leaderboard.week_start(now) - timedelta(days=7)


def weekly_reset_run(*, week: date | None = None, now: datetime | None = None) -> WeeklyReset:
    """Reset the week starting `week` (default: the one that just ended). A second run returns the first's record."""
    now = now or timezone.now()
    week = week or week_just_ended(now)
    if week.weekday() != 0:
        raise ApplicationError(GamificationError.WEEK_NOT_FOUND, "Weeks start on Monday.", {"week": week.isoformat()})
    if week + timedelta(days=7) > leaderboard.week_start(now):
        raise ApplicationError(GamificationError.WEEK_NOT_OVER, "That week has not ended yet.", {"week": week.isoformat()})
    with transaction.atomic():
        advisory_lock(LOCK_NAME)
        done = WeeklyReset.objects.filter(week_start=week).first()
        if done is not None:
            return done
        standings = {board: _standings(board, week) for board in SNAPSHOT_BOARDS}
        LeaderboardSnapshot.objects.bulk_create(
            [row for rows in standings.values() for row in rows]
        )
        grants = _premium_grant_all(week=week, standings=standings, now=now)
        players, guilds = weekly_counters_roll(week=week)
        return WeeklyReset.objects.create(
            week_start=week, ran_at=now,
            summary={
                "snapshot_rows": sum(len(rows) for rows in standings.values()),
                "grants": len(grants),
                "players_rolled": players,
                "guilds_rolled": guilds,
                "winners": {
                    board: [{"rank": r.rank, "id": r.entity_id, "label": r.label, "score": r.score}
                            for r in rows[:REWARDED_RANKS]]
                    for board, rows in standings.items()
                },
            },
        )


def _standings(board: Board, week: date) -> list[LeaderboardSnapshot]:
    """The board's final top, from the database (the truth), as unsaved snapshot rows."""
    scope, metric = SNAPSHOT_BOARDS[board]
    entries = leaderboard.db_top(BoardRef(scope, metric, Period.WEEK, week), LEADERBOARD_SNAPSHOT_SIZE)
    ids = [entry.entity_id for entry in entries]
    if scope == Scope.INDIVIDUAL:
        labels = {pk: f"@{handle}" for pk, handle in User.objects.filter(pk__in=ids).values_list("pk", "handle")}
    else:
        labels = dict(Guild.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        LeaderboardSnapshot(
            board=board, week_start=week, rank=entry.rank, entity_id=entry.entity_id, score=entry.score,
            label=labels.get(entry.entity_id, "")[:60],
            user_id=entry.entity_id if scope == Scope.INDIVIDUAL else None,
            guild_id=entry.entity_id if scope == Scope.GUILD else None,
        )
        for entry in entries
    ]


def _premium_grant_all(*, week: date, standings: dict, now: datetime) -> list[PremiumGrant]:
    # (user id, source) → (rank, guild id)
    winners: dict[tuple[int, str], tuple[int, int | None]] = {}
    for row in standings[Board.INDIVIDUAL_WATCH][:REWARDED_RANKS]:
        winners[(row.entity_id, GrantSource.INDIVIDUAL)] = (row.rank, None)
    guild_rank = {row.entity_id: row.rank for row in standings[Board.GUILD_WATCH][:REWARDED_RANKS]}
    members = GuildMember.objects.filter(
        guild_id__in=guild_rank, user__is_active=True, user__deactivated_at__isnull=True
    ).values_list("user_id", "guild_id")
    for user_id, guild_id in members:
        winners[(user_id, GrantSource.GUILD)] = (guild_rank[guild_id], guild_id)
    if not winners:
        return []

    ids = {user_id for user_id, _source in winners}
    users = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    already = set(PremiumGrant.objects.filter(week_start=week, user_id__in=ids).values_list("user_id", "source"))
    guild_names = dict(Guild.objects.filter(pk__in=list(guild_rank)).values_list("pk", "name"))

    def order(item):  # individual grants first, then guild ones (a user who wins both gets 90 + 30 days)
        (user_id, source), (rank, _guild_id) = item
        return source != GrantSource.INDIVIDUAL, rank, user_id

    grants: list[PremiumGrant] = []
    premium: dict[int, tuple[datetime | None, datetime]] = {}  # user id → (premium_until as read, new value)
    for (user_id, source), (rank, guild_id) in sorted(winners.items(), key=order):
        user = users.get(user_id)
        if user is None or (user_id, source) in already:
            continue
        days = PREMIUM_DAYS_INDIVIDUAL if source == GrantSource.INDIVIDUAL else PREMIUM_DAYS_GUILD
        read, current = premium.get(user_id, (user.premium_until, user.premium_until))
        after = max(now, current or now) + timedelta(days=days)  # extend, never replace
        premium[user_id] = (read, after)
        grants.append(PremiumGrant(user=user, week_start=week, source=source, rank=rank, guild_id=guild_id, days=days,
                                   premium_until_before=current, premium_until_after=after))
    if not grants:
        return []
    premium_extend(premium)
    PremiumGrant.objects.bulk_create(grants)  # unique (user, week, source): the last line

    audit_groups: dict[tuple, list[User]] = defaultdict(list)
    for grant in grants:
        audit_groups[(grant.source, grant.rank, grant.days, grant.guild_id)].append(grant.user)
        notification_create(recipient=grant.user, kind=NotificationKind.LEADERBOARD_REWARD, data={
            "week": week.isoformat(), "source": grant.source, "rank": grant.rank, "days": grant.days,
            "premium_until": grant.premium_until_after.isoformat(), "guild": guild_names.get(grant.guild_id),
        })
    for (source, rank, days, guild_id), targets in audit_groups.items():
        audit_record_many(actor=None, verb=AuditVerb.PREMIUM_GRANTED, targets=targets, details={
            "reason": "weekly_leaderboard", "week": week.isoformat(), "source": source, "rank": rank, "days": days,
            "guild_id": guild_id,
        })
    return grants


def premium_extend(changes: dict[int, tuple[datetime | None, datetime]]) -> None:
    """Set premium_until for many users in one conditional UPDATE: {user id: (value read, new value)}.

    Each row changes only if it still holds the value read (the rows are locked by the
    caller on PostgreSQL; SQLite serializes writers). If any changed meanwhile, nothing
    is written and the caller's transaction fails, to be run again.
    """
    unchanged = Q()
    for user_id, (read, _new) in changes.items():
        unchanged |= Q(pk=user_id, premium_until=read) if read is not None else Q(pk=user_id, premium_until__isnull=True)
    new_value = Case(*[When(pk=user_id, then=Value(new)) for user_id, (_read, new) in changes.items()],
                     output_field=DateTimeField())
    if User.objects.filter(unchanged).update(premium_until=new_value) != len(changes):
        raise RuntimeError("premium_until changed under the weekly reset")
