"""Friend requests, friendships, follows and blocks: rows, notifications, events, and query counts."""

import pytest
from django.utils import timezone

from accounts.api.serializers import FriendRequestSerializer, FriendSerializer, NotificationSerializer
from accounts.models import (
    Block,
    Follow,
    FriendRequest,
    FriendRequestPolicy,
    FriendRequestStatus,
    Friendship,
    Notification,
    PresenceConnection,
)
from accounts.notification_kinds import NotificationKind
from accounts.selectors import friend_requests_incoming, friends_list, notifications_list
from accounts.services.notifications import notification_create
from accounts.services.social import (
    block_create,
    block_remove,
    follow_create,
    follow_remove,
    friend_request_accept,
    friend_request_cancel,
    friend_request_reject,
    friend_request_send,
    friendship_remove,
)
from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from tests.conftest import Published

from .factories import UserFactory, make_friends

pytestmark = pytest.mark.django_db


class AccountsEventsOnly:
    """A live view of `published` keeping only this app's events.

    Other apps listen to accounts' domain signals and publish their own events in the same
    transaction (e.g. gamification.xp when a friendship is made); these tests count ours.
    """

    TYPES = ("social.", "notifications.")

    def __init__(self, sent: Published):
        self._sent = sent

    def _ours(self) -> Published:
        return Published(p for p in self._sent if p[1]["type"].startswith(self.TYPES))

    def __iter__(self):
        return iter(self._ours())

    def __len__(self):
        return len(self._ours())

    def __getitem__(self, index):
        return self._ours()[index]

    def __eq__(self, other):
        return list(self._ours()) == list(other)

    def __repr__(self):
        return repr(self._ours())

    def clear(self):
        self._sent.clear()

    def events(self, type_=None, op=None):
        return self._ours().events(type_, op)

    def to(self, group):
        return self._ours().to(group)


@pytest.fixture
def published(published):
    return AccountsEventsOnly(published)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a service as if its transaction committed (events and other commit callbacks fire)."""

    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def summary(user) -> dict:
    return {"id": user.pk, "handle": user.handle, "display_name": user.display_name, "avatar_url": None}


def friendship_pairs() -> set[tuple[int, int]]:
    return set(Friendship.objects.values_list("user_id", "friend_id"))


def groups_of(published, type_, op) -> list[list[str]]:
    return [sorted(groups) for groups, event, _ in published if event["type"] == type_ and event["op"] == op]


# -- send ----------------------------------------------------------------------------------
def test_send_creates_a_pending_request_a_notification_and_two_events(alice, bob, published, commit):
    friend_request = commit(friend_request_send, sender=alice, recipient=bob)

    # the row
    assert friend_request.status == FriendRequestStatus.PENDING
    assert (friend_request.from_user_id, friend_request.to_user_id) == (alice.pk, bob.pk)
    # the recipient's notification (and none for the sender)
    notification = Notification.objects.get()
    assert (notification.recipient_id, notification.kind, notification.actor_id) == (
        bob.pk,
        NotificationKind.FRIEND_REQUEST,
        alice.pk,
    )
    assert notification.data == {"friend_request_id": friend_request.pk}
    # the events: exactly two
    assert len(published) == 2
    [(groups, event, close)] = [p for p in published if p[1]["type"] == "social.friend_request"]
    assert sorted(groups) == sorted([f"user.{alice.pk}", f"user.{bob.pk}"])
    assert close is None
    assert event == {
        "type": "social.friend_request",
        "op": "created",
        "id": friend_request.pk,
        "from_user": summary(alice),
        "to_user": summary(bob),
    }
    [(groups, event, close)] = [p for p in published if p[1]["type"] == "notifications.notification"]
    assert groups == [f"user.{bob.pk}"]
    assert event["op"] == "created"
    assert event["unread_count"] == 1
    assert event["notification"]["id"] == notification.pk
    assert event["notification"]["kind"] == "friend_request"
    assert event["notification"]["actor"] == summary(alice)
    assert event["notification"]["data"] == {"friend_request_id": friend_request.pk}
    assert event["notification"]["text"] == "@alice sent you a friend request"
    assert event["notification"]["read_at"] is None


def test_events_are_not_sent_before_commit(alice, bob, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        friend_request_send(sender=alice, recipient=bob)

    assert published == []
    for callback in callbacks:
        callback()
    assert len(published) == 2


def test_send_to_yourself_is_refused(alice, published, commit):
    with pytest.raises(ApplicationError) as exc:
        commit(friend_request_send, sender=alice, recipient=alice)

    assert exc.value.code == "self_not_allowed"
    assert not FriendRequest.objects.exists()
    assert published == []


def test_a_duplicate_request_is_a_conflict(alice, bob, published, commit):
    commit(friend_request_send, sender=alice, recipient=bob)
    published.clear()

    with pytest.raises(ConflictError) as exc:
        commit(friend_request_send, sender=alice, recipient=bob)

    assert exc.value.code == "friend_request_exists"
    assert exc.value.status == 409
    assert FriendRequest.objects.count() == 1
    assert Notification.objects.count() == 1
    assert published == []


def test_a_request_after_a_rejection_may_be_sent_again(alice, bob, commit):
    first = commit(friend_request_send, sender=alice, recipient=bob)
    commit(friend_request_reject, user=bob, request_id=first.pk)

    second = commit(friend_request_send, sender=alice, recipient=bob)

    assert second.pk != first.pk
    assert FriendRequest.objects.filter(status=FriendRequestStatus.PENDING).get() == second


def test_a_request_to_a_friend_is_a_conflict(alice, bob, published, commit):
    make_friends(alice, bob)

    with pytest.raises(ConflictError) as exc:
        commit(friend_request_send, sender=alice, recipient=bob)

    assert exc.value.code == "already_friends"
    assert not FriendRequest.objects.exists()
    assert published == []


@pytest.mark.parametrize("blocker_is_sender", [True, False])
def test_a_request_across_a_block_is_refused_either_way(alice, bob, published, commit, blocker_is_sender):
    blocker, blocked = (alice, bob) if blocker_is_sender else (bob, alice)
    Block.objects.create(blocker=blocker, blocked=blocked)

    with pytest.raises(ForbiddenError) as exc:
        commit(friend_request_send, sender=alice, recipient=bob)

    assert exc.value.code == "blocked"
    assert exc.value.status == 403
    assert not FriendRequest.objects.exists()
    assert published == []


def test_recipient_accepting_nobody_refuses_requests(alice, bob, carol, published, commit):
    bob.friend_requests_from = FriendRequestPolicy.NOBODY
    bob.save()
    make_friends(alice, carol)
    make_friends(bob, carol)  # even a mutual friend does not help

    with pytest.raises(ForbiddenError) as exc:
        commit(friend_request_send, sender=alice, recipient=bob)

    assert exc.value.code == "friend_requests_closed"
    assert not FriendRequest.objects.exists()
    assert published == []


def test_friends_of_friends_policy_refuses_a_stranger(alice, bob, carol, commit):
    bob.friend_requests_from = FriendRequestPolicy.FRIENDS_OF_FRIENDS
    bob.save()
    make_friends(bob, carol)  # carol is bob's friend, but not alice's

    with pytest.raises(ForbiddenError) as exc:
        commit(friend_request_send, sender=alice, recipient=bob)

    assert exc.value.code == "friend_requests_closed"
    assert not FriendRequest.objects.exists()


def test_friends_of_friends_policy_allows_someone_with_a_mutual_friend(alice, bob, carol, commit):
    bob.friend_requests_from = FriendRequestPolicy.FRIENDS_OF_FRIENDS
    bob.save()
    make_friends(alice, carol)
    make_friends(bob, carol)

    friend_request = commit(friend_request_send, sender=alice, recipient=bob)

    assert friend_request.status == FriendRequestStatus.PENDING


def test_sending_back_a_pending_request_accepts_it(alice, bob, published, commit):
    # given: bob asked alice
    theirs = commit(friend_request_send, sender=bob, recipient=alice)
    published.clear()

    # when: alice asks bob
    result = commit(friend_request_send, sender=alice, recipient=bob)

    # then: bob's request is accepted, no new request exists, they are friends
    assert result.pk == theirs.pk
    theirs.refresh_from_db()
    assert theirs.status == FriendRequestStatus.ACCEPTED
    assert FriendRequest.objects.count() == 1
    assert friendship_pairs() == {(alice.pk, bob.pk), (bob.pk, alice.pk)}
    assert not Notification.objects.filter(kind=NotificationKind.FRIEND_REQUEST).exists()
    assert Notification.objects.get(kind=NotificationKind.FRIEND_ACCEPTED).recipient_id == bob.pk
    assert groups_of(published, "social.friendship", "created") == [[f"user.{bob.pk}"], [f"user.{alice.pk}"]]


def test_reverse_request_auto_accepts_even_if_policy_is_now_closed(alice, bob, commit):
    commit(friend_request_send, sender=bob, recipient=alice)
    bob.friend_requests_from = FriendRequestPolicy.NOBODY
    bob.save()

    commit(friend_request_send, sender=alice, recipient=bob)

    assert friendship_pairs() == {(alice.pk, bob.pk), (bob.pk, alice.pk)}


# -- accept, reject, cancel ----------------------------------------------------------------
@pytest.fixture
def pending(alice, bob, published, commit):
    """alice → bob, pending; what that publishes is cleared."""
    friend_request = commit(friend_request_send, sender=alice, recipient=bob)
    published.clear()
    return friend_request


def test_accept_makes_a_friendship_both_ways(alice, bob, pending, published, commit):
    request_notification = Notification.objects.get(recipient=bob)

    accepted = commit(friend_request_accept, user=bob, request_id=pending.pk)

    # rows
    assert accepted.status == FriendRequestStatus.ACCEPTED
    pending.refresh_from_db()
    assert pending.status == FriendRequestStatus.ACCEPTED and pending.responded_at is not None
    assert friendship_pairs() == {(alice.pk, bob.pk), (bob.pk, alice.pk)}
    # notifications: bob's request notice is gone, alice is told
    assert not Notification.objects.filter(recipient=bob).exists()
    accepted_notice = Notification.objects.get(recipient=alice)
    assert (accepted_notice.kind, accepted_notice.actor_id) == (NotificationKind.FRIEND_ACCEPTED, bob.pk)
    # events: exactly these five
    assert len(published) == 5
    assert published.to(f"user.{bob.pk}") == [
        {"type": "notifications.notification", "op": "deleted", "id": request_notification.pk, "unread_count": 0},
        {
            "type": "social.friend_request",
            "op": "accepted",
            "id": pending.pk,
            "from_user": summary(alice),
            "to_user": summary(bob),
        },
        {"type": "social.friendship", "op": "created", "user": summary(alice)},
    ]
    to_alice = published.to(f"user.{alice.pk}")
    assert [(e["type"], e["op"]) for e in to_alice] == [
        ("notifications.notification", "created"),
        ("social.friend_request", "accepted"),
        ("social.friendship", "created"),
    ]
    assert to_alice[0]["notification"]["kind"] == "friend_accepted"
    assert to_alice[0]["notification"]["actor"] == summary(bob)
    assert to_alice[0]["notification"]["text"] == "@bob accepted your friend request"
    assert to_alice[0]["unread_count"] == 1
    assert to_alice[2]["user"] == summary(bob)
    assert groups_of(published, "social.friend_request", "accepted") == [sorted([f"user.{alice.pk}", f"user.{bob.pk}"])]


@pytest.mark.parametrize(
    ("respond", "actor", "status"),
    [
        (friend_request_reject, "bob", FriendRequestStatus.REJECTED),
        (friend_request_cancel, "alice", FriendRequestStatus.CANCELLED),
    ],
)
def test_reject_and_cancel_close_the_request_and_withdraw_the_notification(
    alice, bob, pending, published, commit, respond, actor, status
):
    request_notification = Notification.objects.get(recipient=bob)
    user = {"alice": alice, "bob": bob}[actor]

    result = commit(respond, user=user, request_id=pending.pk)

    assert result.status == status
    pending.refresh_from_db()
    assert pending.status == status and pending.responded_at is not None
    assert not Friendship.objects.exists()
    assert not Notification.objects.exists()
    assert len(published) == 2
    assert published.to(f"user.{bob.pk}") == [
        {"type": "notifications.notification", "op": "deleted", "id": request_notification.pk, "unread_count": 0},
        {
            "type": "social.friend_request",
            "op": status.value,
            "id": pending.pk,
            "from_user": summary(alice),
            "to_user": summary(bob),
        },
    ]
    assert groups_of(published, "social.friend_request", status.value) == [
        sorted([f"user.{alice.pk}", f"user.{bob.pk}"])
    ]


def test_withdrawing_leaves_other_notifications_alone(alice, bob, carol, pending, commit):
    other = commit(friend_request_send, sender=carol, recipient=bob)
    commit(follow_create, follower=carol, followee=bob)

    commit(friend_request_reject, user=bob, request_id=pending.pk)

    remaining = Notification.objects.filter(recipient=bob)
    assert sorted(remaining.values_list("kind", flat=True)) == ["friend_request", "new_follower"]
    assert remaining.get(kind="friend_request").data == {"friend_request_id": other.pk}


@pytest.mark.parametrize(
    ("respond", "who"),
    [
        (friend_request_accept, "carol"),  # someone else's request
        (friend_request_accept, "alice"),  # the sender can't accept their own
        (friend_request_reject, "carol"),
        (friend_request_reject, "alice"),
        (friend_request_cancel, "bob"),  # only the sender cancels
        (friend_request_cancel, "carol"),
    ],
)
def test_responding_to_a_request_that_is_not_yours_is_not_found(
    alice, bob, carol, pending, published, commit, respond, who
):
    user = {"alice": alice, "bob": bob, "carol": carol}[who]

    with pytest.raises(NotFoundError) as exc:
        commit(respond, user=user, request_id=pending.pk)

    assert exc.value.code == "friend_request_not_found"
    assert exc.value.status == 404
    pending.refresh_from_db()
    assert pending.status == FriendRequestStatus.PENDING
    assert not Friendship.objects.exists()
    assert published == []


@pytest.mark.parametrize("respond", [friend_request_accept, friend_request_reject])
def test_a_request_can_be_answered_only_once(alice, bob, pending, published, commit, respond):
    commit(friend_request_accept, user=bob, request_id=pending.pk)
    published.clear()

    with pytest.raises(NotFoundError) as exc:
        commit(respond, user=bob, request_id=pending.pk)

    assert exc.value.code == "friend_request_not_found"
    assert Friendship.objects.count() == 2
    assert published == []


def test_a_cancelled_request_cannot_be_accepted(alice, bob, pending, commit):
    commit(friend_request_cancel, user=alice, request_id=pending.pk)

    with pytest.raises(NotFoundError):
        commit(friend_request_accept, user=bob, request_id=pending.pk)
    assert not Friendship.objects.exists()


# -- unfriend ------------------------------------------------------------------------------
def test_unfriend_removes_both_rows_and_tells_both(alice, bob, carol, published, commit):
    make_friends(alice, bob)
    make_friends(alice, carol)

    commit(friendship_remove, user=bob, other=alice)

    assert friendship_pairs() == {(alice.pk, carol.pk), (carol.pk, alice.pk)}
    assert published.to(f"user.{alice.pk}") == [{"type": "social.friendship", "op": "removed", "user": summary(bob)}]
    assert published.to(f"user.{bob.pk}") == [{"type": "social.friendship", "op": "removed", "user": summary(alice)}]
    assert len(published) == 2


def test_unfriend_a_non_friend_is_not_found(alice, bob, published, commit):
    with pytest.raises(NotFoundError) as exc:
        commit(friendship_remove, user=alice, other=bob)
    assert exc.value.code == "not_friends"
    assert published == []


# -- follow --------------------------------------------------------------------------------
def test_follow_creates_the_row_a_notification_and_events_for_the_followee(alice, bob, published, commit):
    follow = commit(follow_create, follower=alice, followee=bob)

    assert (follow.follower_id, follow.followee_id) == (alice.pk, bob.pk)
    notification = Notification.objects.get()
    assert (notification.recipient_id, notification.kind, notification.actor_id) == (bob.pk, "new_follower", alice.pk)
    assert len(published) == 2
    assert published.to(f"user.{alice.pk}") == []
    notified, followed = published.to(f"user.{bob.pk}")
    assert (notified["type"], notified["op"], notified["notification"]["id"]) == (
        "notifications.notification",
        "created",
        notification.pk,
    )
    assert notified["notification"]["text"] == "@alice started following you"
    assert followed == {"type": "social.follow", "op": "created", "follower": summary(alice)}


def test_follow_is_one_way(alice, bob, commit):
    commit(follow_create, follower=alice, followee=bob)
    assert list(Follow.objects.values_list("follower_id", "followee_id")) == [(alice.pk, bob.pk)]
    assert not Friendship.objects.exists()


def test_follow_twice_is_a_conflict(alice, bob, published, commit):
    commit(follow_create, follower=alice, followee=bob)
    published.clear()

    with pytest.raises(ConflictError) as exc:
        commit(follow_create, follower=alice, followee=bob)

    assert exc.value.code == "already_following"
    assert Follow.objects.count() == 1 and Notification.objects.count() == 1
    assert published == []


def test_follow_yourself_is_refused(alice, commit):
    with pytest.raises(ApplicationError) as exc:
        commit(follow_create, follower=alice, followee=alice)
    assert exc.value.code == "self_not_allowed"
    assert not Follow.objects.exists()


@pytest.mark.parametrize("blocker_is_follower", [True, False])
def test_follow_across_a_block_is_refused(alice, bob, commit, blocker_is_follower):
    Block.objects.create(
        **({"blocker": alice, "blocked": bob} if blocker_is_follower else {"blocker": bob, "blocked": alice})
    )

    with pytest.raises(ForbiddenError) as exc:
        commit(follow_create, follower=alice, followee=bob)

    assert exc.value.code == "blocked"
    assert not Follow.objects.exists()


def test_unfollow_removes_the_row_and_tells_the_followee(alice, bob, published, commit):
    commit(follow_create, follower=alice, followee=bob)
    commit(follow_create, follower=bob, followee=alice)
    published.clear()

    commit(follow_remove, follower=alice, followee=bob)

    assert list(Follow.objects.values_list("follower_id", "followee_id")) == [(bob.pk, alice.pk)]
    assert published.events() == [{"type": "social.follow", "op": "removed", "follower": summary(alice)}]
    assert published[0][0] == [f"user.{bob.pk}"]


def test_unfollow_when_not_following_is_not_found(alice, bob, published, commit):
    with pytest.raises(NotFoundError) as exc:
        commit(follow_remove, follower=alice, followee=bob)
    assert exc.value.code == "not_following"
    assert published == []


# -- block ---------------------------------------------------------------------------------
def test_block_ends_friendship_requests_and_follows_both_ways(alice, bob, carol, published, commit):
    # given: alice and bob are friends, follow each other and (oddly) have requests pending both ways;
    #        each also has ties to carol that must survive
    make_friends(alice, bob)
    make_friends(alice, carol)
    outgoing = FriendRequest.objects.create(from_user=alice, to_user=bob)
    incoming = FriendRequest.objects.create(from_user=bob, to_user=alice)
    to_carol = FriendRequest.objects.create(from_user=bob, to_user=carol)
    for fr in (outgoing, incoming, to_carol):
        notification_create(
            recipient=fr.to_user,
            kind=NotificationKind.FRIEND_REQUEST,
            actor=fr.from_user,
            data={"friend_request_id": fr.pk},
        )
    Follow.objects.bulk_create(
        [
            Follow(follower=alice, followee=bob),
            Follow(follower=bob, followee=alice),
            Follow(follower=carol, followee=bob),
        ]
    )
    published.clear()

    # when
    block = commit(block_create, blocker=alice, blocked=bob)

    # then: the block exists, everything between them is gone, ties to carol remain
    assert (block.blocker_id, block.blocked_id) == (alice.pk, bob.pk)
    assert friendship_pairs() == {(alice.pk, carol.pk), (carol.pk, alice.pk)}
    outgoing.refresh_from_db(), incoming.refresh_from_db(), to_carol.refresh_from_db()
    assert outgoing.status == incoming.status == FriendRequestStatus.CANCELLED
    assert to_carol.status == FriendRequestStatus.PENDING
    assert list(Follow.objects.values_list("follower_id", "followee_id")) == [(carol.pk, bob.pk)]
    assert list(Notification.objects.values_list("recipient_id", "data")) == [
        (carol.pk, {"friend_request_id": to_carol.pk})
    ]
    # events: friendship removed ×2, request cancelled ×2, notification deleted ×2
    assert sorted((e["type"], e["op"]) for e in published.events()) == [
        ("notifications.notification", "deleted"),
        ("notifications.notification", "deleted"),
        ("social.friend_request", "cancelled"),
        ("social.friend_request", "cancelled"),
        ("social.friendship", "removed"),
        ("social.friendship", "removed"),
    ]
    assert published.to(f"user.{carol.pk}") == []


def test_after_a_block_neither_side_can_request_or_follow(alice, bob, commit):
    commit(block_create, blocker=alice, blocked=bob)

    for sender, recipient in [(alice, bob), (bob, alice)]:
        with pytest.raises(ForbiddenError):
            commit(friend_request_send, sender=sender, recipient=recipient)
        with pytest.raises(ForbiddenError):
            commit(follow_create, follower=sender, followee=recipient)
    assert not FriendRequest.objects.exists() and not Follow.objects.exists()


def test_block_twice_is_a_conflict_and_blocking_yourself_is_refused(alice, bob, commit):
    commit(block_create, blocker=alice, blocked=bob)

    with pytest.raises(ConflictError) as exc:
        commit(block_create, blocker=alice, blocked=bob)
    assert exc.value.code == "already_blocked"
    with pytest.raises(ApplicationError) as exc:
        commit(block_create, blocker=alice, blocked=alice)
    assert exc.value.code == "self_not_allowed"
    assert Block.objects.count() == 1


def test_both_sides_may_block_each_other(alice, bob, commit):
    commit(block_create, blocker=alice, blocked=bob)
    commit(block_create, blocker=bob, blocked=alice)
    assert Block.objects.count() == 2


def test_unblock_lifts_the_block(alice, bob, commit):
    commit(block_create, blocker=alice, blocked=bob)

    commit(block_remove, blocker=alice, blocked=bob)

    assert not Block.objects.exists()
    assert commit(friend_request_send, sender=bob, recipient=alice).status == FriendRequestStatus.PENDING


def test_only_the_blocker_can_unblock(alice, bob, commit):
    commit(block_create, blocker=alice, blocked=bob)

    with pytest.raises(NotFoundError) as exc:
        commit(block_remove, blocker=bob, blocked=alice)

    assert exc.value.code == "not_blocked"
    assert Block.objects.count() == 1


# -- query counts --------------------------------------------------------------------------
def test_friends_list_is_one_query_however_many_friends(alice, django_assert_num_queries):
    # given: four friends, one online, one with last_seen_at, one with an avatar name
    friends = UserFactory.create_batch(4)
    for friend in friends:
        make_friends(alice, friend)
    PresenceConnection.objects.create(user=friends[0], channel_name="c0", last_heartbeat_at=timezone.now())
    friends[1].last_seen_at = timezone.now()
    friends[1].avatar = f"avatars/{friends[1].pk}/x.webp"
    friends[1].save()
    make_friends(friends[2], friends[3])  # friends of friends are not alice's friends
    stranger = UserFactory()

    # when: listed and serialized as the API does
    with django_assert_num_queries(1):
        rows = FriendSerializer(friends_list(owner=alice, viewer=alice), many=True).data

    # then
    assert [r["handle"] for r in rows] == sorted(f.handle for f in friends)
    assert stranger.handle not in [r["handle"] for r in rows]
    online = {r["handle"]: r["is_online"] for r in rows}
    assert online == {f.handle: f == friends[0] for f in friends}
    [avatar_url] = [r["avatar_url"] for r in rows if r["avatar_url"]]
    assert avatar_url.endswith(f"avatars/{friends[1].pk}/x.webp")


def test_friends_list_leaves_out_deactivated_friends(alice, bob, carol):
    make_friends(alice, bob)
    make_friends(alice, carol)
    carol.deactivated_at = timezone.now()
    carol.save()

    assert [u.handle for u in friends_list(owner=alice, viewer=None)] == ["bob"]


def test_friends_list_seen_by_a_friend_when_private_to_friends_costs_one_more_query(
    alice, bob, django_assert_num_queries
):
    alice.friends_visibility = "friends"
    alice.save()
    make_friends(alice, bob)
    for friend in UserFactory.create_batch(3):
        make_friends(alice, friend)

    with django_assert_num_queries(2):  # the audience check, then the list
        rows = FriendSerializer(friends_list(owner=alice, viewer=bob), many=True).data
    assert len(rows) == 4


def test_friends_list_private_to_friends_refuses_a_stranger(alice, bob):
    alice.friends_visibility = "friends"
    alice.save()

    with pytest.raises(ForbiddenError) as exc:
        friends_list(owner=alice, viewer=bob)
    assert exc.value.code == "list_private"


def test_friend_requests_incoming_is_one_query(alice, commit, django_assert_num_queries):
    senders = UserFactory.create_batch(4)
    for sender in senders:
        commit(friend_request_send, sender=sender, recipient=alice)
    commit(friend_request_send, sender=alice, recipient=UserFactory())  # outgoing: not listed

    with django_assert_num_queries(1):
        rows = FriendRequestSerializer(friend_requests_incoming(user=alice), many=True).data

    assert [r["from_user"]["handle"] for r in rows] == [s.handle for s in reversed(senders)]
    assert {r["to_user"]["handle"] for r in rows} == {"alice"}
    assert {r["status"] for r in rows} == {"pending"}


def test_notifications_list_is_one_query(alice, commit, django_assert_num_queries):
    # given: notifications from several actors, one without an actor, and one for someone else
    for sender in UserFactory.create_batch(3):
        commit(friend_request_send, sender=sender, recipient=alice)
    for follower in UserFactory.create_batch(2):
        commit(follow_create, follower=follower, followee=alice)
    notification_create(recipient=alice, kind=NotificationKind.NEW_FOLLOWER)
    commit(follow_create, follower=alice, followee=UserFactory())

    with django_assert_num_queries(1):
        rows = NotificationSerializer(notifications_list(user=alice), many=True).data

    assert len(rows) == 6
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    assert rows[0]["actor"] is None and rows[0]["text"] == "@someone started following you"
    assert all(r["actor"]["handle"] in r["text"] for r in rows[1:])


def test_notifications_list_filters_unread_and_after_id(alice, commit):
    senders = UserFactory.create_batch(3)
    for sender in senders:
        commit(follow_create, follower=sender, followee=alice)
    first, second, third = Notification.objects.order_by("id")
    Notification.objects.filter(pk=second.pk).update(read_at=timezone.now())

    assert list(notifications_list(user=alice, unread_only=True)) == [third, first]
    assert list(notifications_list(user=alice, after_id=first.pk)) == [third, second]
