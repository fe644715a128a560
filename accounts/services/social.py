"""Friend requests, friendships, follows and blocks.

Every change that involves two users first locks both user rows (in id order), so
concurrent requests between the same pair run one after the other.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from config.realtime import publish_on_commit, user_group

from .. import events
from ..errors import SocialError
from ..models import (
    Block,
    Follow,
    FriendRequest,
    FriendRequestPolicy,
    FriendRequestStatus,
    Friendship,
    User,
)
from ..notification_kinds import NotificationKind
from ..selectors import are_friends, have_mutual_friend, is_blocked_between
from ..signals import friendship_created
from .notifications import notification_create, notifications_withdraw


def _lock_pair(a: User, b: User) -> None:
    list(User.objects.select_for_update().filter(pk__in=[a.pk, b.pk]).order_by("pk").values_list("pk"))


def _refuse_self(user: User, other: User, action: str) -> None:
    if user.pk == other.pk:
        raise ApplicationError(SocialError.SELF, f"You can't {action} yourself.")


def _publish_request(friend_request: FriendRequest, op: str) -> None:
    publish_on_commit(
        [user_group(friend_request.from_user_id), user_group(friend_request.to_user_id)],
        events.friend_request_changed(friend_request, op=op),
    )


def friend_request_send(*, sender: User, recipient: User) -> FriendRequest:
    """Send a friend request; if the recipient already asked the sender, this accepts theirs."""
    _refuse_self(sender, recipient, "send a friend request to")
    with transaction.atomic():
        _lock_pair(sender, recipient)
        if is_blocked_between(user=sender, other=recipient):
            raise ForbiddenError(SocialError.BLOCKED, "You can't send a friend request to this user.")
        if are_friends(user=sender, other=recipient):
            raise ConflictError(SocialError.ALREADY_FRIENDS, f"You are already friends with @{recipient.handle}.")
        pending = FriendRequest.objects.filter(status=FriendRequestStatus.PENDING)
        if pending.filter(from_user=sender, to_user=recipient).exists():
            raise ConflictError(SocialError.REQUEST_EXISTS, f"You already sent @{recipient.handle} a friend request.")
        theirs = pending.filter(from_user=recipient, to_user=sender).first()
        if theirs is not None:
            return _accept(theirs)
        policy = recipient.friend_requests_from
        if policy == FriendRequestPolicy.NOBODY or (
            policy == FriendRequestPolicy.FRIENDS_OF_FRIENDS and not have_mutual_friend(user=sender, other=recipient)
        ):
            raise ForbiddenError(SocialError.REQUESTS_CLOSED, f"@{recipient.handle} isn't accepting friend requests from you.")
        try:
            with transaction.atomic():
                friend_request = FriendRequest.objects.create(from_user=sender, to_user=recipient)
        except IntegrityError as exc:  # the partial unique index, where row locks don't serialize (SQLite)
            raise ConflictError(SocialError.REQUEST_EXISTS, "That friend request already exists.") from exc
        notification_create(
            recipient=recipient, kind=NotificationKind.FRIEND_REQUEST, actor=sender,
            data={"friend_request_id": friend_request.pk},
        )
        _publish_request(friend_request, "created")
    return friend_request


def _pending_request(*, request_id: int, **side) -> FriendRequest:
    friend_request = (
        FriendRequest.objects.select_related("from_user", "to_user")
        .filter(pk=request_id, status=FriendRequestStatus.PENDING, **side)
        .first()
    )
    if friend_request is None:
        raise NotFoundError(SocialError.REQUEST_NOT_FOUND, "No such pending friend request.")
    return friend_request


def _respond(*, request_id: int, side: dict, status: FriendRequestStatus) -> FriendRequest:
    friend_request = _pending_request(request_id=request_id, **side)
    with transaction.atomic():
        _lock_pair(friend_request.from_user, friend_request.to_user)
        friend_request = _pending_request(request_id=request_id, **side)  # re-read under the lock
        if status == FriendRequestStatus.ACCEPTED:
            return _accept(friend_request)
        friend_request.status, friend_request.responded_at = status, timezone.now()
        friend_request.save(update_fields=["status", "responded_at"])
        notifications_withdraw(
            recipient=friend_request.to_user, kind=NotificationKind.FRIEND_REQUEST,
            data_filter={"friend_request_id": friend_request.pk},
        )
        _publish_request(friend_request, status.value)
    return friend_request


def _accept(friend_request: FriendRequest) -> FriendRequest:
    """Inside the pair lock: mark accepted and make the friendship."""
    friend_request.status, friend_request.responded_at = FriendRequestStatus.ACCEPTED, timezone.now()
    friend_request.save(update_fields=["status", "responded_at"])
    a, b = friend_request.from_user, friend_request.to_user
    Friendship.objects.bulk_create([Friendship(user=a, friend=b), Friendship(user=b, friend=a)])
    friendship_created.send(sender=User, users=(a, b))
    notifications_withdraw(
        recipient=b, kind=NotificationKind.FRIEND_REQUEST, data_filter={"friend_request_id": friend_request.pk}
    )
    notification_create(recipient=a, kind=NotificationKind.FRIEND_ACCEPTED, actor=b)
    _publish_request(friend_request, "accepted")
    publish_on_commit(user_group(a.pk), events.friendship_changed(other=b, op="created"))
    publish_on_commit(user_group(b.pk), events.friendship_changed(other=a, op="created"))
    return friend_request


def friend_request_accept(*, user: User, request_id: int) -> FriendRequest:
    return _respond(request_id=request_id, side={"to_user": user}, status=FriendRequestStatus.ACCEPTED)


def friend_request_reject(*, user: User, request_id: int) -> FriendRequest:
    return _respond(request_id=request_id, side={"to_user": user}, status=FriendRequestStatus.REJECTED)


def friend_request_cancel(*, user: User, request_id: int) -> FriendRequest:
    return _respond(request_id=request_id, side={"from_user": user}, status=FriendRequestStatus.CANCELLED)


def _unfriend(a: User, b: User) -> bool:
    deleted, _ = Friendship.objects.filter(Q(user=a, friend=b) | Q(user=b, friend=a)).delete()
    if deleted:
        publish_on_commit(user_group(a.pk), events.friendship_changed(other=b, op="removed"))
        publish_on_commit(user_group(b.pk), events.friendship_changed(other=a, op="removed"))
    return bool(deleted)


def friendship_remove(*, user: User, other: User) -> None:
    with transaction.atomic():
        _lock_pair(user, other)
        if not _unfriend(user, other):
            raise NotFoundError(SocialError.NOT_FRIENDS, f"You are not friends with @{other.handle}.")


def follow_create(*, follower: User, followee: User) -> Follow:
    _refuse_self(follower, followee, "follow")
    with transaction.atomic():
        _lock_pair(follower, followee)
        if is_blocked_between(user=follower, other=followee):
            raise ForbiddenError(SocialError.BLOCKED, "You can't follow this user.")
        if Follow.objects.filter(follower=follower, followee=followee).exists():
            raise ConflictError(SocialError.ALREADY_FOLLOWING, f"You already follow @{followee.handle}.")
        follow = Follow.objects.create(follower=follower, followee=followee)
        notification_create(recipient=followee, kind=NotificationKind.NEW_FOLLOWER, actor=follower)
        publish_on_commit(user_group(followee.pk), events.follow_changed(follower=follower, op="created"))
    return follow


def follow_remove(*, follower: User, followee: User) -> None:
    with transaction.atomic():
        deleted, _ = Follow.objects.filter(follower=follower, followee=followee).delete()
        if not deleted:
            raise NotFoundError(SocialError.NOT_FOLLOWING, f"You don't follow @{followee.handle}.")
        publish_on_commit(user_group(followee.pk), events.follow_changed(follower=follower, op="removed"))


def block_create(*, blocker: User, blocked: User) -> Block:
    """Block a user: ends the friendship, pending requests and follows both ways."""
    _refuse_self(blocker, blocked, "block")
    with transaction.atomic():
        _lock_pair(blocker, blocked)
        if Block.objects.filter(blocker=blocker, blocked=blocked).exists():
            raise ConflictError(SocialError.ALREADY_BLOCKED, f"You already blocked @{blocked.handle}.")
        block = Block.objects.create(blocker=blocker, blocked=blocked)
        _unfriend(blocker, blocked)
        between = Q(from_user=blocker, to_user=blocked) | Q(from_user=blocked, to_user=blocker)
        for friend_request in FriendRequest.objects.filter(between, status=FriendRequestStatus.PENDING).select_related(
            "from_user", "to_user"
        ):
            friend_request.status, friend_request.responded_at = FriendRequestStatus.CANCELLED, timezone.now()
            friend_request.save(update_fields=["status", "responded_at"])
            notifications_withdraw(
                recipient=friend_request.to_user, kind=NotificationKind.FRIEND_REQUEST,
                data_filter={"friend_request_id": friend_request.pk},
            )
            _publish_request(friend_request, "cancelled")
        Follow.objects.filter(Q(follower=blocker, followee=blocked) | Q(follower=blocked, followee=blocker)).delete()
    return block


def block_remove(*, blocker: User, blocked: User) -> None:
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    if not deleted:
        raise NotFoundError(SocialError.NOT_BLOCKED, f"You haven't blocked @{blocked.handle}.")
