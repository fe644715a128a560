"""Signup → verify → login → edit profile → live friend request → second login signs the first out."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.models import Friendship, User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    expect(page.locator("#bell-button")).to_be_visible()
    page.wait_for_load_state()  # the header's menus work once the page's modules have run


def socket_ready(page) -> None:
    page.wait_for_function("window.WT && window.WT.events.some(e => e.type === 'hello')")


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 40, 90)).save(out, format="PNG")
    return out.getvalue()


def test_signup_profile_friend_live_and_single_session(asgi_server, new_page):
    base = asgi_server.url
    bob = UserFactory(handle="bob", display_name="Bob")

    # -- signup, email verification (file backend), then sign in ----------------------------------
    newbie = new_page("newbie")
    newbie.goto(f"{base}/accounts/signup/")
    newbie.fill("input[name=email]", "Newbie@Example.com")
    newbie.fill("input[name=username]", "Bob")  # taken in another case
    newbie.fill("input[name=password1]", "a-long-passphrase-42")
    newbie.fill("input[name=password2]", "a-long-passphrase-42")
    newbie.click("form button[type=submit]")
    expect(newbie.locator("body")).to_contain_text("@bob is taken")
    newbie.fill("input[name=username]", "@Newbie_1")
    newbie.fill("input[name=password1]", "a-long-passphrase-42")
    newbie.fill("input[name=password2]", "a-long-passphrase-42")
    newbie.click("form button[type=submit]")
    expect(newbie.locator("body")).to_contain_text("Verify Your Email Address")
    assert User.objects.get(email="newbie@example.com").handle == "newbie_1"

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", asgi_server.emails()[-1]).group(0)
    newbie.goto(link.replace(re.match(r"https?://[^/]+", link).group(0), base))
    newbie.click("form button[type=submit]")  # "Confirm"
    newbie.goto(f"{base}/")
    if newbie.locator("#bell-button").count():  # confirmation signed us in: sign out to sign in properly
        newbie.click("#menu-button")
        newbie.click("text=Sign out")
    sign_in(newbie, base, "newbie@example.com", "a-long-passphrase-42")

    # -- profile edit and avatar upload --------------------------------------------------------
    newbie.goto(f"{base}/settings/")
    newbie.fill("#profile-form input[name=display_name]", "New Bee")
    newbie.fill("#profile-form textarea[name=bio]", "Here for the movie nights")
    newbie.click("#profile-form button[type=submit]")
    expect(newbie.locator(".flash")).to_contain_text("Profile saved.")
    newbie.set_input_files("#avatar-form input[name=avatar]", files=[{"name": "me.png", "mimeType": "image/png", "buffer": png_bytes()}])
    newbie.click("#avatar-form button[type=submit]")
    expect(newbie.locator(".flash")).to_contain_text("Avatar updated.")
    newbie.goto(f"{base}/@newbie_1")
    expect(newbie.locator("h1")).to_contain_text("New Bee")
    expect(newbie.locator(".bio")).to_have_text("Here for the movie nights")
    expect(newbie.locator(".profile-head img.avatar")).to_be_visible()

    # -- a friend request, accepted live in a second browser ------------------------------------
    bob_page = new_page("bob")
    sign_in(bob_page, base, bob.email, PASSWORD)
    bob_page.goto(f"{base}/friends/")
    socket_ready(bob_page)

    newbie.goto(f"{base}/@bob")
    socket_ready(newbie)
    newbie.click("#add-friend")
    expect(newbie.locator(".toast").first).to_contain_text("Friend request sent")

    # Bob's page was not reloaded: the request arrives over the WebSocket.
    expect(bob_page.locator("#bell-count")).to_have_text("1")
    expect(bob_page.locator("#requests")).to_contain_text("@newbie_1")
    bob_page.locator("#requests").get_by_role("button", name="Accept").click()
    expect(bob_page.locator("#friend-list")).to_contain_text("@newbie_1")

    # ...and the newcomer sees the acceptance arrive live on Bob's profile.
    expect(newbie.locator(".toast").last).to_contain_text("@bob accepted your friend request")
    expect(newbie.locator("#profile-head")).to_contain_text("Friends")
    assert Friendship.objects.filter(user__handle="newbie_1", friend=bob).exists()

    # -- signing in elsewhere signs the first browser out ------------------------------------------
    elsewhere = new_page("elsewhere")
    sign_in(elsewhere, base, "newbie@example.com", "a-long-passphrase-42")
    expect(newbie.locator("#session-ended")).to_be_visible()
    expect(newbie.locator("#session-ended-reason")).to_contain_text("signed in on another device")
    newbie.goto(f"{base}/settings/")
    expect(newbie).to_have_url(re.compile(r"/accounts/login/"))
