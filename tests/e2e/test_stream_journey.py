"""A live stream in browsers, with our own relay (manage.py run_relay) on loopback: a host creates a channel
in the studio and goes live from the browser (Chromium's fake camera and microphone); an anonymous viewer's
channel page plays the video over WebRTC and counts them; the host ends the stream (confirmed) and the
viewer sees it ended."""

import pytest
from playwright.sync_api import expect

from streams.models import Channel, Stream, StreamStatus
from tests.accounts.factories import UserFactory
from tests.e2e.test_room_sync_journey import sign_in

pytestmark = pytest.mark.e2e

# When the first frame played, in ms since the page's navigation started (printed: the time to first frame).
FIRST_FRAME = "document.addEventListener('playing', () => { window.__firstFrame ??= performance.now(); }, true)"
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
    print(f"time to first frame (channel page navigation to the first video frame): "
          f"{viewer.evaluate('window.__firstFrame'):.0f} ms")
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
