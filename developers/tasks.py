from celery import shared_task

from .services import webhook_delivery_attempt


@shared_task
def deliver_webhook(delivery_id: int) -> None:
    """Attempt once; schedule the next attempt on the backoff schedule while it is pending."""
    countdown = webhook_delivery_attempt(delivery_id=delivery_id)
    if countdown is not None:
        deliver_webhook.apply_async((delivery_id,), countdown=countdown)
