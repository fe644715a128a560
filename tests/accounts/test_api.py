"""/api/v1/ for accounts over HTTP: error shape, journeys, privacy, uploads, tokens, query counts.

Service rules are tested in the service tests (test_handles, test_social, ...); here we
check what the API adds: status codes, the one error shape, auth, and the queries a
list costs.
"""

import hashlib
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import (
    ApiToken,
    Audience,
    Block,
    DeviceSession,
    Follow,
    FriendRequest,
    FriendRequestStatus,
    Friendship,
    Notification,
    PresenceConnection,
    User,
)
from accounts.notification_kinds import NotificationKind
from accounts.services.tokens import api_token_create
from config.api import CallerRateThrottle
from tests.api import assert_error, signed_in

from .factories import PASSWORD, UserFactory, make_friends

pytestmark = pytest.mark.django_db

API = "/api/v1"


# -- helpers ------------------------------------------------------------------------------------
def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def png_bytes(size=(64, 48), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


# -- the one error shape --------------------------------------------------------------------------
class TestErrorShape:
    def test_invalid_input_is_400_with_fields(self, alice):
        body = assert_error(signed_in(alice).post(f"{API}/friend-requests/", {}, format="json"), 400, "invalid")
        assert "handle" in body["extra"]["fields"]

    def test_invalid_query_parameter_is_400_with_fields(self, alice):
        body = assert_error(signed_in(alice).get(f"{API}/users/?q=a"), 400, "invalid")
        assert "q" in body["extra"]["fields"]

    def test_anonymous_is_401_not_authenticated(self):
        response = APIClient().get(f"{API}/me/")
        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Bearer"

    def test_unknown_user_is_404_user_not_found(self, alice):
        body = assert_error(signed_in(alice).get(f"{API}/users/nobody_here/"), 404, "user_not_found")
        assert "nobody_here" in body["message"]

    def test_duplicate_friend_request_is_409(self, alice, bob):
        client = signed_in(alice)
        assert client.post(f"{API}/friend-requests/", {"handle": "bob"}, format="json").status_code == 201
        assert_error(client.post(f"{API}/friend-requests/", {"handle": "bob"}, format="json"), 409, "friend_request_exists")
        assert FriendRequest.objects.filter(from_user=alice, to_user=bob).count() == 1

    def test_wrong_method_is_405_in_the_same_shape(self, alice):
        assert_error(signed_in(alice).delete(f"{API}/me/"), 405, "method_not_allowed")

    def test_throttled_is_429_with_retry_after(self, monkeypatch, alice):
        # DRF reads the rates once into the class; patch them there.
        monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min", "token": "3/min"})
        anonymous = APIClient()
        for _ in range(2):
            assert anonymous.get(f"{API}/handles/free_handle/").status_code == 200
        response = anonymous.get(f"{API}/handles/free_handle/")
        body = assert_error(response, 429, "throttled")
        assert 0 < body["extra"]["retry_after"] <= 60
        assert 1 <= int(response["Retry-After"]) <= 60
        # A signed-in caller has its own bucket.
        assert signed_in(alice).get(f"{API}/handles/free_handle/").status_code == 200

    def test_anonymous_cannot_pick_a_fresh_bucket_with_x_forwarded_for(self, monkeypatch):
        monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min", "token": "3/min"})
        anonymous = APIClient()
        statuses = [
            anonymous.get(f"{API}/handles/free_handle/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(4)
        ]
        assert statuses == [200, 200, 429, 429]

    def test_session_writes_need_the_csrf_token_but_tokens_do_not(self, alice):
        browser = APIClient(enforce_csrf_checks=True)
        browser.force_login(alice)
        body = assert_error(browser.patch(f"{API}/me/", {"bio": "csrf"}, format="json"), 403, "permission_denied")
        assert "CSRF" in body["message"]
        _, key = api_token_create(user=alice, name="cli")
        script = APIClient(enforce_csrf_checks=True)
        script.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        assert script.patch(f"{API}/me/", {"bio": "via token"}, format="json").status_code == 200


# -- friends over the API -------------------------------------------------------------------------
def test_friend_journey(alice, bob):
    as_alice, as_bob = signed_in(alice), signed_in(bob)

    # Alice asks Bob by @handle (any case, with or without the @).
    response = as_alice.post(f"{API}/friend-requests/", {"handle": "@BOB"}, format="json")
    assert response.status_code == 201, response.content
    sent = response.json()
    assert (sent["from_user"]["handle"], sent["to_user"]["handle"], sent["status"]) == ("alice", "bob", "pending")

    assert [r["id"] for r in results(as_alice.get(f"{API}/friend-requests/?direction=outgoing"))] == [sent["id"]]
    assert results(as_alice.get(f"{API}/friend-requests/")) == []
    incoming = results(as_bob.get(f"{API}/friend-requests/"))
    assert [(r["id"], r["from_user"]["handle"]) for r in incoming] == [(sent["id"], "alice")]
    assert [n["kind"] for n in results(as_bob.get(f"{API}/notifications/"))] == ["friend_request"]

    # Bob accepts; both see each other in their friends list with presence.
    response = as_bob.post(f"{API}/friend-requests/{sent['id']}/accept/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert results(as_bob.get(f"{API}/friend-requests/")) == []
    PresenceConnection.objects.create(user=bob, channel_name="test.bob", last_heartbeat_at=timezone.now())
    friends_of_alice = results(as_alice.get(f"{API}/friends/"))
    assert [(f["handle"], f["is_online"]) for f in friends_of_alice] == [("bob", True)]
    assert [(f["handle"], f["is_online"]) for f in results(as_bob.get(f"{API}/friends/"))] == [("alice", False)]
    assert [n["kind"] for n in results(as_alice.get(f"{API}/notifications/"))] == ["friend_accepted"]

    # Accepting twice is a 404: the request is no longer pending.
    assert_error(as_bob.post(f"{API}/friend-requests/{sent['id']}/accept/"), 404, "friend_request_not_found")
    assert_error(as_alice.post(f"{API}/friend-requests/", {"handle": "bob"}, format="json"), 409, "already_friends")

    # Alice unfriends Bob: gone on both sides; a second time is a 404.
    assert as_alice.delete(f"{API}/friends/bob/").status_code == 204
    assert results(as_alice.get(f"{API}/friends/")) == []
    assert results(as_bob.get(f"{API}/friends/")) == []
    assert_error(as_alice.delete(f"{API}/friends/bob/"), 404, "not_friends")


def test_reject_and_cancel_over_the_api(alice, bob):
    carol = UserFactory(handle="carol")
    as_alice, as_bob = signed_in(alice), signed_in(bob)
    to_bob = as_alice.post(f"{API}/friend-requests/", {"handle": "bob"}, format="json").json()
    to_carol = as_alice.post(f"{API}/friend-requests/", {"handle": "carol"}, format="json").json()

    # Only the sender can cancel, only the recipient can reject.
    assert_error(as_bob.delete(f"{API}/friend-requests/{to_bob['id']}/"), 404, "friend_request_not_found")
    assert_error(as_alice.post(f"{API}/friend-requests/{to_bob['id']}/reject/"), 404, "friend_request_not_found")
    response = as_bob.post(f"{API}/friend-requests/{to_bob['id']}/reject/")
    assert (response.status_code, response.json()["status"]) == (200, "rejected")
    assert as_alice.delete(f"{API}/friend-requests/{to_carol['id']}/").status_code == 204
    assert FriendRequest.objects.get(pk=to_carol["id"]).status == FriendRequestStatus.CANCELLED
    assert not Notification.objects.filter(recipient__in=[bob, carol]).exists()  # withdrawn with the request
    assert results(as_alice.get(f"{API}/friend-requests/?direction=outgoing")) == []


def test_follow_and_block_over_the_api(alice, bob):
    as_alice = signed_in(alice)
    make_friends(alice, bob)
    assert as_alice.post(f"{API}/users/bob/follow/").status_code == 201
    assert_error(as_alice.post(f"{API}/users/bob/follow/"), 409, "already_following")
    assert as_alice.delete(f"{API}/users/bob/follow/").status_code == 204
    assert_error(as_alice.delete(f"{API}/users/bob/follow/"), 404, "not_following")
    assert_error(as_alice.post(f"{API}/users/alice/follow/"), 400, "self_not_allowed")

    assert as_alice.post(f"{API}/users/bob/block/").status_code == 201
    assert not Friendship.objects.filter(user=alice).exists()
    assert [u["handle"] for u in results(as_alice.get(f"{API}/blocks/"))] == ["bob"]
    # Bob no longer finds Alice; he can block her back and can't befriend her.
    as_bob = signed_in(bob)
    assert_error(as_bob.get(f"{API}/users/alice/"), 404, "user_not_found")
    assert_error(as_bob.post(f"{API}/friend-requests/", {"handle": "alice"}, format="json"), 404, "user_not_found")
    assert as_bob.post(f"{API}/users/alice/block/").status_code == 201
    assert as_alice.delete(f"{API}/users/bob/block/").status_code == 204
    assert_error(as_alice.delete(f"{API}/users/bob/block/"), 404, "not_blocked")


# -- profiles and privacy ----------------------------------------------------------------------------
class TestProfile:
    @pytest.fixture
    def owner(self):
        owner = UserFactory(handle="owner", bio="Hello there", native_languages=["en"])
        self.friend = UserFactory(handle="pal")
        self.stranger = UserFactory(handle="stranger")
        make_friends(owner, self.friend)
        make_friends(owner, UserFactory(handle="pal_two"))
        return owner

    def profile(self, client, handle="owner") -> dict:
        response = client.get(f"{API}/users/{handle}/")
        assert response.status_code == 200, response.content
        return response.json()

    def test_anonymous_sees_a_public_profile(self, owner):
        body = self.profile(APIClient())
        assert body["user"]["handle"] == "owner"
        assert (body["bio"], body["native_languages"]) == ("Hello there", ["en"])
        assert body["friend_count"] == 2
        assert body["watch_hours"] == {"this_week": 0.0, "this_month": 0.0, "this_year": 0.0, "all_time": 0.0}
        assert body["relationship"] is None
        assert "email" not in str(body)

    def test_friends_only_privacy(self, owner):
        owner.stats_visibility = owner.friends_visibility = Audience.FRIENDS
        owner.save()
        as_friend = self.profile(signed_in(self.friend))
        assert as_friend["friend_count"] == 2
        assert as_friend["watch_hours"] is not None
        assert as_friend["relationship"]["is_friend"] is True
        as_stranger = self.profile(signed_in(self.stranger))
        assert (as_stranger["friend_count"], as_stranger["watch_hours"]) == (None, None)
        assert as_stranger["relationship"] == {
            "is_self": False, "is_friend": False, "is_following": False, "is_blocked": False,
            "outgoing_request_id": None, "incoming_request_id": None,
        }
        anonymous = self.profile(APIClient())
        assert (anonymous["friend_count"], anonymous["watch_hours"]) == (None, None)

    def test_nobody_privacy_hides_even_from_friends_but_not_from_self(self, owner):
        owner.stats_visibility = owner.friends_visibility = Audience.NOBODY
        owner.save()
        as_friend = self.profile(signed_in(self.friend))
        assert (as_friend["friend_count"], as_friend["watch_hours"]) == (None, None)
        as_self = self.profile(signed_in(owner))
        assert as_self["friend_count"] == 2 and as_self["watch_hours"] is not None
        assert as_self["relationship"]["is_self"] is True

    def test_relationship_shows_pending_requests(self, owner):
        request = FriendRequest.objects.create(from_user=self.stranger, to_user=owner)
        assert self.profile(signed_in(self.stranger))["relationship"]["outgoing_request_id"] == request.pk
        assert self.profile(signed_in(owner), "stranger")["relationship"]["incoming_request_id"] == request.pk

    def test_deactivated_user_is_not_found(self, owner):
        owner.deactivated_at = timezone.now()
        owner.save()
        assert_error(APIClient().get(f"{API}/users/owner/"), 404, "user_not_found")
        assert_error(APIClient().get(f"{API}/users/owner/friends/"), 404, "user_not_found")

    def test_friend_list_follows_privacy(self, owner):
        url = f"{API}/users/owner/friends/"
        assert [u["handle"] for u in results(APIClient().get(url))] == ["pal", "pal_two"]
        owner.friends_visibility = Audience.FRIENDS
        owner.save()
        assert_error(APIClient().get(url), 403, "list_private")
        assert_error(signed_in(self.stranger).get(url), 403, "list_private")
        assert [u["handle"] for u in results(signed_in(self.friend).get(url))] == ["pal", "pal_two"]
        owner.friends_visibility = Audience.NOBODY
        owner.save()
        assert_error(signed_in(self.friend).get(url), 403, "list_private")
        assert len(results(signed_in(owner).get(url))) == 2


def test_search_finds_searchable_users_only(alice):
    UserFactory(handle="bobby")
    UserFactory(handle="bobcat", is_searchable=False)
    UserFactory(handle="robert", display_name="Bob Smith")
    blocker = UserFactory(handle="bob_blocks")
    Block.objects.create(blocker=blocker, blocked=alice)
    assert [u["handle"] for u in results(signed_in(alice).get(f"{API}/users/?q=bob"))] == ["bobby", "robert"]


# -- your own account ---------------------------------------------------------------------------------
class TestMe:
    def test_get_me(self, alice):
        body = signed_in(alice).get(f"{API}/me/").json()
        assert (body["id"], body["handle"], body["email"]) == (alice.pk, "alice", "alice@example.com")

    def test_patch_me(self, alice):
        response = signed_in(alice).patch(
            f"{API}/me/",
            {"display_name": " Alice A ", "bio": "Films!", "timezone": "Europe/Paris", "native_languages": ["en", "fr"],
             "friends_visibility": "friends", "is_searchable": False},
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["display_name"], body["bio"], body["timezone"]) == ("Alice A", "Films!", "Europe/Paris")
        assert (body["native_languages"], body["friends_visibility"], body["is_searchable"]) == (["en", "fr"], "friends", False)
        alice.refresh_from_db()
        assert (alice.display_name, alice.timezone, alice.is_searchable) == ("Alice A", "Europe/Paris", False)

    def test_patch_me_refusals(self, alice):
        client = signed_in(alice)
        assert_error(client.patch(f"{API}/me/", {"timezone": "Mars/Olympus"}, format="json"), 400, "timezone_invalid")
        body = assert_error(client.patch(f"{API}/me/", {"native_languages": ["xx"]}, format="json"), 400, "language_invalid")
        assert body["extra"]["unknown"] == ["xx"]
        body = assert_error(client.patch(f"{API}/me/", {"stats_visibility": "aliens"}, format="json"), 400, "invalid")
        assert "stats_visibility" in body["extra"]["fields"]
        body = assert_error(client.patch(f"{API}/me/", {"bio": "x" * 161}, format="json"), 400, "invalid")
        assert "bio" in body["extra"]["fields"]
        alice.refresh_from_db()
        assert (alice.timezone, alice.native_languages, alice.bio) == ("UTC", [], "")

    def test_handle_change(self, alice, bob):
        client = signed_in(alice)
        assert_error(client.post(f"{API}/me/handle/", {"handle": "BOB"}, format="json"), 400, "handle_taken")
        assert_error(client.post(f"{API}/me/handle/", {"handle": "admin"}, format="json"), 400, "handle_reserved")
        assert_error(client.post(f"{API}/me/handle/", {"handle": "a!"}, format="json"), 400, "handle_invalid")
        response = client.post(f"{API}/me/handle/", {"handle": "@Alice_New"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["handle"] == "alice_new" and response.json()["handle_changed_at"]
        body = assert_error(client.post(f"{API}/me/handle/", {"handle": "alice_newer"}, format="json"), 400, "handle_change_too_soon")
        assert "next_change_at" in body["extra"]
        assert User.objects.get(pk=alice.pk).handle == "alice_new"
        assert_error(client.get(f"{API}/users/alice/"), 404, "user_not_found")

    def test_sessions_lists_the_one_current_session(self, alice):
        client = signed_in(alice)
        body = client.get(f"{API}/me/sessions/").json()
        assert len(body) == 1 and body[0]["is_current"] is True
        assert body[0]["id"] == DeviceSession.objects.get(user=alice).pk


class TestAvatar:
    @pytest.fixture(autouse=True)
    def media(self, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path)
        return tmp_path

    def test_png_upload_is_stored_re_encoded(self, alice, media):
        client = signed_in(alice)
        response = client.put(f"{API}/me/avatar/", {"avatar": SimpleUploadedFile("me.png", png_bytes(), "image/png")},
                              format="multipart")
        assert response.status_code == 200, response.content
        url = response.json()["avatar_url"]
        assert url.startswith("/media/avatars/") and url.endswith(".webp")
        alice.refresh_from_db()
        stored = (media / alice.avatar.name).read_bytes()
        assert stored[:4] == b"RIFF" and stored[8:12] == b"WEBP"
        with Image.open(io.BytesIO(stored)) as image:
            assert image.size == (256, 256)
        assert signed_in(alice).get(f"{API}/me/").json()["avatar_url"] == url

    def test_polyglot_png_is_stripped_to_pixels(self, alice, media):
        payload = png_bytes() + b"<html><script>alert(1)</script></html>"
        response = signed_in(alice).put(
            f"{API}/me/avatar/", {"avatar": SimpleUploadedFile("x.png", payload, "image/png")}, format="multipart"
        )
        assert response.status_code == 200, response.content
        alice.refresh_from_db()
        assert b"<script" not in (media / alice.avatar.name).read_bytes()

    def test_html_named_png_is_refused(self, alice, media):
        html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
        response = signed_in(alice).put(
            f"{API}/me/avatar/", {"avatar": SimpleUploadedFile("evil.png", html, "image/png")}, format="multipart"
        )
        assert_error(response, 400, "avatar_invalid")
        alice.refresh_from_db()
        assert not alice.avatar
        assert not any(p.is_file() for p in media.rglob("*"))

    def test_missing_file_is_invalid(self, alice):
        body = assert_error(signed_in(alice).put(f"{API}/me/avatar/", {}, format="multipart"), 400, "invalid")
        assert "avatar" in body["extra"]["fields"]

    def test_too_large_is_refused(self, alice, settings):
        settings.AVATAR_MAX_BYTES = 100
        response = signed_in(alice).put(
            f"{API}/me/avatar/", {"avatar": SimpleUploadedFile("me.png", png_bytes((200, 200)), "image/png")}, format="multipart"
        )
        assert_error(response, 400, "avatar_too_large")

    def test_delete_avatar(self, alice, media):
        client = signed_in(alice)
        client.put(f"{API}/me/avatar/", {"avatar": SimpleUploadedFile("me.png", png_bytes(), "image/png")}, format="multipart")
        assert client.delete(f"{API}/me/avatar/").status_code == 204
        assert client.get(f"{API}/me/").json()["avatar_url"] is None


class TestHandleAvailability:
    def test_anonymous_free_handle(self):
        response = APIClient().get(f"{API}/handles/Brand_New/")
        assert response.status_code == 200
        assert response.json() == {"handle": "brand_new", "available": True, "code": None, "message": None}

    def test_taken_in_another_case(self, alice):
        body = APIClient().get(f"{API}/handles/ALICE/").json()
        assert (body["handle"], body["available"], body["code"]) == ("alice", False, "handle_taken")

    def test_your_own_handle_is_available_to_you(self, alice):
        assert signed_in(alice).get(f"{API}/handles/alice/").json()["available"] is True

    @pytest.mark.parametrize("handle, code", [("ab", "handle_invalid"), ("admin", "handle_reserved"), ("Staff_", "handle_reserved")])
    def test_refused_shapes(self, handle, code):
        body = APIClient().get(f"{API}/handles/{handle}/").json()
        assert (body["available"], body["code"]) == (False, code)


# -- notifications -----------------------------------------------------------------------------------------
class TestNotifications:
    @pytest.fixture
    def notes(self, alice):
        actors = [UserFactory() for _ in range(4)]
        notes = [Notification.objects.create(recipient=alice, kind=NotificationKind.NEW_FOLLOWER, actor=a) for a in actors]
        notes[1].read_at = timezone.now()
        notes[1].save()
        Notification.objects.create(recipient=actors[0], kind=NotificationKind.NEW_FOLLOWER, actor=alice)  # not Alice's
        return notes

    def test_list_newest_first(self, alice, notes):
        body = results(signed_in(alice).get(f"{API}/notifications/"))
        assert [n["id"] for n in body] == [n.pk for n in reversed(notes)]
        assert body[0]["text"] == f"@{notes[3].actor.handle} started following you"
        assert body[0]["url"] == f"/@{notes[3].actor.handle}"

    def test_after_and_unread(self, alice, notes):
        client = signed_in(alice)
        assert [n["id"] for n in results(client.get(f"{API}/notifications/?after={notes[1].pk}"))] == [notes[3].pk, notes[2].pk]
        assert [n["id"] for n in results(client.get(f"{API}/notifications/?unread=1"))] == [notes[3].pk, notes[2].pk, notes[0].pk]
        assert [n["id"] for n in results(client.get(f"{API}/notifications/?unread=1&after={notes[2].pk}"))] == [notes[3].pk]
        body = assert_error(client.get(f"{API}/notifications/?after=abc"), 400, "invalid")
        assert "after" in body["extra"]["fields"]

    def test_mark_read_and_read_all(self, alice, notes):
        client = signed_in(alice)
        response = client.post(f"{API}/notifications/{notes[0].pk}/read/")
        assert response.status_code == 200 and response.json()["read_at"] is not None
        assert [n["id"] for n in results(client.get(f"{API}/notifications/?unread=1"))] == [notes[3].pk, notes[2].pk]
        assert client.post(f"{API}/notifications/read-all/").status_code == 204
        assert results(client.get(f"{API}/notifications/?unread=1")) == []
        assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the other user's

    def test_mark_read_of_unknown_is_404(self, alice):
        assert_error(signed_in(alice).post(f"{API}/notifications/999999/read/"), 404, "notification_not_found")


# -- API tokens --------------------------------------------------------------------------------------------
class TestTokens:
    def test_create_with_session_shows_the_key_once(self, alice):
        client = signed_in(alice)
        response = client.post(f"{API}/tokens/", {"name": "my script"}, format="json")
        assert response.status_code == 201, response.content
        created = response.json()
        key = created["key"]
        assert key.startswith("wt_") and len(key) > 40 and created["prefix"] == key[:10]
        token = ApiToken.objects.get(pk=created["id"])
        assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in {token.name, token.prefix, token.key_hash}
        listed = client.get(f"{API}/tokens/").json()
        assert [t["id"] for t in listed] == [created["id"]] and "key" not in listed[0]

        me = bearer(key).get(f"{API}/me/")
        assert me.status_code == 200 and me.json()["handle"] == "alice"
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_expiry_in_the_past_is_invalid(self, alice):
        past = (timezone.now() - timedelta(hours=1)).isoformat()
        body = assert_error(signed_in(alice).post(f"{API}/tokens/", {"name": "x", "expires_at": past}, format="json"), 400, "invalid")
        assert "expires_at" in body["extra"]["fields"]

    def test_a_token_cannot_mint_tokens_or_close_the_account(self, alice):
        _, key = api_token_create(user=alice, name="cli")
        client = bearer(key)
        assert_error(client.post(f"{API}/tokens/", {"name": "another"}, format="json"), 403, "permission_denied")
        assert_error(client.post(f"{API}/me/deactivate/", {"password": PASSWORD}, format="json"), 403, "permission_denied")
        assert_error(client.post(f"{API}/me/delete/", {"password": PASSWORD}, format="json"), 403, "permission_denied")
        alice.refresh_from_db()
        assert alice.is_active and alice.deactivated_at is None
        assert ApiToken.objects.filter(user=alice).count() == 1

    def test_revoked_expired_and_garbage(self, alice, monkeypatch):
        client = signed_in(alice)
        token, key = api_token_create(user=alice, name="cli")
        assert client.delete(f"{API}/tokens/{token.pk}/").status_code == 204
        response = bearer(key).get(f"{API}/me/")
        assert_error(response, 401, "token_revoked")
        assert response["WWW-Authenticate"] == "Bearer"
        assert_error(client.delete(f"{API}/tokens/{token.pk}/"), 404, "token_not_found")
        assert client.get(f"{API}/tokens/").json() == []

        token, key = api_token_create(user=alice, name="short", expires_at=timezone.now() + timedelta(hours=1))
        assert bearer(key).get(f"{API}/me/").status_code == 200
        later = timezone.now() + timedelta(hours=2)  # the token, kept in Redis meanwhile, expires on its own
        monkeypatch.setattr("accounts.services.tokens.timezone", SimpleNamespace(now=lambda: later))
        assert_error(bearer(key).get(f"{API}/me/"), 401, "token_expired")

        assert_error(bearer("wt_" + "x" * 43).get(f"{API}/me/"), 401, "token_invalid")
        malformed = APIClient()
        malformed.credentials(HTTP_AUTHORIZATION="Bearer")
        assert_error(malformed.get(f"{API}/me/"), 401, "token_invalid")

    def test_revoking_another_users_token_is_404(self, alice, bob):
        token, key = api_token_create(user=bob, name="bob's")
        assert_error(signed_in(alice).delete(f"{API}/tokens/{token.pk}/"), 404, "token_not_found")
        assert_error(bearer(api_token_create(user=alice, name="a")[1]).delete(f"{API}/tokens/{token.pk}/"), 404, "token_not_found")
        assert bearer(key).get(f"{API}/me/").status_code == 200

    def test_token_of_a_deactivated_account_stops_working(self, alice):
        _, key = api_token_create(user=alice, name="cli")
        User.objects.filter(pk=alice.pk).update(deactivated_at=timezone.now())
        assert_error(bearer(key).get(f"{API}/me/"), 401, "token_invalid")


# -- closing the account ------------------------------------------------------------------------------------
class TestCloseAccount:
    @pytest.mark.parametrize("action", ["deactivate", "delete"])
    def test_needs_the_right_password(self, alice, action):
        client = signed_in(alice)
        assert_error(client.post(f"{API}/me/{action}/", {"password": "wrong-password"}, format="json"), 403, "password_incorrect")
        body = assert_error(client.post(f"{API}/me/{action}/", {}, format="json"), 400, "invalid")
        assert "password" in body["extra"]["fields"]
        alice.refresh_from_db()
        assert alice.is_active and alice.deactivated_at is None
        assert client.get(f"{API}/me/").status_code == 200

    def test_deactivate(self, alice):
        client = signed_in(alice)
        assert client.post(f"{API}/me/deactivate/", {"password": PASSWORD}, format="json").status_code == 204
        alice.refresh_from_db()
        assert alice.is_active and alice.deactivated_at is not None
        assert not DeviceSession.objects.filter(user=alice).exists()
        assert_error(client.get(f"{API}/me/"), 401, "not_authenticated")
        assert_error(APIClient().get(f"{API}/users/alice/"), 404, "user_not_found")

    def test_delete(self, alice, django_capture_on_commit_callbacks):
        client = signed_in(alice)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert client.post(f"{API}/me/delete/", {"password": PASSWORD}, format="json").status_code == 204
        assert callbacks  # the purge task is enqueued after commit (its logic is tested with the tasks)
        alice.refresh_from_db()
        assert not alice.is_active and alice.deactivated_at is not None
        assert_error(client.get(f"{API}/me/"), 401, "not_authenticated")


# -- query counts: every list endpoint, with several rows so an N+1 would show --------------------------------
class TestQueryCounts:
    """force_authenticate: no session or user queries, so each count is the view's own."""

    ROWS = 5

    @pytest.fixture
    def world(self, alice):
        # Avatars are set so avatar_url is rendered for every row (a name is enough for .url).
        others = [UserFactory(handle=f"zed_{i}", avatar=f"avatars/{i}/a.webp") for i in range(self.ROWS)]
        for i, other in enumerate(others):
            make_friends(alice, other)
            PresenceConnection.objects.create(user=other, channel_name=f"c.{other.pk}", last_heartbeat_at=timezone.now())
            FriendRequest.objects.create(from_user=UserFactory(), to_user=alice)
            FriendRequest.objects.create(from_user=alice, to_user=UserFactory())
            Notification.objects.create(recipient=alice, kind=NotificationKind.NEW_FOLLOWER, actor=other)
            Block.objects.create(blocker=alice, blocked=UserFactory())
            Follow.objects.create(follower=other, followee=alice)
            api_token_create(user=alice, name=f"t{other.pk}")
            DeviceSession.objects.create(user=alice, session_key=f"k{i:039d}", user_agent="test")
        return others

    def client_for(self, user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    @pytest.mark.parametrize(
        "url, queries",
        [
            ("/friends/", 2),  # count, page (presence annotated)
            ("/friend-requests/", 2),  # count, page (both users joined)
            ("/friend-requests/?direction=outgoing", 2),
            ("/notifications/", 2),  # count, page (actor joined)
            ("/notifications/?unread=1&after=0", 2),
            ("/blocks/", 2),
            ("/users/?q=zed", 2),
            ("/users/alice/friends/", 4),  # owner, blocked-by check, count, page
            ("/tokens/", 1),  # unpaginated
            ("/me/sessions/", 1),  # unpaginated
        ],
    )
    def test_list_endpoint_query_count(self, alice, world, django_assert_num_queries, url, queries):
        client = self.client_for(alice)
        with django_assert_num_queries(queries):
            response = client.get(f"{API}{url}")
        assert response.status_code == 200, response.content
        body = response.json()
        rows = body if isinstance(body, list) else body["results"]
        assert len(rows) >= self.ROWS, (url, len(rows))

    @pytest.mark.parametrize("viewer, queries", [("stranger", 4), ("anonymous", 3)])
    def test_someone_elses_friend_list_query_count(self, world, django_assert_num_queries, viewer, queries):
        client = self.client_for(UserFactory() if viewer == "stranger" else None)
        with django_assert_num_queries(queries):  # owner, [blocked-by check,] count, page
            response = client.get(f"{API}/users/alice/friends/")
        assert [u["handle"] for u in results(response)] == [f"zed_{i}" for i in range(self.ROWS)]
        assert all(u["is_online"] for u in results(response))
