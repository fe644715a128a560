"""Reads: a player's XP, level, streak and watch hours."""

from datetime import timedelta

from django.db.models import Q, Sum

from accounts.models import User

from .models import DailyActivity, PlayerStats
from .rules import level_progress
from .services.activity import local_day


def player_stats(*, user: User) -> dict:
    stats = PlayerStats.objects.filter(user=user).first()
    xp = stats.xp if stats else 0
    return {
        **level_progress(xp),
        "streak_current": stats.streak_current if stats else 0,
        "streak_best": stats.streak_best if stats else 0,
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
