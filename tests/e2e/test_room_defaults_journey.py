"""Room defaults in Chromium: a host saves them in Settings, the create page starts from them, its microphone
box follows the kind (on for voice, the default for watch parties), and the room made has them."""

import pytest
from playwright.sync_api import expect

from rooms.models import Room
from tests.accounts.factories import UserFactory
from tests.e2e.test_room_sync_journey import sign_in

pytestmark = pytest.mark.e2e


def test_a_host_saves_room_defaults_and_the_create_page_starts_from_them(asgi_server, new_page):
    base = asgi_server.url
    host = UserFactory(handle="hana")
    page = new_page("hana")
    sign_in(page, base, host.email)

    page.goto(f"{base}/settings/#room-defaults")
    form = page.locator("#room-defaults-form")
    form.locator("select[name=room_visibility]").select_option("public")
    form.locator("input[name=room_mic_enabled]").check()
    form.locator("select[name=room_playback_control]").select_option("anyone")
    form.locator("select[name=room_chat_mode]").select_option("mods")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Room defaults saved.")
    expect(page.locator("#room-defaults-form select[name=room_visibility]")).to_have_value("public")

    page.goto(f"{base}/rooms/new/")
    create = page.locator("#room-form")
    expect(create.locator("select[name=visibility]")).to_have_value("public")
    expect(create.locator("select[name=playback_control]")).to_have_value("anyone")
    expect(create.locator("select[name=chat_mode]")).to_have_value("mods")
    mic = create.locator("input[name=is_mic_enabled]")
    expect(mic).to_be_checked()
    # The default is "microphones on" for watch parties too: switching kinds keeps the box checked.
    create.locator("input[name=kind][value=voice]").check()
    expect(mic).to_be_checked()
    create.locator("input[name=kind][value=watch]").check()
    expect(mic).to_be_checked()

    create.locator("input[name=name]").fill("Defaults night")
    create.locator("select[name=chat_mode]").select_option("all")  # a choice on the page wins
    create.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/r/**")
    room = Room.objects.get(name="Defaults night")
    assert (room.visibility, room.is_mic_enabled, room.playback_control, room.chat_mode) == (
        "public", True, "anyone", "all")


def test_with_silent_watch_parties_the_microphone_follows_the_kind(asgi_server, new_page):
    base = asgi_server.url
    host = UserFactory(handle="hugo")
    page = new_page("hugo")
    sign_in(page, base, host.email)
    page.goto(f"{base}/rooms/new/?kind=voice")
    create = page.locator("#room-form")
    mic = create.locator("input[name=is_mic_enabled]")
    expect(mic).to_be_checked()
    create.locator("input[name=kind][value=watch]").check()
    expect(mic).not_to_be_checked()
    create.locator("input[name=kind][value=voice]").check()
    expect(mic).to_be_checked()
