"""Clips in Chromium: a signed-in viewer presses Clip under a live stream; the last 30 s are cut from the
stream's live HLS session (written with PyAV in the relay's layout into the media daphne serves: no relay
needed) and the clip's page plays it with hls.js; pausing saves the resume point; the viewer likes it. Another
viewer clips 10 s of a VOD (a finished stream's complete session) and that clip's page plays it too.

Celery runs eagerly in daphne (CELERY_TASK_ALWAYS_EAGER): the cut happens right after the click's commit,
as a worker picking the task at once would do it.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from media_relay.models import HlsOutput, HlsSession
from streams.models import Stream, StreamStatus
from streams.selectors import relay_room_name
from tests.accounts.factories import UserFactory
from tests.e2e.test_hls_player import wait_for
from tests.e2e.test_room_sync_journey import sign_in
from tests.streams.factories import ChannelFactory, live_stream
from tests.vods.hls_session import write_session
from vods.models import Clip, ClipStatus, Vod, VodStatus, WatchProgress


@pytest.fixture
def eager_celery(monkeypatch):
    """Ask for it before asgi_server: daphne reads the environment set here."""
    monkeypatch.setenv("CELERY_TASK_ALWAYS_EAGER", "true")
    monkeypatch.setenv("CELERY_BROKER_URL", "memory://")


@pytest.mark.django_db(transaction=True)
def test_a_live_clip_and_a_vod_clip_are_cut_and_play(eager_celery, asgi_server, new_page, tmp_path):
    stream = live_stream(ChannelFactory(name="Hana plays", slug="hana"), title="Endgame study")
    relay_room = relay_room_name(stream.pk)
    directory = f"live/{relay_room}/20261207T000000Z-e2e001"
    write_session(str(tmp_path / "media" / directory), seconds=40)  # what the relay has written so far
    HlsSession.objects.create(output=HlsOutput.objects.create(relay_room=relay_room), name="20261207T000000Z-e2e001",
                              directory=directory)
    vic = UserFactory(handle="vic")

    page = new_page("viewer")
    sign_in(page, asgi_server.url, vic.email)
    page.goto(f"{asgi_server.url}/s/{stream.pk}/", wait_until="domcontentloaded")  # its player keeps connecting
    page.click("[data-clip-button]")
    page.wait_for_url("**/clip/*/")

    clip = Clip.objects.get()
    assert (clip.creator, clip.status, clip.stream) == (vic, ClipStatus.READY, stream)
    assert 9 <= clip.start_seconds <= 10.1 and 29.9 <= clip.duration_seconds <= 31.1
    expect(page.locator("#clip-title")).to_have_text("Endgame study")
    expect(page.locator("[data-clip-share]")).to_have_value(f"{asgi_server.url}/clip/{clip.slug}/")
    figure = page.locator("[data-clip-player]")
    expect(figure).to_have_attribute("data-engine", "hls.js")
    expect(figure).to_have_attribute("data-state", "playing", timeout=20_000)
    video = page.locator("video")
    page.wait_for_function("document.querySelector('video').currentTime > 1.0", timeout=15_000)
    assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [320, 240]
    assert abs(video.evaluate("v => v.duration") - clip.duration_seconds) < 0.5

    video.evaluate("v => v.pause()")  # a pause reports the position: the resume point (vods.history)
    row = wait_for(lambda: WatchProgress.objects.filter(user=vic, clip=clip).first())
    assert 1.0 < row.position_seconds < 31 and row.kind == "clip"

    page.click("[data-clip-like]")
    expect(page.locator("[data-clip-likes]")).to_have_text("1")
    expect(page.locator("[data-clip-like]")).to_have_attribute("aria-pressed", "true")
    clip.refresh_from_db()
    assert (clip.likes, clip.views) == (1, 1)

    # another viewer clips 10 s of a VOD (a finished stream: its complete session) and that clip plays too
    vod = a_vod(tmp_path / "media")
    other = new_page("other")
    sign_in(other, asgi_server.url, UserFactory(handle="olga").email)
    slug = other.evaluate("""async (id) => (await (await import('/static/js/api.js'))
        .api('POST', `/api/v1/vods/${id}/clips/`, {start: 5, end: 15, title: 'The trick'})).slug""", vod.pk)
    other.goto(f"{asgi_server.url}/clip/{slug}/")
    expect(other.locator("#clip-title")).to_have_text("The trick")
    expect(other.locator("[data-clip-player]")).to_have_attribute("data-state", "playing", timeout=20_000)
    other.wait_for_function("document.querySelector('video').currentTime > 1.0", timeout=15_000)
    assert abs(other.locator("video").evaluate("v => v.duration") - 10) < 1.1


def a_vod(media_root) -> Vod:
    stream = live_stream(ChannelFactory(name="Old times", slug="old"), title="Yesterday")
    relay_room, name = relay_room_name(stream.pk), "20261206T000000Z-e2e002"
    write_session(str(media_root / f"live/{relay_room}/{name}"), seconds=20, ended=True)
    output = HlsOutput.objects.create(relay_room=relay_room, stopped_at=timezone.now())
    HlsSession.objects.create(output=output, name=name, directory=f"live/{relay_room}/{name}", ended_at=timezone.now())
    Stream.objects.filter(pk=stream.pk).update(status=StreamStatus.ENDED, ended_at=timezone.now())
    return Vod.objects.create(channel=stream.channel, stream=stream, title="Yesterday", status=VodStatus.READY)
