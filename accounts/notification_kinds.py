"""The notifications accounts send (accounts.notification_registry)."""

from django.db.models import TextChoices
from django.urls import reverse

from .notification_registry import register_kinds


class NotificationKind(TextChoices):
    FRIEND_REQUEST = "friend_request", "Friend request"
    FRIEND_ACCEPTED = "friend_accepted", "Friend request accepted"
    NEW_FOLLOWER = "new_follower", "New follower"


def _url(kind: str, data: dict) -> str | None:
    return reverse("friends") if kind == NotificationKind.FRIEND_REQUEST else None


# Friend requests also go out by e-mail; all three by Web Push to the browsers that allowed it.
register_kinds(NotificationKind, url=_url, email={NotificationKind.FRIEND_REQUEST}, push=True, texts={
    NotificationKind.FRIEND_REQUEST: "@{actor} sent you a friend request",
    NotificationKind.FRIEND_ACCEPTED: "@{actor} accepted your friend request",
    NotificationKind.NEW_FOLLOWER: "@{actor} started following you",
})
