"""/recordings/: who recorded a room's voice and the people recorded play and download it; who recorded it
deletes it (media_relay.recordings.recording_delete, audited); anyone else is refused."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import ApplicationError
from media_relay.audit_verbs import AuditVerb
from media_relay.models import Recording
from media_relay.recordings import recording_delete, recording_part_store, recording_start, recording_stop
from media_relay.sfu.egress import PartFile
from rooms.models import WatchSession
from tests.rooms.factories import RoomFactory, add_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("platform_isolation")]


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


def session(user, room, *, started_ago: timedelta, ended_ago: timedelta | None) -> None:
    now = timezone.now()
    row = WatchSession.objects.create(user=user, room=room, last_heartbeat_at=now)
    WatchSession.objects.filter(pk=row.pk).update(started_at=now - started_ago, ended_at=now - ended_ago if ended_ago else None)


@pytest.fixture
def recording(media, alice, bob, dave):
    """Alice recorded her voice room for a while, with bob in it; dave had left before she started."""
    room = RoomFactory(created_by=alice, kind="voice", name="Spanish practice")
    add_member(room, bob)
    session(dave, room, started_ago=timedelta(hours=2), ended_ago=timedelta(hours=1))
    recording = recording_start(actor=alice, room=room)
    Recording.objects.filter(pk=recording.pk).update(started_at=timezone.now() - timedelta(minutes=30))
    session(bob, room, started_ago=timedelta(minutes=40), ended_ago=timedelta(minutes=5))
    for n in range(2):
        name = f"recordings/{recording.pk}-{n}.webm"
        default_storage.save(name, ContentFile(b"webm"))
        recording_part_store(recording_id=recording.pk, name=name,
                             part=PartFile(path="", started_at=1_800_000_000.0 + n, duration=61.5, size=4, tracks=("audio",)))
    return recording_stop(actor=alice, room=room)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who, status, may_delete", [("alice", 200, True), ("bob", 200, False), ("carol", 404, False),
                                                     ("dave", 404, False)])
def test_the_recording_page_is_for_who_recorded_it_and_the_people_recorded(recording, who, status, may_delete, request):
    response = as_user(request.getfixturevalue(who)).get(f"/recordings/{recording.pk}/")
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "Spanish practice" in html and html.count("<audio controls") == 2 and html.count(" download>") == 2
        assert ('id="recording-delete"' in html) is may_delete


def test_the_list_shows_each_their_recordings(recording, alice, bob, carol, django_assert_num_queries):
    client = as_user(alice)
    client.get("/recordings/")
    with django_assert_num_queries(3):  # the user; recordings (rooms, who started them); parts
        html = client.get("/recordings/").content.decode()
    assert f'id="recording-{recording.pk}"' in html and "Delete" in html
    html = as_user(bob).get("/recordings/").content.decode()
    assert f'id="recording-{recording.pk}"' in html and "Delete this recording" not in html
    html = as_user(carol).get("/recordings/").content.decode()
    assert f'id="recording-{recording.pk}"' not in html and "No recordings yet" in html


def test_who_recorded_it_deletes_it_with_its_files_and_an_audit_row(recording, alice, media, commit):
    names = list(recording.parts.values_list("file", flat=True))
    with commit():  # the files go once the row is gone for good
        response = as_user(alice).post(f"/recordings/{recording.pk}/delete/")
    assert (response.status_code, response["Location"]) == (302, "/recordings/")
    assert not Recording.objects.filter(pk=recording.pk).exists()
    assert not any(default_storage.exists(name) for name in names)
    audit = AuditEvent.objects.get(verb=AuditVerb.ROOM_RECORDING_DELETED)
    assert (audit.actor, audit.target_id, audit.details["parts"]) == (alice, str(recording.pk), 2)


@pytest.mark.parametrize("who, status", [("bob", 302), ("carol", 404)])
def test_anyone_else_is_refused_deleting(recording, who, status, request):
    response = as_user(request.getfixturevalue(who)).post(f"/recordings/{recording.pk}/delete/")
    assert response.status_code == status
    if status == 302:  # back to the page, which says why
        assert response["Location"] == f"/recordings/{recording.pk}/"
    assert Recording.objects.filter(pk=recording.pk).exists()
    assert not AuditEvent.objects.filter(verb=AuditVerb.ROOM_RECORDING_DELETED).exists()


def test_the_service_refuses_with_the_error_shape(recording, bob, carol):
    with pytest.raises(ApplicationError) as info:
        recording_delete(actor=bob, recording_id=recording.pk)
    assert (info.value.code, info.value.status) == ("not_room_leader", 403)
    with pytest.raises(ApplicationError) as info:
        recording_delete(actor=carol, recording_id=recording.pk)
    assert (info.value.code, info.value.status) == ("recording_not_found", 404)


def test_a_recording_still_going_is_not_deleted(media, alice):
    room = RoomFactory(created_by=alice, kind="voice")
    going = recording_start(actor=alice, room=room)
    with pytest.raises(ApplicationError) as info:
        recording_delete(actor=alice, recording_id=going.pk)
    assert (info.value.code, info.value.status) == ("recording_in_progress", 409)
    assert Recording.objects.filter(pk=going.pk).exists()


def test_signed_out_visitors_sign_in_first(recording):
    assert Client().get("/recordings/")["Location"].startswith("/accounts/login/")
