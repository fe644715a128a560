"""A viewer whose network blocks WebRTC still watches a live stream: over HLS, automatically.

The channel goes live (HLS on from the go-live: STREAMS_HLS = always), a WHIP publisher (aiortc: the tone
and an H.264 test pattern) publishes into its relay room with the channel's key, and the relay writes the
stream as HLS into the storage daphne serves. The viewer's Chromium gets a page init script that makes
every RTCPeerConnection gather no candidate at all (``iceTransportPolicy: "relay"`` without a TURN server:
what a network dropping UDP leaves), so ICE can never connect; the watch page falls back to HLS after its
WebRTC timeout, plays the live playlist (the position advances) and says "HLS · x.y s behind live".
"""

import re

import pytest
from playwright.sync_api import expect

from media_relay.hls_output import hls_session_live
from streams.services import stream_go_live
from streams.stream_keys import channel_stream_key_create
from tests.accounts.factories import UserFactory
from tests.e2e.test_hls_player import WhipPublisher, off_the_loop, wait_for, whip_base
from tests.streams.factories import ChannelFactory

pytestmark = pytest.mark.e2e

NO_WEBRTC = """
(() => {
  const Real = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Real {
    constructor(config = {}) { super({ ...config, iceServers: [], iceTransportPolicy: "relay" }); }
  };
})();
"""


@pytest.mark.django_db(transaction=True)
def test_a_viewer_without_webrtc_falls_back_to_hls_and_plays_live(relay, asgi_server, new_page):
    hana = UserFactory(handle="hana")
    channel = ChannelFactory(owner=hana, slug="hana")
    _, key = channel_stream_key_create(actor=hana, channel=channel)
    stream = off_the_loop(stream_go_live, actor=hana, channel=channel, title="Blocked networks welcome")

    publisher = WhipPublisher(f"{whip_base(relay)}/whip/stream-{stream.pk}", key)
    publisher.start()
    try:
        wait_for(lambda: hls_session_live(relay_room=f"stream-{stream.pk}"), timeout=30)
        assert publisher.status == 201

        viewer = new_page("viewer")
        viewer.add_init_script(NO_WEBRTC)
        viewer.goto(f"{asgi_server.url}/s/{stream.pk}/")
        mode = viewer.locator("#stream-mode")
        expect(mode).to_have_text(re.compile(r"^HLS · \d+\.\d s behind live$"), timeout=45_000)
        player = viewer.locator("#stream-player")
        assert player.get_attribute("data-fallback") == "webrtc_timeout"
        video = viewer.locator("#stream-video")
        before = video.evaluate("v => v.currentTime")
        viewer.wait_for_timeout(2000)
        assert video.evaluate("v => v.currentTime") - before > 1.0  # it plays on, in real time
        assert video.evaluate("v => v.srcObject") is None  # HLS, not a WebRTC MediaStream
        latency_ms = int(player.get_attribute("data-latency-ms"))
        print(f"HLS fallback: {latency_ms} ms behind live")
        assert 0 < latency_ms < 20_000
    finally:
        publisher.stop()
