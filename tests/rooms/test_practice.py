"""Language practice analytics (rooms.practice.practice_summary): active voice time per language per week
from voice rooms and partner calls, partners met, the streak; on the profile only for whom the owner allows
(private by default), as data for the chart and in the profile API."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Audience
from accounts.services.users import user_profile_update
from rooms.models import MatchRequest, MatchStatus, RoomKind, WatchSession
from rooms.practice import practice_summary
from tests.accounts.factories import UserFactory
from tests.rooms.factories import RoomFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)  # a Wednesday; the week started on Monday 7 December


def spent(user, room, *, days_ago: float, seconds: int) -> WatchSession:
    session = WatchSession.objects.create(user=user, room=room, last_heartbeat_at=NOW, active_seconds=seconds)
    WatchSession.objects.filter(pk=session.pk).update(started_at=NOW - timedelta(days=days_ago), ended_at=NOW)
    return session


def test_voice_time_counts_per_learned_language_per_week_and_watching_does_not():
    learner = UserFactory(native_languages=["en"], learning_languages=["es", "fr"])
    spanish = RoomFactory(kind=RoomKind.VOICE, languages=["es"], max_members=12)
    both = RoomFactory(kind=RoomKind.VOICE, languages=["es", "fr", "en"], max_members=12)
    english = RoomFactory(kind=RoomKind.VOICE, languages=["en"], max_members=12)
    film = RoomFactory(kind=RoomKind.WATCH, languages=["es"])
    call = RoomFactory(kind=RoomKind.VOICE, languages=[], max_members=2)  # a call from a direct message
    spent(learner, spanish, days_ago=0, seconds=600)
    spent(learner, spanish, days_ago=8, seconds=1200)       # last week
    spent(learner, both, days_ago=1, seconds=601)           # split between Spanish and French (not English)
    spent(learner, english, days_ago=2, seconds=300)        # no learned language: counts for English
    spent(learner, film, days_ago=0, seconds=3600)          # watching is not speaking practice
    spent(learner, call, days_ago=0, seconds=900)           # no language: not counted
    spent(learner, spanish, days_ago=60, seconds=999)       # older than the weeks shown
    summary = practice_summary(user=learner, weeks=8, now=NOW)
    assert summary["weeks"][-1] == "2026-12-07" and summary["weeks"][0] == "2026-10-19" and len(summary["weeks"]) == 8
    by_code = {item["code"]: item["seconds"] for item in summary["languages"]}
    assert by_code == {"es": [0] * 6 + [1200, 600 + 301], "fr": [0] * 7 + [300], "en": [0] * 7 + [300]}
    assert [item["code"] for item in summary["languages"]] == ["es", "en", "fr"]  # most practised first, then by name
    assert summary["total_seconds"] == 1200 + 901 + 300 + 300


def test_the_streak_counts_consecutive_practice_days_up_to_today_or_yesterday():
    learner = UserFactory(learning_languages=["es"])
    room = RoomFactory(kind=RoomKind.VOICE, languages=["es"], max_members=12)
    for days_ago in (1, 2, 3, 5):
        spent(learner, room, days_ago=days_ago, seconds=60)
    assert practice_summary(user=learner, now=NOW)["streak_days"] == 3  # yesterday and the two days before
    spent(learner, room, days_ago=0, seconds=60)
    assert practice_summary(user=learner, now=NOW)["streak_days"] == 4
    assert practice_summary(user=UserFactory(), now=NOW)["streak_days"] == 0


def test_partners_met_counts_different_partners_from_matching():
    learner, ana, ben = UserFactory(), UserFactory(), UserFactory()
    for partner, status in ((ana, MatchStatus.MATCHED), (ana, MatchStatus.MATCHED), (ben, MatchStatus.MATCHED),
                            (None, MatchStatus.EXPIRED)):
        MatchRequest.objects.create(user=learner, speaks=["en"], learns=["es"], status=status, partner=partner)
    assert practice_summary(user=learner, now=NOW)["partners_met"] == 2


def test_the_analytics_are_private_by_default_and_shown_to_whom_the_owner_allows(client):
    owner = UserFactory(handle="lena", learning_languages=["es"])
    spent(owner, RoomFactory(kind=RoomKind.VOICE, languages=["es"], max_members=12), days_ago=0, seconds=1800)
    other = UserFactory()
    assert owner.practice_visibility == Audience.NOBODY
    client.force_login(other)
    assert 'id="practice-card"' not in client.get("/@lena").content.decode()
    assert client.get("/api/v1/users/lena/").json()["practice"] is None
    client.force_login(owner)
    mine = client.get("/@lena").content.decode()
    assert 'id="practice-card"' in mine and 'id="practice-data"' in mine and "Only you" in mine
    assert client.get("/api/v1/users/lena/").json()["practice"]["languages"][0]["code"] == "es"
    user_profile_update(user=owner, practice_visibility=Audience.EVERYONE)
    client.force_login(other)
    assert client.get("/api/v1/users/lena/").json()["practice"]["total_seconds"] >= 1800
    assert 'id="practice-card"' in client.get("/@lena").content.decode()


def test_the_privacy_settings_choose_who_sees_the_practice(client):
    owner = UserFactory()
    client.force_login(owner)
    assert 'name="practice_visibility"' in client.get("/settings/").content.decode()
    response = client.post("/settings/", {"action": "privacy", "stats_visibility": "everyone",
                                          "friends_visibility": "everyone", "friend_requests_from": "everyone",
                                          "is_searchable": "on", "practice_visibility": "friends"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.practice_visibility == Audience.FRIENDS
