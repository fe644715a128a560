"""A third-party app's OAuth journey in Chromium: the user signs in, reads the consent page, allows the
app; the app trades the code for tokens and posts to chat with chat:write; the user revokes it in settings."""

from urllib.parse import urlencode

import pytest
import requests
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, UserFactory
from tests.developers.oauth import REDIRECT_URI, authorize_query, code_from, pkce, register_app
from tests.e2e.test_account_journey import sign_in
from tests.rooms.factories import RoomFactory, add_member

pytestmark = pytest.mark.e2e


def test_a_user_authorizes_an_app_that_then_posts_to_chat_and_revokes_it(asgi_server, new_page):
    base = asgi_server.url
    olive = UserFactory(handle="olive")
    room = RoomFactory()
    add_member(room, olive)
    app, secret = register_app(UserFactory(handle="dev"), name="Quiz bot")
    verifier, challenge = pkce()

    page = new_page("olive")
    sign_in(page, base, olive.email, PASSWORD)
    callbacks = []
    page.route(REDIRECT_URI + "**", lambda route: (callbacks.append(route.request.url),
                                                   route.fulfill(status=200, body="bot got it")))
    page.goto(f"{base}/oauth/authorize/?{urlencode(authorize_query(app, 'read chat:write', challenge))}")

    consent = page.locator("#oauth-consent")
    expect(consent).to_contain_text("Allow Quiz bot to use your account?")
    expect(page.locator("#consent-scopes li")).to_have_count(2)
    expect(consent).to_contain_text("Send chat messages as you")
    page.click("#consent-allow")
    expect(page.locator("body")).to_contain_text("bot got it")

    # the app's server side: code → tokens, then a chat message through the API
    tokens = requests.post(f"{base}/oauth/token/", data={
        "grant_type": "authorization_code", "code": code_from(callbacks[-1]), "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier, "client_id": app.client_id, "client_secret": secret}, timeout=10).json()
    bot = {"Authorization": f"Bearer {tokens['access_token']}"}
    posted = requests.post(f"{base}/api/v1/rooms/{room.code}/messages/", json={"body": "Quiz time!"}, headers=bot, timeout=10)
    assert posted.status_code == 201, posted.text

    # the user sees the app in settings and revokes it
    page.goto(f"{base}/settings/")
    page.click("#authorized-apps-link")
    row = page.locator("#authorized-apps tr[data-app='Quiz bot']")
    expect(row).to_contain_text("Send chat messages as you")
    row.locator("text=Revoke").click()
    page.click("#revoke-app")
    expect(page.locator("#authorized-apps")).to_contain_text("No apps yet.")
    refused = requests.get(f"{base}/api/v1/me/", headers=bot, timeout=10)
    assert (refused.status_code, refused.json()["code"]) == (401, "token_invalid")
