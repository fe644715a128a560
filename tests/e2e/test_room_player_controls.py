"""The room page's own player controls in a real browser: volume and mute, full screen, the
keyboard shortcuts and their help, the sync indicator in words, a queued file's title,
length and thumbnail once probed, and the labelled delete button on one's chat messages."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from playwright.sync_api import expect

from rooms.models import QueueItem
from rooms.services.membership import room_create
from rooms.services.queue import queue_item_probe
from tests.accounts.factories import UserFactory
from tests.rooms.js.harness import make_video

from .test_room_sync_journey import room_ready, sign_in, wait_playing

pytestmark = pytest.mark.e2e


def off_the_loop(fn, /, **kwargs):
    """Run a service in a thread of its own: Playwright's event loop holds this one, and publishing
    an event (async_to_sync) refuses to run under a running loop."""

    def run():
        try:
            return fn(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def test_player_controls_shortcuts_indicator_and_queue_metadata(asgi_server, new_page, tmp_path, settings):
    folder = tmp_path / "media" / "videos"  # daphne's MEDIA_ROOT (asgi_server)
    make_video(folder / "first.mp4", seconds=30)
    make_video(folder / "second.mp4", seconds=12, title="The Second Film")
    base = asgi_server.url
    lea = UserFactory(handle="lea", display_name="Lea")
    room = off_the_loop(room_create, creator=lea, name="Controls", visibility="public", source_url=f"{base}/media/videos/first.mp4")
    page = new_page("leader")
    sign_in(page, base, lea.email)
    page.goto(f"{base}/r/{room.code}/")
    room_ready(page)

    # -- volume and mute: the listener's own, kept for the next video -------------------------------------------------
    expect(page.locator("#volume")).to_be_visible()
    page.locator("body").press("m")
    assert page.evaluate("window.WTRoom.player.isMuted()")
    expect(page.locator("#mute-toggle")).to_have_attribute("aria-label", "Unmute")
    page.click("#mute-toggle")
    assert not page.evaluate("window.WTRoom.player.isMuted()")
    page.locator("body").press("ArrowDown")
    page.locator("body").press("ArrowDown")
    assert page.evaluate("window.WTRoom.player.volume()") == pytest.approx(0.9, abs=0.001)
    assert page.evaluate("JSON.parse(localStorage.getItem('wt:volume')).volume") == pytest.approx(0.9)

    # -- the shortcuts' help, play with k, seek with the arrows ---------------------------------------------------------
    expect(page.locator("#shortcuts-help")).to_be_hidden()
    page.locator("body").press("?")
    expect(page.locator("#shortcuts-help")).to_be_visible()
    expect(page.locator("#shortcuts-help")).to_contain_text("Play or pause")
    page.click("#shortcuts-toggle")
    expect(page.locator("#shortcuts-help")).to_be_hidden()
    page.locator("body").press("k")
    wait_playing(page, 0.5)
    expect(page.locator("#play-toggle")).to_have_attribute("aria-label", "Pause")
    page.locator("body").press("ArrowRight")
    page.wait_for_function("window.WTRoom.state.position >= 5")

    # -- the sync indicator says it in words, the figures on hover -------------------------------------------------------
    expect(page.locator("#sync-badge")).to_have_text("In sync", timeout=15_000)
    assert "from the room's position" in page.locator("#sync-badge").get_attribute("title")

    # -- full screen: the player with its controls, by button or f --------------------------------------------------------
    page.click("#fullscreen-toggle")
    page.wait_for_function("document.fullscreenElement && document.fullscreenElement.id === 'player-shell'")
    expect(page.locator("#fullscreen-toggle")).to_have_attribute("aria-label", "Leave full screen")
    page.locator("body").press("f")
    page.wait_for_function("!document.fullscreenElement")

    # -- a queued file: its name at once, then title, length and thumbnail once probed ---------------------------------
    page.fill("#queue-url", f"{base}/media/videos/second.mp4")
    page.click("#queue-add")
    item = page.locator("#queue-list .queue-item")
    expect(item.locator(".queue-title")).to_have_text("second.mp4")
    settings.SITE_URL, settings.MEDIA_ROOT = base, str(tmp_path / "media")  # as daphne's (the task runs beside it)
    off_the_loop(queue_item_probe, item_id=QueueItem.objects.get(room=room).pk)
    if not settings.REDIS_URL:  # embedded: this process's in-memory layer can't reach daphne's sockets
        page.reload()
        room_ready(page)
    expect(item.locator(".queue-title")).to_have_text("The Second Film")
    expect(item.locator(".queue-duration")).to_have_text("0:12")
    page.wait_for_function("() => { const img = document.querySelector('#queue-list .queue-thumb img'); return img && img.naturalWidth > 0; }")
    expect(item.locator(".queue-remove")).to_contain_text("Remove")

    # -- chat: my message's delete button says what it does ---------------------------------------------------------------
    page.fill("#chat-input", "hello")
    page.press("#chat-input", "Enter")
    delete = page.locator(".chat-message.is-mine .chat-delete")
    expect(delete).to_contain_text("Delete")
    expect(delete).to_have_attribute("title", "Delete your message")
    delete.click()
    expect(page.locator(".chat-message.is-mine .chat-delete")).to_have_count(0)
