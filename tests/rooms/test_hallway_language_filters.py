"""The hallway filters by language and CEFR level: live rooms (the level is that of the scheduled room they
opened from) and the Upcoming list, in rooms.selectors, the API and the page; unknown values are a 400."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rooms.models import ScheduledRoom
from rooms.selectors import hallway_list, upcoming_list
from tests.accounts.factories import UserFactory
from tests.rooms.factories import RoomFactory

pytestmark = pytest.mark.django_db


def _scheduled(name: str, *, languages: list[str], level: str, opened: bool) -> ScheduledRoom:
    room = RoomFactory(name=name, languages=languages, is_permanent=True) if opened else None  # listed while empty
    return ScheduledRoom.objects.create(host=UserFactory(), name=name, languages=languages, level=level, room=room,
                                        starts_at=timezone.now() + timedelta(days=1),
                                        status="opened" if opened else "scheduled")


@pytest.fixture
def rooms():
    RoomFactory(name="Plain Spanish", languages=["es"], is_permanent=True)  # no scheduled room: no level
    _scheduled("Spanish B1", languages=["es"], level="B1", opened=True)
    _scheduled("German B1", languages=["de"], level="B1", opened=True)
    _scheduled("Spanish A2", languages=["es"], level="A2", opened=True)
    _scheduled("Later Spanish B1", languages=["es"], level="B1", opened=False)
    _scheduled("Later German C1", languages=["de"], level="C1", opened=False)


def _names(rows) -> set[str]:
    return {row.name for row in rows}


@pytest.mark.parametrize("language, level, live, upcoming", [
    (None, None, {"Plain Spanish", "Spanish B1", "German B1", "Spanish A2"}, {"Later Spanish B1", "Later German C1"}),
    ("es", None, {"Plain Spanish", "Spanish B1", "Spanish A2"}, {"Later Spanish B1"}),
    (None, "B1", {"Spanish B1", "German B1"}, {"Later Spanish B1"}),
    ("es", "B1", {"Spanish B1"}, {"Later Spanish B1"}),
    ("de", "A2", set(), set()),
])
def test_the_selectors_filter_live_and_upcoming_rooms_by_language_and_level(rooms, language, level, live, upcoming):
    assert _names(hallway_list(language=language, level=level)) == live
    assert _names(upcoming_list(language=language, level=level)) == upcoming


def test_the_api_filters_and_refuses_unknown_values(rooms, client):
    client.force_login(UserFactory())
    listed = client.get("/api/v1/rooms/?language=es&level=B1").json()["results"]
    assert [room["name"] for room in listed] == ["Spanish B1"]
    upcoming = client.get("/api/v1/scheduled-rooms/?level=C1").json()["results"]
    assert [row["name"] for row in upcoming] == ["Later German C1"]
    for url in ("/api/v1/rooms/?level=B3", "/api/v1/rooms/?language=zz", "/api/v1/scheduled-rooms/?level=native"):
        response = client.get(url)
        assert response.status_code == 400 and response.json()["code"] == "filter_invalid", url


def test_the_hallway_page_offers_the_level_filter_and_applies_a_shared_link(rooms, client):
    client.force_login(UserFactory())
    html = client.get("/rooms/?language=de&level=C1").content.decode()
    assert '<select name="level" aria-label="Level">' in html and "<option selected>C1</option>" in html
    assert '<option value="de" selected>German</option>' in html
    assert "Later German C1" in html and "Later Spanish B1" not in html
    assert 'data-level="C1" data-languages="de"' in html  # what hallway.js hides items by
    assert client.get("/rooms/?level=Z9").status_code == 200  # a bad link shows everything
