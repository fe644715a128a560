"""The notifications rooms send (accounts.notification_registry)."""

from django.db.models import TextChoices
from django.urls import reverse

from accounts.notification_registry import register_kinds


class NotificationKind(TextChoices):
    ROOM_INVITE = "room_invite", "Room invite"
    PARTNER_FOUND = "partner_found", "Language partner found"
    SCHEDULED_ROOM_OPEN = "scheduled_room_open", "A room you asked to be reminded of opened"


def _url(kind: str, data: dict) -> str | None:
    if kind == NotificationKind.ROOM_INVITE and "invite" in data:
        return reverse("room-invite", kwargs={"code": data["invite"]})
    if kind in (NotificationKind.PARTNER_FOUND, NotificationKind.SCHEDULED_ROOM_OPEN) and "room" in data:
        return reverse("room", kwargs={"code": data["room"]})
    return None


register_kinds(NotificationKind, url=_url, push={NotificationKind.SCHEDULED_ROOM_OPEN}, texts={
    NotificationKind.ROOM_INVITE: "@{actor} invited you to {room_name}",
    NotificationKind.PARTNER_FOUND: "You're matched with @{actor} — join the voice room",
    NotificationKind.SCHEDULED_ROOM_OPEN: "{room_name} by @{actor} is open now",
})
