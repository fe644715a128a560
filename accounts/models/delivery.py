"""Delivery beyond the in-app list: each browser's Web Push subscription and each user's channels per kind."""

from django.conf import settings
from django.db import models


class PushSubscription(models.Model):
    """One browser's PushSubscription (the Push API's): where to POST and the keys to encrypt for it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True, help_text="The push service's URL for this browser.")
    p256dh = models.CharField(max_length=100, help_text="The browser's P-256 public key (base64url).")
    auth = models.CharField(max_length=50, help_text="The browser's authentication secret (base64url).")
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failure_count = models.PositiveIntegerField(default=0, help_text="Failed sends in a row (reset by a success).")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"push subscription {self.pk} of {self.user_id}"

    def as_subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class NotificationPreference(models.Model):
    """The channels (notification_registry.Channel values) a user wants one kind on. No row: all the
    channels the kind offers. Channels the kind does not offer are ignored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=40)
    channels = models.JSONField(default=list, help_text='e.g. ["in_app", "push"]')
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.channels}"


class QuietHours(models.Model):
    """No e-mail or Web Push between `starts` and `ends` (the user's time zone; past midnight when
    `ends` < `starts`); notifications still arrive in the bell. No row: no quiet hours."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours")
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~models.Q(starts=models.F("ends")), name="quiet_hours_not_empty")]

    def __str__(self) -> str:
        return f"{self.user_id}: quiet {self.starts:%H:%M}–{self.ends:%H:%M}"


class EmailDigest(models.Model):
    """The user takes one e-mail a day listing the notifications that would have been e-mailed, instead of one
    e-mail each. No row: one e-mail each. `last_sent_on` makes the daily run idempotent (claimed per day)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_digest")
    last_sent_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: daily digest"
