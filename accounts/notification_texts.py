"""How a stored notification reads and where it leads: the same words in the bell, the list, e-mails and
Web Push (from its kind's registration, accounts.notification_registry)."""

from django.urls import reverse

from .notification_registry import kind_info


def notification_text(notification) -> str:
    info = kind_info(notification.kind)
    if info is None:  # a kind no app registers any more
        return notification.kind
    actor = notification.actor.handle if notification.actor else "someone"
    try:
        return info.text.format(actor=actor, **notification.data)
    except (KeyError, IndexError):  # data from an older shape: fall back to the label
        return info.label


def notification_title(notification) -> str:
    info = kind_info(notification.kind)
    return info.label if info else notification.kind


def notification_url(notification) -> str:
    """A path on this site."""
    info = kind_info(notification.kind)
    url = info.url(notification.kind, notification.data) if info and info.url else None
    if url:
        return url
    if notification.actor:
        return reverse("profile", kwargs={"handle": notification.actor.handle})
    return reverse("notifications")
