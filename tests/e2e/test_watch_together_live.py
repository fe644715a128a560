"""Watch together in Chromium: a live stream (its HLS session: PyAV-written segments published one a
second into a sliding live.m3u8 in the media storage daphne serves, registered as the stream's live
session) is the source of a room; two members' players play it with hls.js near the live edge, within
a few seconds of each other, with no pause or seek controls; the stream ends -> "Stream ended".
"""

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from media_relay.hls_output import hls_output_start, hls_session_record
from rooms.services.membership import room_join
from streams.services import stream_end
from streams.views import room_create
from tests.accounts.factories import UserFactory, make_friends
from tests.e2e.test_hls_player import off_the_loop
from tests.e2e.test_room_sync_journey import room_ready, sign_in
from tests.rooms.js.harness import make_hls
from tests.streams.factories import ChannelFactory, live_stream

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not settings.REDIS_URL, reason="the test process ends the stream and its event reaches daphne's sockets through Redis (set REDIS_URL; CI does)")]

WINDOW = 6  # segments in the sliding playlist
APART_MAX_S = 3.0  # the two players' frames (program date): hls.js starts each a few segments from the newest


class LivePlaylist(threading.Thread):
    """Publishes a VOD rendition's segments one per segment duration into a sliding live playlist."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        lines = make_hls(folder, seconds=90, segment=1).read_text().splitlines()
        self.segments = [(float(line[8:].split(",")[0]), lines[i + 1]) for i, line in enumerate(lines) if line.startswith("#EXTINF:")]
        self.target = max(round(d) for d, _ in self.segments) or 1
        self.path = folder / "live.m3u8"
        self.stopped = threading.Event()
        self.published = WINDOW
        self.started = time.time()  # the program date of segment 0: players report the frame's date from it
        self.write()

    def write(self, *, ended: bool = False) -> None:
        first = max(0, self.published - WINDOW)
        body = [f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{self.target}\n#EXT-X-MEDIA-SEQUENCE:{first}\n"]
        for index in range(first, self.published):
            duration, name = self.segments[index]
            date = datetime.fromtimestamp(self.started + sum(d for d, _ in self.segments[:index]), UTC)
            body.append(f"#EXT-X-PROGRAM-DATE-TIME:{date.isoformat(timespec='milliseconds')}\n#EXTINF:{duration:.3f},\n{name}\n")
        if ended:
            body.append("#EXT-X-ENDLIST\n")
        self.path.with_suffix(".tmp").write_text("".join(body))
        self.path.with_suffix(".tmp").replace(self.path)

    def run(self) -> None:
        while self.published < len(self.segments) and not self.stopped.wait(self.segments[self.published - 1][0]):
            self.published += 1
            self.write()

    def end(self) -> None:
        self.stopped.set()
        self.join(5)
        self.write(ended=True)


def behind_and_position(page) -> dict:
    return page.evaluate("() => ({ t: window.WTRoom.player.programTimeMs() / 1000, behind: window.WTRoom.player.behindLive(),"
                         " wall: Date.now(), paused: window.WTRoom.player.isPaused() })")


def test_two_members_watch_a_live_stream_together_until_it_ends(asgi_server, new_page, tmp_path):
    alice, bob, streamer = UserFactory(), UserFactory(), UserFactory()
    make_friends(alice, bob)
    stream = live_stream(ChannelFactory(owner=streamer, name="Night runs"), title="Any%")
    relay_room = f"stream-{stream.pk}"
    output = off_the_loop(hls_output_start, relay_room=relay_room)
    session = hls_session_record(output_id=output.pk, relay_room=relay_room, session="s1", op="started")
    playlist = LivePlaylist(tmp_path / "media" / session.directory)
    playlist.start()
    try:
        room = off_the_loop(room_create, creator=alice, name="Night runs party", source_url=f"/s/{stream.pk}/")
        off_the_loop(room_join, user=bob, room=room)
        pages = []
        for user in (alice, bob):
            page = new_page(user.handle)
            sign_in(page, asgi_server.url, user.email)
            page.goto(f"{asgi_server.url}/r/{room.code}/")
            room_ready(page)
            pages.append(page)
        for page in pages:
            page.wait_for_function("() => !window.WTRoom.player.isPaused() && window.WTRoom.player.currentTime() > 0",
                                   timeout=20_000)
            assert page.evaluate("() => window.WTRoom.player.kind") == "live"
            expect(page.locator("#player-note")).to_have_text("Live: everyone watches at the live edge.")
            for control in ("#play-toggle", "#seek-bar", "#rate-select"):
                expect(page.locator(control)).to_be_hidden()
        pages[0].wait_for_timeout(3000)  # both play on as segments arrive
        first, second = (behind_and_position(page) for page in pages)
        apart = first["t"] - second["t"] - (first["wall"] - second["wall"]) / 1000
        assert not first["paused"] and not second["paused"]
        print(f"watch together: players {apart:+.2f} s apart; {first['behind']:.2f} s and {second['behind']:.2f} s behind the edge")
        assert abs(apart) < APART_MAX_S, (apart, first, second, playlist.published)
        # behind hls.js's live edge (3 segments from the newest): up to those 3 s ahead of it, at most 6 s behind
        assert all(-3 <= page["behind"] < 6 for page in (first, second)), (first, second)
        newest = playlist.started + sum(d for d, _ in playlist.segments[:playlist.published])
        assert newest - first["t"] < 8 and newest - second["t"] < 8, (newest, first, second)  # near the edge, not the window's start

        playlist.end()
        off_the_loop(stream_end, actor=streamer, stream=stream)
        for page in pages:
            expect(page.locator("#player-note")).to_have_text("Stream ended", timeout=10_000)
            page.wait_for_function("() => window.WTRoom.player.isPaused()", timeout=10_000)
    finally:
        playlist.stopped.set()
