"""Web Push (RFC 8030 + 8291 + 8292): browsers' subscriptions and sending one message to one of them."""

import ipaddress
import json
import logging
from enum import Enum
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db.models import F
from django.templatetags.static import static
from django.utils import timezone
from pywebpush import WebPushException, webpush

from config.errors import ApplicationError, NotFoundError

from ..errors import DeliveryError
from ..models import PushSubscription, User
from ..selectors import push_subscriptions

log = logging.getLogger(__name__)


class PushOutcome(Enum):
    SENT = "sent"
    GONE = "gone"  # the push service says the subscription is dead: deleted
    RETRY = "retry"  # 429, 5xx, timeout or no connection: try again later
    FAILED = "failed"  # refused for good (e.g. 400, 403: a VAPID key mismatch); kept, counted


def push_subscription_save(*, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = "") -> PushSubscription:
    """Store this browser's subscription for `user`. An endpoint is one browser profile: if another
    account subscribed it before, it now belongs to whoever subscribed it last."""
    if not settings.WEB_PUSH_ALLOW_HTTP and not _public_https(endpoint):
        raise ApplicationError(DeliveryError.PUSH_SUBSCRIPTION_INVALID, "A push endpoint is an https:// URL of a push service.")
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300], "failure_count": 0},
    )
    return subscription


def _public_https(url: str) -> bool:
    """https:// and a host name: not an address or localhost (our server POSTs to it)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        return parts.scheme == "https" and "." in host and host != "localhost" and not host.endswith(".localhost")


def push_subscription_delete(*, user: User, endpoint: str) -> None:
    deleted, _ = push_subscriptions(user=user).filter(endpoint=endpoint).delete()
    if not deleted:
        raise NotFoundError(DeliveryError.PUSH_SUBSCRIPTION_NOT_FOUND, "This browser has no push subscription here.")


def push_send(*, subscription: PushSubscription, payload: dict) -> PushOutcome:
    """POST one encrypted message (aes128gcm) to the subscription's push service, signed with VAPID."""
    try:
        webpush(
            subscription_info=subscription.as_subscription_info(),
            data=json.dumps(payload),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},  # pywebpush adds aud (the endpoint's origin) and exp
            ttl=settings.WEB_PUSH_TTL,
            timeout=settings.WEB_PUSH_TIMEOUT,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        outcome = (PushOutcome.GONE if status in (404, 410)
                   else PushOutcome.RETRY if status is None or status == 429 or status >= 500
                   else PushOutcome.FAILED)
        log.info("web push to subscription %s: %s (%s)", subscription.pk, outcome.value, status)
    except requests.RequestException as exc:  # timeout, refused, DNS, TLS
        outcome = PushOutcome.RETRY
        log.info("web push to subscription %s: %s (%s)", subscription.pk, outcome.value, type(exc).__name__)
    else:
        outcome = PushOutcome.SENT
    _record(subscription, outcome)
    return outcome


def _record(subscription: PushSubscription, outcome: PushOutcome) -> None:
    rows = PushSubscription.objects.filter(pk=subscription.pk)
    if outcome is PushOutcome.GONE:
        rows.delete()
    elif outcome is PushOutcome.SENT:
        rows.update(last_success_at=timezone.now(), failure_count=0)
    else:
        rows.update(failure_count=F("failure_count") + 1)


def push_test(*, user: User) -> int:
    """Send a test message to each of the user's browsers now; how many push services accepted it."""
    subscriptions = list(push_subscriptions(user=user))
    if not subscriptions:
        raise NotFoundError(DeliveryError.NO_PUSH_SUBSCRIPTIONS, "Turn on notifications on this device first.")
    payload = {
        "title": "WatchTogether", "body": "Notifications work on this device.",
        "url": settings.SITE_URL + "/settings/#notifications", "icon": notification_icon_url(), "tag": "test",
    }
    return sum(push_send(subscription=s, payload=payload) is PushOutcome.SENT for s in subscriptions)


def notification_icon_url() -> str:
    return settings.SITE_URL + static("img/logo.svg")
