"""Camera in a call from a direct message, in Chromium with the fake camera, on daphne with our relay: the
call starts as voice with nobody's camera on; the caller turns theirs on and the callee sees the frames
(videoWidth > 0); turned off, the callee's video goes (a peer's video shows while the relay lists their camera). A voice room that allows no cameras has no button."""

import pytest
from playwright.sync_api import expect

from dms.models import Call
from tests.e2e.test_dm_journey import friends_on_their_conversation
from tests.e2e.test_voice_journey import friends_in_a_new_voice_room, join_voice

pytestmark = pytest.mark.e2e

# The width of the first remote video frame the page has decoded (0 while none).
REMOTE_VIDEO_WIDTH = """() => {
  const video = document.querySelector('#voice-videos video.voice-video:not(#voice-self):not([hidden])');
  return video ? video.videoWidth : 0;
}"""


def test_the_callee_sees_the_callers_camera(relay, asgi_server, new_page):
    base = asgi_server.url
    caller, callee = friends_on_their_conversation(base, new_page)
    caller.click("#dm-call")
    expect(callee.locator("#call-prompt")).to_be_visible()
    callee.click("#call-accept")
    for page in (caller, callee):
        page.wait_for_url("**/r/*/#call")
        expect(page.locator("#voice-status")).to_have_text("Live", timeout=15_000)
    assert Call.objects.get().room.is_camera_enabled

    # a voice call to begin with: nobody's camera is on
    expect(callee.locator("#voice-camera")).to_have_attribute("aria-pressed", "false")
    assert callee.evaluate(REMOTE_VIDEO_WIDTH) == 0

    # Ana turns her camera on: Ben sees her frames
    caller.click("#voice-camera")
    expect(caller.locator("#voice-camera")).to_have_attribute("aria-pressed", "true", timeout=15_000)
    expect(caller.locator("#voice-status")).to_have_text("Live", timeout=15_000)
    expect(caller.locator("#voice-self")).to_be_visible()
    callee.wait_for_function(REMOTE_VIDEO_WIDTH, timeout=20_000)
    assert callee.evaluate(REMOTE_VIDEO_WIDTH) > 0
    for page in (caller, callee):  # peer-to-peer, or the relay when the pair can't connect in time (a busy machine)
        expect(page.locator("#voice-status")).to_have_text("Live", timeout=15_000)

    # and off again: her video leaves Ben's page
    caller.click("#voice-camera")
    expect(caller.locator("#voice-camera")).to_have_attribute("aria-pressed", "false", timeout=15_000)
    expect(callee.locator("#voice-videos video.voice-video:not(#voice-self):not([hidden])")).to_have_count(0, timeout=20_000)


def test_a_voice_room_without_cameras_offers_no_camera(relay, asgi_server, new_page):
    _room, (_lea, leader), _guest = friends_in_a_new_voice_room(asgi_server.url, new_page, "Cafe")
    join_voice(leader)
    expect(leader.locator("#voice-camera")).to_have_count(0)
