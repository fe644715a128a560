"""Voice in a room, in browsers, with our own relay (manage.py run_relay, the `relay` fixture) on loopback.

Chromium's fake microphone beeps; the listener's page measures what arrives with WebAudio.
Two people in voice talk peer-to-peer (signalled through the relay); a third joiner moves
everyone to the relay; a direct connection that does not come up falls back to it. The
leader turns the room microphone off (the member is muted, in a direct call too) and kicks
the member (their voice connection closes), from the room page's own controls.
"""

import time

import pytest
from playwright.sync_api import expect

from accounts.models import User
from media_relay.models import Recording
from rooms.models import Room, RoomKind
from tests.accounts.factories import UserFactory, make_friends
from tests.e2e.test_room_sync_journey import sign_in

pytestmark = pytest.mark.e2e

# The loudest sample (RMS over 43 ms windows, every 50 ms for 3 s) of what a page hears in voice (everyone mixed),
# once something plays (a track arrives a moment after the peer shows up: wait up to 5 s for it).
HEARD_LEVEL = """async () => {
  const playing = () => [...document.querySelectorAll("#voice-audio audio")].map((a) => a.srcObject).filter(Boolean);
  for (let i = 0; i < 100 && !playing().length; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const streams = playing();
  if (!streams.length) return 0;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 2048;
  for (const stream of streams) context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let loudest = 0;
  for (let i = 0; i < 60; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    analyser.getFloatTimeDomainData(samples);
    loudest = Math.max(loudest, Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length));
  }
  context.close();
  return loudest;
}"""


# Every RTCPeerConnection a page makes, for its stats (test instrumentation only).
RECORD_PEER_CONNECTIONS = """(() => {
  const Original = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) { const pc = new Original(...args); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Original.prototype;
})()"""

# Audio bytes received on the direct connection (the one that sends and receives) and from the relay.
RECEIVED_BYTES = """async () => {
  const bytes = { direct: 0, relay: 0 };
  for (const pc of window.__pcs) {
    if (pc.connectionState === "closed") continue;
    const direct = pc.getTransceivers().some((t) => t.currentDirection === "sendrecv");
    for (const report of (await pc.getStats()).values()) {
      if (report.type === "inbound-rtp" && report.kind === "audio") bytes[direct ? "direct" : "relay"] += report.bytesReceived;
    }
  }
  return bytes;
}"""


def open_room(page, base: str, email: str, code: str | None = None) -> None:
    page.add_init_script(RECORD_PEER_CONNECTIONS)
    sign_in(page, base, email)
    if code:
        page.goto(f"{base}/r/{code}/")


def join_voice(page, status: str = "Live") -> None:
    page.click("#voice-join")
    expect(page.locator("#voice-status")).to_have_text(status, timeout=15_000)


def expect_mode(page, mode: str) -> None:
    expect(page.locator("#voice")).to_have_attribute("data-mode", mode, timeout=15_000)


def friends_in_a_new_voice_room(base: str, new_page, name: str):
    """Lea makes a voice room through the page, her friend Gus joins it through the page (room services
    can't be called here: they publish with async_to_sync, refused while Playwright's loop runs)."""
    lea, gus = UserFactory(handle="lea", display_name="Lea"), UserFactory(handle="gus", display_name="Gus")
    make_friends(lea, gus)
    leader, guest = new_page("leader"), new_page("guest")
    open_room(leader, base, lea.email)
    leader.goto(f"{base}/rooms/new/")
    leader.check('input[name=kind][value="voice"]')
    leader.fill("input[name=name]", name)
    expect(leader.locator("input[name=is_mic_enabled]")).to_be_checked()  # voice rooms start with microphones on
    leader.locator("#room-form button[type=submit]").click()
    leader.wait_for_url("**/r/*/")
    room = Room.objects.get(name=name)
    assert room.kind == RoomKind.VOICE and room.is_mic_enabled
    open_room(guest, base, gus.email, room.code)
    guest.click("#join-room")
    guest.wait_for_url(f"**/r/{room.code}/")
    return room, (lea, leader), (gus, guest)


def test_two_people_talk_in_a_voice_room_and_the_leaders_controls_reach_the_relay(relay, asgi_server, new_page):
    base = asgi_server.url
    room, (lea, leader), (gus, guest) = friends_in_a_new_voice_room(base, new_page, "English practice")
    join_voice(leader)
    join_voice(guest)

    # each sees the other in voice, hears them, and sees them speak (the fake microphone beeps)
    expect(guest.locator("#seats .seat.in-voice")).to_have_count(2)
    expect(guest.locator('#seats .seat.in-voice[data-handle="lea"]')).to_contain_text("Lea")
    expect(leader.locator('#seats .seat.in-voice[data-handle="gus"]')).to_contain_text("Gus")
    assert guest.evaluate(HEARD_LEVEL) > 0.05
    assert leader.evaluate(HEARD_LEVEL) > 0.05
    expect(guest.locator(f'#seats [data-member="{lea.pk}"].is-speaking')).to_be_attached(timeout=10_000)
    # ... over a direct connection: two in voice talk peer-to-peer
    expect_mode(leader, "p2p")
    expect_mode(guest, "p2p")

    # the leader records: everyone sees it; both voices are in the stored part (each still publishes to
    # the relay in a direct call)
    expect(guest.locator("#voice-record")).to_be_hidden()
    leader.click("#voice-record")
    expect(guest.locator("#voice-recording")).to_be_visible(timeout=10_000)
    expect(leader.locator("#voice-record")).to_have_text("Stop recording")
    time.sleep(2)
    leader.click("#voice-record")
    expect(guest.locator("#voice-recording")).to_be_hidden(timeout=10_000)
    recording = Recording.objects.get(room=room)
    assert recording.stopped_by == lea
    deadline = time.monotonic() + 10
    while not recording.parts.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    part = recording.parts.get()
    assert part.tracks == ["audio", "audio"] and part.duration > 1

    # the leader turns the room microphone off: the member is muted (in the relay, and the leader's
    # browser stops playing the direct track), the leader still talks
    leader.locator('#room-settings [data-setting="is_mic_enabled"]').uncheck()
    expect(guest.locator("#voice-mute")).to_be_disabled(timeout=10_000)
    expect(guest.locator("#voice-note")).to_contain_text("muted")
    time.sleep(1)  # what was in flight when the mute landed has played out
    assert leader.evaluate(HEARD_LEVEL) < 0.01
    assert guest.evaluate(HEARD_LEVEL) > 0.05

    # a third person joins voice (listening: the microphone is off for members): everyone moves to the relay
    ida = UserFactory(handle="ida", display_name="Ida")
    make_friends(lea, ida)
    third = new_page("third")
    open_room(third, base, ida.email, room.code)
    third.click("#join-room")
    third.wait_for_url(f"**/r/{room.code}/")
    join_voice(third, "Listening")
    for page in (leader, guest, third):
        expect_mode(page, "relay")
    assert third.evaluate(HEARD_LEVEL) > 0.05
    assert guest.evaluate(HEARD_LEVEL) > 0.05
    assert leader.evaluate(HEARD_LEVEL) < 0.01  # the member is still muted, now by the relay
    assert guest.evaluate(RECEIVED_BYTES)["relay"] > 0

    # the leader kicks the member: their voice connection closes at once
    leader.once("dialog", lambda dialog: dialog.accept())  # "Remove @gus from the room for 10 minutes?"
    leader.locator('#seats [data-handle="gus"] .seat-menu-btn').click()  # the host's menu on Gus's seat
    leader.locator('#seats [data-handle="gus"] [data-action="Kick"]').click()
    expect(guest.locator("#voice-status")).to_have_text("Off", timeout=10_000)
    expect(leader.locator("#seats .seat.in-voice")).to_have_count(2, timeout=10_000)  # Lea and Ida
    expect(leader.locator("#seats")).not_to_contain_text("Gus")


def matched_partners(base: str, first, second) -> str:
    """Two people ask for a language partner on /partner/ and land in their private voice room."""
    first.goto(f"{base}/partner/")
    first.locator("select[name=speaks]").select_option(["en"], force=True)  # the language picker hides the select
    first.locator("select[name=learns]").select_option(["fr"], force=True)
    first.click("#partner-start")
    expect(first.locator("#partner-state")).to_contain_text("Waiting")
    second.goto(f"{base}/partner/")
    second.locator("select[name=speaks]").select_option(["fr"], force=True)
    second.locator("select[name=learns]").select_option(["en"], force=True)
    second.click("#partner-start")
    second.wait_for_url("**/r/*/")  # from the API's reply (static/js/partner.js goes once, not again on the event)
    first.wait_for_url("**/r/*/", timeout=15_000)  # told live, over its per-user socket
    for page in (second, first):
        expect(page.locator("#voice-join")).to_be_visible()
    room = Room.objects.get(is_matchmade=True)
    assert room.max_members == 2 and room.kind == RoomKind.VOICE
    return room.code


@pytest.fixture
def partners(asgi_server, new_page):
    """Two signed-in browsers matched on /partner/, each on their private two-person voice room's page."""
    ana, ben = UserFactory(handle="ana"), UserFactory(handle="ben")
    first, second = new_page("first"), new_page("second")
    open_room(first, asgi_server.url, ana.email)
    open_room(second, asgi_server.url, ben.email)
    matched_partners(asgi_server.url, first, second)
    return first, second


def test_matched_partners_talk_directly_not_through_the_relay(relay, asgi_server, partners, new_page):
    first, second = partners
    base = asgi_server.url

    join_voice(first)
    join_voice(second)

    for page in (first, second):
        expect_mode(page, "p2p")
        expect(page.locator("#voice-route")).to_have_text("Direct call")
    assert first.evaluate(HEARD_LEVEL) > 0.05
    assert second.evaluate(HEARD_LEVEL) > 0.05
    for page in (first, second):  # every byte heard came over the direct connection, none from the relay
        received = page.evaluate(RECEIVED_BYTES)
        assert received["direct"] > 0 and received["relay"] == 0, received

    # the first partner signs in on another device: this page is signed out, and leaves voice with it
    elsewhere = new_page("elsewhere")
    sign_in(elsewhere, base, User.objects.get(handle="ana").email)
    expect(first.locator("#session-ended")).to_be_visible(timeout=10_000)
    expect(first.locator("#voice-status")).to_have_text("Off", timeout=10_000)  # the page left, or the relay dropped it
    expect(second.locator("#seats .seat.in-voice")).to_have_count(1, timeout=10_000)


def test_a_direct_connection_that_does_not_come_up_falls_back_to_the_relay(relay, partners):
    first, second = partners

    # given: the second browser gives a direct connection no time at all (it offers, as the later joiner)
    second.locator("#voice").evaluate("card => { card.dataset.p2pTimeoutMs = '0'; }")
    join_voice(first)
    join_voice(second)

    # then: both use the relay (the first was told "bye"), and hear each other through it
    for page in (first, second):
        expect_mode(page, "relay")
    assert first.evaluate(HEARD_LEVEL) > 0.05
    assert second.evaluate(HEARD_LEVEL) > 0.05
    for page in (first, second):
        received = page.evaluate(RECEIVED_BYTES)
        assert received["relay"] > 0 and received["direct"] == 0, received


def test_partners_switch_microphones_and_come_back_after_the_relay_restarts(relay, partners):
    first, second = partners
    join_voice(first)
    join_voice(second)
    expect_mode(first, "p2p")

    # the microphone picker lists the fake devices; switching keeps the call (replaceTrack, no renegotiation)
    picker = first.locator("#voice-device")
    expect(picker).to_be_visible()
    devices = picker.locator("option").evaluate_all("options => options.map((o) => o.value)")
    assert devices
    picker.select_option(devices[-1])
    first.wait_for_timeout(500)
    assert second.evaluate(HEARD_LEVEL) > 0.05

    # the relay goes away and comes back: both rejoin with fresh grants and talk again
    for page in (first, second):
        page.evaluate("""() => {
          window.__states = [];
          const status = document.getElementById("voice-status");
          new MutationObserver(() => window.__states.push(status.dataset.state)).observe(status, { attributes: true });
        }""")
    relay.restart()
    for page in (first, second):
        expect(page.locator("#voice-status")).to_have_text("Live", timeout=30_000)
        assert "reconnecting" in page.evaluate("window.__states")
    expect(first.locator("#seats .seat.in-voice")).to_have_count(2, timeout=15_000)
    expect_mode(first, "p2p")
    expect_mode(second, "p2p")
    assert first.evaluate(HEARD_LEVEL) > 0.05
    assert second.evaluate(HEARD_LEVEL) > 0.05
