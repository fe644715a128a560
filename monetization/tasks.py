import stripe
from celery import shared_task

from monetization.purchases import UnknownPurchaseKind
from monetization.services.payouts import payout_send
from monetization.services.webhooks import webhook_event_process

# Worth another try later: Stripe unreachable or throttling, or a purchase kind whose app is not deployed yet.
TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, UnknownPurchaseKind)


@shared_task(bind=True, max_retries=8, default_retry_delay=30)
def process_webhook_event(self, event_id: int) -> bool:
    """The one task every Stripe event runs through (idempotent: the event row is locked and marked done)."""
    try:
        return webhook_event_process(event_id=event_id)
    except TRANSIENT as error:
        raise self.retry(exc=error) from error


@shared_task(bind=True, max_retries=8, default_retry_delay=60)
def send_payout(self, payout_id: int) -> str:
    try:
        return payout_send(payout_id=payout_id)
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise self.retry(exc=error) from error
