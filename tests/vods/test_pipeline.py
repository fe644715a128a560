"""Stream end -> VOD (playable at once from the recording) -> renditions job (vods.processing), with the
recording made by PyAV as the relay writes it (tests/vods/recording.py) and the built media decoded back."""

from __future__ import annotations

import io
import os
import re
from unittest import mock

import av
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from accounts.models import Notification
from media_relay.models import HlsSession
from streams.services import stream_update
from tests.conftest import requires_postgres
from tests.races import run_together
from vods import processing
from vods.models import Vod, VodRendition, VodStatus
from vods.renditions import ladder

from .conftest import record

pytestmark = pytest.mark.django_db


def fetch(client, url: str) -> bytes:
    """A page's bytes; a media file's from storage (the URLconf's /media/ root is the first test's MEDIA_ROOT)."""
    if url.startswith(settings.MEDIA_URL):
        with default_storage.open(url.removeprefix(settings.MEDIA_URL)) as f:
            return f.read()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return b"".join(response.streaming_content) if response.streaming else response.content


def uris(playlist: str) -> list[str]:
    found = re.findall(r'URI="([^"]+)"', playlist)
    return found + [line for line in playlist.splitlines() if line and not line.startswith("#")]


def decode(client, playlist_url: str) -> tuple[dict, float]:
    """Every file a media playlist names, fetched as a player would, decoded: codecs, seconds of video."""
    text = fetch(client, playlist_url).decode()
    data = b"".join(fetch(client, uri) for uri in uris(text))
    with av.open(io.BytesIO(data)) as container:
        codecs = {s.type: s.codec_context.name for s in container.streams}
        last = 0.0
        for frame in container.decode(container.streams[0]):
            last = float(frame.pts * frame.time_base)
    return codecs, last


def test_the_ladder_never_goes_above_the_source():
    assert [r.name for r in ladder(1080)] == ["1080p", "720p", "480p"]
    assert [r.name for r in ladder(720)] == ["720p", "480p"]
    assert [r.name for r in ladder(360)] == ["360p"]


def test_a_recorded_stream_becomes_a_vod_playable_at_once_with_its_chapters(recorded, client, media):
    vod = recorded(seconds=3)

    assert vod.status == VodStatus.QUEUED and vod.relay_room == f"stream-{vod.stream_id}"
    media.assert_called_once_with((vod.pk,), countdown=0)  # the renditions job, after commit
    master = fetch(client, f"/v/{vod.pk}/master.m3u8").decode()
    assert master.count("#EXT-X-STREAM-INF") == 1 and f"/v/{vod.pk}/source.m3u8" in master
    codecs, seconds = decode(client, f"/v/{vod.pk}/source.m3u8")
    assert codecs == {"video": "h264", "audio": "aac"} and seconds > 2.5
    assert vod.chapters == [{"at": 0, "title": "Chess night", "category": vod.stream.category}]


def test_chapters_follow_the_title_and_category_changes(channel, commit):
    from streams.services import stream_end, stream_go_live

    with commit():
        stream = stream_go_live(actor=channel.owner, channel=channel, title="Opening")
    stream_update(actor=channel.owner, stream=stream, title="Middlegame")
    stream_update(actor=channel.owner, stream=stream, description="no chapter for this")
    stream_update(actor=channel.owner, stream=stream, category="music")
    record(stream, seconds=1)
    with commit():
        stream_end(actor=channel.owner, stream=stream)
    chapters = Vod.objects.get(stream=stream).chapters
    assert [(c["title"], c["category"]) for c in chapters] == [
        ("Opening", "just_chatting"), ("Middlegame", "just_chatting"), ("Middlegame", "music")]


def test_a_stream_cancelled_before_going_live_has_no_vod(channel, commit):
    from datetime import timedelta

    from django.utils import timezone

    from streams.services import stream_end, stream_schedule

    stream = stream_schedule(actor=channel.owner, channel=channel, title="Later",
                             scheduled_for=timezone.now() + timedelta(days=1))
    with commit():
        stream_end(actor=channel.owner, stream=stream)
    assert not Vod.objects.exists()


def test_the_job_builds_renditions_thumbnail_and_duration_and_tells_the_host(recorded, client):
    vod = recorded(seconds=3, width=640, height=480)

    assert processing.vod_process(vod_id=vod.pk) == processing.READY

    vod.refresh_from_db()
    assert (vod.status, vod.progress, vod.duration_seconds, vod.source_height) == (VodStatus.READY, 100, 3, 480)
    assert list(vod.renditions.values_list("name", "width", "height")) == [("480p", 640, 480)]
    master = fetch(client, f"/v/{vod.pk}/master.m3u8").decode()
    assert "RESOLUTION=640x480" in master and f"/v/{vod.pk}/480p.m3u8" in master
    codecs, seconds = decode(client, f"/v/{vod.pk}/480p.m3u8")
    assert codecs == {"video": "h264", "audio": "aac"} and seconds > 2.5
    assert Image.open(default_storage.open(vod.thumbnail)).size == (640, 480)
    notification = Notification.objects.get(recipient=vod.channel.owner)
    assert notification.kind == "vod_ready" and notification.data["vod"] == vod.pk
    # a second run finds nothing to do
    assert processing.vod_process(vod_id=vod.pk) == processing.SKIPPED
    assert VodRendition.objects.count() == 1


def test_renditions_appear_one_by_one_as_they_are_built_with_progress_for_the_host(recorded, client):
    """The master playlist gains each rendition (the lightest first) while the job still runs, and the host
    sees processing n %, the thumbnail, and the renditions so far through the VOD's API."""
    vod = recorded(seconds=3, width=1280, height=720)  # two renditions: 480p, then 720p
    client.force_login(vod.channel.owner)
    seen = []
    real = processing._Publisher.rendition

    def then_look(publisher, output):
        real(publisher, output)
        master = fetch(client, f"/v/{vod.pk}/master.m3u8").decode()
        state = client.get(f"/api/v1/vods/{vod.pk}/").json()
        seen.append((re.findall(r'NAME="(\w+)"', master), state["status"], state["progress"],
                     [r["name"] for r in state["renditions"]], bool(Vod.objects.get(pk=vod.pk).thumbnail)))
        decode(client, f"/v/{vod.pk}/{output.name}.m3u8")  # plays from the moment it is listed

    with mock.patch.object(processing._Publisher, "rendition", then_look):
        assert processing.vod_process(vod_id=vod.pk) == processing.READY
    (first, status, progress, api_first, thumbnail), (second, *_rest) = seen
    assert first == ["source", "480p"] and api_first == ["480p"]  # 720p not there yet
    assert status == "processing" and 50 <= progress <= 99 and thumbnail
    assert sorted(second) == ["480p", "720p", "source"]
    assert client.get(f"/api/v1/vods/{vod.pk}/").json()["status"] == "ready"


def test_an_audio_only_recording_gets_an_aac_rendition_and_a_waveform(recorded, client):
    vod = recorded(seconds=4, video=False)

    assert processing.vod_process(vod_id=vod.pk) == processing.READY

    vod.refresh_from_db()
    assert vod.is_audio_only and list(vod.renditions.values_list("name", flat=True)) == ["audio"]
    codecs, seconds = decode(client, f"/v/{vod.pk}/audio.m3u8")
    assert codecs == {"audio": "aac"} and seconds > 3.5
    waveform = Image.open(default_storage.open(vod.thumbnail)).convert("L")
    assert vod.thumbnail.endswith(".png") and waveform.size == (800, 120)
    column = [waveform.getpixel((400, y)) for y in range(120)]
    assert sum(1 for v in column if v > 80) > 20  # the tone's peaks drawn across the middle


def test_the_job_waits_for_the_relay_to_finalize_the_last_session(recorded):
    vod = recorded(seconds=1)
    HlsSession.objects.update(ended_at=None)

    assert processing.vod_process(vod_id=vod.pk) == processing.WAITING
    assert Vod.objects.get(pk=vod.pk).status == VodStatus.QUEUED  # released for the next run


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_the_job_run_twice_at_once_builds_one_set_of_renditions(recorded):
    vod = recorded(seconds=2)

    results = run_together([lambda: processing.vod_process(vod_id=vod.pk)] * 2)

    assert sorted(value for _, value in results) == [processing.READY, processing.SKIPPED]
    assert VodRendition.objects.filter(vod=vod).count() == 1
    folders, _ = default_storage.listdir(f"vods/{vod.pk}")
    assert len(folders) == 1  # the losing run uploaded nothing


def test_a_recording_that_is_not_media_fails_cleanly_and_keeps_the_original(recorded, settings):
    vod = recorded(seconds=2)
    directory = HlsSession.objects.get().directory
    path = os.path.join(settings.MEDIA_ROOT, directory, "init.mp4")
    with open(path, "wb") as f:
        f.write(b"this is not an mp4 at all" * 100)

    assert processing.vod_process(vod_id=vod.pk) == processing.FAILED

    vod.refresh_from_db()
    assert vod.status == VodStatus.FAILED and "not readable media" in vod.failure_reason
    assert not vod.renditions.exists()
    assert os.path.exists(os.path.join(settings.MEDIA_ROOT, directory, "seg00000.m4s"))  # the original stays
    assert Notification.objects.get(recipient=vod.channel.owner).kind == "vod_failed"


def test_a_truncated_recording_fails_with_the_reason(recorded, settings):
    vod = recorded(seconds=3)
    directory = HlsSession.objects.get().directory
    os.remove(os.path.join(settings.MEDIA_ROOT, directory, "seg00002.m4s"))

    assert processing.vod_process(vod_id=vod.pk) == processing.FAILED
    assert "truncated" in Vod.objects.get(pk=vod.pk).failure_reason


def test_a_segment_cut_short_fails_as_truncated(recorded, settings):
    vod = recorded(seconds=4)
    directory = HlsSession.objects.get().directory
    for name in ("seg00001.m4s", "seg00002.m4s", "seg00003.m4s"):
        with open(os.path.join(settings.MEDIA_ROOT, directory, name), "r+b") as f:
            f.truncate(40)

    assert processing.vod_process(vod_id=vod.pk) == processing.FAILED
    assert "truncated" in Vod.objects.get(pk=vod.pk).failure_reason


def test_storage_failing_mid_upload_shows_no_half_rendition_and_the_retry_succeeds(recorded, client):
    vod = recorded(seconds=2, width=1280, height=720)  # two renditions: 720p, 480p
    real_save = default_storage._save
    saved = []

    def flaky(name, content):
        if len(saved) >= 6:  # the thumbnail and a few files of the first rendition went through
            raise OSError("S3 is down")
        saved.append(name)
        return real_save(name, content)

    with mock.patch.object(default_storage, "_save", side_effect=flaky):
        with pytest.raises(processing.StorageUnavailable):
            processing.vod_process(vod_id=vod.pk)
    vod.refresh_from_db()
    assert vod.status == VodStatus.QUEUED  # released for Celery's retry
    # the lightest rendition was whole and is listed; the one cut short is not: nothing half-visible
    assert list(vod.renditions.values_list("name", flat=True)) == ["480p"]
    master = fetch(client, f"/v/{vod.pk}/master.m3u8").decode()
    assert "/480p.m3u8" in master and "/720p.m3u8" not in master
    decode(client, f"/v/{vod.pk}/480p.m3u8")

    assert processing.vod_process(vod_id=vod.pk) == processing.READY  # Celery's retry
    assert sorted(Vod.objects.get(pk=vod.pk).renditions.values_list("name", flat=True)) == ["480p", "720p"]


def test_a_stream_deleted_while_its_vod_processes_still_gets_its_renditions(recorded):
    vod = recorded(seconds=2)
    vod.stream.delete()

    assert processing.vod_process(vod_id=vod.pk) == processing.READY
    vod.refresh_from_db()
    assert vod.stream_id is None and vod.renditions.count() == 1


def test_a_vod_deleted_while_processing_leaves_no_files(recorded):
    vod = recorded(seconds=2)
    real_build = processing.renditions_build

    def build_then_delete(*args, **kwargs):
        built = real_build(*args, **kwargs)
        Vod.objects.filter(pk=vod.pk).delete()  # the host deleted it (or the channel went) meanwhile
        return built

    with mock.patch.object(processing, "renditions_build", side_effect=build_then_delete):
        assert processing.vod_process(vod_id=vod.pk) == processing.GONE
    left = [files for _, _, files in os.walk(os.path.join(settings.MEDIA_ROOT, f"vods/{vod.pk}"))]
    assert not any(left)


def test_the_task_runs_again_while_the_source_is_not_final_or_storage_is_down():
    from celery.exceptions import Retry

    from vods.tasks import process_vod

    with mock.patch("vods.tasks.vod_process", return_value=processing.WAITING):
        with pytest.raises(Retry):
            process_vod(1)
    with mock.patch("vods.tasks.vod_process", side_effect=processing.StorageUnavailable("down")):
        with mock.patch.object(process_vod, "retry", side_effect=Retry) as retry:
            with pytest.raises(Retry):
                process_vod(1)
    assert retry.call_args.kwargs["countdown"] == 60
    with mock.patch("vods.tasks.vod_process", return_value=processing.READY):
        assert process_vod(1) == processing.READY
