"""The leaderboard counters: XP and watch time per week (Monday UTC), month and all time, rolled over in place."""

from datetime import date, timedelta

import pytest

from gamification.models import GuildScore, PlayerStats
from gamification.rules import Reason
from gamification.services.scores import watch_time_score, weekly_counters_roll
from gamification.services.xp import xp_award

from .conftest import WEDNESDAY
from .factories import GuildFactory, UserFactory, join_guild

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 16)
NEXT_WEEK = date(2026, 11, 23)


def stats(user) -> PlayerStats:
    return PlayerStats.objects.get(user=user)


def test_an_award_counts_in_its_week_month_and_all_time():
    user = UserFactory()
    xp_award(user=user, reason=Reason.LOGIN, key="a", now=WEDNESDAY)
    xp_award(user=user, reason=Reason.CHAT, key="b", now=WEDNESDAY + timedelta(days=1))
    s = stats(user)
    assert (s.xp, s.week_start, s.week_xp, s.month_start, s.month_xp) == (65, WEEK, 65, date(2026, 11, 1), 65)
    assert (s.prev_week_start, s.prev_week_xp) == (None, 0)


def test_a_new_week_moves_this_week_to_last_week_in_the_same_update():
    user = UserFactory()
    xp_award(user=user, reason=Reason.LOGIN, key="a", now=WEDNESDAY)
    watch_time_score(user=user, seconds=600, now=WEDNESDAY)
    xp_award(user=user, reason=Reason.CHAT, key="b", now=WEDNESDAY + timedelta(days=5))  # next Monday
    s = stats(user)
    assert (s.week_start, s.week_xp, s.week_watch_seconds) == (NEXT_WEEK, 15, 0)
    assert (s.prev_week_start, s.prev_week_xp, s.prev_week_watch_seconds) == (WEEK, 50, 600)
    assert (s.xp, s.watch_seconds, s.month_xp) == (65, 600, 65)


def test_weeks_with_nothing_in_between_leave_no_stale_last_week():
    user = UserFactory()
    xp_award(user=user, reason=Reason.LOGIN, key="a", now=WEDNESDAY)
    xp_award(user=user, reason=Reason.LOGIN, key="b", now=WEDNESDAY + timedelta(days=21))
    s = stats(user)
    assert (s.week_start, s.week_xp) == (WEEK + timedelta(days=21), 50)
    assert (s.prev_week_start, s.prev_week_xp) == (WEEK, 50)  # the last week with activity, labelled as such
    assert (s.month_start, s.month_xp) == (date(2026, 12, 1), 50)


def test_a_late_award_for_last_week_goes_to_last_week():
    user = UserFactory()
    xp_award(user=user, reason=Reason.LOGIN, key="a", now=WEDNESDAY)
    xp_award(user=user, reason=Reason.LOGIN, key="b", now=WEDNESDAY + timedelta(days=7))
    xp_award(user=user, reason=Reason.CHAT, key="late", now=WEDNESDAY + timedelta(days=1))
    s = stats(user)
    assert (s.week_start, s.week_xp, s.prev_week_xp, s.xp) == (NEXT_WEEK, 50, 65, 115)


def test_watch_time_counts_for_the_guild_the_watcher_is_in_at_the_time():
    user, other = UserFactory(), UserFactory()
    first, second = GuildFactory(), GuildFactory()
    membership = join_guild(first, user)
    join_guild(second, other)
    watch_time_score(user=user, seconds=1200, now=WEDNESDAY)
    membership.delete()
    join_guild(second, user)
    watch_time_score(user=user, seconds=300, now=WEDNESDAY)
    watch_time_score(user=other, seconds=100, now=WEDNESDAY)
    scores = {g.guild_id: (g.week_watch_seconds, g.watch_seconds) for g in GuildScore.objects.all()}
    assert scores == {first.pk: (1200, 1200), second.pk: (400, 400)}
    assert stats(user).week_watch_seconds == 1500


def test_watch_time_without_a_guild_counts_only_for_the_watcher():
    user = UserFactory()
    watch_time_score(user=user, seconds=60, now=WEDNESDAY)
    assert not GuildScore.objects.exists()
    assert stats(user).watch_seconds == 60


def test_the_bulk_roll_over_touches_only_rows_still_on_the_week():
    counting, moved_on, idle = UserFactory(), UserFactory(), UserFactory()
    guild = GuildFactory()
    join_guild(guild, counting)
    watch_time_score(user=counting, seconds=100, now=WEDNESDAY)
    xp_award(user=moved_on, reason=Reason.LOGIN, key="a", now=WEDNESDAY)
    xp_award(user=moved_on, reason=Reason.LOGIN, key="b", now=WEDNESDAY + timedelta(days=5))
    xp_award(user=idle, reason=Reason.LOGIN, key="a", now=WEDNESDAY - timedelta(days=14))

    assert weekly_counters_roll(week=WEEK) == (1, 1)

    s = stats(counting)
    assert (s.week_start, s.week_watch_seconds, s.prev_week_start, s.prev_week_watch_seconds) == (NEXT_WEEK, 0, WEEK, 100)
    assert (s.watch_seconds, s.month_watch_seconds) == (100, 100)  # all time and the month untouched
    assert (stats(moved_on).week_xp, stats(moved_on).prev_week_xp) == (50, 50)
    assert stats(idle).week_start == WEEK - timedelta(days=14)
    g = GuildScore.objects.get()
    assert (g.week_start, g.week_watch_seconds, g.prev_week_watch_seconds, g.watch_seconds) == (NEXT_WEEK, 0, 100, 100)
    assert weekly_counters_roll(week=WEEK) == (0, 0)  # a second roll finds nothing


def test_awards_either_side_of_monday_midnight_count_in_either_commit_order():
    first_ever_then_late = UserFactory()
    xp_award(user=first_ever_then_late, reason=Reason.LOGIN, key="monday", now=WEDNESDAY + timedelta(days=5))
    xp_award(user=first_ever_then_late, reason=Reason.LOGIN, key="sunday", now=WEDNESDAY + timedelta(days=4))
    s = stats(first_ever_then_late)
    assert (s.week_start, s.week_xp, s.prev_week_start, s.prev_week_xp) == (NEXT_WEEK, 50, WEEK, 50)
