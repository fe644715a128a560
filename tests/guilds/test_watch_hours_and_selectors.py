"""Guild watch hours (the hourly batch and its task), the rank, and the reads' query counts."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from gamification import tasks
from gamification.services.guild_watch_hours import guilds_refresh_watch_hours
from guilds import selectors
from guilds.models import Guild, GuildActivity, GuildMessage, GuildRole
from rooms.models import Room
from tests.accounts.factories import UserFactory
from tests.rooms.factories import RoomFactory
from tests.rooms.factories import add_member as add_room_member

from .factories import GuildFactory, add_member, watched

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2026, 11, 18)
MONDAY = datetime.date(2026, 11, 16)


def seconds(guild) -> tuple[int, int]:
    guild.refresh_from_db()
    return guild.total_watch_seconds, guild.weekly_watch_seconds


# -- the batch ------------------------------------------------------------------------------------
def test_refresh_sums_current_members_all_time_and_since_monday(guild, alice, bob, django_assert_num_queries):
    add_member(guild, bob)
    watched(alice, 600, WEDNESDAY)
    watched(alice, 300, MONDAY)
    watched(alice, 1000, MONDAY - datetime.timedelta(days=1))  # last Sunday: all time only
    watched(bob, 60, WEDNESDAY)
    watched(UserFactory(), 99_999, WEDNESDAY)  # in no guild
    empty = GuildFactory()

    with django_assert_num_queries(1):  # one UPDATE for every guild
        updated = guilds_refresh_watch_hours(today=WEDNESDAY)

    assert updated == 2
    assert seconds(guild) == (1960, 960)
    assert seconds(empty) == (0, 0)


def test_refresh_is_idempotent_and_recomputes_after_people_leave(guild, alice, bob):
    member = add_member(guild, bob)
    watched(alice, 100, WEDNESDAY)
    watched(bob, 50, WEDNESDAY)
    guilds_refresh_watch_hours(today=WEDNESDAY)
    guilds_refresh_watch_hours(today=WEDNESDAY)
    assert seconds(guild) == (150, 150)
    member.delete()
    guilds_refresh_watch_hours(today=WEDNESDAY)
    assert seconds(guild) == (100, 100)


def test_a_new_week_starts_on_monday_utc(guild, alice):
    watched(alice, 700, datetime.date(2026, 11, 22))  # Sunday
    guilds_refresh_watch_hours(today=datetime.date(2026, 11, 22))
    assert seconds(guild) == (700, 700)
    guilds_refresh_watch_hours(today=datetime.date(2026, 11, 23))  # Monday
    assert seconds(guild) == (700, 0)


def test_the_task_runs_the_batch(guild, alice):
    watched(alice, 42, timezone.now().date())
    assert tasks.refresh_guild_watch_hours.run() == 1
    assert seconds(guild) == (42, 42)


def test_the_beat_runs_it_hourly():
    entry = settings.CELERY_BEAT_SCHEDULE["guilds-refresh-watch-hours"]
    assert entry["task"] == "gamification.tasks.refresh_guild_watch_hours"
    assert entry["schedule"].hour == set(range(24)) and len(entry["schedule"].minute) == 1


def test_week_start_is_monday():
    assert {selectors.week_start(MONDAY + datetime.timedelta(days=d)) for d in range(7)} == {MONDAY}


# -- rank -----------------------------------------------------------------------------------------
def test_rank_counts_guilds_with_more_weekly_watching(guild, django_assert_num_queries):
    for weekly in (500, 900, 100):
        GuildFactory(weekly_watch_seconds=weekly, leader=False)
    Guild.objects.filter(pk=guild.pk).update(weekly_watch_seconds=500)
    guild.refresh_from_db()
    with django_assert_num_queries(1):
        assert selectors.guild_rank(guild=guild) == 2  # ties share a rank
    Guild.objects.filter(pk=guild.pk).update(weekly_watch_seconds=1000)
    guild.refresh_from_db()
    assert selectors.guild_rank(guild=guild) == 1


def test_a_guild_without_watching_this_week_is_unranked(guild, django_assert_num_queries):
    GuildFactory(weekly_watch_seconds=0, leader=False)
    with django_assert_num_queries(0):
        assert selectors.guild_rank(guild=guild) is None


# -- reads and their query counts -------------------------------------------------------------------------
def test_guild_list_is_one_query_and_searches(guild, django_assert_num_queries):
    for n in range(5):
        add_member(GuildFactory(name=f"Anime {n}", description="subs only", weekly_watch_seconds=n), UserFactory())
    with django_assert_num_queries(1):
        guilds = list(selectors.guild_list())
    assert [g.name for g in guilds[:2]] == ["Anime 4", "Anime 3"]
    assert {g.name: g.member_count for g in guilds} == {"Night Owls": 1, **{f"Anime {n}": 2 for n in range(5)}}
    assert [g.name for g in selectors.guild_list(query="night")] == ["Night Owls"]
    assert len(selectors.guild_list(query="SUBS")) == 5
    assert [g.name for g in selectors.guild_list(is_public=False)] == []


def test_members_list_is_one_query_in_rank_order_with_weekly_seconds(guild, alice, django_assert_num_queries):
    today = timezone.now().date()
    members = [add_member(guild, role=role) for role in (GuildRole.MEMBER, GuildRole.OFFICER, GuildRole.MEMBER)]
    watched(members[0].user, 3600, today)
    watched(members[0].user, 999, today - datetime.timedelta(days=8))
    with django_assert_num_queries(1):
        listed = [(m.user.handle, m.role, m.weekly_watch_seconds) for m in selectors.members_list(guild=guild)]
    assert listed == [
        ("alice", "leader", 0),
        (members[1].user.handle, "officer", 0),
        (members[0].user.handle, "member", 3600),
        (members[2].user.handle, "member", 0),
    ]


def test_guild_for_user(guild, alice, bob):
    assert selectors.guild_for_user(user=alice) == guild
    assert selectors.guild_for_user(user=bob) is None


def test_activity_list_is_one_query_and_hides_rooms_from_outsiders(guild, alice, django_assert_num_queries):
    GuildActivity.objects.create(guild=guild, kind="joined", actor=alice)
    GuildActivity.objects.create(guild=guild, kind="room_created", actor=alice, details={"room_name": "Secret"})
    with django_assert_num_queries(1):
        assert [a.kind for a in selectors.activity_list(guild=guild, for_member=True)] == ["room_created", "joined"]
    assert [a.kind for a in selectors.activity_list(guild=guild, for_member=False)] == ["joined"]


def test_guild_rooms_list_is_two_queries_and_open_rooms_only(guild, alice, django_assert_num_queries):
    fuller = RoomFactory(guild=guild, created_by=alice)
    add_room_member(fuller)
    RoomFactory(guild=guild)
    RoomFactory(guild=guild, closed_at=timezone.now(), leader=False)
    RoomFactory()  # not the guild's
    with django_assert_num_queries(2):
        rooms = [(r.code, r.member_count, r.leader_members[0].user.handle) for r in selectors.guild_rooms_list(guild=guild)]
    assert len(rooms) == 2 and rooms[0] == (fuller.code, 2, "alice")
    assert Room.objects.count() == 4


def test_messages_list_is_one_query_oldest_first(guild, alice, django_assert_num_queries):
    ids = [GuildMessage.objects.create(guild=guild, author=alice, body=str(n)).pk for n in range(60)]
    with django_assert_num_queries(1):
        latest = selectors.messages_list(guild=guild)
    assert [m.pk for m in latest] == ids[10:]
    assert [m.pk for m in selectors.messages_list(guild=guild, after_id=ids[57])] == ids[58:]
    assert [m.pk for m in selectors.messages_list(guild=guild, before_id=ids[3])] == ids[:3]


def test_guild_detail_is_three_queries(guild, alice, bob, django_assert_num_queries):
    add_member(guild, bob)
    Guild.objects.filter(pk=guild.pk).update(weekly_watch_seconds=60)
    guild.refresh_from_db()
    with django_assert_num_queries(3):
        detail = selectors.guild_detail(guild=guild, viewer=bob)
    assert (detail["member_count"], detail["rank"], detail["leader"], detail["me"].user) == (2, 1, alice, bob)
    assert detail["pending_request"] is None
