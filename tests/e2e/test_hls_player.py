"""Live HLS in Chromium: a WHIP publisher (aiortc: a 440 Hz tone and an H.264 test pattern) goes live in a
room whose HLS output is on; the relay (run_relay) writes it into the media storage daphne serves, and
the template snippet templates/media_relay/_hls_player.html (static/js/hls_player.js + the vendored
hls.js) plays the live playlist: the position advances, the readout shows how far behind live it is
(from EXT-X-PROGRAM-DATE-TIME), and when HLS is turned off the playlist ends and so does the player.
"""

import asyncio
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiortc import RTCRtpSender
from django.template.loader import render_to_string
from playwright.sync_api import expect

from media_relay.hls_output import hls_output_start, hls_output_stop, hls_playlist_url, hls_session_live
from media_relay.stream_keys import stream_key_create
from tests.accounts.factories import UserFactory
from tests.media_relay.test_whip import apply_answer, obs_stand_in, post_offer
from tests.rooms.factories import RoomFactory


class WhipPublisher(threading.Thread):
    """OBS stand-in on its own event loop: publishes to ``url`` with ``key`` until ``stop()``."""

    def __init__(self, url: str, key: str) -> None:
        super().__init__(daemon=True)
        self.url, self.key = url, key
        self.status: int | None = None
        self._done = threading.Event()

    def run(self) -> None:
        asyncio.run(self._publish())

    async def _publish(self) -> None:
        obs = obs_stand_in()
        for transceiver in obs.getTransceivers():
            if transceiver.kind == "video":
                h264 = [c for c in RTCRtpSender.getCapabilities("video").codecs if c.name in ("H264", "rtx")]
                transceiver.setCodecPreferences(h264)
        response = await post_offer(self.url, obs, self.key)
        self.status = response.status
        await apply_answer(obs, response)
        while not self._done.is_set():
            await asyncio.sleep(0.1)
        await obs.close()

    def stop(self) -> None:
        self._done.set()
        self.join(10)


def whip_base(relay) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = re.search(r"WHIP/WHEP on (http://\S+?)/?$", relay.log_path.read_text(), re.MULTILINE)
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError("the relay did not say where WHIP is")


def off_the_loop(fn, **kwargs):
    """A service that publishes after commit (async_to_sync), from a thread without Playwright's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, **kwargs).result()


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)
    return found


@pytest.mark.django_db(transaction=True)
def test_a_live_room_plays_over_hls_with_its_latency_shown_and_ends(relay, asgi_server, new_page, tmp_path):
    host = UserFactory()
    room = RoomFactory(created_by=host, kind="voice")
    _, key = stream_key_create(actor=host, room=room)
    relay_room = f"room-{room.pk}"
    off_the_loop(hls_output_start, relay_room=relay_room)  # before the room is hosted: the relay reads it when it opens

    publisher = WhipPublisher(f"{whip_base(relay)}/whip/{relay_room}", key)
    publisher.start()
    try:
        session = wait_for(lambda: hls_session_live(relay_room=relay_room))
        assert publisher.status == 201
        playlist = tmp_path / "media" / session.directory / "live.m3u8"
        wait_for(lambda: playlist.exists() and playlist.read_text().count(".m4s") >= 2)

        page_html = render_to_string("media_relay/_hls_player.html", {"src": hls_playlist_url(session)})
        page = new_page("viewer")
        # /media/ never serves HTML inline (uploads are downloads), so the page is fulfilled on the site's origin
        page.route(f"{asgi_server.url}/hls-player/", lambda route: route.fulfill(
            content_type="text/html", body=f"<!doctype html><html><body>{page_html}</body></html>"))
        page.goto(f"{asgi_server.url}/hls-player/")
        figure = page.locator("[data-hls-player]")
        expect(figure).to_have_attribute("data-engine", "hls.js")
        expect(figure).to_have_attribute("data-state", "playing", timeout=20_000)

        video = page.locator("video")
        page.wait_for_function("() => document.querySelector('video').currentTime > 0.5", timeout=20_000)
        before = video.evaluate("v => v.currentTime")
        page.wait_for_timeout(2000)
        assert video.evaluate("v => v.currentTime") - before > 1.0  # it plays on, in real time
        assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [160, 120]

        readout = page.locator("[data-hls-readout]")
        expect(readout).to_have_text(re.compile(r"^HLS · \d+\.\d s behind live$"))
        latency_ms = int(figure.get_attribute("data-latency-ms"))
        assert 0 < latency_ms < 20_000, latency_ms

        off_the_loop(hls_output_stop, relay_room=relay_room)  # the relay finalizes the playlists: the player reaches the end
        expect(figure).to_have_attribute("data-state", "ended", timeout=30_000)
        expect(readout).to_have_text("HLS · stream ended")
        assert playlist.read_text().rstrip().endswith("#EXT-X-ENDLIST")
    finally:
        publisher.stop()
