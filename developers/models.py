from django.conf import settings
from django.db import models


class Webhook(models.Model):
    """An HTTPS endpoint told about `owner`'s channel events; signed with `secret` (Standard Webhooks)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="developers.webhook_events.WebhookEvent values")
    secret = models.CharField(max_length=100, help_text="whsec_<base64>: the key deliveries are signed with")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # waiting for its first or next attempt
    SUCCEEDED = "succeeded"  # a 2xx answer
    FAILED = "failed"  # every attempt of the day failed
    REFUSED = "refused"  # the URL leads to a private, loopback, link-local or metadata address


class WebhookDelivery(models.Model):
    """One event for one webhook; attempted until it succeeds or a day has passed, re-sendable."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40, unique=True, help_text="webhook-id: the same on every retry")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["webhook", "-id"])]

    def __str__(self) -> str:
        return f"{self.event} {self.message_id}"
