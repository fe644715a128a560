"""Delivering a stored notification beyond the in-app list: e-mail and Web Push, per the kind's
registration and the recipient's preferences (docs/notifications.md). Run by the
accounts.tasks.deliver_notification task that notification_create queues."""

import logging
import smtplib
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from config.errors import ApplicationError

from ..errors import DeliveryError
from ..models import Notification, NotificationPreference, User
from ..notification_registry import Channel, kind_info
from ..notification_texts import notification_text, notification_title, notification_url
from ..selectors import is_blocked_between, notification_channels, push_subscriptions
from .push import PushOutcome, notification_icon_url, push_send

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "accounts.notifications.unsubscribe"


@dataclass
class Pending:
    """What is left to try again: the e-mail, and the subscriptions whose push service failed for now."""

    email: bool = False
    subscription_ids: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.email or bool(self.subscription_ids)


def notification_deliver(*, notification_id: int, email: bool = True, subscription_ids: list[int] | None = None) -> Pending:
    """Send the notification by e-mail (if `email`) and to the recipient's browsers (all, or only
    `subscription_ids` on a retry), on the channels the kind offers and the recipient kept.
    Nothing goes to a deactivated recipient, nor between two people where one blocked the other."""
    notification = Notification.objects.select_related("recipient", "actor").filter(pk=notification_id).first()
    if notification is None or not _deliverable(notification):
        return Pending()
    recipient = notification.recipient
    channels = notification_channels(user=recipient, kind=notification.kind)
    pending = Pending()
    if email and Channel.EMAIL in channels:
        pending.email = not _send_email(notification)
    if Channel.PUSH in channels:
        subscriptions = push_subscriptions(user=recipient)
        if subscription_ids is not None:
            subscriptions = subscriptions.filter(pk__in=subscription_ids)
        payload = push_payload(notification)
        pending.subscription_ids = [
            s.pk for s in subscriptions if push_send(subscription=s, payload=payload) is PushOutcome.RETRY
        ]
    return pending


def _deliverable(notification: Notification) -> bool:
    recipient, actor = notification.recipient, notification.actor
    if not recipient.is_active or recipient.is_deactivated:
        return False
    return actor is None or not is_blocked_between(user=recipient, other=actor)


def push_payload(notification: Notification) -> dict:
    """What static/sw.js shows: title, body, the page a click opens, icon, and a tag (one per notification)."""
    return {
        "title": notification_title(notification),
        "body": notification_text(notification),
        "url": settings.SITE_URL + notification_url(notification),
        "icon": notification_icon_url(),
        "tag": f"notification-{notification.pk}",
    }


def _send_email(notification: Notification) -> bool:
    """True when sent, or when there is nowhere to send it (no verified primary address); False: try again."""
    recipient = notification.recipient
    address = EmailAddress.objects.filter(user=recipient, primary=True, verified=True).values_list("email", flat=True).first()
    if address is None:
        return True
    unsubscribe = settings.SITE_URL + reverse("notification-unsubscribe", args=[unsubscribe_token(user=recipient, kind=notification.kind)])
    context = {
        "notification": notification, "recipient": recipient, "text": notification_text(notification),
        "url": settings.SITE_URL + notification_url(notification), "unsubscribe_url": unsubscribe,
        "kind_label": notification_title(notification), "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=context["text"], body=render_to_string("accounts/email/notification.txt", context), to=[address],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(render_to_string("accounts/email/notification.html", context), "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("notification %s: e-mail not sent (%s)", notification.pk, exc)
        return False
    return True


# -- preferences ------------------------------------------------------------------------------
def notification_preference_set(*, user: User, kind: str, channels: list[str]) -> NotificationPreference:
    """Choose the channels `kind` reaches `user` on (among those it offers)."""
    info = kind_info(kind)
    if info is None:
        raise ApplicationError(DeliveryError.KIND_UNKNOWN, f"No notification kind {kind!r}.")
    unknown = set(channels) - set(Channel)
    if unknown:
        raise ApplicationError(DeliveryError.CHANNEL_INVALID, f"Unknown channels: {', '.join(sorted(unknown))}.")
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"channels": sorted(info.channels & set(channels))},
    )
    return preference


def unsubscribe_token(*, user: User, kind: str) -> str:
    """The signed part of an e-mail's unsubscribe link: who and which kind (no expiry; works signed out)."""
    return signing.dumps({"user": user.pk, "kind": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def notification_unsubscribe(*, token: str) -> tuple[User, str]:
    """Stop e-mails of one kind for the user the token names. Returns (user, kind label)."""
    try:
        claims = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=claims["user"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError) as exc:
        raise ApplicationError(DeliveryError.UNSUBSCRIBE_LINK_INVALID, "This unsubscribe link is not valid.") from exc
    kind = claims["kind"]
    channels = notification_channels(user=user, kind=kind) - {Channel.EMAIL}
    notification_preference_set(user=user, kind=kind, channels=list(channels))
    return user, kind_info(kind).label
