"""The notifications clips send (accounts.notification_registry); imported by VodsConfig.ready."""

from django.db.models import TextChoices
from django.urls import reverse

from accounts.notification_registry import register_kinds


class NotificationKind(TextChoices):
    CLIP_CREATED = "clip_created", "Someone clipped your stream"


def _url(kind: str, data: dict) -> str | None:
    return reverse("clip", kwargs={"slug": data["clip"]}) if "clip" in data else None


register_kinds(NotificationKind, url=_url, texts={
    NotificationKind.CLIP_CREATED: "@{creator} clipped your stream: {title}",
})
