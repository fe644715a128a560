"""Figure 4: a property-based state machine over XP awards, cooldowns and clock jumps.

Any sequence of logins, watching (alone or in a party), chat messages, friendships (new
or made again), sponsored-video event tasks, clock jumps of hours or days and time-zone
changes keeps these true after every step:

- the ledger's sum is the player's XP, and the level is level_for(XP);
- no daily cap is ever exceeded: per user and local day at most 5 watch awards, 3 chat
  awards and 1 login (the rules' key space, guarded by the ledger's unique key);
- this week's, last week's and this month's counters equal the XP and watching done in
  those UTC periods, as a model of the steps counts them.
"""

import itertools
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from accounts.models import Friendship, User
from gamification import leaderboard
from gamification.models import Event, EventTask, PlayerStats, XpEntry
from gamification.rules import RULES, Reason, TaskKind, level_for
from gamification.services import activity
from gamification.services.event_tasks import event_task_progress
from rooms.models import Room, RoomMember, RoomRole

pytestmark = pytest.mark.django_db

TIME_ZONES = ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Los_Angeles", "Asia/Kolkata", "Europe/Berlin"]
ADS = ["ad-1", "ad-2", "ad-3"]
START = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
STEP_KEY = re.compile(r"^(?P<reason>watch|chat|party):(?P<day>\d{4}-\d\d-\d\d):(?P<index>\d+)$")
_handles = itertools.count()


class XpLedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # each run is rolled back in teardown
        self.now = START
        n = next(_handles)
        self.user = User.objects.create(handle=f"prop{n}", email=f"prop{n}@example.com")
        self.room = Room.objects.create(name="Party", created_by=self.user, position_at=0)
        RoomMember.objects.create(room=self.room, user=self.user, role=RoomRole.LEADER, connections=1)
        self.friends: list[User] = []
        event = Event.objects.create(title="Ads", slug=f"ads-{n}", starts_at=START - timedelta(days=30),
                                     ends_at=START + timedelta(days=400), is_published=True)
        for index, ref in enumerate(ADS):
            EventTask.objects.create(event=event, kind=TaskKind.SPONSORED_VIDEO, title=ref, ref=ref, target=1,
                                     xp_reward=50 + 150 * index)
        # the model: XP and seconds by UTC week and month, as the steps happened
        self.week_xp: Counter = Counter()
        self.month_xp: Counter = Counter()
        self.week_watch: Counter = Counter()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def xp(self) -> int:
        return PlayerStats.objects.filter(user=self.user).values_list("xp", flat=True).first() or 0

    def counted(self, action) -> None:
        """Run an action and book the XP it gave to the current UTC week and month."""
        before = self.xp()
        action()
        gained = self.xp() - before
        self.week_xp[leaderboard.week_start(self.now)] += gained
        self.month_xp[leaderboard.month_start(self.now)] += gained

    # -- awards ------------------------------------------------------------------------------------
    @rule()
    def log_in(self):
        self.counted(lambda: activity.daily_login(user=self.user, now=self.now))

    @rule(seconds=st.integers(min_value=1, max_value=7200))
    def watch(self, seconds):
        self.counted(lambda: activity.watch_time_record(user=self.user, room=self.room, seconds=seconds, now=self.now))
        self.week_watch[leaderboard.week_start(self.now)] += seconds

    @rule(count=st.integers(min_value=1, max_value=12))
    def chat(self, count):
        def send():
            for _ in range(count):
                activity.chat_message_record(user=self.user, now=self.now)

        self.counted(send)

    @rule(in_room=st.booleans())
    def make_a_friend(self, in_room):
        n = next(_handles)
        friend = User.objects.create(handle=f"friend{n}", email=f"friend{n}@example.com")
        Friendship.objects.bulk_create([Friendship(user=self.user, friend=friend), Friendship(user=friend, friend=self.user)])
        if in_room:  # two friends in the room make it a watch party
            RoomMember.objects.create(room=self.room, user=friend, connections=1)
        self.friends.append(friend)
        self.counted(lambda: activity.friendship_reward(users=(self.user, friend), now=self.now))

    @precondition(lambda self: self.friends)
    @rule(data=st.data())
    def befriend_again(self, data):
        friend = data.draw(st.sampled_from(self.friends))
        self.counted(lambda: activity.friendship_reward(users=(friend, self.user), now=self.now))

    @rule(ad=st.sampled_from(ADS))
    def watch_a_sponsored_video(self, ad):
        self.counted(lambda: event_task_progress(user=self.user, kind=TaskKind.SPONSORED_VIDEO, ref=ad, now=self.now))

    # -- the clock ------------------------------------------------------------------------------------
    @rule(minutes=st.integers(min_value=1, max_value=600))
    def wait_minutes(self, minutes):
        self.now += timedelta(minutes=minutes)

    @rule(days=st.integers(min_value=1, max_value=10))
    def jump_days(self, days):
        self.now += timedelta(days=days)

    @rule(zone=st.sampled_from(TIME_ZONES))
    def move_time_zone(self, zone):
        self.user.timezone = zone
        self.user.save(update_fields=["timezone"])

    # -- what must always hold -------------------------------------------------------------------------
    @invariant()
    def ledger_is_the_balance(self):
        ledger = XpEntry.objects.filter(user=self.user).aggregate(total=Sum("amount"))["total"] or 0
        stats = PlayerStats.objects.filter(user=self.user).first()
        assert (stats.xp if stats else 0) == ledger
        assert (stats.level if stats else 1) == level_for(ledger)

    @invariant()
    def daily_caps_hold(self):
        steps: dict[tuple[str, str], set[int]] = defaultdict(set)
        logins: Counter = Counter()
        for key in XpEntry.objects.filter(user=self.user).values_list("key", flat=True):
            if match := STEP_KEY.match(key):
                steps[(match["reason"], match["day"])].add(int(match["index"]))
            elif key.startswith("login:"):
                logins[key] += 1
        for (reason, day), indexes in steps.items():
            cap = RULES[Reason(reason)].daily_cap
            if cap is not None:
                assert len(indexes) <= cap and max(indexes) < cap, (reason, day, indexes)
        assert all(count == 1 for count in logins.values())

    @invariant()
    def period_counters_match_the_model(self):
        stats = PlayerStats.objects.filter(user=self.user).first()
        if stats is None:
            return
        if stats.week_start is not None:
            assert stats.week_xp == self.week_xp[stats.week_start]
            assert stats.week_watch_seconds == self.week_watch[stats.week_start]
        if stats.prev_week_start is not None:
            assert stats.prev_week_xp == self.week_xp[stats.prev_week_start]
            assert stats.prev_week_watch_seconds == self.week_watch[stats.prev_week_start]
        if stats.month_start is not None:
            assert stats.month_xp == self.month_xp[stats.month_start]
        assert stats.watch_seconds == sum(self.week_watch.values())


def test_awards_cooldowns_and_clock_jumps_keep_the_ledger_and_caps():
    run_state_machine_as_test(
        XpLedgerMachine,
        settings=settings(
            max_examples=25, stateful_step_count=30, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
