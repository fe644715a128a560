"""The stage in browsers, with our own relay on loopback: the host is live from the studio, two signed-in
viewers watch; the host invites @bea by handle, Bea's full-screen prompt appears, she accepts (Chromium's
fake microphone), and both the host and the other viewer hear her: a remote audio track of hers whose
received audio energy grows (WebRTC getStats). The host removes her and she leaves everyone's stage; Cy
raises a hand, the host approves it and Cy is heard by the host; a poll runs and Bea's vote shows."""

import time

import pytest
from playwright.sync_api import expect

from streams.models import StageInvite, StageStatus, Stream, StreamStatus
from tests.accounts.factories import UserFactory
from tests.e2e.test_room_sync_journey import sign_in
from tests.streams.factories import ChannelFactory

pytestmark = pytest.mark.e2e

# The received audio energy (or packets) of `peer`'s voice in `container` (an <audio> per relay peer, static/js/stage.js).
ENERGY = """async ([container, peer, field = "totalAudioEnergy"]) => {
  const audio = document.querySelector(`${container} audio[data-peer="${peer}"]`);
  if (!audio || !audio.srcObject) return -1;
  const track = audio.srcObject.getAudioTracks()[0];
  const receiver = (window.__pcs || []).flatMap((pc) => pc.getReceivers()).find((r) => r.track === track);
  if (!receiver) return -1;
  return receiver.getStats().then((stats) => {
    let energy = 0;
    stats.forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "audio") energy += s[field] || 0; });
    return energy;
  });
}"""
KEEP_PEER_CONNECTIONS = """(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) { const pc = new Native(...args); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Native.prototype;
})();"""


def heard(page, container: str, peer: int) -> None:
    """`peer`'s voice arrives on `page` and its energy grows (audio, not silence)."""
    page.wait_for_function(f"({ENERGY})(['{container}', '{peer}']).then((e) => e > 0)", timeout=20_000, polling=250)
    first = page.evaluate(f"({ENERGY})(['{container}', '{peer}'])")
    page.wait_for_function(f"({ENERGY})(['{container}', '{peer}']).then((e) => e > {first})", timeout=10_000, polling=250)


def test_the_host_invites_a_viewer_who_accepts_is_heard_by_everyone_then_is_removed(relay, asgi_server, new_page):
    base = asgi_server.url
    hana, bea, cy = (UserFactory(handle=h, display_name=h.title()) for h in ("hana", "bea", "cy"))
    ChannelFactory(owner=hana, slug="hana", name="Hana live")
    host, guest, other = new_page("host"), new_page("guest"), new_page("other")
    for page in (host, guest, other):
        page.context.add_init_script(KEEP_PEER_CONNECTIONS)

    sign_in(host, base, hana.email)
    host.goto(f"{base}/studio/")
    host.wait_for_function("document.querySelector('#preview').videoWidth > 0", timeout=15_000)
    host.fill("#stream-title-input", "Open mic")
    host.click("#go-live")
    expect(host.locator("#studio-state")).to_have_text("Live", timeout=15_000)
    expect(host.locator("#stage-host")).to_be_visible()
    stream = Stream.objects.get(channel__owner=hana, status=StreamStatus.LIVE)

    for page, user in ((guest, bea), (other, cy)):
        sign_in(page, base, user.email)
        page.goto(f"{base}/s/{stream.pk}/")
        page.wait_for_function("document.querySelector('#stream-video').videoWidth > 0", timeout=20_000)
    expect(host.locator("#health-viewers")).to_have_text("2", timeout=10_000)

    # the host types @be, picks Bea among the viewers watching now, and invites her
    host.fill("#stage-handle", "be")
    expect(host.locator("#stage-suggestions option[value='@bea']")).to_have_count(1, timeout=5_000)
    host.fill("#stage-handle", "@bea")
    host.click("#stage-invite-form button[type=submit]")
    expect(guest.locator("#stage-prompt")).to_be_visible(timeout=5_000)
    expect(guest.locator("#stage-prompt-host")).to_have_text("Hana")
    expect(other.locator("#stage-prompt")).to_be_hidden()
    expect(host.locator("#stage-requests li")).to_have_count(1)

    # Bea accepts: she is on everyone's stage and heard by the host and by Cy
    clicked_at = time.monotonic()
    guest.click("#stage-accept")
    other.wait_for_function(f"({ENERGY})(['#stream-audio', '{bea.pk}', 'packetsReceived']).then((n) => n > 0)",
                            timeout=20_000, polling=10)
    first_packet_s = time.monotonic() - clicked_at
    expect(guest.locator("#stage-prompt")).to_be_hidden()
    expect(other.locator(f"#stage-tiles li[data-user='{bea.pk}']")).to_be_visible(timeout=10_000)
    expect(host.locator("#stage-guests li")).to_have_count(1, timeout=10_000)
    heard(other, "#stream-audio", bea.pk)
    heard(host, "#stage-audio-host", bea.pk)
    print(f"\naccept to heard (Accept -> Bea's first audio packet at Cy, polled every 10 ms): {first_packet_s * 1000:.0f} ms")
    assert StageInvite.objects.get(invitee=bea).status == StageStatus.ACCEPTED

    # the host removes her: off the stage for everyone, her seat ended
    host.click("#stage-guests button:has-text('Remove')")
    expect(other.locator(f"#stage-tiles li[data-user='{bea.pk}']")).to_have_count(0, timeout=10_000)
    expect(guest.locator("#stage-leave")).to_be_hidden(timeout=10_000)
    assert StageInvite.objects.get(invitee=bea).status == StageStatus.ENDED

    # Cy raises a hand; the host approves it: Cy is on stage and heard by the host
    other.click("#stage-hand")
    approve = host.locator("#stage-requests button:has-text('Approve')")
    expect(approve).to_have_count(1, timeout=10_000)
    approve.click()
    expect(guest.locator(f"#stage-tiles li[data-user='{cy.pk}']")).to_be_visible(timeout=10_000)
    heard(host, "#stage-audio-host", cy.pk)

    # a poll: the host opens it, Bea votes, everyone sees the result
    host.fill("#poll-question-input", "Tea or coffee?")
    host.fill("#poll-options-input", "Tea\nCoffee")
    host.click("#poll-form button[type=submit]")
    expect(guest.locator("#poll-question")).to_have_text("Tea or coffee?", timeout=10_000)
    guest.locator("#poll-options li", has_text="Coffee").locator("button").click()
    expect(host.locator("#poll-live-options li", has_text="Coffee")).to_contain_text("100% (1)", timeout=10_000)
