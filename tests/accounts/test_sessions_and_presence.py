"""One active session per account, and presence pushed to friends."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import DeviceSession, PresenceConnection, User
from accounts.selectors import session_is_current, session_store
from accounts.services.presence import presence_connect, presence_disconnect, presence_heartbeat, presence_sweep
from accounts.services.sessions import session_end, session_start, sessions_end_all
from config.disconnects import Disconnect

from .factories import PASSWORD, UserFactory, make_friends
from .test_social import AccountsEventsOnly

pytestmark = pytest.mark.django_db


class SessionAndPresenceEvents(AccountsEventsOnly):
    TYPES = ("session.", "presence.")


@pytest.fixture
def published(published):
    """Only session and presence events (other apps may listen to sign-ins and publish their own)."""
    return SessionAndPresenceEvents(published)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def signed_in_session(user: User, *, device: bool = True) -> str:
    """A real session in the session store, signed in as `user` (and recorded as a DeviceSession)."""
    store = session_store(None)
    store["_auth_user_id"] = str(user.pk)
    store.save()
    if device:
        DeviceSession.objects.create(user=user, session_key=store.session_key)
    return store.session_key


def force_logout(session_key: str, reason: str) -> tuple:
    return (
        [f"session.{session_key}"],
        {"type": "session.force_logout", "op": "ended", "reason": reason},
        {"disconnect": Disconnect.SESSION_ENDED, "reason": reason},
    )


# -- session_start -------------------------------------------------------------------------
def test_session_start_ends_the_accounts_other_sessions(published, commit):
    # given: alice is signed in on an old device; bob elsewhere
    alice, bob = UserFactory(), UserFactory()
    old = signed_in_session(alice)
    bobs = signed_in_session(bob)
    new = signed_in_session(alice, device=False)
    assert session_is_current(session_key=old, user_id=alice.pk)

    # when: alice signs in again
    device = commit(session_start, user=alice, session_key=new, user_agent="Firefox", ip_address="203.0.113.5")

    # then: only the new session is alive; the old one's sockets are told and closed with 4409
    assert (device.user_id, device.session_key, device.user_agent, device.ip_address) == (
        alice.pk,
        new,
        "Firefox",
        "203.0.113.5",
    )
    assert list(DeviceSession.objects.filter(user=alice).values_list("session_key", flat=True)) == [new]
    assert not session_is_current(session_key=old, user_id=alice.pk)
    assert not session_store(old).exists(old)
    assert session_is_current(session_key=new, user_id=alice.pk)
    assert published == [force_logout(old, "signed_in_elsewhere")]
    assert published[0][2]["disconnect"] == "session_ended"  # config.ws closes with 4409
    # and bob is untouched
    assert session_is_current(session_key=bobs, user_id=bob.pk)
    assert DeviceSession.objects.filter(user=bob).count() == 1


def test_session_start_ends_every_other_session(published, commit):
    alice = UserFactory()
    olds = [signed_in_session(alice) for _ in range(3)]
    new = signed_in_session(alice, device=False)

    commit(session_start, user=alice, session_key=new)

    assert DeviceSession.objects.filter(user=alice).count() == 1
    assert not any(session_is_current(session_key=key, user_id=alice.pk) for key in olds)
    assert sorted(published, key=lambda p: p[0]) == sorted(
        (force_logout(k, "signed_in_elsewhere") for k in olds), key=lambda p: p[0]
    )


def test_session_start_for_the_same_session_again_ends_nothing(published, commit):
    alice = UserFactory()
    key = signed_in_session(alice)

    commit(session_start, user=alice, session_key=key, user_agent="x" * 500)

    device = DeviceSession.objects.get(user=alice)
    assert device.session_key == key
    assert device.user_agent == "x" * 300
    assert session_is_current(session_key=key, user_id=alice.pk)
    assert published == []


def test_session_is_current_is_false_for_another_user_or_no_key():
    alice, bob = UserFactory(), UserFactory()
    key = signed_in_session(alice)

    assert session_is_current(session_key=key, user_id=alice.pk)
    assert not session_is_current(session_key=key, user_id=bob.pk)
    assert not session_is_current(session_key=None, user_id=alice.pk)
    assert not session_is_current(session_key="nosuchsessionkey0000000000000000", user_id=alice.pk)


def test_session_end_forgets_the_device_and_closes_its_sockets(published, commit):
    alice = UserFactory()
    key = signed_in_session(alice)
    other = signed_in_session(alice)

    commit(session_end, session_key=key)

    assert list(DeviceSession.objects.values_list("session_key", flat=True)) == [other]
    assert published == [force_logout(key, "signed_out")]


def test_sessions_end_all_ends_every_session_of_one_user(published, commit):
    alice, bob = UserFactory(), UserFactory()
    keys = [signed_in_session(alice), signed_in_session(alice)]
    bobs = signed_in_session(bob)

    commit(sessions_end_all, user=alice, reason="account_deactivated")

    assert not DeviceSession.objects.filter(user=alice).exists()
    assert not any(session_store(k).exists(k) for k in keys)
    assert sorted(published, key=lambda p: p[0]) == sorted(
        (force_logout(k, "account_deactivated") for k in keys), key=lambda p: p[0]
    )
    assert session_is_current(session_key=bobs, user_id=bob.pk)


# -- through a real sign-in ------------------------------------------------------------------
def test_client_login_records_a_device_session(published):
    alice = UserFactory()
    client = Client()

    assert client.login(email=alice.email, password=PASSWORD)

    device = DeviceSession.objects.get(user=alice)
    assert device.session_key == client.session.session_key
    assert session_is_current(session_key=device.session_key, user_id=alice.pk)


def test_allauth_login_form_records_a_device_session(published):
    alice = UserFactory()
    client = Client(headers={"user-agent": "pytest-browser/2.0"}, REMOTE_ADDR="198.51.100.7")

    response = client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})

    assert response.status_code == 302, response.content[:500]
    device = DeviceSession.objects.get(user=alice)
    assert device.session_key == client.session.session_key
    assert (device.user_agent, device.ip_address) == ("pytest-browser/2.0", "198.51.100.7")
    assert client.get(reverse("settings")).status_code == 200


def test_allauth_login_with_a_wrong_password_records_nothing(published):
    alice = UserFactory()

    response = Client().post(reverse("account_login"), {"login": alice.email, "password": "wrong-password"})

    assert response.status_code == 200  # the form again, with its error
    assert not DeviceSession.objects.exists()


def test_a_second_login_signs_the_first_client_out(published, django_capture_on_commit_callbacks):
    # given: alice signed in on a first browser
    alice = UserFactory()
    first, second = Client(), Client()
    first.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})
    first_key = first.session.session_key
    assert first.get(reverse("settings")).status_code == 200

    # when: she signs in on a second browser
    with django_capture_on_commit_callbacks(execute=True):
        second.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})

    # then: the first browser is signed out, the second works, one device remains
    response = first.get(reverse("settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert second.get(reverse("settings")).status_code == 200
    assert list(DeviceSession.objects.values_list("session_key", flat=True)) == [second.session.session_key]
    assert not session_is_current(session_key=first_key, user_id=alice.pk)
    assert [e["reason"] for e in published.to(f"session.{first_key}")] == ["signed_in_elsewhere"]


def test_logout_forgets_the_device_session(published, django_capture_on_commit_callbacks):
    alice = UserFactory()
    client = Client()
    client.login(email=alice.email, password=PASSWORD)
    key = client.session.session_key

    with django_capture_on_commit_callbacks(execute=True):
        client.logout()

    assert not DeviceSession.objects.exists()
    assert [e["reason"] for e in published.to(f"session.{key}")] == ["signed_out"]


# -- presence --------------------------------------------------------------------------------
@pytest.fixture
def circle():
    """alice with two friends (bob, carol) and a stranger (dave)."""
    alice, bob, carol, dave = (UserFactory(handle=h) for h in ("alice", "bob", "carol", "dave"))
    make_friends(alice, bob)
    make_friends(alice, carol)
    make_friends(bob, dave)  # a friend of a friend is still a stranger to alice
    return alice, bob, carol, dave


def test_first_connection_tells_every_friend_and_no_one_else(circle, published, commit):
    alice, bob, carol, dave = circle

    commit(presence_connect, user_id=alice.pk, channel_name="tab-1")

    assert len(published) == 1
    groups, event, close = published[0]
    assert sorted(groups) == sorted([f"user.{bob.pk}", f"user.{carol.pk}"])
    assert f"user.{dave.pk}" not in groups and f"user.{alice.pk}" not in groups
    assert event == {
        "type": "presence.user",
        "op": "online",
        "user_id": alice.pk,
        "handle": "alice",
        "last_seen_at": None,
    }
    assert close is None
    assert PresenceConnection.objects.filter(user=alice).count() == 1


def test_a_second_connection_publishes_nothing(circle, published, commit):
    alice, *_ = circle
    commit(presence_connect, user_id=alice.pk, channel_name="tab-1")
    published.clear()

    commit(presence_connect, user_id=alice.pk, channel_name="tab-2")

    assert published == []
    assert PresenceConnection.objects.filter(user=alice).count() == 2


def test_closing_one_of_two_connections_publishes_nothing_and_the_last_publishes_offline(circle, published, commit):
    # given: two tabs open
    alice, bob, carol, _ = circle
    commit(presence_connect, user_id=alice.pk, channel_name="tab-1")
    commit(presence_connect, user_id=alice.pk, channel_name="tab-2")
    published.clear()

    # when: one closes
    commit(presence_disconnect, user_id=alice.pk, channel_name="tab-1")

    # then: still online, nothing said
    assert published == []
    assert list(PresenceConnection.objects.values_list("channel_name", flat=True)) == ["tab-2"]
    alice.refresh_from_db()
    assert alice.last_seen_at is None

    # when: the last closes
    before = timezone.now()
    commit(presence_disconnect, user_id=alice.pk, channel_name="tab-2")

    # then: offline, told to friends, last_seen_at recorded
    alice.refresh_from_db()
    assert alice.last_seen_at is not None and alice.last_seen_at >= before
    assert not PresenceConnection.objects.exists()
    [(groups, event, _)] = published
    assert sorted(groups) == sorted([f"user.{bob.pk}", f"user.{carol.pk}"])
    assert event["type"] == "presence.user" and event["op"] == "offline"
    assert event["user_id"] == alice.pk and event["handle"] == "alice"
    assert event["last_seen_at"] is not None
    sent = datetime.fromisoformat(event["last_seen_at"].replace("Z", "+00:00"))
    assert abs(sent - alice.last_seen_at) < timedelta(milliseconds=1)  # JSON keeps milliseconds


def test_disconnecting_an_unknown_channel_publishes_nothing(circle, published, commit):
    alice, *_ = circle

    commit(presence_disconnect, user_id=alice.pk, channel_name="never-connected")

    assert published == []
    alice.refresh_from_db()
    assert alice.last_seen_at is None


def test_a_user_without_friends_publishes_nothing(published, commit):
    loner = UserFactory()

    commit(presence_connect, user_id=loner.pk, channel_name="tab-1")
    commit(presence_disconnect, user_id=loner.pk, channel_name="tab-1")

    assert published == []


def stale_time():
    return timezone.now() - timedelta(seconds=settings.PRESENCE_STALE_SECONDS + 5)


def test_a_connection_after_only_stale_ones_announces_online(circle, published, commit):
    alice, *_ = circle
    PresenceConnection.objects.create(user=alice, channel_name="dead-tab", last_heartbeat_at=stale_time())

    commit(presence_connect, user_id=alice.pk, channel_name="tab-1")

    assert [e["op"] for e in published.events("presence.user")] == ["online"]


def test_heartbeat_keeps_a_connection_fresh(circle, published, commit):
    alice, *_ = circle
    PresenceConnection.objects.create(user=alice, channel_name="tab-1", last_heartbeat_at=stale_time())

    presence_heartbeat(channel_name="tab-1")

    assert commit(presence_sweep) == 0
    assert PresenceConnection.objects.count() == 1
    assert published == []


def test_sweep_drops_stale_connections_publishes_offline_and_is_a_no_op_the_second_time(circle, published, commit):
    # given: alice's only tab died silently; bob has a live tab; carol has one dead and one live tab
    alice, bob, carol, dave = circle
    PresenceConnection.objects.create(user=alice, channel_name="alice-dead", last_heartbeat_at=stale_time())
    PresenceConnection.objects.create(user=bob, channel_name="bob-live", last_heartbeat_at=timezone.now())
    PresenceConnection.objects.create(user=carol, channel_name="carol-dead", last_heartbeat_at=stale_time())
    PresenceConnection.objects.create(user=carol, channel_name="carol-live", last_heartbeat_at=timezone.now())

    # when
    swept = commit(presence_sweep)

    # then: the dead tabs are gone; only alice went offline, and only her friends hear it
    assert swept == 2  # users with stale connections
    assert sorted(PresenceConnection.objects.values_list("channel_name", flat=True)) == ["bob-live", "carol-live"]
    [(groups, event, _)] = published
    assert sorted(groups) == sorted([f"user.{bob.pk}", f"user.{carol.pk}"])
    assert (event["type"], event["op"], event["user_id"]) == ("presence.user", "offline", alice.pk)
    alice.refresh_from_db(), carol.refresh_from_db()
    assert alice.last_seen_at is not None
    assert carol.last_seen_at is None

    # when: it runs again
    published.clear()
    assert commit(presence_sweep) == 0

    # then: nothing changes
    assert published == []
    assert PresenceConnection.objects.count() == 2
