"""Two people in two browsers: create a watch room, invite, join, play a direct video in
sync, pause, seek, chat both ways, queue the next video, vote-skip, and the leader's powers.

The videos are generated with PyAV into the platform's own /media/ (config.media answers
byte ranges, which Chromium needs to seek).
"""

import time

import pytest
from playwright.sync_api import expect

from accounts.models import Notification
from rooms.models import Room
from tests.accounts.factories import PASSWORD, UserFactory, make_friends
from tests.rooms.js.harness import make_video

pytestmark = pytest.mark.e2e

SYNC_TOLERANCE = 0.1  # seconds between the two players' positions


@pytest.fixture
def videos(asgi_server, tmp_path):
    """Two videos in daphne's MEDIA_ROOT (see asgi_server); returns their folder's URL."""
    folder = tmp_path / "media" / "videos"
    make_video(folder / "first.mp4", seconds=30, shade=60)
    make_video(folder / "second.mp4", seconds=20, shade=160)
    return f"{asgi_server.url}/media/videos"


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("#bell-button")).to_be_visible()


def room_ready(page) -> None:
    page.wait_for_function("window.WTRoom && window.WTRoom.hellos > 0 && window.WTRoom.playerReady", timeout=15_000)


def sample(page) -> dict:
    return page.evaluate("""() => ({
        position: window.WTRoom.player.currentTime(), wall: Date.now(), paused: window.WTRoom.player.isPaused(),
        src: window.WTRoom.player.video ? window.WTRoom.player.video.currentSrc : null,
        url: window.WTRoom.state.source && window.WTRoom.state.source.url })""")


def offset(a, b) -> float:
    """a's position minus b's, at the same instant (both pages run on this machine's clock)."""
    first, second = sample(a), sample(b)
    rate = 0.0 if first["paused"] and second["paused"] else 1.0
    return first["position"] - second["position"] - rate * (first["wall"] - second["wall"]) / 1000


def wait_playing(page, at_least: float = 0.0) -> None:
    page.wait_for_function(
        "([t]) => window.WTRoom.player && !window.WTRoom.player.isPaused() && window.WTRoom.player.currentTime() > t",
        arg=[at_least], timeout=15_000,
    )


def wait_paused(page) -> None:
    page.wait_for_function("() => window.WTRoom.player && window.WTRoom.player.isPaused() && !window.WTRoom.state.is_playing", timeout=10_000)


def assert_in_sync(a, b, *, settle_ms: int = 2500, samples: int = 5) -> list[float]:
    a.wait_for_timeout(settle_ms)
    offsets = []
    for _ in range(samples):
        offsets.append(offset(a, b))
        a.wait_for_timeout(200)
    assert all(abs(o) < SYNC_TOLERANCE for o in offsets), f"players apart by {offsets} s"
    return offsets


def test_watch_party_in_two_browsers(asgi_server, new_page, videos):
    base = asgi_server.url
    leader_user = UserFactory(handle="lea", display_name="Lea")
    guest_user = UserFactory(handle="gus", display_name="Gus")
    make_friends(leader_user, guest_user)

    # -- the leader creates a private watch room with a direct video -------------------------------------------
    leader = new_page("leader")
    sign_in(leader, base, leader_user.email)
    leader.goto(f"{base}/rooms/new/")
    leader.fill("input[name=name]", "Friday film")
    leader.fill("input[name=source_url]", f"{videos}/first.mp4")
    leader.select_option("select[name=visibility]", "private")
    leader.locator("#room-form button[type=submit]").click()
    leader.wait_for_url("**/r/*/")
    room = Room.objects.get(name="Friday film")
    assert room.source_kind == "video" and room.visibility == "private"
    room_ready(leader)
    expect(leader.locator("#leader-panel")).to_be_visible()
    expect(leader.locator("#play-toggle")).to_be_enabled()

    # -- an invite link, and a direct invite to a friend -------------------------------------------------------------
    leader.click("#invite-create")
    leader.wait_for_function("document.querySelector('#invite-link').value.includes('/i/')")
    invite_link = leader.input_value("#invite-link")
    leader.fill("#invite-handle", "@gus")
    leader.locator("#invite-friend-form button[type=submit]").click()
    expect(leader.locator("#invite-friend-result")).to_contain_text("Invited @gus")
    assert Notification.objects.filter(recipient=guest_user, kind="room_invite").exists()

    # -- the guest opens the link: a confirmation first, then joins -------------------------------------------------
    guest = new_page("guest")
    sign_in(guest, base, guest_user.email)
    guest.goto(invite_link)
    expect(guest.locator("#invited-by")).to_contain_text("@lea invited you")
    expect(guest.locator("#room-preview #room-name")).to_have_text("Friday film")
    assert not room.members.filter(user=guest_user).exists()
    guest.click("#join-room")
    guest.wait_for_url(f"**/r/{room.code}/")
    room_ready(guest)
    expect(guest.locator("#play-toggle")).to_be_disabled()
    expect(guest.locator("#controls-readonly")).to_be_visible()
    expect(guest.locator("#leader-panel")).to_be_hidden()
    expect(guest.locator("#skip-now")).to_be_hidden()
    expect(guest.locator("#queue-play-now")).to_be_hidden()
    expect(guest.locator("#room-locked")).to_be_hidden()
    expect(leader.locator('#roster [data-handle="gus"]')).to_be_visible()
    expect(guest.locator('#roster [data-handle="lea"]')).to_contain_text("Leader")

    # -- play: the guest's video plays within 100 ms of the leader's -----------------------------------------------------
    leader.click("#play-toggle")
    wait_playing(leader, 0.5)
    wait_playing(guest, 0.5)
    assert_in_sync(leader, guest)
    expect(leader.locator("#unmute")).to_be_hidden()  # the click allowed sound
    expect(guest.locator('#roster [data-handle="lea"] .sync-pill')).not_to_have_text("–", timeout=8000)

    # -- pause: both stop at the same frame ---------------------------------------------------------------------------
    leader.click("#play-toggle")
    wait_paused(leader)
    wait_paused(guest)
    guest.wait_for_timeout(500)
    assert abs(offset(leader, guest)) < SYNC_TOLERANCE

    # -- seek while paused, then play from there -------------------------------------------------------------------------
    leader.locator("#seek-bar").fill("20")
    guest.wait_for_function("() => Math.abs(window.WTRoom.player.currentTime() - 20) < 0.1 && !window.WTRoom.player.isSeeking()")
    leader.wait_for_function("() => Math.abs(window.WTRoom.player.currentTime() - 20) < 0.1")
    leader.click("#play-toggle")
    wait_playing(guest, 20.2)
    assert_in_sync(leader, guest)

    # -- seek while playing --------------------------------------------------------------------------------------------
    leader.locator("#seek-bar").fill("5")
    guest.wait_for_function("() => { const t = window.WTRoom.player.currentTime(); return t > 5 && t < 8; }")
    assert_in_sync(leader, guest)

    # -- chat both ways, a mention, and an error frame shown inline ---------------------------------------------------------
    leader.fill("#chat-input", "Popcorn ready, @gus?")
    leader.press("#chat-input", "Enter")
    message = guest.locator(".chat-message", has_text="Popcorn ready")
    expect(message).to_be_visible()
    expect(message.locator(".mention-me")).to_have_text("@gus")
    guest.fill("#chat-input", "Always!")
    guest.click("#chat-send")
    expect(leader.locator(".chat-message", has_text="Always!")).to_be_visible()
    guest.fill("#chat-input", "x" * 501)
    guest.click("#chat-send")
    expect(guest.locator("#chat-error")).to_contain_text("at most 500 characters")
    expect(guest.locator("#chat-input")).to_have_value("x" * 501)  # given back to fix

    # -- the leader mutes the guest: their chat is refused, then unmuted ---------------------------------------------------------
    leader.locator('#roster [data-handle="gus"] [data-action="Mute"]').click()
    expect(guest.locator('#roster [data-handle="gus"] .muted-pill')).to_be_visible()
    guest.fill("#chat-input", "can you hear me")
    guest.press("#chat-input", "Enter")
    expect(guest.locator("#chat-error")).to_contain_text("muted")
    leader.locator('#roster [data-handle="gus"] [data-action="Unmute"]').click()
    expect(guest.locator('#roster [data-handle="gus"] .muted-pill')).to_be_hidden()

    # -- a room setting, live on the guest's page ------------------------------------------------------------------------------
    leader.locator('[data-setting="is_locked"]').check()
    expect(guest.locator("#room-locked")).to_be_visible()

    # -- queue the next video, then vote-skip: both switch ------------------------------------------------------------------------
    guest.fill("#queue-url", f"{videos}/second.mp4")
    guest.fill("#queue-title", "The second one")
    guest.click("#queue-add")
    expect(leader.locator("#queue-list .queue-item")).to_contain_text("The second one")
    leader.click("#skip-vote")
    expect(guest.locator("#skip-tally")).to_have_text("Skip votes 1/2")
    guest.click("#skip-vote")
    for page in (leader, guest):
        page.wait_for_function("() => window.WTRoom.state.source.url.endsWith('/second.mp4') && window.WTRoom.playerReady")
        wait_playing(page, 0.3)
        assert sample(page)["src"].endswith("/second.mp4")
        expect(page.locator("#queue-empty")).to_be_visible()
    assert_in_sync(leader, guest)

    # -- leadership handed over, then the new leader kicks the old one ---------------------------------------------------------------
    leader.once("dialog", lambda dialog: dialog.accept())
    leader.locator('#roster [data-handle="gus"] [data-action="Make leader"]').click()
    expect(guest.locator("#leader-panel")).to_be_visible()
    expect(guest.locator("#play-toggle")).to_be_enabled()
    expect(leader.locator('#roster [data-handle="lea"]')).to_contain_text("Moderator")
    guest.once("dialog", lambda dialog: dialog.accept())
    guest.locator('#roster [data-handle="lea"] [data-action="Kick"]').click()
    expect(leader.locator("#room-gone")).to_be_visible()
    expect(leader.locator("#room-gone-text")).to_contain_text("removed")
    expect(guest.locator('#roster [data-handle="lea"]')).to_have_count(0)

    # Close the browsers while daphne still runs: a disconnect still being handled when the
    # fixture stops daphne can hang its shutdown (config.realtime.send_now's async_to_sync).
    for page in (leader, guest):
        page.context.close()
    time.sleep(1.5)
