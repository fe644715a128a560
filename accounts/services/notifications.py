from django.db import transaction
from django.utils import timezone

from config.errors import NotFoundError
from config.realtime import publish_on_commit, user_group

from .. import events
from ..errors import NotificationError
from ..models import Notification, User
from ..notification_registry import Channel, kind_info
from ..selectors import notification_channels, notifications_unread_count


def notification_create(*, recipient: User, kind: str, actor: User | None = None, data: dict | None = None) -> Notification:
    """kind: a member of some app's registered NotificationKind (accounts.notification_registry).

    Stores it and announces it on the recipient's sockets; if the kind offers e-mail or Web Push,
    queues their delivery after commit (accounts.services.delivery). A recipient who turned the in-app
    channel off for this kind gets it stored as read, unannounced (e-mail and push deliver from it)."""
    notification = Notification(recipient=recipient, kind=kind, actor=actor, data=data or {})
    notification.clean()  # a registered kind (no query)
    in_app = Channel.IN_APP in notification_channels(user=recipient, kind=kind)
    if not in_app:
        notification.read_at = timezone.now()
    notification.save()
    if in_app:
        publish_on_commit(
            user_group(recipient.pk),
            events.notification_created(notification, unread_count=notifications_unread_count(user_id=recipient.pk)),
        )
    info = kind_info(kind)
    if info.email or info.push:
        from ..tasks import deliver_notification

        transaction.on_commit(lambda: deliver_notification.delay(notification.pk))
    return notification


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id, recipient=user).first()
        if notification is None:
            raise NotFoundError(NotificationError.NOT_FOUND, "No such notification.")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            publish_on_commit(
                user_group(user.pk),
                events.notifications_read(ids=[notification.pk], unread_count=notifications_unread_count(user_id=user.pk)),
            )
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    with transaction.atomic():
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
        if count:
            publish_on_commit(user_group(user.pk), events.notifications_read(ids=None, unread_count=0))
    return count


def notifications_withdraw(*, kind: str, data_filter: dict, recipient: User | None = None) -> None:
    """Remove notifications that no longer stand (e.g. a cancelled friend request, an answered guild
    request). `recipient`: only theirs; None: whoever received one."""
    lookups = {f"data__{key}": value for key, value in data_filter.items()}
    rows = Notification.objects.filter(kind=kind, **lookups)
    if recipient is not None:
        rows = rows.filter(recipient=recipient)
    for notification_id, recipient_id in rows.values_list("pk", "recipient_id"):
        Notification.objects.filter(pk=notification_id).delete()
        publish_on_commit(
            user_group(recipient_id),
            events.notification_deleted(notification_id=notification_id, unread_count=notifications_unread_count(user_id=recipient_id)),
        )
