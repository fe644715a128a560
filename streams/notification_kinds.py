"""The notifications streams send (accounts.notification_registry)."""

from django.db.models import TextChoices
from django.urls import reverse

from accounts.notification_registry import register_kinds


class NotificationKind(TextChoices):
    CHANNEL_LIVE = "channel_live", "A channel you follow went live"


def _url(kind: str, data: dict) -> str | None:
    return reverse("channel", kwargs={"slug": data["channel"]}) if "channel" in data else None


register_kinds(NotificationKind, url=_url, texts={
    NotificationKind.CHANNEL_LIVE: "{channel_name} is live: {title}",
})
