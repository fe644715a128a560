"""The audit verbs the payments side of monetization writes (audit.verbs): every money movement."""

from django.db.models import TextChoices

from audit.verbs import register_verbs


@register_verbs
class PaymentAuditVerb(TextChoices):
    PURCHASE_PAID = "payment.purchase_paid", "Purchase paid"
    PURCHASE_REVERSED = "payment.purchase_reversed", "Purchase refunded or disputed"
    PREMIUM_EXTENDED = "payment.premium_extended", "Premium extended by a payment"
    PREMIUM_REVOKED = "payment.premium_revoked", "Premium taken back (refund or dispute)"
    SUBSCRIPTION_STARTED = "payment.subscription_started", "Channel subscription paid"
    SUBSCRIPTION_REVOKED = "payment.subscription_revoked", "Channel subscription revoked"
    DONATION_RECEIVED = "payment.donation_received", "Donation received"
    DONATION_REVERSED = "payment.donation_reversed", "Donation reversed"
    PAYOUT_REQUESTED = "payment.payout_requested", "Payout requested"
    PAYOUT_FAILED = "payment.payout_failed", "Payout failed"
