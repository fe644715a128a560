"""The hallway and the anonymous live-streams list are answered from a moment's memory (config/shared_reads.py)."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from config import shared_reads
from tests.accounts.factories import UserFactory
from tests.rooms.factories import RoomFactory
from tests.streams.factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db


def queries(client, path) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response.json()["results"]


def test_the_hallway_is_read_once_per_moment_for_everyone_then_afresh():
    RoomFactory(name="First", is_permanent=True)
    alice, bob = APIClient(), APIClient()
    alice.force_login(UserFactory())
    bob.force_login(UserFactory())
    first_count, first = queries(alice, "/api/v1/rooms/")
    RoomFactory(name="Second", is_permanent=True)
    kept_count, kept = queries(bob, "/api/v1/rooms/")  # another caller, within the moment: the same page
    assert kept == first and kept_count < first_count
    assert queries(bob, "/api/v1/rooms/?kind=voice")[1] == []  # another query string is its own page

    with mock.patch("config.shared_reads.time.monotonic", return_value=10**9):  # the moment has passed
        assert {room["name"] for room in queries(bob, "/api/v1/rooms/")[1]} == {"First", "Second"}


def test_live_streams_are_shared_by_anonymous_callers_only():
    fan = UserFactory()
    followed = live_stream(ChannelFactory(slug="followed"), current_viewers=1)
    live_stream(ChannelFactory(slug="popular"), current_viewers=500)
    anonymous = APIClient()
    signed_in = APIClient()
    signed_in.force_login(fan)
    signed_in.post("/api/v1/channels/followed/follow/", {"notify": False}, format="json")

    assert [s["channel"]["slug"] for s in queries(anonymous, "/api/v1/streams/")[1]] == ["popular", "followed"]
    assert [s["channel"]["slug"] for s in queries(signed_in, "/api/v1/streams/")[1]] == ["followed", "popular"]
    assert len(shared_reads._pages) == 1 and followed.pk

