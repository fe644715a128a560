"""The ad marketplace: advertisers, ads, packages, orders, views (the impression rows).

Delivery never scans views: "has this user seen these ads" is a probe of the unique (user, ad)
index, and an ad's remaining budget is the denormalized `impressions_bought - impressions` on the
ad itself, which a CHECK constraint keeps from going below zero (never over-delivered).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class AdPackage(models.Model):
    """What an advertiser buys: a price for about so many verified views. Edited by staff in the admin."""

    name = models.CharField(max_length=40, unique=True)
    price_minor = models.PositiveIntegerField(help_text="In the currency's minor unit (cents).")
    currency = models.CharField(max_length=3, default="usd")
    impressions = models.PositiveIntegerField(help_text="Verified views (watched to 80 %) the package buys.")
    is_active = models.BooleanField(default=True, help_text="Offered to advertisers.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "price_minor"]
        constraints = [
            models.CheckConstraint(condition=Q(price_minor__gt=0), name="ad_package_price_positive"),
            models.CheckConstraint(condition=Q(impressions__gt=0), name="ad_package_impressions_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.price_minor / 100:.2f} {self.currency.upper()}, {self.impressions} views)"


class Advertiser(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advertiser")
    company_name = models.CharField(max_length=80)
    website = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.company_name


class AdStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    PENDING = "pending", "Paid, waiting for review"
    ACTIVE = "active", "Running"
    PAUSED = "paused", "Paused"
    REJECTED = "rejected", "Rejected"
    DONE = "done", "Package used up"


class Ad(models.Model):
    advertiser = models.ForeignKey(Advertiser, on_delete=models.CASCADE, related_name="ads")
    title = models.CharField(max_length=80)
    video = models.FileField(upload_to="ads/videos/")
    poster = models.FileField(upload_to="ads/posters/")
    duration_ms = models.PositiveIntegerField()
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    size_bytes = models.PositiveBigIntegerField()
    offers_xp = models.BooleanField(default=True, help_text="Viewers who watch 80 % earn the ad XP (once per ad).")
    reward_title = models.CharField(max_length=40, blank=True, help_text="A profile title viewers unlock.")
    reward_decoration = models.ForeignKey("gamification.Decoration", on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="+", help_text="The title, made when the ad is approved.")
    status = models.CharField(max_length=16, choices=AdStatus.choices, default=AdStatus.AWAITING_PAYMENT)
    impressions_bought = models.PositiveIntegerField(default=0)
    impressions = models.PositiveIntegerField(default=0, help_text="Verified views counted against the packages.")
    views = models.PositiveIntegerField(default=0, help_text="Times the ad was served (a view token issued).")
    paid_minor = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="usd")
    rejection_reason = models.CharField(max_length=300, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(impressions__lte=F("impressions_bought")), name="ad_never_over_delivered"),
            models.CheckConstraint(condition=~Q(status="active") | Q(impressions__lt=F("impressions_bought")),
                                   name="ad_active_has_budget"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="ad_status_created")]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining(self) -> int:
        return self.impressions_bought - self.impressions


class AdReview(Ad):
    """The admin's review queue (paid ads waiting for a decision): a view of Ad, no table of its own."""

    class Meta:
        proxy = True
        verbose_name = "ad waiting for review"
        verbose_name_plural = "ad review queue"


class AdOrderStatus(models.TextChoices):
    OPEN = "open", "Waiting for payment"
    PAID = "paid", "Paid"
    REFUNDED = "refunded", "Refunded"  # in full; a partial refund leaves it paid, with refunded_minor


class AdOrder(models.Model):
    """One package bought for one ad, paid through Stripe Checkout (metadata kind "ad_order")."""

    ad = models.ForeignKey(Ad, on_delete=models.CASCADE, related_name="orders")
    package = models.ForeignKey(AdPackage, on_delete=models.PROTECT, related_name="+")
    amount_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    impressions = models.PositiveIntegerField(help_text="The package's views when ordered.")
    status = models.CharField(max_length=10, choices=AdOrderStatus.choices, default=AdOrderStatus.OPEN)
    refunded_minor = models.PositiveIntegerField(default=0, help_text="Refunded or disputed so far.")
    checkout_id = models.CharField(max_length=255, blank=True, help_text="The paid Checkout session.")
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["checkout_id"], condition=~Q(checkout_id=""), name="ad_order_checkout_once"),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} for ad {self.ad_id}"


class AdPlacement(models.TextChoices):
    PRE_ROOM = "pre_room", "Before joining a room"
    POST_ROOM = "post_room", "After leaving a room"
    EVENT = "event", "In a sponsored event"


class AdView(models.Model):
    """An ad served to a user (one per user and ad), with the view token the player reports with."""

    # The impressions table is the largest there is and every ad served inserts a row: it keeps only the
    # indexes its reads use. The foreign keys are covered by the composite indexes they lead (no index of
    # their own), and the token is unique by constraint (no varchar_pattern_ops twin for LIKE).
    ad = models.ForeignKey(Ad, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    token = models.CharField(max_length=43)
    placement = models.CharField(max_length=10, choices=AdPlacement.choices)
    issued_at = models.DateTimeField()
    watched_pct = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token"], name="ad_view_token_unique"),
            models.UniqueConstraint(fields=["user", "ad"], name="ad_view_once_per_user"),
            models.CheckConstraint(condition=Q(watched_pct__lte=100), name="ad_view_pct_range"),
        ]
        indexes = [
            models.Index(fields=["user", "placement", "issued_at"], name="ad_view_user_placement"),
            models.Index(fields=["ad", "issued_at"], name="ad_view_ad_issued"),
        ]

    def __str__(self) -> str:
        return f"ad {self.ad_id} for user {self.user_id}"
