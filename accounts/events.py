"""Shapes of the real-time events the accounts app publishes (docs/realtime.md).

Payloads are built here field by field, not by the API's serializers, so a change to an API
response never changes an event silently; config.event_schema checks them against these shapes.
"""

from typing import Literal, TypedDict

from django.utils import timezone

from config.event_schema import emits, iso


class UserSummary(TypedDict):
    id: int
    handle: str
    display_name: str
    avatar_url: str | None


def user_summary(user) -> UserSummary:
    return {"id": user.pk, "handle": user.handle, "display_name": user.display_name,
            "avatar_url": user.avatar.url if user.avatar else None}


class NotificationAction(TypedDict):
    label: str
    method: str
    url: str
    then: str | None
    is_primary: bool


class NotificationPayload(TypedDict):
    id: int
    kind: str
    actor: UserSummary | None
    data: dict
    text: str
    url: str
    actions: list[NotificationAction]
    created_at: str
    read_at: str | None


def notification_payload(notification) -> NotificationPayload:
    # The text, link and buttons are the notification's one rendering, shared with the API.
    from accounts.api.serializers import NotificationSerializer

    rendering = NotificationSerializer()
    return {
        "id": notification.pk, "kind": notification.kind,
        "actor": user_summary(notification.actor) if notification.actor else None,
        "data": notification.data, "text": rendering.get_text(notification), "url": rendering.get_url(notification),
        "actions": rendering.get_actions(notification),
        "created_at": iso(notification.created_at), "read_at": iso(notification.read_at),
    }


class NotificationCreated(TypedDict):
    type: Literal["notifications.notification"]
    op: Literal["created"]
    notification: NotificationPayload
    unread_count: int


@emits
def notification_created(notification, *, unread_count: int) -> NotificationCreated:
    return {
        "type": "notifications.notification",
        "op": "created",
        "notification": notification_payload(notification),
        "unread_count": unread_count,
    }


class NotificationsRead(TypedDict):
    type: Literal["notifications.notification"]
    op: Literal["read"]
    ids: list[int] | None
    unread_count: int


@emits
def notifications_read(*, ids: list[int] | None, unread_count: int) -> NotificationsRead:
    """ids=None means every notification was marked read."""
    return {"type": "notifications.notification", "op": "read", "ids": ids, "unread_count": unread_count}


class NotificationDeleted(TypedDict):
    type: Literal["notifications.notification"]
    op: Literal["deleted"]
    id: int
    unread_count: int


@emits
def notification_deleted(*, notification_id: int, unread_count: int) -> NotificationDeleted:
    return {"type": "notifications.notification", "op": "deleted", "id": notification_id, "unread_count": unread_count}


class FriendRequestChanged(TypedDict):
    type: Literal["social.friend_request"]
    op: Literal["created", "accepted", "rejected", "cancelled"]
    id: int
    from_user: UserSummary
    to_user: UserSummary


@emits
def friend_request_changed(friend_request, *, op: str) -> FriendRequestChanged:
    """op: created, accepted, rejected, cancelled."""
    return {
        "type": "social.friend_request",
        "op": op,
        "id": friend_request.pk,
        "from_user": user_summary(friend_request.from_user),
        "to_user": user_summary(friend_request.to_user),
    }


class FriendshipChanged(TypedDict):
    type: Literal["social.friendship"]
    op: Literal["created", "removed"]
    user: UserSummary


@emits
def friendship_changed(*, other, op: str) -> FriendshipChanged:
    """Sent to one side of a friendship; `user` is the other side. op: created, removed."""
    return {"type": "social.friendship", "op": op, "user": user_summary(other)}


class FollowChanged(TypedDict):
    type: Literal["social.follow"]
    op: Literal["created", "removed"]
    follower: UserSummary


@emits
def follow_changed(*, follower, op: str) -> FollowChanged:
    """Sent to the followee. op: created, removed."""
    return {"type": "social.follow", "op": op, "follower": user_summary(follower)}


class PresenceChanged(TypedDict):
    type: Literal["presence.user"]
    op: Literal["online", "offline"]
    user_id: int
    handle: str
    last_seen_at: str | None


@emits
def presence_changed(user, *, is_online: bool) -> PresenceChanged:
    return {
        "type": "presence.user",
        "op": "online" if is_online else "offline",
        "user_id": user.pk,
        "handle": user.handle,
        "last_seen_at": None if is_online else (user.last_seen_at or timezone.now()),
    }


class SessionForceLogout(TypedDict):
    type: Literal["session.force_logout"]
    op: Literal["ended"]
    reason: Literal["signed_in_elsewhere", "signed_out", "account_deactivated", "session_expired", "account_suspended"]


@emits
def session_force_logout(*, reason: str) -> SessionForceLogout:
    """reason: signed_in_elsewhere, signed_out, account_deactivated, session_expired, account_suspended."""
    return {"type": "session.force_logout", "op": "ended", "reason": reason}


class MeHello(TypedDict):
    """The first frame on /ws/me/."""

    type: Literal["hello"]
    user_id: int
    unread_count: int


def me_hello(*, user_id: int, unread_count: int) -> MeHello:
    return {"type": "hello", "user_id": user_id, "unread_count": unread_count}
