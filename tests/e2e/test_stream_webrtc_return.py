"""A viewer sent to HLS by the WebRTC cap moves back to WebRTC once seats free up, without a gap.

The cap is 2 (STREAMS_WEBRTC_VIEWER_CAP for daphne). A WHIP publisher goes live; a "holder" page keeps two
stream sockets open, so the audience is at the cap and the viewer's page starts on HLS ("cap"). One holder
socket closes: the audience (2, the viewer included) fits again, the count event offers WebRTC
(streams.playback.webrtc_seats), the page asks POST /api/v1/streams/<id>/webrtc/, connects WebRTC while HLS
plays on, and switches once the WebRTC video shows a frame: "WebRTC · live", a MediaStream in the player.
"""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from media_relay.hls_output import hls_session_live
from streams.selectors import stream_viewers
from streams.services import stream_go_live
from streams.stream_keys import channel_stream_key_create
from tests.accounts.factories import UserFactory
from tests.e2e.test_hls_player import WhipPublisher, off_the_loop, wait_for, whip_base
from tests.streams.factories import ChannelFactory

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not settings.REDIS_URL, reason="the audience is counted across processes in Redis")]

HOLD = """async (path) => {
  window.held = [];
  for (let i = 0; i < 2; i++) {
    const socket = new WebSocket(`ws://${location.host}${path}`);
    await new Promise((resolve) => { socket.onmessage = resolve; });  // the hello
    window.held.push(socket);
  }
}"""


@pytest.fixture
def cap_of_two(monkeypatch):
    """For daphne (asked for after this fixture): two WebRTC viewers at most, counts every 500 ms."""
    monkeypatch.setenv("STREAMS_WEBRTC_VIEWER_CAP", "2")
    monkeypatch.setenv("AUDIENCE_BROADCAST_MS", "500")


@pytest.mark.django_db(transaction=True)
def test_a_viewer_over_the_cap_watches_hls_then_moves_to_webrtc_when_seats_free_up(
        relay, cap_of_two, asgi_server, new_page):
    hana = UserFactory(handle="hana")
    channel = ChannelFactory(owner=hana, slug="hana")
    _, key = channel_stream_key_create(actor=hana, channel=channel)
    stream = off_the_loop(stream_go_live, actor=hana, channel=channel, title="Full house")
    publisher = WhipPublisher(f"{whip_base(relay)}/whip/stream-{stream.pk}", key)
    publisher.start()
    try:
        wait_for(lambda: hls_session_live(relay_room=f"stream-{stream.pk}"), timeout=30)

        holder = new_page("holder")
        holder.goto(f"{asgi_server.url}/healthz")
        holder.evaluate(HOLD, f"/ws/stream/{stream.pk}/")
        wait_for(lambda: stream_viewers(stream=stream).current == 2, timeout=10)

        viewer = new_page("viewer")
        viewer.goto(f"{asgi_server.url}/s/{stream.pk}/")
        mode, player = viewer.locator("#stream-mode"), viewer.locator("#stream-player")
        expect(mode).to_have_text(re.compile(r"^HLS · \d+\.\d s behind live$"), timeout=30_000)
        assert player.get_attribute("data-fallback") == "cap"
        viewer.wait_for_timeout(1500)  # counted (3): no offer while the audience is over the cap
        expect(mode).to_have_text(re.compile(r"^HLS · "))

        holder.evaluate("() => window.held.pop().close()")  # 2 left, the viewer included: everyone fits
        expect(mode).to_have_text("WebRTC · live", timeout=20_000)
        assert player.get_attribute("data-returned") == "cap" and player.get_attribute("data-fallback") is None
        video = viewer.locator("#stream-video")
        assert video.evaluate("v => v.srcObject instanceof MediaStream && v.srcObject.getVideoTracks().length") == 1
        before = video.evaluate("v => v.currentTime")
        viewer.wait_for_timeout(1500)
        assert video.evaluate("v => v.currentTime") - before > 0.5  # WebRTC frames play on
        assert viewer.locator("#stream-player video.visually-hidden").count() == 0  # the probe is gone
    finally:
        publisher.stop()
