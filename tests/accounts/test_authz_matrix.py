"""Authorization matrix (RELIABILITY item 12): every /api/v1/ endpoint × every kind of caller.

Callers: anonymous, the owner (session), another user (session), staff (session, superuser)
and an API token of the owner. Each case states the status every caller gets and checks
that nobody read or changed what is not theirs. The WebSocket half (foreign Origin, no
session) is in test_consumers.py.
"""

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from PIL import Image

from accounts.models import (
    ApiToken,
    Audience,
    Block,
    DeviceSession,
    EmailDigest,
    Follow,
    FriendRequest,
    FriendRequestStatus,
    Friendship,
    Notification,
    NotificationPreference,
    PushSubscription,
    QuietHours,
    User,
)
from accounts.notification_kinds import NotificationKind
from accounts.services.tokens import api_token_create
from tests.authz import (
    TOKEN_ROLES,
    Case,
    anonymous_params,
    as_owner,
    assert_anonymous_refused,
    assert_api_status,
    assert_matrix_complete,
    caller,
    expect,
    ids,
    matrix_params,
    perform,
)

from .factories import PASSWORD, UserFactory, make_friends

pytestmark = pytest.mark.django_db

# The only endpoints an anonymous caller may use (GET only).
ACCOUNT_APPS = ("accounts", "web")  # web serves the public profile (GET /users/{handle}/)
PUBLIC = {"api-handle-availability", "api-user", "api-user-friends"}


def png_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile("a.png", out.getvalue(), "image/png")


@pytest.fixture
def w(settings, tmp_path, monkeypatch):
    """The world: Olive owns things; everyone else tries to touch them."""
    settings.MEDIA_ROOT = str(tmp_path)
    pushed = []  # the endpoints a push went to (the push service's side: tests/accounts/test_web_push.py)
    monkeypatch.setattr("accounts.services.push.webpush", lambda subscription_info, **kw: pushed.append(subscription_info["endpoint"]))
    olive = UserFactory(handle="olive", bio="olive's bio", avatar="avatars/1/old.webp")
    w = SimpleNamespace(
        olive=olive,
        otto=UserFactory(handle="otto"),
        stella=UserFactory(handle="stella", is_staff=True, is_superuser=True),
        fred=UserFactory(handle="fred"),  # Olive's friend
        rita=UserFactory(handle="rita"),  # asked Olive to be friends
        tara=UserFactory(handle="tara"),  # Olive asked her
        fay=UserFactory(handle="fay"),  # Olive follows her
        bram=UserFactory(handle="bram"),  # Olive blocked him
        gus=UserFactory(handle="gus"),  # a bystander anyone may befriend, follow or block
    )
    make_friends(olive, w.fred)
    w.incoming = FriendRequest.objects.create(from_user=w.rita, to_user=olive)
    w.outgoing = FriendRequest.objects.create(from_user=olive, to_user=w.tara)
    w.note = Notification.objects.create(
        recipient=olive, kind=NotificationKind.FRIEND_REQUEST, actor=w.rita, data={"friend_request_id": w.incoming.pk}
    )
    Follow.objects.create(follower=olive, followee=w.fay)
    Block.objects.create(blocker=olive, blocked=w.bram)
    w.olive_device = DeviceSession.objects.create(user=olive, session_key="o" * 32, user_agent="olive's phone")
    w.auth_token, w.key = api_token_create(user=olive, name="olive's script")
    w.target_token, _ = api_token_create(user=olive, name="olive's other script")
    w.push = PushSubscription.objects.create(user=olive, endpoint="https://push.example.test/olive-phone",
                                             p256dh="B" + "x" * 86, auth="a" * 22)
    w.pushed = pushed
    NotificationPreference.objects.create(user=olive, kind=NotificationKind.FRIEND_REQUEST, channels=["push"])
    w.owner, w.other, w.staff = olive, w.otto, w.stella
    return w


def reload(user: User) -> User:
    return User.objects.get(pk=user.pk)


# -- checks: after each call, what the caller saw and what stayed as it was ---------------------------------------
def check_me(w, role, response):
    assert response.json()["id"] == caller(w, role).pk


def check_profile_edit(w, role, response):
    assert response.json()["id"] == caller(w, role).pk
    assert reload(w.olive).bio == ("edited" if as_owner(role) else "olive's bio")


def check_handle_change(w, role, response):
    assert response.json()["id"] == caller(w, role).pk
    assert reload(w.olive).handle == ("olive_renamed" if as_owner(role) else "olive")


def check_avatar_set(w, role, response):
    assert response.json()["id"] == caller(w, role).pk
    assert (reload(w.olive).avatar.name == "avatars/1/old.webp") is not as_owner(role)


def check_avatar_clear(w, role, response):
    assert bool(reload(w.olive).avatar) is not as_owner(role)


def check_sessions(w, role, response):
    # The caller's own sessions, exactly (an owner's sign-in ended Olive's older session).
    listed = ids(response)
    assert listed and listed == set(DeviceSession.objects.filter(user=caller(w, role)).values_list("pk", flat=True))
    assert (w.olive_device.pk in listed) is (role in TOKEN_ROLES)


def check_deactivate(w, role, response):
    olive = reload(w.olive)
    assert (olive.deactivated_at is not None) is (role == "owner")
    if role in ("other", "staff"):  # they closed their own account, nobody else's
        assert reload(caller(w, role)).deactivated_at is not None


def check_delete(w, role, response):
    olive = reload(w.olive)
    assert olive.is_active is (role != "owner")
    if role in ("other", "staff"):
        assert reload(caller(w, role)).is_active is False


def check_handle_availability(w, role, response):
    # Your own handle is "available" to you; to everyone else it is taken.
    assert response.json()["available"] is as_owner(role)


def check_search(w, role, response):
    assert all(set(row) == {"id", "handle", "display_name", "avatar_url"} for row in response.json()["results"])


def check_profile(w, role, response):
    body = response.json()
    assert body["user"]["handle"] == "olive" and "email" not in str(body)
    if role == "anonymous":
        assert body["relationship"] is None
    else:
        assert body["relationship"]["is_self"] is as_owner(role)


def check_public_friends(w, role, response):
    assert [row["handle"] for row in response.json()["results"]] == ["fred"]


def make_friend_list_private(w):
    User.objects.filter(pk=w.olive.pk).update(friends_visibility=Audience.NOBODY)


def check_follow_stays(w, role, response):
    assert Follow.objects.filter(follower=w.olive, followee=w.fay).exists() is not as_owner(role)


def check_follow_created(w, role, response):
    assert Follow.objects.filter(follower=caller(w, role), followee=w.gus).exists()
    assert Follow.objects.filter(followee=w.gus).count() == 1


def check_block_created(w, role, response):
    assert Block.objects.filter(blocker=caller(w, role), blocked=w.gus).exists()
    assert Friendship.objects.filter(user=w.olive, friend=w.fred).exists()


def check_block_stays(w, role, response):
    assert Block.objects.filter(blocker=w.olive, blocked=w.bram).exists() is not as_owner(role)


def check_blocks(w, role, response):
    assert (w.bram.pk in ids(response)) is as_owner(role)


def check_friends(w, role, response):
    assert (w.fred.pk in ids(response)) is as_owner(role)


def check_friendship_stays(w, role, response):
    assert Friendship.objects.filter(user=w.olive, friend=w.fred).exists() is not as_owner(role)
    assert Friendship.objects.filter(user=w.fred, friend=w.olive).exists() is not as_owner(role)


def check_requests_listed(w, role, response):
    assert (w.incoming.pk in ids(response)) is as_owner(role)
    assert w.outgoing.pk not in ids(response)


def check_request_sent(w, role, response):
    body = response.json()
    assert body["from_user"]["id"] == caller(w, role).pk and body["to_user"]["handle"] == "gus"


def request_status(which: str, done: FriendRequestStatus):
    def check(w, role, response):
        request = getattr(w, which)
        assert FriendRequest.objects.get(pk=request.pk).status == done
        assert Friendship.objects.filter(user=w.olive, friend=w.rita).exists() is (done == FriendRequestStatus.ACCEPTED)

    return check


def check_notifications(w, role, response):
    assert (w.note.pk in ids(response)) is as_owner(role)


def check_note_read(w, role, response):
    assert (Notification.objects.get(pk=w.note.pk).read_at is not None) is as_owner(role)


def check_push_listed(w, role, response):
    assert ids(response) == set(PushSubscription.objects.filter(user=caller(w, role)).values_list("pk", flat=True))
    assert (w.push.pk in ids(response)) is as_owner(role)


def push_subscription_json():
    return {"endpoint": "https://push.example.test/new-browser", "keys": {"p256dh": "B" + "y" * 86, "auth": "b" * 22}}


def check_push_saved(w, role, response):
    assert PushSubscription.objects.get(pk=response.json()["id"]).user == caller(w, role)


def check_push_removed(w, role, response):
    assert PushSubscription.objects.filter(pk=w.push.pk).exists() is not as_owner(role)


def check_push_test(w, role, response):
    assert response.json() == {"sent": 1} and w.pushed == [w.push.endpoint]


def check_preferences(w, role, response):
    rows = {row["kind"]: row for row in response.json()}
    assert rows[NotificationKind.FRIEND_REQUEST]["channels"] == (["push"] if as_owner(role) else ["email", "in_app", "push"])


def check_preference_set(w, role, response):
    assert response.json()["channels"] == ["in_app"]
    assert NotificationPreference.objects.get(kind=NotificationKind.NEW_FOLLOWER, user=caller(w, role)).channels == ["in_app"]


def check_tokens_listed(w, role, response):
    listed = ids(response)
    assert ({w.auth_token.pk, w.target_token.pk} <= listed) is as_owner(role)
    assert listed <= set(ApiToken.objects.filter(user=caller(w, role)).values_list("pk", flat=True))
    assert all("key" not in row for row in response.json())


def check_token_created(w, role, response):
    assert ApiToken.objects.get(pk=response.json()["id"]).user == caller(w, role)
    assert ApiToken.objects.filter(user=w.olive).count() == (3 if role == "owner" else 2)


def check_token_revoked(w, role, response):
    assert (ApiToken.objects.get(pk=w.target_token.pk).revoked_at is not None) is as_owner(role)



def check_digest_on(w, role, response):
    assert EmailDigest.objects.filter(user=caller(w, role)).exists()


def check_quiet_hours_set(w, role, response):
    assert QuietHours.objects.get(user=caller(w, role)).starts.hour == 22

CASES = [
    # -- your own account: everyone signed in acts on their own, never on Olive's
    Case("api-me", "get", "/me/", expect(owner=200), check=check_me),
    Case("api-me", "patch", "/me/", expect(owner=200), data={"bio": "edited"}, check=check_profile_edit),
    Case("api-me-handle", "post", "/me/handle/", expect(owner=200), data=lambda: {"handle": "olive_renamed"},
         check=check_handle_change),
    Case("api-me-avatar", "put", "/me/avatar/", expect(owner=200), data=lambda: {"avatar": png_upload()},
         format="multipart", check=check_avatar_set),
    Case("api-me-avatar", "delete", "/me/avatar/", expect(owner=204), check=check_avatar_clear),
    Case("api-me-sessions", "get", "/me/sessions/", expect(owner=200), check=check_sessions),
    Case("api-me-deactivate", "post", "/me/deactivate/", expect(owner=204, token=403), data={"password": PASSWORD},
         check=check_deactivate),
    Case("api-me-delete", "post", "/me/delete/", expect(owner=204, token=403), data={"password": PASSWORD},
         check=check_delete),
    # -- public reads
    Case("api-handle-availability", "get", "/handles/olive/", expect(200, owner=200), check=check_handle_availability),
    Case("api-user", "get", "/users/olive/", expect(200, owner=200), check=check_profile),
    Case("api-user-friends", "get", "/users/olive/friends/", expect(200, owner=200), check=check_public_friends),
    Case("api-user-friends", "get", "/users/olive/friends/", expect(403, owner=200, other=403),
         setup=make_friend_list_private, label="get api-user-friends (private)"),
    Case("api-user-search", "get", "/users/?q=ol", expect(owner=200), check=check_search),
    # -- acting on another user: allowed to anyone signed in, on their own behalf
    Case("api-user-follow", "post", "/users/gus/follow/", expect(owner=201), scope="follows:write", check=check_follow_created),
    Case("api-user-follow", "delete", "/users/fay/follow/", expect(owner=204, other=404), scope="follows:write", check=check_follow_stays),
    Case("api-user-block", "post", "/users/gus/block/", expect(owner=201), check=check_block_created),
    Case("api-user-block", "delete", "/users/bram/block/", expect(owner=204, other=404), check=check_block_stays),
    Case("api-blocks", "get", "/blocks/", expect(owner=200), check=check_blocks),
    # -- friends and requests: only the two people involved
    Case("api-friends", "get", "/friends/", expect(owner=200), check=check_friends),
    Case("api-friend", "delete", "/friends/fred/", expect(owner=204, other=404), check=check_friendship_stays),
    Case("api-friend-requests", "get", "/friend-requests/", expect(owner=200), check=check_requests_listed),
    Case("api-friend-requests", "post", "/friend-requests/", expect(owner=201), data={"handle": "gus"},
         check=check_request_sent),
    Case("api-friend-request", "delete", "/friend-requests/{w.outgoing.pk}/", expect(owner=204, other=404),
         check=request_status("outgoing", FriendRequestStatus.CANCELLED)),
    Case("api-friend-request-accept", "post", "/friend-requests/{w.incoming.pk}/accept/", expect(owner=200, other=404),
         check=request_status("incoming", FriendRequestStatus.ACCEPTED)),
    Case("api-friend-request-reject", "post", "/friend-requests/{w.incoming.pk}/reject/", expect(owner=200, other=404),
         check=request_status("incoming", FriendRequestStatus.REJECTED)),
    # -- notifications: only the recipient
    Case("api-notifications", "get", "/notifications/", expect(owner=200), check=check_notifications),
    Case("api-notifications-read-all", "post", "/notifications/read-all/", expect(owner=204), check=check_note_read),
    Case("api-notification-read", "post", "/notifications/{w.note.pk}/read/", expect(owner=200, other=404),
         check=check_note_read),
    # -- delivery: each caller's own browsers and channels, never Olive's
    Case("api-push-subscriptions", "get", "/me/push-subscriptions/", expect(owner=200), check=check_push_listed),
    Case("api-push-subscriptions", "post", "/me/push-subscriptions/", expect(owner=201), data=push_subscription_json,
         check=check_push_saved),
    Case("api-push-subscription-remove", "post", "/me/push-subscriptions/remove/", expect(owner=204, other=404),
         data={"endpoint": "https://push.example.test/olive-phone"}, check=check_push_removed),
    Case("api-push-test", "post", "/me/push-subscriptions/test/", expect(owner=200, other=404), check=check_push_test),
    Case("api-notification-preferences", "get", "/me/notification-preferences/", expect(owner=200),
         check=check_preferences),
    Case("api-notification-preference", "put", "/me/notification-preferences/new_follower/", expect(owner=200),
         data={"channels": ["in_app"]}, check=check_preference_set),
    Case("api-quiet-hours", "get", "/me/quiet-hours/", expect(owner=200)),
    Case("api-quiet-hours", "put", "/me/quiet-hours/", expect(owner=200), data={"starts": "22:00", "ends": "07:00"},
         check=check_quiet_hours_set),
    Case("api-quiet-hours", "delete", "/me/quiet-hours/", expect(owner=204)),
    Case("api-email-digest", "get", "/me/email-digest/", expect(owner=200)),
    Case("api-email-digest", "put", "/me/email-digest/", expect(owner=200), data={"is_on": True}, check=check_digest_on),
    # -- API tokens: only their owner; minting needs a browser session
    Case("api-tokens", "get", "/tokens/", expect(owner=200), check=check_tokens_listed),
    Case("api-tokens", "post", "/tokens/", expect(owner=201, token=403), data={"name": "new"}, check=check_token_created),
    Case("api-token", "delete", "/tokens/{w.target_token.pk}/", expect(owner=204, other=404), check=check_token_revoked),
]


def olive_state(w) -> dict:
    """Everything of Olive's that someone could read or change through the API."""
    olive = w.olive
    mine = {"user": olive}
    return {
        "user": User.objects.filter(pk=olive.pk).values().get(),
        "friendships": sorted(Friendship.objects.filter(Q(user=olive) | Q(friend=olive)).values_list("user", "friend")),
        "requests": sorted(
            FriendRequest.objects.filter(Q(from_user=olive) | Q(to_user=olive)).values_list("pk", "status", "responded_at")
        ),
        "follows": sorted(Follow.objects.filter(Q(follower=olive) | Q(followee=olive)).values_list("follower", "followee")),
        "blocks": sorted(Block.objects.filter(Q(blocker=olive) | Q(blocked=olive)).values_list("blocker", "blocked")),
        "notifications": sorted(Notification.objects.filter(recipient=olive).values_list("pk", "read_at")),
        "tokens": sorted(ApiToken.objects.filter(**mine).values_list("pk", "name", "revoked_at", "expires_at")),
        "sessions": sorted(DeviceSession.objects.filter(**mine).values_list("pk", "session_key")),
        "push": sorted(PushSubscription.objects.filter(**mine).values_list("pk", "endpoint", "p256dh", "auth")),
        "preferences": sorted(NotificationPreference.objects.filter(**mine).values_list("kind", "channels")),
        "quiet_hours": list(QuietHours.objects.filter(**mine).values_list("starts", "ends")),
        "digest": list(EmailDigest.objects.filter(**mine).values_list("last_sent_on", flat=True)),
    }


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    if case.setup:
        case.setup(w)
    before = olive_state(w)
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if not succeeded and case.expected[role] == 403 and role == "token":
        assert response.json()["code"] == "permission_denied"
    if succeeded and case.check:
        case.check(w, role, response)
    if not (succeeded and as_owner(role)):
        # Only Olive (or her token) may change Olive's things; a refusal changes nothing at all.
        assert olive_state(w) == before


# -- completeness: the matrix names every endpoint, and anonymous callers are refused by default ----------------
def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete(ACCOUNT_APPS, CASES, at_least=30)


@pytest.mark.parametrize("name, method, route", anonymous_params(ACCOUNT_APPS))
def test_anonymous_is_refused_unless_public(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=PUBLIC, fill="olive")
