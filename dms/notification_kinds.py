"""The notifications direct messages send (accounts.notification_registry)."""

from django.db.models import TextChoices
from django.urls import reverse

from accounts.notification_registry import register_kinds


class NotificationKind(TextChoices):
    MISSED_CALL = "missed_call", "Missed call"


def _url(kind: str, data: dict) -> str | None:
    if "conversation" in data:
        return reverse("dm-conversation", kwargs={"pk": data["conversation"]})
    return None


register_kinds(NotificationKind, url=_url, push=True, texts={NotificationKind.MISSED_CALL: "Missed call from @{actor}"})
