"""Voice in a room, in two browsers, through our own relay (manage.py run_relay) on loopback.

Chromium's fake microphone beeps; the listener's page measures what arrives with WebAudio.
The leader turns the room microphone off (the member is muted in the relay) and kicks the
member (their voice connection closes), from the room page's own controls.
"""

import os
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from playwright.sync_api import expect

from rooms.models import Room, RoomKind
from tests.accounts.factories import UserFactory, make_friends
from tests.e2e.conftest import _database_url, _free_port
from tests.e2e.test_room_sync_journey import sign_in

pytestmark = pytest.mark.e2e

# The loudest sample (RMS over 43 ms windows, every 50 ms for 3 s) of what a page hears in voice.
HEARD_LEVEL = """async () => {
  const audio = document.querySelector("#voice-audio audio");
  if (!audio || !audio.srcObject) return 0;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 2048;
  context.createMediaStreamSource(audio.srcObject).connect(analyser);
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


@pytest.fixture
def relay(transactional_db, monkeypatch, tmp_path):
    """A relay worker on the test database, announcing 127.0.0.1; daphne (asgi_server) sends browsers to it."""
    port = _free_port()
    log = (tmp_path / "relay.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_relay", "--host", "127.0.0.1", "--port", str(port), "--ice-address", "127.0.0.1"],
        cwd=settings.BASE_DIR, env={**os.environ, "DATABASE_URL": _database_url()},
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the relay did not start: {(tmp_path / 'relay.log').read_text()[-2000:]}")
        time.sleep(0.1)
    monkeypatch.setenv("MEDIA_RELAY_URL", f"ws://127.0.0.1:{port}/")
    yield
    process.terminate()
    process.wait(timeout=10)
    log.close()


def join_voice(page) -> None:
    page.click("#voice-join")
    expect(page.locator("#voice-status")).to_have_text("Live", timeout=15_000)


def test_two_people_talk_in_a_voice_room_and_the_leaders_controls_reach_the_relay(relay, asgi_server, new_page):
    base = asgi_server.url
    lea, gus = UserFactory(handle="lea", display_name="Lea"), UserFactory(handle="gus", display_name="Gus")
    make_friends(lea, gus)

    leader, guest = new_page("leader"), new_page("guest")
    sign_in(leader, base, lea.email)
    leader.goto(f"{base}/rooms/new/")
    leader.check('input[name=kind][value="voice"]')
    leader.fill("input[name=name]", "English practice")
    leader.check("input[name=is_mic_enabled]")
    leader.locator("#room-form button[type=submit]").click()
    leader.wait_for_url("**/r/*/")
    room = Room.objects.get(name="English practice")
    assert room.kind == RoomKind.VOICE and room.is_mic_enabled

    sign_in(guest, base, gus.email)
    guest.goto(f"{base}/r/{room.code}/")
    guest.click("#join-room")
    guest.wait_for_url(f"**/r/{room.code}/")
    join_voice(leader)
    join_voice(guest)

    # each sees the other in voice, hears them, and sees them speak (the fake microphone beeps)
    expect(guest.locator("#voice-peers .voice-peer")).to_have_count(2)
    expect(guest.locator("#voice-peers")).to_contain_text("Lea")
    expect(leader.locator("#voice-peers")).to_contain_text("Gus")
    assert guest.evaluate(HEARD_LEVEL) > 0.05
    assert leader.evaluate(HEARD_LEVEL) > 0.05
    expect(guest.locator(f'#voice-peers [data-peer="{lea.pk}"].is-speaking')).to_be_attached(timeout=10_000)

    # the leader turns the room microphone off: the member is muted in the relay, the leader still talks
    leader.locator('#room-settings [data-setting="is_mic_enabled"]').uncheck()
    expect(guest.locator("#voice-mute")).to_be_disabled(timeout=10_000)
    expect(guest.locator("#voice-note")).to_contain_text("muted")
    time.sleep(1)  # what was in flight when the mute landed has played out
    assert leader.evaluate(HEARD_LEVEL) < 0.01
    assert guest.evaluate(HEARD_LEVEL) > 0.05

    # the leader kicks the member: their voice connection closes at once
    leader.once("dialog", lambda dialog: dialog.accept())  # "Remove @gus from the room for 10 minutes?"
    leader.locator('#roster [data-handle="gus"] [data-action="Kick"]').click()
    expect(guest.locator("#voice-status")).to_have_text("Off", timeout=10_000)
    expect(leader.locator("#voice-peers .voice-peer")).to_have_count(1, timeout=10_000)
