"""Queued direct files get a title, a duration and a thumbnail: queue_add enqueues
rooms.tasks.probe_queue_item on commit, which reads the file with PyAV (rooms.media_probe),
stores what it found on the item and publishes rooms.queue updated."""

import pytest

from rooms import media_probe, tasks
from rooms.models import QueueItem, RoomRole
from rooms.services.queue import queue_add, queue_item_probe, queue_remove
from tests.rooms.js.harness import StaticServer, make_video

from .factories import VIDEO_URL, YOUTUBE_URL, RoomFactory, add_member, set_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def playing(alice, bob):
    room = RoomFactory(created_by=alice)
    add_member(room, bob, role=RoomRole.MEMBER)
    return set_source(room, YOUTUBE_URL, position=10.0)


@pytest.fixture
def files(tmp_path, settings):
    """A served folder holding film.mp4 (4 s, titled); the site's own host, so the probe may fetch it."""
    make_video(tmp_path / "served" / "film.mp4", seconds=4, title="A Short Film")
    (tmp_path / "served" / "notes.mp4").write_text("not a video")
    server = StaticServer({"/media/": tmp_path / "served"})
    settings.SITE_URL = server.url
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    yield server
    server.stop()


def test_a_direct_file_is_probed_after_commit_and_other_kinds_are_not(playing, bob, probes_enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        item = queue_add(actor=bob, room=playing, url=VIDEO_URL)
        queue_add(actor=bob, room=playing, url="https://youtu.be/dQw4w9WgXcQ")
    assert probes_enqueued == []  # not before the item is committed
    for callback in callbacks:
        callback()
    assert probes_enqueued == [item.pk]


def test_the_probe_stores_title_duration_and_thumbnail_and_tells_the_room(playing, bob, files, published, commit):
    item = queue_add(actor=bob, room=playing, url=f"{files.url}/media/film.mp4")
    with commit():
        probed = queue_item_probe(item_id=item.pk)
    assert probed.media_title == "A Short Film"
    assert probed.duration == pytest.approx(4.0, abs=0.2)
    assert probed.thumbnail.read()[:3] == b"\xff\xd8\xff"  # a JPEG
    (event,) = published.events("rooms.queue", "updated")
    (shown,) = event["items"]
    assert (shown["media_title"], shown["thumbnail"]) == ("A Short Film", probed.thumbnail.url)
    assert shown["duration"] == pytest.approx(4.0, abs=0.2)


def test_a_second_run_does_nothing(playing, bob, files, published, commit):
    item = queue_add(actor=bob, room=playing, url=f"{files.url}/media/film.mp4")
    with commit():
        assert queue_item_probe(item_id=item.pk) is not None
        assert queue_item_probe(item_id=item.pk) is None
    assert len(published.events("rooms.queue", "updated")) == 1


def test_an_unreadable_file_is_marked_done_without_metadata(playing, bob, files, published, commit):
    item = queue_add(actor=bob, room=playing, url=f"{files.url}/media/notes.mp4")
    with commit():
        probed = queue_item_probe(item_id=item.pk)
    assert probed.probed_at is not None and (probed.media_title, probed.duration, probed.thumbnail.name) == ("", None, "")
    assert len(published.events("rooms.queue", "updated")) == 1


def test_addresses_inside_our_network_are_not_fetched(playing, bob, settings, monkeypatch, commit):
    settings.SITE_URL = "https://watch.example.com"
    monkeypatch.setattr(media_probe.av, "open", lambda *a, **k: pytest.fail("fetched a private address"))
    item = queue_add(actor=bob, room=playing, url="http://127.0.0.1:8000/admin.mp4")
    with commit():
        probed = queue_item_probe(item_id=item.pk)
    assert probed.probed_at is not None and probed.duration is None


def test_a_host_that_does_not_answer_is_retried_by_the_task(playing, bob, files, settings):
    item = queue_add(actor=bob, room=playing, url=f"{files.url.rsplit(':', 1)[0]}:9/film.mp4")  # discard port: refused
    with pytest.raises(media_probe.ProbeUnavailable):
        tasks.probe_queue_item(item.pk)  # called directly, Celery's retry re-raises
    assert QueueItem.objects.get(pk=item.pk).probed_at is None


def test_removing_an_item_deletes_its_thumbnail_after_commit(playing, bob, files, commit):
    item = queue_add(actor=bob, room=playing, url=f"{files.url}/media/film.mp4")
    probed = queue_item_probe(item_id=item.pk)
    storage, name = probed.thumbnail.storage, probed.thumbnail.name
    with commit():
        queue_remove(actor=bob, room=playing, item_id=item.pk)
    assert not storage.exists(name)
