"""The header on a phone with no emoji font still shows its logo and bell; the language picker works by keyboard."""

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, UserFactory

from .conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from .test_account_journey import sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
# Paint a colour emoji on a canvas: with no emoji font it is a monochrome box (or nothing).
EMOJI_HAS_COLOUR = """() => {
  const canvas = Object.assign(document.createElement("canvas"), { width: 40, height: 40 });
  const ctx = canvas.getContext("2d");
  ctx.font = "32px sans-serif";
  ctx.fillText("\\u{1F514}", 2, 34);
  const data = ctx.getImageData(0, 0, 40, 40).data;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = data.slice(i, i + 4);
    if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) return true;
  }
  return false;
}"""


@pytest.fixture(scope="module")
def plain_font_browser(tmp_path_factory):
    """Chromium that sees only DejaVu and Liberation, as on a server or a minimal Linux desktop."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (scripts/ensure-chromium).")
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("fonts")
    (folder / "fonts.conf").write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        "<dir>/usr/share/fonts/truetype/dejavu</dir><dir>/usr/share/fonts/truetype/liberation</dir>"
        f"<cachedir>{folder / 'cache'}</cachedir></fontconfig>"
    )
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                 env={**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")})
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def phone(plain_font_browser, request):
    context = plain_font_browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def share_of_pixels(png: bytes, test) -> float:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(image.getdata())
    return sum(1 for pixel in pixels if test(*pixel)) / len(pixels)


def test_the_phone_header_paints_its_logo_and_bell_without_an_emoji_font(asgi_server, phone):
    alice = UserFactory(email="alice@example.com")
    sign_in(phone, asgi_server.url, alice.email, PASSWORD)
    phone.goto(f"{asgi_server.url}/rooms/")
    phone.wait_for_load_state("load")
    # Given a browser that has no colour emoji (an emoji would be an empty box here)
    assert phone.evaluate(EMOJI_HAS_COLOUR) is False
    # Then the logo is loaded and drawn: mostly the mark's violet, not the dark bar behind it
    logo = phone.locator(".topbar .brand-mark")
    expect(logo).to_be_visible()
    assert phone.evaluate("() => document.querySelector('.brand-mark').naturalWidth") > 0
    assert logo.bounding_box()["width"] >= 24
    violet = share_of_pixels(logo.screenshot(), lambda r, g, b: b > 180 and r > 70 and g < 150)
    assert violet > 0.5, f"only {violet:.0%} of the logo is painted in its colour"
    # And the bell is an SVG whose strokes show in light pixels on the dark bar
    bell = phone.locator("#bell-button svg")
    expect(bell).to_be_visible()
    assert share_of_pixels(bell.screenshot(), lambda r, g, b: min(r, g, b) > 150) > 0.05
    ARTIFACTS.mkdir(exist_ok=True)
    phone.locator(".topbar").screenshot(path=str(ARTIFACTS / "header-390-no-emoji-font.png"))


def test_languages_are_picked_by_keyboard_on_a_phone_and_shown_by_name(asgi_server, phone):
    alice = UserFactory(email="alice@example.com", handle="alice")
    sign_in(phone, asgi_server.url, alice.email, PASSWORD)
    phone.goto(f"{asgi_server.url}/settings/")
    search = phone.get_by_label("Languages I speak")
    # When alice types part of a name, walks the list and presses Enter
    search.click()
    search.type("span")
    expect(phone.locator("#profile-form [role=option]").first).to_have_text("Spanish")
    search.press("Enter")
    search.type("germ")
    search.press("Enter")
    chips = phone.locator("#id_native_languages + .language-picker .language-chip")
    expect(chips).to_have_text(["German", "Spanish"])
    # A mistake: Backspace in the empty search drops the last chip
    search.press("Backspace")
    expect(chips).to_have_text(["German"])
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    search.press("Tab")  # the list closed with the pick: Tab goes on to the next field
    learning = phone.get_by_label("Languages I'm learning")
    expect(learning).to_be_focused()
    learning.type("portu")  # Portuguese (the name starts so), then Brazilian Portuguese
    learning.press("ArrowDown")
    learning.press("Enter")
    phone.get_by_role("button", name="Save profile").click()
    phone.wait_for_load_state("load")
    # Then the profile stores codes and shows names
    alice.refresh_from_db()
    assert (alice.native_languages, alice.learning_languages) == (["de"], ["pt-br"])
    phone.goto(f"{asgi_server.url}/@alice")
    expect(phone.locator(".langs")).to_contain_text("German")
    expect(phone.locator(".langs")).to_contain_text("Brazilian Portuguese · learning")
