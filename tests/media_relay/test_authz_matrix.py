"""Authorization matrix for media_relay (RELIABILITY item 12): every media_relay endpoint × every kind of caller.

Olive leads two voice rooms with Mia in them: one has a live WHIP stream key, the other is being
recorded. The other user and staff are in neither. The machinery is tests/authz.py.
"""

from types import SimpleNamespace

import pytest

from accounts.services.tokens import api_token_create
from media_relay.models import Recording, StreamKey
from media_relay.recordings import recording_start
from media_relay.stream_keys import stream_key_create
from tests.accounts.factories import UserFactory
from tests.authz import (
    Case,
    anonymous_params,
    as_owner,
    assert_anonymous_refused,
    assert_api_status,
    assert_matrix_complete,
    expect,
    ids,
    matrix_params,
    perform,
)
from tests.rooms.factories import RoomFactory, add_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("platform_isolation")]  # clears throttles

PUBLIC: set[str] = set()  # no media_relay endpoint is open to anonymous callers


@pytest.fixture
def w():
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(olive=olive, owner=olive, other=UserFactory(handle="otto"), mia=UserFactory(handle="mia"))
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    w.room = RoomFactory(created_by=olive, kind="voice")
    w.recorded = RoomFactory(created_by=olive, kind="voice")
    for room in (w.room, w.recorded):
        add_member(room, w.mia)
    stream_key_create(actor=olive, room=w.room)
    w.recording = recording_start(actor=olive, room=w.recorded)
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def check_grant(w, role, response):
    assert response.json()["room"] == f"room-{w.room.pk}"


def check_key(w, role, response):
    assert StreamKey.objects.filter(room=w.room, revoked_at__isnull=True, prefix=response.json()["prefix"]).exists()


def check_key_revoked(w, role, response):
    assert not StreamKey.objects.filter(room=w.room, revoked_at__isnull=True).exists()


def check_recording_state(w, role, response):
    assert response.json()["is_recording"] is True


def check_recording_started(w, role, response):
    assert Recording.objects.get(pk=response.json()["id"]).room_id == w.room.pk


def check_recording_stopped(w, role, response):
    assert Recording.objects.get(pk=w.recording.pk).stopped_at is not None


def check_recordings(w, role, response):
    assert ids(response) == ({w.recording.pk} if as_owner(role) else set())


R = "/rooms/{w.room.code}"
RECORDED = "/rooms/{w.recorded.code}"
CASES = [
    # -- voice: members get a relay token; the leader alone streams in and records
    Case("api-room-media-token", "post", R + "/media-token/", expect(owner=200, other=403), check=check_grant),
    Case("api-room-stream-key", "post", R + "/stream-key/", expect(owner=201, other=403), check=check_key),
    Case("api-room-stream-key", "delete", R + "/stream-key/", expect(owner=204, other=403), check=check_key_revoked),
    Case("api-room-recording", "get", RECORDED + "/recording/", expect(owner=200, other=403), check=check_recording_state),
    Case("api-room-recording", "post", R + "/recording/", expect(owner=201, other=403), check=check_recording_started),
    Case("api-room-recording", "delete", RECORDED + "/recording/", expect(owner=200, other=403),
         check=check_recording_stopped),
    # -- the recordings you started
    Case("api-recordings", "get", "/recordings/", expect(owner=200), check=check_recordings),
]


def olive_state(w) -> dict:
    rooms = [w.room.pk, w.recorded.pk]
    return {
        "keys": sorted(StreamKey.objects.filter(room__in=rooms).values_list("pk", "revoked_at")),
        "recordings": sorted(Recording.objects.filter(room__in=rooms).values_list("pk", "stopped_at")),
    }


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    before = olive_state(w)
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)
    if not (succeeded and as_owner(role)):
        assert olive_state(w) == before  # only Olive streams into and records her rooms


def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete("media_relay", CASES, at_least=7)


@pytest.mark.parametrize("name, method, route", anonymous_params("media_relay"))
def test_anonymous_is_refused_unless_public(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=PUBLIC, fill=w.room.code)
