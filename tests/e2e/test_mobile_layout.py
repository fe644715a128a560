"""On a phone (390 × 844) the main pages fit the screen and the page links are reachable through the menu button."""

import pytest
from playwright.sync_api import expect

from gamification.rules import TaskKind
from tests.accounts.factories import PASSWORD, UserFactory
from tests.gamification.factories import EventFactory, EventTaskFactory
from tests.guilds.factories import GuildFactory, add_member
from tests.rooms.factories import RoomFactory

from .test_account_journey import sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
PAGES = {
    "home": "/",
    "hallway": "/rooms/",
    "guilds": "/guilds/",
    "guild": "/guilds/night-owls/",
    "leaderboards": "/leaderboards/",
    "live": "/live/",
    "studio": "/studio/",
    "events": "/events/",
    "profile": "/@alice",
}
# What sticks out past the right edge (for the failure message).
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")}`
    + ` (${Math.round(el.getBoundingClientRect().right)}px)`)"""
NAV_LINKS = {"Home": "/", "Rooms": "/rooms/", "Live": "/live/", "Guilds": "/guilds/", "Friends": "/friends/",
             "Leaderboards": "/leaderboards/", "Events": "/events/"}


def test_main_pages_fit_a_phone_and_the_nav_links_are_reachable(asgi_server, new_page):
    # Given alice, with long names, in a guild running its own event next to a platform-wide one
    alice = UserFactory(handle="alice", display_name="Alice Wolfeschlegelsteinhausen", email="alice@example.com")
    guild = GuildFactory(created_by=alice, name="The Extraordinarily Sleepless Night Owls", slug="night-owls")
    add_member(guild, role="officer")
    RoomFactory(created_by=alice, name="Friday night anime marathon with everyone", topic="Cowboy Bebop, all 26 episodes")
    EventTaskFactory(event=EventFactory(title="Guild marathon weekend", guild=guild, created_by=alice),
                     kind=TaskKind.WATCH_HOURS, target=3, xp_reward=250)
    EventTaskFactory(event=EventFactory(title="Community chatter week"), kind=TaskKind.SEND_MESSAGES, target=20)
    page = new_page("phone")
    page.set_viewport_size(PHONE)
    sign_in(page, asgi_server.url, alice.email, PASSWORD)

    for name, path in PAGES.items():
        page.goto(f"{asgi_server.url}{path}")
        page.wait_for_load_state("load")
        # Then nothing is wider than the screen
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} ({path}) is {width}px wide: {page.evaluate(OVERFLOWING)}"
        # And the page links are folded behind the menu button, which opens them all inside the screen
        toggle = page.locator("#nav-toggle")
        expect(toggle).to_be_visible()
        expect(page.locator("#nav-links")).to_be_hidden()
        expect(page.locator("#bell-button")).to_be_visible()
        expect(page.locator("#menu-button")).to_be_visible()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        for label in NAV_LINKS:
            link = page.locator("#nav-links").get_by_role("link", name=label, exact=True)
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{label} sticks out on {name}"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.keyboard.press("Escape")
        expect(page.locator("#nav-links")).to_be_hidden()
        expect(toggle).to_have_attribute("aria-expanded", "false")

    # When alice opens the menu and taps a link, she gets there
    page.locator("#nav-toggle").click()
    page.locator("#nav-links").get_by_role("link", name="Friends", exact=True).click()
    expect(page).to_have_url(f"{asgi_server.url}{NAV_LINKS['Friends']}")

    # And on a wide screen the links sit in the bar, with no menu button
    page.set_viewport_size({"width": 1200, "height": 850})
    expect(page.locator("#nav-toggle")).to_be_hidden()
    expect(page.locator("#nav-links").get_by_role("link", name="Events", exact=True)).to_be_visible()
