"""A live stream in browsers, with our own relay (manage.py run_relay) on loopback: a host creates a channel
in the studio and goes live from the browser (Chromium's fake camera and microphone); an anonymous viewer's
channel page plays the video over WebRTC and counts them; the host ends the stream (confirmed) and the
viewer sees it ended."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from streams.models import Channel, Stream, StreamStatus
from tests.accounts.factories import UserFactory
from tests.e2e.test_room_sync_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not settings.REDIS_URL, reason="the relay hears of a new stream at once only through Redis (embedded: within 2 s), and the first-frame figure is the production shape's (set REDIS_URL; CI does)")]

# When each step of the viewer's way to the first frame happened, in ms since the page's navigation started
# (printed with the time to first frame the page measures itself, from its player's start): the relay grant
# if the page asked for one (it comes with the page), the relay's socket, join, the subscribe offer, the
# answer, the connection, the first frame.
FIRST_FRAME = """
(() => {
  const steps = window.__steps = {};
  const mark = (name) => { steps[name] ??= performance.now(); };
  const realFetch = window.fetch;
  window.fetch = async (url, ...rest) => {
    const grant = String(url).includes("/media-token/");
    if (grant) mark("grant_asked");
    const response = await realFetch(url, ...rest);
    if (grant) mark("grant");
    return response;
  };
  const RealSocket = window.WebSocket;
  window.WebSocket = class extends RealSocket {
    constructor(url, protocols) {
      super(url, protocols);
      if (!String(url).includes("token=")) return;  // the relay's socket (the stream socket has none)
      this.addEventListener("open", () => mark("relay_open"));
      this.addEventListener("message", (message) => {
        const type = JSON.parse(message.data).type;
        if (type === "joined" || type === "offer") mark(type);
      });
    }
    send(data) {
      if (String(data).includes('"type":"answer"')) mark("answer");
      super.send(data);
    }
  };
  const RealPc = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends RealPc {
    constructor(config) {
      super(config);
      this.addEventListener("connectionstatechange", () => { if (this.connectionState === "connected") mark("connected"); });
    }
  };
  document.addEventListener("resize", (event) => { if (event.target.videoWidth) mark("first_frame"); }, true);
})();
"""
STEPS = ["grant_asked", "grant", "relay_open", "joined", "offer", "answer", "connected", "first_frame"]
PLAYER = "#stream-player"
PLAYING = "() => { const v = document.querySelector('#stream-video'); return v && v.videoWidth > 0 && v.currentTime > 0; }"


def test_a_host_goes_live_from_the_browser_and_an_anonymous_viewer_watches_until_the_end(relay, asgi_server, new_page):
    base = asgi_server.url
    hana = UserFactory(handle="hana", display_name="Hana")
    host, viewer = new_page("host"), new_page("viewer")

    # the host makes a channel in the studio and goes live from the browser
    sign_in(host, base, hana.email)
    host.click("nav >> text=Live")
    host.wait_for_url("**/live/")
    host.goto(f"{base}/studio/")
    host.fill("input[name=name]", "Hana plays chess")
    host.fill("input[name=slug]", "hana")
    host.click("#channel-form button[type=submit]")
    expect(host.locator("#preview")).to_be_visible()
    host.wait_for_function("document.querySelector('#preview').videoWidth > 0", timeout=15_000)  # the camera preview
    host.fill("#stream-title-input", "Endgame study")
    host.click("#go-live")
    expect(host.locator("#studio-state")).to_have_text("Live", timeout=15_000)
    stream = Stream.objects.get(channel=Channel.objects.get(owner=hana))
    assert (stream.status, stream.title) == (StreamStatus.LIVE, "Endgame study")

    # an anonymous viewer finds it on /live/ and watches it over WebRTC: the video plays and advances
    viewer.add_init_script(FIRST_FRAME)
    viewer.goto(f"{base}/live/")
    viewer.click(f'[data-stream="{stream.pk}"]')
    viewer.wait_for_url("**/c/hana/", wait_until="domcontentloaded")
    viewer.wait_for_function(PLAYING, timeout=20_000)
    steps, player = viewer.evaluate("window.__steps"), viewer.locator(PLAYER)
    first_frame_ms, started = int(player.get_attribute("data-first-frame-ms")), int(player.get_attribute("data-player-started-ms"))
    print(f"time to first frame: {first_frame_ms} ms from the player's start to the first frame (anonymous viewer, "
          f"page load aside); {steps['first_frame']:.0f} ms from the channel page's navigation")
    print("  steps (ms after the player's start): " + ", ".join(
        f"{name} {steps[name] - started:.0f}" for name in STEPS if name in steps))
    assert "grant_asked" not in steps  # the page came with its relay grant
    assert first_frame_ms < 1000  # an anonymous viewer's first frame, page load aside: under a second
    first = viewer.evaluate("document.querySelector('#stream-video').currentTime")
    viewer.wait_for_function(f"document.querySelector('#stream-video').currentTime > {first} + 0.5", timeout=10_000)
    assert viewer.evaluate("document.querySelector('#stream-video').videoWidth") > 0
    expect(viewer.locator("#stream-mode")).to_have_text("WebRTC · live")
    expect(viewer.locator("#viewer-count")).to_have_text("1", timeout=10_000)
    expect(host.locator("#health-viewers")).to_have_text("1", timeout=10_000)  # the host sees their audience
    expect(host.locator("#health-bitrate")).to_contain_text("kbps", timeout=10_000)

    # the host ends the stream (after confirming) and the viewer sees it ended
    host.once("dialog", lambda dialog: dialog.accept())
    host.click("#end-stream")
    expect(host.locator("#studio-state")).to_have_text("Offline", timeout=10_000)
    expect(viewer.locator("#stream-status")).to_have_text("Ended", timeout=10_000)
    expect(viewer.locator("#stream-overlay")).to_have_text("This stream has ended.")
    stream.refresh_from_db()
    assert stream.status == StreamStatus.ENDED and stream.peak_viewers >= 1
