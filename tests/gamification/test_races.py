"""Races on PostgreSQL with real threads (one connection each), released together by a barrier.

Figure 3: 20 concurrent daily-login claims → exactly one ledger row per user-day, also across
midnight. Figure 6: the weekly reset run twice at once, then again → one grant per winner,
and the same state as a single run. Rounds repeat to catch the race.
"""

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import Notification, User
from audit.models import AuditEvent
from gamification.audit_verbs import AuditVerb
from gamification.models import (
    EventTaskProgress,
    GuildScore,
    LeaderboardSnapshot,
    PlayerStats,
    PremiumGrant,
    UserBadge,
    WeeklyReset,
    XpEntry,
)
from gamification.notification_kinds import NotificationKind
from gamification.rules import Reason, TaskKind
from gamification.services import activity
from gamification.services.scores import watch_time_score
from gamification.services.weekly_reset import weekly_reset_run
from gamification.services.xp import xp_award
from guilds.models import Guild
from tests.conftest import requires_postgres
from tests.races import run_together

from .factories import BadgeFactory, EventTaskFactory, GuildFactory, UserFactory, join_guild

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
SUNDAY_NIGHT = datetime(2026, 11, 22, 23, 59, 59, 900000, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 11, 23, 0, 0, 0, 100000, tzinfo=UTC)
RESET_AT = datetime(2026, 11, 23, 0, 0, 5, tzinfo=UTC)


def errors(results) -> list:
    return [value for kind, value in results if kind == "error"]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_twenty_concurrent_daily_logins_pay_once(round_):
    user = UserFactory()
    results = run_together([lambda: activity.daily_login(user=user)] * 20)
    assert errors(results) == []
    assert XpEntry.objects.filter(user=user, reason=Reason.LOGIN).count() == 1
    stats = PlayerStats.objects.get(user=user)
    assert (stats.xp, stats.week_xp, stats.streak_current) == (50, 50, 1)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_logins_across_midnight_pay_once_per_day_and_week(round_):
    user = UserFactory()  # UTC: this midnight is also the end of the week
    calls = [lambda: activity.daily_login(user=user, now=SUNDAY_NIGHT)] * 10
    calls += [lambda: activity.daily_login(user=user, now=MONDAY_MORNING)] * 10
    results = run_together(calls)
    assert errors(results) == []
    keys = sorted(XpEntry.objects.filter(user=user, reason=Reason.LOGIN).values_list("key", flat=True))
    assert keys == ["login:2026-11-22", "login:2026-11-23"]
    stats = PlayerStats.objects.get(user=user)
    assert stats.xp == sum(XpEntry.objects.filter(user=user).values_list("amount", flat=True)) == 100
    assert (stats.week_start, stats.week_xp) == (date(2026, 11, 23), 50)
    assert (stats.prev_week_start, stats.prev_week_xp) == (date(2026, 11, 16), 50)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_steps_complete_an_event_task_once(round_):
    user = UserFactory()
    badge = BadgeFactory()
    task = EventTaskFactory(kind=TaskKind.SEND_MESSAGES, target=3, badge=badge, xp_reward=200)
    results = run_together([lambda: activity.chat_message_record(user=user)] * 8)
    assert errors(results) == []
    row = EventTaskProgress.objects.get(user=user, task=task)
    assert row.completed_at is not None and row.progress >= 3
    assert XpEntry.objects.filter(user=user, key=f"event_task:{task.pk}").count() == 1
    assert UserBadge.objects.filter(user=user, badge=badge).count() == 1


# -- the weekly reset -------------------------------------------------------------------------------------
def build_world() -> None:
    """Six players and four guilds with last week's watching; one player already has premium."""
    users = {name: UserFactory(handle=name) for name in ("p1", "p2", "p3", "p4", "m1", "m2", "m3", "m4")}
    guilds = {name: GuildFactory(name=name) for name in ("g1", "g2", "g3", "g4")}
    for member, guild in (("p4", "g1"), ("m1", "g1"), ("m2", "g2"), ("m3", "g3"), ("m4", "g4")):
        join_guild(guilds[guild], users[member])
    for index, name in enumerate(["p1", "m1", "p2", "p3", "m2", "p4", "m3", "m4"]):
        watch_time_score(user=users[name], seconds=(10 - index) * 3600, now=RESET_AT - timedelta(days=3))
    User.objects.filter(handle="p2").update(premium_until=RESET_AT + timedelta(days=12))


def normalized_state() -> dict:
    """What the reset wrote, with ids replaced by handles and guild names (comparable across worlds)."""
    handle = dict(User.objects.values_list("pk", "handle"))
    name = dict(Guild.objects.values_list("pk", "name"))
    return {
        "resets": [(r.week_start, r.ran_at, r.summary["grants"], r.summary["snapshot_rows"],
                    json.dumps({b: [(w["rank"], w["label"], w["score"]) for w in ws] for b, ws in r.summary["winners"].items()}))
                   for r in WeeklyReset.objects.all()],
        "snapshots": sorted((s.board, s.rank, s.label, s.score) for s in LeaderboardSnapshot.objects.all()),
        "grants": sorted((handle[g.user_id], g.source, g.rank, g.days, name.get(g.guild_id), g.premium_until_before,
                          g.premium_until_after) for g in PremiumGrant.objects.all()),
        "premium": sorted((handle[pk], until) for pk, until in User.objects.values_list("pk", "premium_until")),
        "notifications": sorted((handle[n.recipient_id], json.dumps(n.data, sort_keys=True))
                                for n in Notification.objects.filter(kind=NotificationKind.LEADERBOARD_REWARD)),
        "audit": sorted((handle[int(a.target_id)], json.dumps({**a.details, "guild_id": name.get(a.details["guild_id"])}))
                        for a in AuditEvent.objects.filter(verb=AuditVerb.PREMIUM_GRANTED)),
        "players": sorted((handle[s.user_id], s.week_start, s.week_watch_seconds, s.prev_week_start,
                           s.prev_week_watch_seconds, s.watch_seconds) for s in PlayerStats.objects.all()),
        "guilds": sorted((name[g.guild_id], g.week_start, g.week_watch_seconds, g.prev_week_watch_seconds)
                         for g in GuildScore.objects.all()),
    }


def wipe() -> None:
    for model in (WeeklyReset, LeaderboardSnapshot, AuditEvent, Guild, User):
        model.objects.all().delete()


@pytest.fixture(scope="module")
def single_run_state(django_db_blocker):
    """The state one reset leaves (computed once, in a world of its own)."""
    with django_db_blocker.unblock():
        build_world()
        weekly_reset_run(now=RESET_AT)
        state = normalized_state()
        wipe()
    return state


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_resets_at_once_then_again_leave_the_state_of_one(round_, single_run_state):
    build_world()
    results = run_together([lambda: weekly_reset_run(now=RESET_AT)] * 2)
    assert errors(results) == []
    assert results[0][1].pk == results[1][1].pk  # the second returned the first's record
    again = weekly_reset_run(now=RESET_AT + timedelta(hours=1))
    assert again.pk == results[0][1].pk

    state = normalized_state()
    assert state == single_run_state
    per_winner = Counter((g[0], g[1]) for g in state["grants"])
    assert set(per_winner.values()) == {1} and len(per_winner) == 7  # 3 players + 4 members of 3 guilds
    assert WeeklyReset.objects.count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_awards_racing_the_reset_count_for_the_new_week_and_change_no_result(round_, single_run_state):
    build_world()
    late = list(User.objects.filter(handle__in=["p3", "m4"]))
    calls = [lambda: weekly_reset_run(now=RESET_AT)] * 2
    calls += [lambda u=u: xp_award(user=u, reason=Reason.LOGIN, key="monday", now=RESET_AT) for u in late]
    results = run_together(calls)
    assert errors(results) == []
    state = normalized_state()
    for key in ("resets", "snapshots", "grants", "premium", "notifications", "audit", "guilds"):
        assert state[key] == single_run_state[key], key
    monday = date(2026, 11, 23)
    assert set(PlayerStats.objects.filter(user__in=late).values_list("week_start", "week_xp")) == {(monday, 50)}
