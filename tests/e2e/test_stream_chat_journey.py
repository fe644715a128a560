"""Live chat in Chromium against a running daphne: a signed-in viewer chats on a live stream, the host (who
moderates their channel) times them out from the message menu, the viewer's page shows the timeout at once
and refuses their next message; the host's reactions float up on the viewer's page as counts from bursts."""

import pytest
from playwright.sync_api import expect

from streams.models import StreamChatMessage
from tests.accounts.factories import UserFactory
from tests.e2e.test_room_sync_journey import sign_in
from tests.streams.factories import ChannelFactory, live_stream

pytestmark = pytest.mark.e2e


def test_a_host_times_out_a_chatting_viewer_and_reactions_float_up(asgi_server, new_page):
    base = asgi_server.url
    hana, vic = UserFactory(handle="hana", display_name="Hana"), UserFactory(handle="vic", display_name="Vic")
    stream = live_stream(ChannelFactory(owner=hana, slug="hana"), title="Endgame study")
    host, viewer = new_page("host"), new_page("viewer")
    sign_in(host, base, hana.email)
    sign_in(viewer, base, vic.email)
    host.goto(f"{base}/s/{stream.pk}/", wait_until="domcontentloaded")
    viewer.goto(f"{base}/s/{stream.pk}/", wait_until="domcontentloaded")
    for page in (host, viewer):
        expect(page.locator("#stream-chat")).to_have_attribute("data-connected", "true", timeout=10_000)
    expect(host.locator("#stream-chat")).to_have_attribute("data-moderator", "true")
    expect(viewer.locator("#stream-chat")).to_have_attribute("data-moderator", "false")

    viewer.fill("#chat-input", "hello from vic")
    viewer.press("#chat-input", "Enter")
    line = host.locator(f'#chat-list li[data-author="{vic.pk}"]')
    expect(line).to_contain_text("hello from vic", timeout=10_000)
    expect(viewer.locator("#chat-list")).to_contain_text("hello from vic")

    line.locator(".chat-menu summary").click()
    line.locator("button", has_text="Timeout 10 min").click()
    expect(viewer.locator("#chat-status")).to_contain_text("timed out", timeout=10_000)
    expect(host.locator("#chat-list")).to_contain_text("vic was timed out")

    viewer.fill("#chat-input", "can I still talk?")
    viewer.press("#chat-input", "Enter")
    expect(viewer.locator("#stream-chat")).to_have_attribute("data-refused", "chat_timed_out", timeout=10_000)
    assert list(StreamChatMessage.objects.values_list("body", flat=True)) == ["hello from vic"]

    for _ in range(3):
        host.locator(".reaction-button").first.click()
    floats = viewer.locator(".reaction-float")
    expect(floats.first).to_be_visible(timeout=10_000)
    viewer.wait_for_function(
        "[...document.querySelectorAll('.reaction-float')].reduce((n, e) => n + Number(e.textContent.split(' ').pop()), 0) >= 3",
        timeout=5_000)
