"""seed_demo: idempotent, and every page it feeds tells the same story (profile, leaderboards, guild, bell)."""

import io
from collections import Counter

import pytest
from django.core.management import call_command

from accounts.api.serializers import NotificationSerializer
from accounts.models import Friendship, Notification, User
from accounts.selectors import language_levels
from gamification.models import DailyActivity, XpEntry
from gamification.selectors import leaderboard_page, watch_hours
from guilds.models import Guild
from guilds.selectors import guild_rank
from rooms.models import Room
from tests.gamification.conftest import wipe_leaderboard_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    wipe_leaderboard_keys()
    call_command("seed_demo", players=3, stdout=io.StringIO())
    yield
    wipe_leaderboard_keys()


def counts() -> tuple:
    return tuple(model.objects.count() for model in (User, Friendship, Room, Guild, Notification, DailyActivity, XpEntry))


def test_a_second_run_changes_nothing(seeded):
    before = counts()
    call_command("seed_demo", players=3, stdout=io.StringIO())
    assert counts() == before


def test_alice_has_the_same_hours_on_her_profile_and_the_boards(seeded):
    alice = User.objects.get(handle="alice")
    hours = watch_hours(user=alice)
    week = leaderboard_page(viewer=alice, scope="individual", metric="watch", period="week")["me"]
    total = leaderboard_page(viewer=alice, scope="individual", metric="watch", period="all")["me"]
    assert hours["all_time"] > 0
    assert (round(hours["this_week"], 1), round(hours["all_time"], 1)) == (week["hours"], total["hours"])


def test_the_guild_is_ranked_on_what_its_members_watched(seeded):
    guild = Guild.objects.get(name="Popcorn Club")
    board = leaderboard_page(viewer=User.objects.get(handle="alice"), scope="guild", metric="watch", period="all")["me"]
    assert guild.total_watch_seconds == board["score"] > 0
    assert guild_rank(guild=guild) == 1


def test_no_two_notifications_read_the_same_and_history_is_read(seeded):
    for user in User.objects.filter(handle__in=["alice", "bob", "carol", "dave"]):
        rows = Notification.objects.filter(recipient=user)
        texts = [n["text"] for n in NotificationSerializer(rows, many=True).data]
        assert not [text for text, n in Counter(texts).items() if n > 1], (user.handle, texts)
    unread = Notification.objects.filter(recipient__handle="alice", read_at__isnull=True)
    assert sorted(unread.values_list("kind", flat=True)) == ["friend_accepted", "friend_request", "new_follower"]


def test_the_demo_rooms_are_public_permanent_and_open(seeded):
    rooms = Room.objects.filter(visibility="public")
    assert rooms.count() == 2 and all(r.is_permanent and r.closed_at is None for r in rooms)


def test_the_demo_learners_have_levels_for_the_hallway_filters(seeded):
    carol = User.objects.get(handle="carol")
    assert carol.learning_languages == ["fr"]
    assert language_levels(user=carol) == {"fr": "B1"}
    call_command("seed_demo", players=3, stdout=io.StringIO())
    assert language_levels(user=carol) == {"fr": "B1"}
