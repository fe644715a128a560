"""The audit verbs the ad marketplace writes (audit.verbs): every review decision and money movement."""

from django.db.models import TextChoices

from audit.verbs import register_verbs


@register_verbs
class AdAuditVerb(TextChoices):
    APPROVED = "ads.approved", "Ad approved"
    REJECTED = "ads.rejected", "Ad rejected"
    PAUSED = "ads.paused", "Ad paused"
    RESUMED = "ads.resumed", "Ad resumed"
    ORDER_PAID = "ads.order_paid", "Ad order paid"
    ORDER_REFUNDED = "ads.order_refunded", "Ad order refunded or disputed"
    SPONSORED_EVENT_CREATED = "ads.sponsored_event_created", "Sponsored event made from an ad"
