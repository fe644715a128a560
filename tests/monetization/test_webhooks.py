"""The webhook: signatures (unsigned, tampered, stale → 400 and no writes), exactly-once effects, reversals,
current state read from Stripe rather than from the event."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from monetization import dev_events
from monetization.models import Purchase, PurchaseStatus, WebhookEvent

from .helpers import deliver, paid_checkout, refund_of
from .stripe_fake import TEST_WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def nothing_written() -> bool:
    return not (WebhookEvent.objects.exists() or Purchase.objects.exists() or AuditEvent.objects.exists())


def test_a_paid_premium_checkout_extends_premium_once_and_is_audited(fake_stripe, alice):
    session, event = paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499, monthly=True)
    assert deliver(event) == 200
    assert deliver(event) == 200  # a redelivery: no second effect
    alice.refresh_from_db()
    assert abs(alice.premium_until - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    purchase = Purchase.objects.get()
    assert (purchase.kind, purchase.user, purchase.amount_minor, purchase.currency) == ("premium", alice, 499, "usd")
    assert set(AuditEvent.objects.values_list("verb", flat=True)) == {
        "payment.purchase_paid", "payment.premium_extended"}
    assert WebhookEvent.objects.get().processed_at is not None


@pytest.mark.parametrize("tamper", ["unsigned", "wrong_secret", "tampered_body", "stale", "garbage"])
def test_bad_signatures_are_refused_with_400_and_write_nothing(fake_stripe, alice, client, tamper):
    _session, event = paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499)
    body, signature = dev_events.event_signed(event, secret=TEST_WEBHOOK_SECRET)
    if tamper == "unsigned":
        response = client.post("/stripe/webhook/", body, content_type="application/json")
    elif tamper == "wrong_secret":
        status = deliver(event, secret="whsec_not_ours_" + "x" * 20)
        assert status == 400 and nothing_written()
        return
    elif tamper == "tampered_body":
        response = client.post("/stripe/webhook/", body.replace(b'"amount_total": 499', b'"amount_total": 1'),
                               content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    elif tamper == "stale":
        status = deliver(event, timestamp=int(time.time()) - 301)
        assert status == 400 and nothing_written()
        return
    else:
        response = client.post("/stripe/webhook/", b"not json", content_type="application/json",
                               HTTP_STRIPE_SIGNATURE="t=1,v1=abc")
    assert response.status_code == 400
    assert nothing_written()
    alice.refresh_from_db()
    assert alice.premium_until is None


def test_current_state_wins_over_the_event_an_unpaid_session_fulfils_nothing(fake_stripe, alice):
    session, event = paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499)
    fake_stripe.objects[session["id"]]["payment_status"] = "unpaid"  # e.g. an async payment still pending
    assert deliver(event) == 200
    assert not Purchase.objects.exists()
    fake_stripe.objects[session["id"]]["payment_status"] = "paid"
    assert deliver(dev_events.event_for("checkout.session.async_payment_succeeded", session)) == 200
    assert Purchase.objects.count() == 1


def test_a_refund_before_its_payment_waits_then_reverses(fake_stripe, alice):
    session, paid = paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499)
    refund = refund_of(fake_stripe, session)
    assert deliver(refund) == 200
    assert WebhookEvent.objects.get().processed_at is None  # its payment has not arrived
    assert deliver(paid) == 200
    purchase = Purchase.objects.get()
    assert purchase.status == PurchaseStatus.REFUNDED and purchase.reversed_minor == 499
    alice.refresh_from_db()
    assert alice.premium_until < timezone.now() + timedelta(minutes=1)  # the 30 days are gone again
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


def test_events_we_do_not_handle_are_acknowledged_and_not_stored(fake_stripe):
    assert deliver(dev_events.event_for("customer.created", {"id": "cus_1", "object": "customer"})) == 200
    assert not WebhookEvent.objects.exists()


def test_without_a_webhook_secret_every_delivery_is_refused(fake_stripe, alice, settings):
    _session, event = paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499)
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert deliver(event) == 400 and nothing_written()


def test_a_renewal_invoice_extends_premium_once_more_and_the_first_invoice_does_not(fake_stripe, alice):
    session, paid = paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499, monthly=True)
    fake_stripe.put({"id": session["subscription"], "object": "subscription", "metadata": session["metadata"]})
    first = fake_stripe.put({"id": "in_first", "object": "invoice", "status": "paid", "billing_reason": "subscription_create",
                             "amount_paid": 499, "currency": "usd", "subscription": session["subscription"]})
    renewal = fake_stripe.put({"id": "in_second", "object": "invoice", "status": "paid", "amount_paid": 499,
                               "billing_reason": "subscription_cycle", "currency": "usd", "payment_intent": "pi_2",
                               "parent": {"subscription_details": {"subscription": session["subscription"]}}})
    for event in (paid, dev_events.event_for("invoice.paid", first), dev_events.event_for("invoice.paid", renewal)):
        assert deliver(event) == 200
    alice.refresh_from_db()
    assert abs(alice.premium_until - (timezone.now() + timedelta(days=60))) < timedelta(minutes=1)
    assert Purchase.objects.get(stripe_id="in_second").metadata["renewal"] == "1"
    assert Purchase.objects.count() == 2


def test_a_subscription_paid_on_a_newer_api_version_can_still_be_refunded(fake_stripe, alice):
    session, paid = paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499, monthly=True)
    fake_stripe.objects[session["id"]].update(payment_intent=None, invoice="in_first")
    fake_stripe.put({"id": "in_first", "object": "invoice", "status": "paid",
                     "payments": {"data": [{"payment": {"type": "payment_intent", "payment_intent": "pi_basil"}}]}})
    deliver(paid)
    assert Purchase.objects.get().payment_intent_id == "pi_basil"
    deliver(refund_of(fake_stripe, {**session, "payment_intent": "pi_basil"}))
    assert Purchase.objects.get().status == PurchaseStatus.REFUNDED
