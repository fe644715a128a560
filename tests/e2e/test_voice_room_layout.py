"""A voice room's own layout, in browsers, with our relay: seats with speaking rings, mute and raised-hand
badges, the host's menu on each seat, and the voice bar in thumb reach on a phone; the 1:1 partner call's
"Next partner" and the waiting count. Screenshots go to test-artifacts/ (voice-room-*.png, partner-*.png).
"""

import pytest
from playwright.sync_api import expect

from rooms.models import MatchRequest, Room, RoomKind, RoomMember
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_voice_journey import join_voice, open_room
from tests.rooms.factories import RoomFactory, add_member

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# What sticks out past the right edge of the page (for a failure message).
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}#${el.id}.${[...el.classList].join(".")}`)"""


def shot(page, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def seat(page, handle: str):
    return page.locator(f'#seats .seat[data-handle="{handle}"]')


def assert_fits_a_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width}px wide: {page.evaluate(OVERFLOWING)}"
    # the voice bar is on screen without scrolling, its buttons big enough for a thumb
    # measured in one pass: the bar re-renders on room events, so a listed button may be replaced before it is measured
    boxes = page.locator(".voice-bar .bar-btn").evaluate_all(
        "buttons => buttons.filter(b => b.checkVisibility()).map(b => b.getBoundingClientRect().toJSON())")
    for box in boxes:
        assert box["y"] + box["height"] <= PHONE["height"] and box["height"] >= 44, box


def test_voice_room_seats_rings_hands_and_the_hosts_menu(relay, asgi_server, new_page):
    base = asgi_server.url
    lea, gus, ida = (UserFactory(handle=h, display_name=h.title()) for h in ("lea", "gus", "ida"))
    room = RoomFactory(created_by=lea, kind=RoomKind.VOICE, name="English practice", topic="Small talk, any level",
                       max_members=12, is_mic_enabled=True)
    add_member(room, gus)
    add_member(room, ida)
    host, guest = new_page("host"), new_page("guest")
    host.set_viewport_size(DESKTOP)
    guest.set_viewport_size(PHONE)
    open_room(host, base, lea.email, room.code)
    open_room(guest, base, gus.email, room.code)

    # the voice layout: seats for everyone (Ida is away), no player, the bar in reach
    for page in (host, guest):
        expect(page.locator("#seats .seat")).to_have_count(3)
        expect(page.locator("#player-box")).to_have_count(0)
    expect(seat(host, "ida")).to_have_class("seat is-away")
    expect(seat(host, "lea").locator(".seat-role.is-leader svg")).to_be_visible()

    # both join voice: in-voice seats, and the speaker's ring (the fake microphones beep)
    join_voice(host)
    join_voice(guest)
    for page in (host, guest):
        expect(page.locator("#seats .seat.in-voice")).to_have_count(2, timeout=15_000)
    expect(host.locator(f'#seats [data-member="{gus.pk}"].is-speaking')).to_be_attached(timeout=10_000)
    expect(guest.locator("#seat-count")).to_have_text("3 in the room · 2 in voice")

    # the guest mutes: the host sees the mic-off badge; raises a hand: the host sees it
    guest.click("#voice-mute")
    expect(guest.locator("#voice-mute")).to_have_attribute("aria-pressed", "true")
    expect(seat(host, "gus").locator(".seat-mic-off")).to_be_visible(timeout=10_000)
    guest.click("#hand-raise")
    expect(guest.locator("#hand-raise")).to_have_attribute("aria-pressed", "true")
    expect(guest.locator("#hand-raise")).to_have_text("Lower hand")
    expect(seat(host, "gus").locator(".seat-hand")).to_be_visible()
    assert RoomMember.objects.get(room=room, user=gus).hand_raised_at is not None
    assert_fits_a_phone(guest)
    shot(guest, "voice-room-phone")
    shot(guest, "voice-room-phone-full", full_page=True)

    # the guest (a member) has no menus; the host's menu on the guest's seat offers what the server allows
    expect(guest.locator(".seat-menu-btn")).to_have_count(0)
    expect(seat(host, "lea").locator(".seat-menu-btn")).to_have_count(0)  # not on your own seat
    seat(host, "gus").locator(".seat-menu-btn").click()
    menu = seat(host, "gus").locator(".seat-menu")
    expect(menu).to_be_visible()
    assert menu.locator("[data-action]").all_inner_texts() == ["Mute", "Lower hand", "Make moderator", "Make leader", "Kick"]
    host.wait_for_timeout(300)  # the ring's pulse
    shot(host, "voice-room-desktop-menu")

    # the host lowers the hand and mutes the guest: the guest's bar follows
    menu.locator('[data-action="Lower hand"]').click()
    expect(guest.locator("#hand-raise")).to_have_attribute("aria-pressed", "false")
    expect(seat(host, "gus").locator(".seat-hand")).to_have_count(0)
    guest.click("#voice-mute")  # the guest talks again ...
    expect(seat(host, "gus").locator(".seat-mic-off")).to_have_count(0, timeout=10_000)
    seat(host, "gus").locator(".seat-menu-btn").click()  # ... and the host mutes them
    seat(host, "gus").locator('[data-action="Mute"]').click()
    expect(guest.locator("#voice-mute")).to_be_disabled(timeout=10_000)
    expect(seat(host, "gus").locator(".seat-mic-off")).to_be_visible()
    expect(guest.locator("#voice-note")).to_contain_text("muted")

    # the host's page on a phone: the menu opens inside the screen
    host.set_viewport_size(PHONE)
    seat(host, "gus").locator(".seat-menu-btn").click()
    expect(seat(host, "gus").locator(".seat-menu")).to_be_visible()
    box = seat(host, "gus").locator(".seat-menu").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert_fits_a_phone(host)
    shot(host, "voice-room-phone-menu")
    host.keyboard.press("Escape")
    seat(host, "ida").locator(".seat-menu-btn").click()  # the right-hand column's menu opens inwards
    expect(seat(host, "ida").locator(".seat-menu")).to_be_visible()
    box = seat(host, "ida").locator(".seat-menu").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    host.keyboard.press("Escape")
    host.set_viewport_size(DESKTOP)
    shot(host, "voice-room-desktop", full_page=True)


def test_partner_call_has_next_partner_and_no_kick(relay, asgi_server, new_page):
    base = asgi_server.url
    ana, ben = UserFactory(handle="ana", display_name="Ana"), UserFactory(handle="ben", display_name="Ben")
    first, second = new_page("first"), new_page("second")
    for page, user in ((first, ana), (second, ben)):
        page.set_viewport_size(PHONE)
        open_room(page, base, user.email)
        page.goto(f"{base}/partner/")

    # languages by name from the pickers; ana waits, ben sees one person waiting and is matched with her
    first.locator("select[name=speaks]").select_option(["en"], force=True)  # the language picker hides the select
    first.locator("select[name=learns]").select_option(["fr"], force=True)
    first.click("#partner-start")
    expect(first.locator("#partner-state")).to_contain_text("Waiting")
    second.reload()
    expect(second.locator("#waiting-count")).to_have_text("1 waiting for a partner")
    assert_fits_a_phone(second)
    shot(second, "partner-page-phone", full_page=True)
    second.locator("select[name=speaks]").select_option(["fr", "de"], force=True)
    second.locator("select[name=learns]").select_option(["en"], force=True)
    second.click("#partner-start")
    second.wait_for_url("**/r/*/")
    first.wait_for_url("**/r/*/", timeout=15_000)
    code = Room.objects.get(is_matchmade=True).code

    # the call: two seats, no host menu (no Kick, no Make leader), Next partner and the waiting count
    for page in (first, second):
        expect(page.locator("#seats .seat")).to_have_count(2)
        expect(page.locator(".seat-menu-btn")).to_have_count(0)
        expect(page.locator("#next-partner")).to_be_visible()
        expect(page.locator("#waiting-count")).to_have_text("0 waiting for a partner")
    join_voice(first)
    join_voice(second)
    expect(first.locator("#seats .seat.in-voice")).to_have_count(2, timeout=15_000)
    assert_fits_a_phone(first)
    shot(first, "partner-call-phone")

    # ben moves on: he leaves the call and waits again with his languages; ana sees his seat go
    second.click("#next-partner")
    second.wait_for_url(f"{base}/partner/")
    expect(second.locator("#partner-state")).to_contain_text("Waiting")
    expect(first.locator("#seats .seat")).to_have_count(1, timeout=10_000)
    request = MatchRequest.objects.filter(user=ben).latest("id")
    assert (request.status, sorted(request.speaks), request.learns) == ("waiting", ["de", "fr"], ["en"])
    assert not RoomMember.objects.filter(room__code=code, user=ben).exists()
