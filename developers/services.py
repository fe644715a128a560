"""Outgoing webhooks: register, emit an event to the webhooks that want it, attempt a delivery, re-send."""

import base64
import secrets
from datetime import timedelta

import requests
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.errors import ApplicationError, NotFoundError

from .delivery import post_signed
from .errors import WebhookError
from .models import DeliveryStatus, Webhook, WebhookDelivery
from .url_safety import UnsafeUrl, target_resolve
from .webhook_events import WebhookEvent

MAX_WEBHOOKS = 10
# Seconds to wait before each retry (Standard Webhooks' suggested schedule): the last is about a day after the first.
RETRY_DELAYS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)


def webhook_create(*, owner: User, url: str, events: list[str]) -> Webhook:
    if not events or not set(events) <= set(WebhookEvent):
        raise ApplicationError(WebhookError.EVENTS_INVALID, "Pick events among: " + ", ".join(WebhookEvent) + ".")
    try:
        target_resolve(url)
    except UnsafeUrl as err:
        raise ApplicationError(WebhookError.URL_INVALID, str(err), {"reason": str(err)}) from err
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()
        if owner.webhooks.count() >= MAX_WEBHOOKS:
            raise ApplicationError(WebhookError.TOO_MANY_WEBHOOKS, f"You can have at most {MAX_WEBHOOKS} webhooks.")
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        return Webhook.objects.create(owner=owner, url=url, events=sorted(set(events)), secret=secret)


def webhook_delete(*, owner: User, webhook_id: int) -> None:
    if not Webhook.objects.filter(pk=webhook_id, owner=owner).delete()[0]:
        raise NotFoundError(WebhookError.WEBHOOK_NOT_FOUND, "No such webhook.")


def webhook_event_emit(*, owner_id: int, event: WebhookEvent, data: dict) -> list[WebhookDelivery]:
    """One delivery per active webhook of `owner_id` that wants `event`, each sent after commit."""
    from .tasks import deliver_webhook

    now = timezone.now()
    payload = {"type": event.value, "timestamp": now.isoformat(), "data": data}
    deliveries = [
        WebhookDelivery.objects.create(webhook=webhook, message_id="msg_" + secrets.token_urlsafe(18),
                                       event=event.value, payload=payload, next_attempt_at=now)
        for webhook in Webhook.objects.filter(owner_id=owner_id, is_active=True) if event.value in webhook.events
    ]
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: deliver_webhook.delay(pk))
    return deliveries


def webhook_delivery_attempt(*, delivery_id: int) -> int | None:
    """Attempt a pending delivery once; the seconds until the next attempt, or None when it is settled."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id, status=DeliveryStatus.PENDING).first()
    if delivery is None:
        return None  # settled meanwhile (a task run twice)
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code, delivery.last_error = None, ""
    try:
        delivery.response_code = post_signed(delivery.webhook.url, secret=delivery.webhook.secret,
                                             message_id=delivery.message_id, sent_at=now, payload=delivery.payload)
    except UnsafeUrl as err:
        delivery.status, delivery.last_error, delivery.next_attempt_at = DeliveryStatus.REFUSED, str(err)[:200], None
    except requests.RequestException as err:
        delivery.last_error = f"{type(err).__name__}: {err}"[:200]
    if delivery.response_code is not None and 200 <= delivery.response_code < 300:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, None
    elif delivery.status == DeliveryStatus.PENDING:
        if delivery.attempts > len(RETRY_DELAYS):
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = now + timedelta(seconds=RETRY_DELAYS[delivery.attempts - 1])
    delivery.save()
    if delivery.next_attempt_at is None:
        return None
    return RETRY_DELAYS[delivery.attempts - 1]


def webhook_delivery_resend(*, owner: User, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again (same webhook-id, so the receiver can tell), with a fresh day of retries."""
    from .tasks import deliver_webhook

    delivery = WebhookDelivery.objects.filter(pk=delivery_id, webhook_id=webhook_id, webhook__owner=owner).first()
    if delivery is None:
        raise NotFoundError(WebhookError.DELIVERY_NOT_FOUND, "No such delivery.")
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(lambda: deliver_webhook.delay(delivery.pk))
    return delivery
