"""OAuth 2 for third-party apps: consent, tokens with scopes, refresh, revocation; scope guards on writes."""

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from accounts.api.permissions import TokenScopes
from accounts.api.views import IsSignedInWithSession
from accounts.services.tokens import api_token_create
from rooms.models import ChatMessage
from tests.accounts.factories import UserFactory
from tests.authz import METHODS, api_views
from tests.rooms.factories import RoomFactory, add_member
from tests.test_authz_coverage import NOT_OPERATIONS

from .oauth import REDIRECT_URI, authorize_query, code_from, exchange, pkce, register_app

pytestmark = pytest.mark.django_db


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def authorized():
    """Olive authorized the "Chat bot" app for read and chat:write, through the consent page."""
    olive = UserFactory(handle="olive")
    app, secret = register_app(UserFactory(handle="dev"))
    verifier, challenge = pkce()
    browser = Client()
    browser.force_login(olive)
    query = authorize_query(app, "read chat:write", challenge)
    consent = browser.get("/oauth/authorize/", query)
    answer = browser.post("/oauth/authorize/", {**query, "allow": "Authorize"})
    tokens = exchange(app, secret, grant_type="authorization_code", code=code_from(answer["Location"]),
                      redirect_uri=REDIRECT_URI, code_verifier=verifier)
    return olive, app, secret, consent, tokens


def test_the_consent_page_names_the_app_and_what_it_may_do(authorized):
    _, _, _, consent, _ = authorized
    page = consent.content.decode()
    assert consent.status_code == 200 and 'id="oauth-consent"' in page and "Chat bot" in page
    assert "Send chat messages as you" in page and "Create and join rooms" not in page


def test_the_app_reads_and_posts_to_chat_with_chat_write_but_cannot_create_rooms(authorized):
    olive, _, _, _, tokens = authorized
    assert tokens["status"] == 200 and set(tokens["scope"].split()) == {"read", "chat:write"}
    room = RoomFactory()
    add_member(room, olive)
    app = bearer(tokens["access_token"])

    assert app.get("/api/v1/rooms/").status_code == 200
    assert app.get("/api/v1/me/").json()["handle"] == "olive"
    assert app.post(f"/api/v1/rooms/{room.code}/messages/", {"body": "hi from the bot"}, format="json").status_code == 201
    refused = app.post("/api/v1/rooms/", {"name": "Bot room", "visibility": "public"}, format="json")
    assert (refused.status_code, refused.json()["code"], refused.json()["extra"]) == (403, "scope_missing", {"required": "rooms:write"})
    # a write no scope covers (minting a personal token, a friend request) is closed to every OAuth token
    assert app.post("/api/v1/friend-requests/", {"handle": "dev"}, format="json").status_code == 403
    assert ChatMessage.objects.filter(body="hi from the bot", author=olive).count() == 1


def test_refresh_gives_a_new_token_and_cannot_widen_the_grant(authorized):
    _, app, secret, _, tokens = authorized
    wider = exchange(app, secret, grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                     scope="read chat:write rooms:write")
    assert (wider["status"], wider["error"]) == (400, "invalid_scope")

    fresh = exchange(app, secret, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert fresh["status"] == 200 and fresh["access_token"] != tokens["access_token"]
    assert bearer(fresh["access_token"]).get("/api/v1/me/").status_code == 200


def test_asking_for_a_scope_that_does_not_exist_gets_no_code():
    app, _ = register_app(UserFactory())
    browser = Client()
    browser.force_login(UserFactory())
    answer = browser.get("/oauth/authorize/", authorize_query(app, "read admin", pkce()[1]))
    assert answer.status_code == 302 and "error=invalid_scope" in answer["Location"]


def test_the_user_sees_and_revokes_the_app_in_settings(authorized):
    olive, _, _, _, tokens = authorized
    browser = Client()
    browser.force_login(olive)
    assert 'id="authorized-apps-link"' in browser.get("/settings/").content.decode()
    listed = browser.get("/oauth/authorized_tokens/").content.decode()
    assert "Chat bot" in listed and "Send chat messages as you" in listed

    token = AccessToken.objects.get(user=olive)  # stored hashed (RFC 9700): found by its owner
    assert browser.post(f"/oauth/authorized_tokens/{token.pk}/delete/").status_code == 302
    refused = bearer(tokens["access_token"]).get("/api/v1/me/")
    assert (refused.status_code, refused.json()["code"]) == (401, "token_invalid")


def test_a_personal_token_without_chat_write_cannot_post():
    olive = UserFactory()
    room = RoomFactory()
    add_member(room, olive)
    _, read_only = api_token_create(user=olive, name="reader", scopes={"read"})
    _, full = api_token_create(user=olive, name="script")

    refused = bearer(read_only).post(f"/api/v1/rooms/{room.code}/messages/", {"body": "no"}, format="json")
    assert (refused.status_code, refused.json()["extra"]) == (403, {"required": "chat:write"})
    assert bearer(read_only).get(f"/api/v1/rooms/{room.code}/messages/").status_code == 200
    assert bearer(full).post(f"/api/v1/rooms/{room.code}/messages/", {"body": "yes"}, format="json").status_code == 201
    assert bearer(full).patch("/api/v1/me/", {"bio": "a full token acts as its owner"}, format="json").status_code == 200
    assert bearer(read_only).patch("/api/v1/me/", {"bio": "not this one"}, format="json").status_code == 403


def test_personal_tokens_are_made_with_scopes_and_refuse_unknown_ones():
    browser = APIClient()
    browser.force_login(UserFactory())
    made = browser.post("/api/v1/tokens/", {"name": "bot", "scopes": ["read", "chat:write"]}, format="json")
    assert made.status_code == 201 and made.json()["scopes"] == ["chat:write", "read"]
    assert browser.post("/api/v1/tokens/", {"name": "bot", "scopes": ["root"]}, format="json").status_code == 400


def test_every_api_view_runs_the_scope_guard():
    """A view that sets its own permissions keeps TokenScopes, or refuses tokens outright."""
    unguarded = []
    for name, _, view_class in api_views():
        if name in NOT_OPERATIONS:
            continue  # the schema and its docs pages: public, no operation of the API
        for method in METHODS:
            if hasattr(view_class, method):
                view = view_class()
                view.request = Request(APIRequestFactory().generic(method.upper(), "/"))
                if not any(isinstance(p, (TokenScopes, IsSignedInWithSession)) for p in view.get_permissions()):
                    unguarded.append((name, method))
    assert unguarded == []
