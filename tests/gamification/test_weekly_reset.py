"""The weekly reset: final rankings, premium for the winners (extending), notifications, audit, a new week.

Idempotent per week: run it again, later or at once (test_races.py), and nothing changes.
"""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Notification, User
from audit.models import AuditEvent
from config.errors import ApplicationError
from config.settings.celery import CELERY_BEAT_SCHEDULE
from gamification import tasks
from gamification.audit_verbs import AuditVerb
from gamification.models import Board, GrantSource, LeaderboardSnapshot, PlayerStats, PremiumGrant, WeeklyReset
from gamification.notification_kinds import NotificationKind
from gamification.rules import Reason
from gamification.services.scores import watch_time_score
from gamification.services.weekly_reset import week_just_ended, weekly_reset_run
from gamification.services.xp import xp_award

from .conftest import WEDNESDAY
from .factories import GuildFactory, UserFactory, join_guild

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 16)
RESET_AT = datetime(2026, 11, 23, 0, 0, 5, tzinfo=UTC)  # Monday 00:00:05 UTC


def watched(user, hours: float, when=WEDNESDAY):
    watch_time_score(user=user, seconds=int(hours * 3600), now=when)


def world() -> dict:
    """Five players and three guilds (four members) with last week's watching.

    players by watch hours: p1 10 h, p2 8 h, p3 6 h, p4 4 h, p5 2 h (p5 also in guild g1)
    guilds: g1 (p5, m1) 2 + 9 = 11 h, g2 (m2) 7 h, g3 (m3) 5 h, g4 (m4) 1 h
    """
    users = {name: UserFactory(handle=name) for name in ("p1", "p2", "p3", "p4", "p5", "m1", "m2", "m3", "m4")}
    guilds = {name: GuildFactory(name=name.upper()) for name in ("g1", "g2", "g3", "g4")}
    for member, guild in (("p5", "g1"), ("m1", "g1"), ("m2", "g2"), ("m3", "g3"), ("m4", "g4")):
        join_guild(guilds[guild], users[member])
    for name, hours in (("p1", 10), ("p2", 8), ("p3", 6), ("p4", 4), ("p5", 2), ("m1", 9), ("m2", 7), ("m3", 5), ("m4", 1)):
        watched(users[name], hours)
    return {**users, **guilds}


def state() -> dict:
    """Everything the reset writes, as comparable values."""
    return {
        "resets": list(WeeklyReset.objects.values_list("week_start", "ran_at", "summary")),
        "snapshots": list(LeaderboardSnapshot.objects.order_by("board", "rank").values_list("board", "rank", "entity_id", "score")),
        "grants": sorted(PremiumGrant.objects.values_list("user_id", "source", "rank", "days", "premium_until_after")),
        "premium": sorted(User.objects.values_list("pk", "premium_until")),
        "notifications": Notification.objects.filter(kind=NotificationKind.LEADERBOARD_REWARD).count(),
        "audit": sorted((target, json.dumps(details, sort_keys=True)) for target, details in
                        AuditEvent.objects.filter(verb=AuditVerb.PREMIUM_GRANTED).values_list("target_id", "details")),
        "stats": sorted(PlayerStats.objects.values_list(
            "user_id", "week_start", "week_watch_seconds", "prev_week_start", "prev_week_watch_seconds", "watch_seconds")),
    }


def test_the_reset_snapshots_rewards_notifies_audits_and_starts_a_new_week():
    w = world()
    already = RESET_AT + timedelta(days=10)
    User.objects.filter(pk=w["p2"].pk).update(premium_until=already)  # p2 has premium for 10 more days

    reset = weekly_reset_run(now=RESET_AT)

    assert reset.week_start == WEEK and reset.summary["grants"] == 7
    top = list(LeaderboardSnapshot.objects.filter(board=Board.INDIVIDUAL_WATCH).values_list("rank", "label", "score"))
    assert top[:3] == [(1, "@p1", 36000), (2, "@m1", 32400), (3, "@p2", 28800)]
    assert list(LeaderboardSnapshot.objects.filter(board=Board.GUILD_WATCH).values_list("rank", "label")) == [
        (1, "G1"), (2, "G2"), (3, "G3"), (4, "G4")]
    assert LeaderboardSnapshot.objects.filter(board=Board.INDIVIDUAL_XP).count() == 0  # no XP this week

    grants = {(g.user.handle, g.source): (g.rank, g.days) for g in PremiumGrant.objects.select_related("user")}
    assert grants == {
        ("p1", "individual"): (1, 90), ("m1", "individual"): (2, 90), ("p2", "individual"): (3, 90),
        ("p5", "guild"): (1, 30), ("m1", "guild"): (1, 30), ("m2", "guild"): (2, 30), ("m3", "guild"): (3, 30),
    }
    premium = dict(User.objects.values_list("handle", "premium_until"))
    assert premium["p1"] == RESET_AT + timedelta(days=90)
    assert premium["p2"] == already + timedelta(days=90)  # extended, not replaced
    assert premium["m1"] == RESET_AT + timedelta(days=120)  # both prizes
    assert premium["m4"] is None and premium["p4"] is None

    notes = Notification.objects.filter(kind=NotificationKind.LEADERBOARD_REWARD)
    assert notes.count() == 7
    assert notes.get(recipient=w["m3"]).data == {
        "week": "2026-11-16", "source": "guild", "rank": 3, "days": 30,
        "premium_until": (RESET_AT + timedelta(days=30)).isoformat(), "guild": "G3",
    }
    audit = AuditEvent.objects.filter(verb=AuditVerb.PREMIUM_GRANTED)
    assert audit.count() == 7 and not audit.exclude(actor=None).exists()
    assert audit.get(target_id=str(w["p1"].pk)).details == {
        "reason": "weekly_leaderboard", "week": "2026-11-16", "source": "individual", "rank": 1, "days": 90, "guild_id": None}

    p1 = PlayerStats.objects.get(user=w["p1"])
    assert (p1.week_start, p1.week_watch_seconds, p1.prev_week_watch_seconds, p1.watch_seconds) == (WEEK + timedelta(days=7), 0, 36000, 36000)
    assert p1.month_watch_seconds == 36000  # monthly and all-time untouched


def test_a_second_run_changes_nothing():
    world()
    first = weekly_reset_run(now=RESET_AT)
    before = state()
    again = weekly_reset_run(now=RESET_AT + timedelta(hours=1))
    assert again.pk == first.pk
    assert state() == before


def test_a_late_reset_ranks_the_same_figures_as_a_punctual_one():
    w = world()
    # Monday morning, before the reset ran: p4 watches 20 h in the new week, m1 gets XP
    watched(w["p4"], 20, when=RESET_AT + timedelta(hours=3))
    xp_award(user=w["m1"], reason=Reason.LOGIN, key="monday", now=RESET_AT + timedelta(hours=3))

    weekly_reset_run(now=RESET_AT + timedelta(hours=5))

    top = list(LeaderboardSnapshot.objects.filter(board=Board.INDIVIDUAL_WATCH).values_list("label", "score"))
    assert top[:4] == [("@p1", 36000), ("@m1", 32400), ("@p2", 28800), ("@m2", 25200)]
    assert ("@p4", 4 * 3600) in top
    p4 = PlayerStats.objects.get(user=w["p4"])
    assert (p4.week_watch_seconds, p4.prev_week_watch_seconds) == (20 * 3600, 4 * 3600)  # the new week kept


def test_only_active_accounts_win_and_ties_go_to_who_came_first():
    a, b, c, gone = (UserFactory() for _ in range(4))
    for user in (a, b, c, gone):
        watched(user, 3)
    User.objects.filter(pk=gone.pk).update(is_active=False, deactivated_at=timezone.now())
    weekly_reset_run(now=RESET_AT)
    assert sorted(PremiumGrant.objects.values_list("rank", "user_id")) == [(1, a.pk), (2, b.pk), (3, c.pk)]


def test_a_quiet_week_grants_nothing_and_still_completes():
    reset = weekly_reset_run(now=RESET_AT)
    assert reset.summary["grants"] == 0 and not PremiumGrant.objects.exists()
    assert WeeklyReset.objects.count() == 1


def test_a_week_that_has_not_ended_is_refused():
    with pytest.raises(ApplicationError) as info:
        weekly_reset_run(week=WEEK, now=WEDNESDAY)
    assert info.value.code == "week_not_over"
    with pytest.raises(ApplicationError) as info:
        weekly_reset_run(week=WEEK + timedelta(days=1), now=RESET_AT)
    assert info.value.code == "week_not_found"


def test_the_reset_publishes_one_notification_event_per_winner_after_commit(published, django_capture_on_commit_callbacks):
    world()
    with django_capture_on_commit_callbacks(execute=True):
        weekly_reset_run(now=RESET_AT)
    created = [e for e in published.events("notifications.notification", "created")
               if e["notification"]["kind"] == "leaderboard_reward"]
    assert len(created) == 7


def test_results_selector_and_api_after_the_reset(client):
    w = world()
    weekly_reset_run(now=RESET_AT)
    client.force_login(w["m1"])
    body = client.get("/api/v1/leaderboards/results/").json()
    assert body["week_start"] == "2026-11-16"
    assert [r["label"] for r in body["boards"]["guild_watch"]][:3] == ["G1", "G2", "G3"]
    assert body["boards"]["individual_watch"][0]["hours"] == 10.0
    assert sorted((g["source"], g["days"]) for g in body["my_grants"]) == [("guild", 30), ("individual", 90)]
    assert client.get("/api/v1/leaderboards/results/?week=2026-11-09").json()["code"] == "week_not_found"
    html = client.get("/leaderboards/").content.decode()
    assert "Last week's winners" in html and "You won 90 days of Premium" in html


def test_the_management_command_resets_the_week_that_just_ended(capsys):
    user = UserFactory(handle="demo")
    watch_time_score(user=user, seconds=7200, now=timezone.now() - timedelta(days=7))
    call_command("simulate_weekly_reset")
    out = capsys.readouterr().out
    assert f"Reset the week of {week_just_ended()}" in out and "@demo" in out
    assert PremiumGrant.objects.get().source == GrantSource.INDIVIDUAL
    call_command("simulate_weekly_reset")
    assert "already reset" in capsys.readouterr().out
    assert PremiumGrant.objects.count() == 1


def test_the_task_runs_the_service_and_the_beat_runs_it_on_monday_midnight():
    WeeklyReset.objects.create(week_start=week_just_ended(), ran_at=timezone.now())
    assert tasks.weekly_reset.run() == WeeklyReset.objects.get().pk  # a no-op: already done
    entry = CELERY_BEAT_SCHEDULE["gamification-weekly-reset"]
    assert entry["task"] == "gamification.tasks.weekly_reset"
    schedule = entry["schedule"]
    assert (schedule.minute, schedule.hour, schedule.day_of_week) == ({0}, {0}, {1})
    assert CELERY_BEAT_SCHEDULE["gamification-weekly-reset-catch-up"]["task"] == "gamification.tasks.weekly_reset"
