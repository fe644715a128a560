"""Payments plumbing, premium, channel subscriptions, donations and payouts.

Money is always an integer amount in the currency's minor unit (`*_minor`) plus a lower-case ISO currency.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class WebhookEvent(models.Model):
    """A Stripe event we accepted (signature verified); unique on Stripe's id, so a redelivery is a no-op."""

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"


class PurchaseStatus(models.TextChoices):
    PAID = "paid", "Paid"
    PARTLY_REFUNDED = "partly_refunded", "Partly refunded"
    REFUNDED = "refunded", "Refunded"
    DISPUTED = "disputed", "Disputed"


class Purchase(models.Model):
    """One paid Checkout session (or one paid renewal invoice): fulfilled exactly once, by its kind."""

    stripe_id = models.CharField(max_length=255, unique=True, help_text="Checkout session id, or the renewal invoice id")
    kind = models.CharField(max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="purchases")
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    metadata = models.JSONField(default=dict)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    subscription_id = models.CharField(max_length=255, blank=True, db_index=True)
    customer_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=PurchaseStatus.choices, default=PurchaseStatus.PAID)
    reversed_minor = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(reversed_minor__lte=models.F("amount_minor")),
                                              name="purchase_reversed_within_amount")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_minor} {self.currency} ({self.stripe_id})"


class ReversalKind(models.TextChoices):
    REFUND = "refund", "Refund"
    DISPUTE = "dispute", "Dispute"


class PurchaseReversal(models.Model):
    """A refund or a dispute of a purchase: unique on the Stripe refund / dispute id, reversed exactly once."""

    stripe_id = models.CharField(max_length=255, unique=True)
    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="reversals")
    kind = models.CharField(max_length=10, choices=ReversalKind.choices)
    amount_minor = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_minor} ({self.stripe_id})"


class PremiumPeriod(models.Model):
    """Days of premium one purchase added to the user's premium_until (taken back if it is reversed)."""

    purchase = models.OneToOneField(Purchase, on_delete=models.CASCADE, related_name="premium_period")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="premium_periods")
    days = models.PositiveIntegerField()
    premium_until_before = models.DateTimeField(null=True, blank=True)
    premium_until_after = models.DateTimeField()
    is_reversed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.days} days for user {self.user_id}"


class SubscriptionTier(models.Model):
    """A creator's channel subscription tier."""

    channel = models.ForeignKey("streams.Channel", on_delete=models.CASCADE, related_name="subscription_tiers")
    name = models.CharField(max_length=60)
    price_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    perks = models.TextField(blank=True, max_length=1000)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["channel", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["channel", "name"], name="tier_unique_name_per_channel"),
                       models.CheckConstraint(condition=Q(price_minor__gte=100), name="tier_price_at_least_one_unit")]

    def __str__(self) -> str:
        return f"{self.channel} · {self.name}"


class ChannelSubscription(models.Model):
    """A viewer's subscription to a channel (paid by them, or gifted). Active while active_until is ahead."""

    channel = models.ForeignKey("streams.Channel", on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_subscriptions")
    tier = models.ForeignKey(SubscriptionTier, on_delete=models.PROTECT, related_name="subscriptions")
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    gifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="gifted_subscriptions")
    active_until = models.DateTimeField()
    is_founder = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "user"], name="one_subscription_per_channel_user")]

    def __str__(self) -> str:
        return f"user {self.user_id} → channel {self.channel_id}"


class Donation(models.Model):
    channel = models.ForeignKey("streams.Channel", on_delete=models.CASCADE, related_name="donations")
    stream = models.ForeignKey("streams.Stream", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="donations")
    donor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="donations")
    purchase = models.OneToOneField(Purchase, on_delete=models.CASCADE, related_name="donation")
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    message = models.CharField(max_length=300, blank=True)
    is_reversed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} → channel {self.channel_id}"


class LedgerSource(models.TextChoices):
    SUBSCRIPTION = "subscription", "Subscription"
    DONATION = "donation", "Donation"
    REVERSAL = "reversal", "Refund or dispute"
    PAYOUT = "payout", "Payout"
    PAYOUT_FAILED = "payout_failed", "Payout failed (returned)"


class LedgerEntry(models.Model):
    """A creator's earnings (net of the platform fee) and payouts; the balance is their sum.

    Unique on (source, reference): the same money never moves twice.
    """

    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger_entries")
    source = models.CharField(max_length=20, choices=LedgerSource.choices)
    reference = models.CharField(max_length=255)
    amount_minor = models.BigIntegerField(help_text="Positive: earned; negative: paid out or reversed")
    fee_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "reference"], name="ledger_entry_once")]
        indexes = [models.Index(fields=["creator", "created_at"])]

    def __str__(self) -> str:
        return f"{self.source} {self.amount_minor} {self.currency}"


class ConnectAccount(models.Model):
    """A creator's Stripe Connect Express account (payouts); its row is the lock for payout requests."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connect_account")
    stripe_account_id = models.CharField(max_length=255, unique=True)
    payouts_enabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.stripe_account_id


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"


class Payout(models.Model):
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payouts")
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PENDING)
    stripe_transfer_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payout_positive")]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} ({self.status})"
