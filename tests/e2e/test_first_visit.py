"""What a first visit meets, in a browser at desktop and phone widths: the landing page (Sign up readable,
live rooms, the live-streams slot) and a new user's home; a closed room's link. Screenshots of each page
at each width are kept in test-artifacts/ to look at."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, UserFactory
from tests.gamification.factories import EventFactory, EventTaskFactory
from tests.rooms.factories import RoomFactory

from .conftest import ARTIFACTS
from .test_account_journey import sign_in

pytestmark = pytest.mark.e2e

WIDTHS = {"desktop": 1280, "phone": 390}
# The WCAG contrast ratio of an element's text on its own background (both opaque rgb()).
CONTRAST = """(el) => {
  const rgb = (value) => value.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const style = getComputedStyle(el);
  const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"first-visit-{name}.png"), full_page=True)


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("device", WIDTHS)
def test_a_first_visit(asgi_server, new_page, device):
    width = WIDTHS[device]
    # Given a live public room, a closed one, and an event running
    RoomFactory(name="Anime night", topic="Cowboy Bebop", languages=["en", "ja"], leader__connections=1)
    closed = RoomFactory(name="Friday movie night", leader=False, closed_at=timezone.now())
    EventTaskFactory(event=EventFactory(title="Movie Marathon Weekend"), target=3)
    newbie = UserFactory(handle="newbie", email="newbie@example.com")
    page = new_page(device)
    page.set_viewport_size({"width": width, "height": 900})

    # The landing page says what this is, shows what is live and keeps a slot for streams
    page.goto(f"{asgi_server.url}/")
    expect(page.locator("h1")).to_have_text("Watch, talk and stream together.")
    expect(page.locator("#live-now")).to_contain_text("Anime night")
    expect(page.locator("#live-streams")).to_contain_text("Coming soon")
    sign_up = page.locator(".topbar a", has_text="Sign up")
    expect(sign_up).to_be_visible()
    assert sign_up.evaluate(CONTRAST) >= 4.5  # grey on purple before: 1.4
    fits(page, width)
    shoot(page, f"landing-{width}")

    # A closed room's link: what happened, and what is live instead
    page.goto(f"{asgi_server.url}/r/{closed.code}/")
    expect(page.locator("#room-closed")).to_contain_text("“Friday movie night” has ended")
    expect(page.locator(".live-rooms")).to_contain_text("Anime night")
    fits(page, width)
    shoot(page, f"closed-room-{width}")

    # A new user's home suggests rooms and events instead of empty cards
    sign_in(page, asgi_server.url, newbie.email, PASSWORD)
    page.goto(f"{asgi_server.url}/")
    expect(page.locator("#home-rooms")).to_contain_text("Anime night")
    expect(page.locator("#home-events")).to_contain_text("Movie Marathon Weekend")
    expect(page.locator("#home-friends")).to_contain_text("None of your friends are online")
    fits(page, width)
    shoot(page, f"home-{width}")
