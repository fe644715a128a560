"""Building and delivering signed Stripe events in tests (the real `stripe` library signs them)."""

from django.db import connection
from django.test import Client, TestCase

from monetization import dev_events

from .stripe_fake import TEST_WEBHOOK_SECRET, FakeStripe


def deliver(event: dict, *, secret: str = TEST_WEBHOOK_SECRET, timestamp: int | None = None, client=None) -> int:
    """POST one signed event; what it enqueued runs after its commit (inside a test transaction too)."""
    body, signature = dev_events.event_signed(event, secret=secret, timestamp=timestamp)

    def post():
        return (client or Client()).post("/stripe/webhook/", body, content_type="application/json",
                                         HTTP_STRIPE_SIGNATURE=signature).status_code

    if not connection.in_atomic_block:  # a transactional test: real commits
        return post()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return post()


def paid_checkout(fake: FakeStripe, *, kind: str, user, amount_minor: int, metadata: dict | None = None,
                  monthly: bool = False) -> tuple[dict, dict]:
    """A paid Checkout session as Stripe holds it, and its checkout.session.completed event."""
    session = fake.put(dev_events.checkout_session_paid(
        metadata={**(metadata or {}), "kind": kind, "user_id": user.pk}, amount_minor=amount_minor, currency="usd",
        monthly=monthly))
    return session, dev_events.event_for("checkout.session.completed", session)


def refund_of(fake: FakeStripe, session: dict, amount_minor: int | None = None) -> dict:
    refund = fake.put(dev_events.refund_succeeded(payment_intent=session["payment_intent"], currency="usd",
                                                  amount_minor=amount_minor or session["amount_total"]))
    return dev_events.event_for("refund.created", refund)


def dispute_of(fake: FakeStripe, session: dict) -> dict:
    dispute = fake.put(dev_events.dispute_opened(payment_intent=session["payment_intent"], currency="usd",
                                                 amount_minor=session["amount_total"]))
    return dev_events.event_for("charge.dispute.created", dispute)
