"""The notifications vods sends (accounts.notification_registry)."""

from django.db.models import TextChoices
from django.urls import reverse

from accounts.notification_registry import register_kinds


class NotificationKind(TextChoices):
    VOD_READY = "vod_ready", "Your stream's VOD is ready"
    VOD_FAILED = "vod_failed", "Your stream's VOD could not be processed"


def _url(kind: str, data: dict) -> str | None:
    return reverse("vod", kwargs={"vod_id": data["vod"]}) if "vod" in data else None


register_kinds(NotificationKind, url=_url, texts={
    NotificationKind.VOD_READY: "Your VOD is ready: {title}",
    NotificationKind.VOD_FAILED: "Your VOD could not be processed: {title} ({reason})",
})
