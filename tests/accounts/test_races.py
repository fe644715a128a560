"""Concurrent friend requests and presence on PostgreSQL: real threads, one connection each.

Each round releases its threads together with a barrier; rounds repeat to catch the race.
The `published` fixture records what would be sent (commit callbacks run for real here).
"""

from collections import Counter

import pytest

from accounts.models import FriendRequest, FriendRequestStatus, Friendship, Notification, PresenceConnection
from accounts.services.presence import presence_connect, presence_disconnect
from accounts.services.social import friend_request_send
from config.errors import ConflictError
from tests.conftest import requires_postgres
from tests.races import outcome, run_together

from .factories import UserFactory, make_friends

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_concurrent_requests_make_exactly_one(published, round_):
    # given
    alice, bob = UserFactory(), UserFactory()

    # when: alice's request is sent ten times at once
    results = run_together([lambda: friend_request_send(sender=alice, recipient=bob)] * 10)

    # then: one succeeds, nine are told it exists (409), one row, one notification
    assert Counter(outcome(r) for r in results) == {"ok": 1, "friend_request_exists": 9}
    assert all(isinstance(value, ConflictError) for kind, value in results if kind == "error")
    assert FriendRequest.objects.filter(status=FriendRequestStatus.PENDING).count() == 1
    assert FriendRequest.objects.count() == 1
    assert Notification.objects.filter(recipient=bob).count() == 1
    assert len(published.events("social.friend_request", "created")) == 1
    assert len(published.events("notifications.notification", "created")) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_crossing_requests_make_exactly_one_friendship(published, round_):
    # given
    alice, bob = UserFactory(), UserFactory()

    # when: each asks the other at the same moment
    results = run_together(
        [
            lambda: friend_request_send(sender=alice, recipient=bob),
            lambda: friend_request_send(sender=bob, recipient=alice),
        ]
    )

    # then: both calls succeed; one created the request, the other accepted it
    assert [outcome(r) for r in results] == ["ok", "ok"]
    assert set(Friendship.objects.values_list("user_id", "friend_id")) == {(alice.pk, bob.pk), (bob.pk, alice.pk)}
    assert not FriendRequest.objects.filter(status=FriendRequestStatus.PENDING).exists()
    assert FriendRequest.objects.filter(status=FriendRequestStatus.ACCEPTED).count() == 1
    assert len(published.events("social.friendship", "created")) == 2
    assert len(published.events("social.friend_request", "accepted")) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_tabs_opening_and_closing_at_once_announce_once_each_way(published, round_):
    # given: alice with a friend who hears her presence
    alice, bob = UserFactory(), UserFactory()
    make_friends(alice, bob)
    tabs = [f"round{round_}-tab-{i}" for i in range(2)]

    def presence_events():
        return [e["op"] for e in published.events("presence.user") if e["user_id"] == alice.pk]

    # when: both tabs connect at once
    results = run_together([lambda tab=tab: presence_connect(user_id=alice.pk, channel_name=tab) for tab in tabs])

    # then: two connections, one "online"
    assert [outcome(r) for r in results] == ["ok", "ok"]
    assert PresenceConnection.objects.filter(user=alice).count() == 2
    assert presence_events() == ["online"]

    # when: both close at once
    results = run_together([lambda tab=tab: presence_disconnect(user_id=alice.pk, channel_name=tab) for tab in tabs])

    # then: no connection left, exactly one "offline", after the "online"
    assert [outcome(r) for r in results] == ["ok", "ok"]
    assert not PresenceConnection.objects.filter(user=alice).exists()
    assert presence_events() == ["online", "offline"]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_tab_closing_while_another_opens_never_leaves_friends_wrong(published, round_):
    # given: one tab open
    alice, bob = UserFactory(), UserFactory()
    make_friends(alice, bob)
    presence_connect(user_id=alice.pk, channel_name=f"r{round_}-old")
    published.clear()

    # when: it closes while a new one opens
    run_together(
        [
            lambda: presence_disconnect(user_id=alice.pk, channel_name=f"r{round_}-old"),
            lambda: presence_connect(user_id=alice.pk, channel_name=f"r{round_}-new"),
        ]
    )

    # then: one connection is open; friends heard nothing (the new tab came first) or offline-then-online
    # (sorted: each thread sends after its own commit, so the two sends themselves may interleave)
    assert list(PresenceConnection.objects.filter(user=alice).values_list("channel_name", flat=True)) == [
        f"r{round_}-new"
    ]
    ops = sorted(e["op"] for e in published.events("presence.user"))
    assert ops in ([], ["offline", "online"])
