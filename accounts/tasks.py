from celery import shared_task
from django.conf import settings

from .services.delivery import email_digests_send, notification_deliver
from .services.presence import presence_sweep as presence_sweep_service
from .services.users import user_purge, users_purge_deactivated


@shared_task
def purge_user(user_id: int) -> bool:
    return user_purge(user_id=user_id)


@shared_task
def purge_deactivated_accounts() -> int:
    return users_purge_deactivated()


@shared_task
def presence_sweep() -> int:
    return presence_sweep_service()


@shared_task(bind=True, max_retries=None)  # the limit is WEB_PUSH_MAX_RETRIES, read when it runs
def deliver_notification(self, notification_id: int, email: bool = True, subscription_ids: list[int] | None = None) -> None:
    """E-mail and Web Push for one notification; what failed for now (5xx, timeout) is tried again
    alone, after 30 s, 60 s, 120 s..."""
    pending = notification_deliver(notification_id=notification_id, email=email, subscription_ids=subscription_ids)
    if pending and self.request.retries < settings.WEB_PUSH_MAX_RETRIES:
        raise self.retry(
            kwargs={"notification_id": notification_id, "email": pending.email, "subscription_ids": pending.subscription_ids},
            countdown=30 * 2 ** self.request.retries,
        )


@shared_task
def send_email_digests() -> int:
    """Beat (hourly; each user gets at most one a day, claimed per day): the daily notification digests."""
    return email_digests_send()
