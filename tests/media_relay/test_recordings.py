"""Recordings on the platform (media_relay.recordings): the leader starts and stops them, everyone in
the room is told, the room closing ends them, the parts the relay stores are listed, and the API.

The relay's side (writing the parts when the platform says so) is in test_platform.py; the files
themselves in test_recording.py.
"""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from audit.models import AuditEvent
from media_relay.models import Recording
from media_relay.recordings import (
    recording_going_get,
    recording_list,
    recording_part_store,
    recording_start,
    recording_stop,
)
from media_relay.sfu.egress import PartFile
from rooms.services.membership import room_close
from tests.api import assert_error, signed_in
from tests.conftest import requires_postgres
from tests.races import outcome, run_together
from tests.rooms.conftest import refused
from tests.rooms.factories import RoomFactory, add_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("platform_isolation")]  # clears throttles


@pytest.fixture
def room(alice, bob):
    """A voice room led by alice; bob is a member."""
    room = RoomFactory(created_by=alice, kind="voice")
    add_member(room, bob)
    return room


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


def stored_part(recording, name: str, *, started_at: float = 1_800_000_000.0):
    default_storage.save(name, ContentFile(b"webm"))
    part = PartFile(path="", started_at=started_at, duration=61.5, size=4, tracks=("audio", "audio"))
    return recording_part_store(recording_id=recording.pk, name=name, part=part)


# ------------------------------------------------------------------ services


def test_the_leader_starts_and_stops_a_recording_and_everyone_in_the_room_is_told(room, alice, published, commit):
    with commit():
        recording = recording_start(actor=alice, room=room)
    [started] = published.to(f"room.{room.pk}")
    assert started == {
        "type": "media_relay.recording", "op": "started",
        "recording": {"id": recording.pk, "started_at": recording.started_at.isoformat(), "stopped_at": None},
    }

    with commit():
        stopped = recording_stop(actor=alice, room=room)
    assert stopped.pk == recording.pk and stopped.stopped_by == alice and stopped.stopped_at is not None
    assert published.to(f"room.{room.pk}")[-1]["op"] == "stopped"
    assert published.events("media_relay.recording")[-1]["recording"]["stopped_at"] == stopped.stopped_at.isoformat()
    assert list(AuditEvent.objects.order_by("id").values_list("verb", "actor", "target_id")) == [
        ("room.recording_started", alice.pk, str(recording.pk)),
        ("room.recording_stopped", alice.pk, str(recording.pk)),
    ]


def test_only_the_leader_records_and_only_one_recording_goes_at_a_time(room, alice, bob, carol):
    with refused("not_room_leader", status=403):
        recording_start(actor=bob, room=room)
    with refused("not_a_member", status=403):
        recording_start(actor=carol, room=room)
    with refused("recording_not_found", status=404):
        recording_stop(actor=alice, room=room)

    recording_start(actor=alice, room=room)
    with refused("recording_in_progress", status=409):
        recording_start(actor=alice, room=room)
    with refused("not_room_leader", status=403):
        recording_stop(actor=bob, room=room)
    assert Recording.objects.filter(room=room).count() == 1


def test_closing_the_room_stops_its_recording_with_no_actor(room, alice, published, commit):
    recording = recording_start(actor=alice, room=room)

    with commit():
        room_close(actor=alice, room=room)

    recording.refresh_from_db()
    assert recording.stopped_at is not None and recording.stopped_by is None
    assert AuditEvent.objects.filter(verb="room.recording_stopped", actor=None).get().details == {
        "room": room.code, "by": "room_closed"}
    assert [e["op"] for e in published.events("media_relay.recording")] == ["stopped"]


def test_a_part_is_recorded_on_its_recording_and_a_part_of_a_deleted_room_is_deleted(room, alice, media):
    recording = recording_start(actor=alice, room=room)
    part = stored_part(recording, "recordings/room-1/a.webm")
    assert (part.recording, part.duration, part.size, part.tracks) == (recording, 61.5, 4, ["audio", "audio"])

    recording_id = recording.pk
    room.delete()
    orphan = PartFile(path="", started_at=1_800_000_000.0, duration=1.0, size=4, tracks=("audio",))
    default_storage.save("recordings/room-1/b.webm", ContentFile(b"webm"))
    assert recording_part_store(recording_id=recording_id, name="recordings/room-1/b.webm", part=orphan) is None
    assert not (media / "recordings/room-1/b.webm").exists()


@requires_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_starts_at_once_make_one_recording(room, alice, attempt):
    results = run_together([lambda: recording_start(actor=alice, room=room)] * 2)
    assert sorted(outcome(r) for r in results) == ["ok", "recording_in_progress"]
    assert Recording.objects.filter(room=room).count() == 1


# ------------------------------------------------------------------ selectors


def test_members_see_whether_the_room_is_recorded_others_are_refused(room, alice, bob, carol,
                                                                     django_assert_num_queries):
    assert recording_going_get(room=room, user=bob) is None
    recording = recording_start(actor=alice, room=room)
    with django_assert_num_queries(2):
        assert recording_going_get(room=room, user=bob) == recording
    with refused("not_a_member", status=403):
        recording_going_get(room=room, user=carol)


def test_the_recording_list_is_what_you_started_with_parts_in_two_queries(room, alice, bob, media,
                                                                           django_assert_num_queries):
    first = recording_start(actor=alice, room=room)
    stored_part(first, "recordings/x/2.webm", started_at=1_800_000_060.0)
    stored_part(first, "recordings/x/1.webm")
    recording_stop(actor=alice, room=room)
    second = recording_start(actor=alice, room=room)

    with django_assert_num_queries(2):
        listed = [(r.pk, r.room.code, [p.file.name for p in r.parts.all()]) for r in recording_list(user=alice)]
    assert listed == [(second.pk, room.code, []), (first.pk, room.code, ["recordings/x/1.webm", "recordings/x/2.webm"])]
    assert not recording_list(user=bob).exists()


# ------------------------------------------------------------------ API


def test_recording_api_start_state_stop_and_list(room, alice, bob, carol, media):
    leader, member = signed_in(alice), signed_in(bob)
    url = f"/api/v1/rooms/{room.code}/recording/"
    assert member.get(url).json() == {"is_recording": False, "started_at": None}

    response = leader.post(url)
    assert response.status_code == 201, response.content
    recording = Recording.objects.get()
    assert response.json() == {"id": recording.pk, "room": room.code, "started_at": response.json()["started_at"],
                                "stopped_at": None, "parts": []}
    state = member.get(url).json()
    assert state["is_recording"] is True and state["started_at"] == response.json()["started_at"]
    assert_error(leader.post(url), 409, "recording_in_progress")
    assert_error(member.delete(url), 403, "not_room_leader")
    assert_error(signed_in(carol).get(url), 403, "not_a_member")

    stored_part(recording, "recordings/room/1.webm")
    stopped = leader.delete(url)
    assert stopped.status_code == 200 and stopped.json()["stopped_at"] is not None
    assert_error(leader.delete(url), 404, "recording_not_found")

    [listed] = leader.get("/api/v1/recordings/").json()["results"]
    assert listed["id"] == recording.pk and listed["stopped_at"] is not None
    assert listed["parts"] == [{"url": "/media/recordings/room/1.webm", "started_at": "2027-01-15T08:00:00Z",
                                "duration": 61.5, "size": 4, "tracks": ["audio", "audio"]}]
    assert member.get("/api/v1/recordings/").json()["results"] == []
    assert_error(APIClient().get("/api/v1/recordings/"), 401, "not_authenticated")


def test_the_room_page_shows_members_that_voice_is_recorded(room, alice, bob, client):
    client.force_login(bob)
    page = client.get(f"/r/{room.code}/").content.decode()
    assert 'id="voice-recording" role="status" hidden' in page

    recording_start(actor=alice, room=room)
    page = client.get(f"/r/{room.code}/").content.decode()
    assert 'id="voice-recording" role="status">' in page
    assert "being recorded" in page


def test_starting_and_stopping_is_throttled_reading_the_state_is_not(room, alice):
    leader = signed_in(alice)
    url = f"/api/v1/rooms/{room.code}/recording/"
    assert {leader.get(url).status_code for _ in range(12)} == {200}  # a page re-reading after reconnects
    starts_and_stops = [(leader.post(url) if i % 2 == 0 else leader.delete(url)).status_code for i in range(11)]
    assert starts_and_stops == [201, 200] * 5 + [429]
    assert leader.get(url).status_code == 200
