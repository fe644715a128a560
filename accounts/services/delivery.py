"""Delivering a stored notification beyond the in-app list: e-mail and Web Push, per the kind's
registration and the recipient's preferences (docs/notifications.md). Run by the
accounts.tasks.deliver_notification task that notification_create queues."""

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.errors import ApplicationError

from ..errors import DeliveryError
from ..models import EmailDigest, Notification, NotificationPreference, QuietHours, User
from ..notification_registry import Channel, kind_info
from ..notification_texts import notification_text, notification_title, notification_url
from ..selectors import is_blocked_between, is_quiet_now, notification_channels, push_subscriptions
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
    if (Channel.EMAIL in channels or Channel.PUSH in channels) and is_quiet_now(user=recipient):
        return pending  # quiet hours: the bell only
    if email and Channel.EMAIL in channels and not EmailDigest.objects.filter(user=recipient).exists():
        pending.email = not _send_email(notification)  # (with the daily digest on, it waits for the digest)
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


def quiet_hours_set(*, user: User, starts, ends) -> QuietHours:
    """No e-mail or Web Push from `starts` to `ends` (the user's time zone; past midnight if ends < starts)."""
    if starts == ends:
        raise ApplicationError(DeliveryError.QUIET_HOURS_INVALID, "Quiet hours need a start and a different end.",
                               {"fields": {"ends": ["Differs from the start."]}})
    quiet, _ = QuietHours.objects.update_or_create(user=user, defaults={"starts": starts, "ends": ends})
    return quiet


def quiet_hours_clear(*, user: User) -> None:
    QuietHours.objects.filter(user=user).delete()


def email_digest_set(*, user: User, is_on: bool) -> bool:
    if is_on:
        EmailDigest.objects.get_or_create(user=user)
    else:
        EmailDigest.objects.filter(user=user).delete()
    return is_on


def email_digests_send(*, now=None) -> int:
    """The daily digest: for each user who chose it and has not had today's, claim today (a conditional
    update: a second run, or a second worker, sends nothing) and e-mail the last day's notifications that
    would have been e-mailed one by one. Returns how many e-mails went out."""
    now = now or timezone.now()
    today = now.date()
    sent = 0
    due = EmailDigest.objects.filter(Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=today)).select_related("user")
    for digest in due:
        claimed = EmailDigest.objects.filter(pk=digest.pk).filter(
            Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=today)).update(last_sent_on=today)
        if not claimed or not digest.user.is_active or digest.user.is_deactivated:
            continue
        notes = [note for note in Notification.objects.filter(recipient=digest.user, created_at__gte=now - timedelta(days=1))
                 .select_related("actor", "recipient").order_by("created_at")
                 if Channel.EMAIL in notification_channels(user=digest.user, kind=note.kind) and _deliverable(note)]
        if notes and _send_digest(digest.user, notes):
            sent += 1
    return sent


def _send_digest(user: User, notes: list[Notification]) -> bool:
    address = EmailAddress.objects.filter(user=user, primary=True, verified=True).values_list("email", flat=True).first()
    if address is None:
        return False
    lines = [{"text": notification_text(n), "url": settings.SITE_URL + notification_url(n)} for n in notes]
    context = {"recipient": user, "lines": lines, "site_url": settings.SITE_URL}
    subject = f"Your day on WatchTogether: {len(lines)} notification{'s' if len(lines) != 1 else ''}"
    message = EmailMultiAlternatives(subject=subject, body=render_to_string("accounts/email/digest.txt", context), to=[address])
    message.attach_alternative(render_to_string("accounts/email/digest.html", context), "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("digest for %s not sent (%s)", user.pk, exc)
        return False
    return True
