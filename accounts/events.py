"""Shapes of the real-time events the accounts app publishes (docs/realtime.md)."""

from django.utils import timezone


def _summary(user) -> dict:
    from accounts.api.serializers import UserSummarySerializer

    return UserSummarySerializer(user).data


def notification_created(notification, *, unread_count: int) -> dict:
    from accounts.api.serializers import NotificationSerializer

    return {
        "type": "notifications.notification",
        "op": "created",
        "notification": NotificationSerializer(notification).data,
        "unread_count": unread_count,
    }


def notifications_read(*, ids: list[int] | None, unread_count: int) -> dict:
    """ids=None means every notification was marked read."""
    return {"type": "notifications.notification", "op": "read", "ids": ids, "unread_count": unread_count}


def notification_deleted(*, notification_id: int, unread_count: int) -> dict:
    return {"type": "notifications.notification", "op": "deleted", "id": notification_id, "unread_count": unread_count}


def friend_request_changed(friend_request, *, op: str) -> dict:
    """op: created, accepted, rejected, cancelled."""
    return {
        "type": "social.friend_request",
        "op": op,
        "id": friend_request.pk,
        "from_user": _summary(friend_request.from_user),
        "to_user": _summary(friend_request.to_user),
    }


def friendship_changed(*, other, op: str) -> dict:
    """Sent to one side of a friendship; `user` is the other side. op: created, removed."""
    return {"type": "social.friendship", "op": op, "user": _summary(other)}


def follow_changed(*, follower, op: str) -> dict:
    """Sent to the followee. op: created, removed."""
    return {"type": "social.follow", "op": op, "follower": _summary(follower)}


def presence_changed(user, *, is_online: bool) -> dict:
    return {
        "type": "presence.user",
        "op": "online" if is_online else "offline",
        "user_id": user.pk,
        "handle": user.handle,
        "last_seen_at": None if is_online else (user.last_seen_at or timezone.now()),
    }


def session_force_logout(*, reason: str) -> dict:
    """reason: signed_in_elsewhere, signed_out, account_deactivated, session_expired."""
    return {"type": "session.force_logout", "op": "ended", "reason": reason}
