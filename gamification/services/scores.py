"""The leaderboard counters: PlayerStats and GuildScore moved with F() in one UPDATE per change.

Each counter row carries its periods (`week_start`, `prev_week_start`, `month_start`).
An update made in a later week than the row's rolls the row over in the same
statement: this week's figures move to `prev_week_*` and start again from the
amount. The weekly reset does the same roll-over in bulk for the rows nobody touched.
"""

from datetime import date, datetime

from django.db import transaction
from django.db.models import Case, DateField, F, Q, Value, When
from django.db.models.fields import BigIntegerField
from django.utils import timezone

from accounts.models import User
from guilds.models import GuildMember

from .. import leaderboard
from ..leaderboard import Metric, Scope
from ..models import GuildScore, PlayerStats

PLAYER_COUNTERS = ("xp", "watch_seconds")
GUILD_COUNTERS = ("watch_seconds",)


def period_update(*, now: datetime, amounts: dict[str, int], counters: tuple[str, ...]) -> dict:
    """UPDATE expressions adding `amounts` to the week/month counters, rolling periods over when due.

    (SQL evaluates every SET expression against the row as it was, so the conditions all
    see the old `week_start` / `month_start`.)
    """
    week, month = leaderboard.week_start(now), leaderboard.month_start(now)
    same_week = Q(week_start=week)
    older_week = Q(week_start__lt=week) | Q(week_start__isnull=True)
    # A late award for a week the row already rolled past (e.g. two awards either side of
    # Monday 00:00 committing in the other order) goes to last week's figures.
    stale = Q(week_start__gt=week)
    stale_same_prev = stale & Q(prev_week_start=week)
    stale_older_prev = stale & (Q(prev_week_start__lt=week) | Q(prev_week_start__isnull=True))
    same_month = Q(month_start=month)
    older_month = Q(month_start__lt=month) | Q(month_start__isnull=True)
    big = BigIntegerField()
    day = DateField()
    updates: dict = {
        "week_start": Case(When(older_week, then=Value(week, output_field=day)), default=F("week_start")),
        "prev_week_start": Case(
            When(older_week, then=F("week_start")),
            When(stale_older_prev, then=Value(week, output_field=day)),
            default=F("prev_week_start"),
        ),
        "month_start": Case(When(older_month, then=Value(month, output_field=day)), default=F("month_start")),
    }
    for name in counters:
        amount = amounts.get(name, 0)
        week_field, prev_field, month_field = f"week_{name}", f"prev_week_{name}", f"month_{name}"
        updates[week_field] = Case(
            When(same_week, then=F(week_field) + amount),
            When(older_week, then=Value(amount)),
            default=F(week_field),
            output_field=big,
        )
        updates[prev_field] = Case(
            When(older_week, then=F(week_field)),
            When(stale_same_prev, then=F(prev_field) + amount),
            When(stale_older_prev, then=Value(amount)),
            default=F(prev_field),
            output_field=big,
        )
        updates[month_field] = Case(
            When(same_month, then=F(month_field) + amount),
            When(older_month, then=Value(amount)),
            default=F(month_field),
            output_field=big,
        )
    return updates


def player_counters_add(*, user: User, now: datetime, xp: int = 0, watch_seconds: int = 0) -> PlayerStats:
    """Add to a player's all-time and period counters; returns the row as it is now.

    (The UPDATE holds the row's lock until commit, so the row read back is ours alone.)
    """
    amounts = {"xp": xp, "watch_seconds": watch_seconds}
    changes = {name: F(name) + amount for name, amount in amounts.items() if amount}
    changes.update(period_update(now=now, amounts=amounts, counters=PLAYER_COUNTERS))
    if not PlayerStats.objects.filter(user=user).update(**changes):
        PlayerStats.objects.get_or_create(user=user)
        PlayerStats.objects.filter(user=user).update(**changes)
    return PlayerStats.objects.get(user=user)


def guild_counters_add(*, guild_id: int, now: datetime, watch_seconds: int) -> GuildScore:
    changes = {"watch_seconds": F("watch_seconds") + watch_seconds}
    changes.update(period_update(now=now, amounts={"watch_seconds": watch_seconds}, counters=GUILD_COUNTERS))
    if not GuildScore.objects.filter(guild_id=guild_id).update(**changes):
        GuildScore.objects.get_or_create(guild_id=guild_id)
        GuildScore.objects.filter(guild_id=guild_id).update(**changes)
    return GuildScore.objects.get(guild_id=guild_id)


@transaction.atomic
def watch_time_score(*, user: User, seconds: int, now: datetime | None = None) -> PlayerStats:
    """Credit watching to the user's boards and to their guild's (the guild they are in now)."""
    now = now or timezone.now()
    stats = player_counters_add(user=user, now=now, watch_seconds=seconds)
    leaderboard.counter_row_record_on_commit(Scope.INDIVIDUAL, (Metric.WATCH,), stats)
    guild_id = GuildMember.objects.filter(user=user).values_list("guild_id", flat=True).first()
    if guild_id is not None:
        score = guild_counters_add(guild_id=guild_id, now=now, watch_seconds=seconds)
        leaderboard.counter_row_record_on_commit(Scope.GUILD, (Metric.WATCH,), score)
    return stats


def weekly_counters_roll(*, week: date) -> tuple[int, int]:
    """The reset's bulk roll-over: rows still counting `week` move it to prev_week_* and start the next at 0.

    Returns (players, guilds) rolled. Rows already rolled by an award are not touched.
    """
    from datetime import timedelta

    next_week = week + timedelta(days=7)
    players = PlayerStats.objects.filter(week_start=week).update(
        prev_week_start=F("week_start"), prev_week_xp=F("week_xp"), prev_week_watch_seconds=F("week_watch_seconds"),
        week_start=next_week, week_xp=0, week_watch_seconds=0,
    )
    guilds = GuildScore.objects.filter(week_start=week).update(
        prev_week_start=F("week_start"), prev_week_watch_seconds=F("week_watch_seconds"),
        week_start=next_week, week_watch_seconds=0,
    )
    return players, guilds
