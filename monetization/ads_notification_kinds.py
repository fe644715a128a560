"""The notifications the ad marketplace sends its advertisers (accounts.notification_registry)."""

from django.db.models import TextChoices
from django.urls import reverse

from accounts.notification_registry import register_kinds


class AdNotificationKind(TextChoices):
    AD_APPROVED = "ad_approved", "Your ad was approved"
    AD_REJECTED = "ad_rejected", "Your ad was rejected"
    AD_COMPLETED = "ad_completed", "Your ad's package was used up"


def _url(kind: str, data: dict) -> str | None:
    return reverse("ads-advertiser-ad", kwargs={"ad_id": data["ad_id"]}) if "ad_id" in data else None


register_kinds(AdNotificationKind, url=_url, email=True, texts={
    AdNotificationKind.AD_APPROVED: "Your ad “{title}” was approved and is running",
    AdNotificationKind.AD_REJECTED: "Your ad “{title}” was rejected: {reason}",
    AdNotificationKind.AD_COMPLETED: "Your ad “{title}” reached its {impressions} views",
})
