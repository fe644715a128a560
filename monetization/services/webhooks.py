"""Stripe webhooks: verify, record once, process once from one Celery task, reading current state from Stripe.

1. webhook_receive (the view): the signature is checked with the real `stripe` library (stale timestamps
   refused) before anything is written; the event is inserted unique on its id, and only the delivery that
   inserted it enqueues processing (redeliveries, concurrent or not, are no-ops).
2. webhook_event_process (the task): locks the event row, skips it if done, fetches the object's current state
   from Stripe (never trusts the payload or the delivery order) and runs the idempotent services below.
3. Each effect is unique on a Stripe id (Purchase on the Checkout session / renewal invoice, PurchaseReversal on
   the refund / dispute): a second path to the same effect (another event type, reconcile) does nothing.
   A refund or dispute that arrives before its payment waits; fulfilling the payment processes it.
"""

import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError
from monetization import stripe_gateway
from monetization.audit_verbs import PaymentAuditVerb
from monetization.errors import PaymentError
from monetization.models import Purchase, PurchaseReversal, PurchaseStatus, ReversalKind, WebhookEvent
from monetization.purchases import purchase_kind_get

logger = logging.getLogger(__name__)

CHECKOUT_PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
REFUND_EVENTS = {"refund.created", "refund.updated", "charge.refund.updated"}
DISPUTE_EVENTS = {"charge.dispute.created", "charge.dispute.funds_withdrawn"}
HANDLED_EVENTS = CHECKOUT_PAID_EVENTS | REFUND_EVENTS | DISPUTE_EVENTS | {"invoice.paid", "charge.refunded"}


class WebhookSignatureInvalid(ApplicationError):
    def __init__(self):
        super().__init__(PaymentError.WEBHOOK_SIGNATURE_INVALID, "The webhook signature is missing, wrong or stale.")


def webhook_receive(*, payload: bytes, signature: str) -> WebhookEvent | None:
    """Verify and record one delivery; returns the new event, or None for a redelivery or an event we ignore."""
    if not settings.STRIPE_WEBHOOK_SECRET or not signature:
        raise WebhookSignatureInvalid()
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET,
                                               tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS)
    except (ValueError, stripe.SignatureVerificationError):
        raise WebhookSignatureInvalid() from None
    if event["type"] not in HANDLED_EVENTS:
        return None
    with transaction.atomic():
        row, created = WebhookEvent.objects.get_or_create(
            stripe_id=event["id"], defaults={"type": event["type"], "payload": event.to_dict()})
        if not created:
            return None
        from monetization.tasks import process_webhook_event

        transaction.on_commit(lambda: process_webhook_event.delay(row.pk))
    return row


def webhook_event_process(*, event_id: int) -> bool:
    """Run one recorded event's effect once. False when it was done already or must wait for its payment."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_id)
        if event.processed_at is not None:
            return False
        obj = event.payload["data"]["object"]
        done = _dispatch(event.type, obj)
        if done:
            event.processed_at = timezone.now()
            event.save(update_fields=["processed_at"])
    return done


def _dispatch(event_type: str, obj: dict) -> bool:
    if event_type in CHECKOUT_PAID_EVENTS:
        checkout_session_settle(session_id=obj["id"])
        return True
    if event_type == "invoice.paid":
        renewal_settle(invoice_id=obj["id"])
        return True
    if event_type == "charge.refunded":
        refund_ids = [refund["id"] for refund in (obj.get("refunds") or {}).get("data", [])]
        return all([refund_settle(refund_id=refund_id) for refund_id in refund_ids])
    if event_type in REFUND_EVENTS:
        return refund_settle(refund_id=obj["id"])
    if event_type in DISPUTE_EVENTS:
        return dispute_settle(dispute_id=obj["id"])
    return True


# --- payments ---------------------------------------------------------------------------------------------------

def checkout_session_settle(*, session_id: str) -> Purchase | None:
    """Fulfil a Checkout session if Stripe says it is paid (its current state, not the event's)."""
    session = stripe_gateway.checkout_session_retrieve(session_id)
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return None
    payment_intent = session.get("payment_intent") or ""
    if not payment_intent and session.get("invoice"):
        payment_intent = _invoice_payment_intent(stripe_gateway.invoice_retrieve(_id(session["invoice"])))
    return purchase_fulfil(
        stripe_id=session["id"], metadata=dict(session.get("metadata") or {}), amount_minor=session["amount_total"],
        currency=session["currency"], payment_intent_id=_id(payment_intent), subscription_id=_id(session.get("subscription")),
        customer_id=_id(session.get("customer")))


def renewal_settle(*, invoice_id: str) -> Purchase | None:
    """A subscription's later months (the first one is its Checkout session)."""
    invoice = stripe_gateway.invoice_retrieve(invoice_id)
    if invoice.get("status") != "paid" or invoice.get("billing_reason") != "subscription_cycle":
        return None
    # API versions from 2025-03 ("basil") moved the subscription under parent.subscription_details
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = stripe_gateway.subscription_retrieve(_id(invoice.get("subscription") or details.get("subscription")))
    metadata = {**dict(subscription.get("metadata") or {}), "renewal": "1"}
    return purchase_fulfil(
        stripe_id=invoice["id"], metadata=metadata, amount_minor=invoice["amount_paid"], currency=invoice["currency"],
        payment_intent_id=_invoice_payment_intent(invoice), subscription_id=subscription["id"],
        customer_id=_id(invoice.get("customer")))


def purchase_fulfil(*, stripe_id: str, metadata: dict, amount_minor: int, currency: str, payment_intent_id: str = "",
                    subscription_id: str = "", customer_id: str = "") -> Purchase | None:
    """Record the purchase and run its kind's fulfil, once per stripe_id (None when it was done already)."""
    kind = purchase_kind_get(metadata.get("kind", ""))
    user = User.objects.filter(pk=_int(metadata.get("user_id"))).first()
    with transaction.atomic():
        try:
            with transaction.atomic():
                purchase = Purchase.objects.create(
                    stripe_id=stripe_id, kind=kind.kind, user=user, amount_minor=amount_minor,
                    currency=currency.lower(), metadata=metadata, payment_intent_id=payment_intent_id,
                    subscription_id=subscription_id, customer_id=customer_id)
        except IntegrityError:
            return None  # fulfilled already (another event, a concurrent delivery, reconcile)
        kind.fulfil(purchase_metadata=metadata, amount_minor=amount_minor, currency=purchase.currency,
                    stripe_object_id=stripe_id)
        audit_record(actor=user, verb=PaymentAuditVerb.PURCHASE_PAID, target=purchase, details={
            "kind": kind.kind, "amount_minor": amount_minor, "currency": purchase.currency, "stripe_id": stripe_id})
    if payment_intent_id:
        transaction.on_commit(lambda: _process_waiting(payment_intent_id))
    return purchase


def _process_waiting(payment_intent_id: str) -> None:
    """Refunds / disputes of this payment that arrived before it."""
    from monetization.tasks import process_webhook_event

    waiting = WebhookEvent.objects.filter(processed_at__isnull=True, payload__data__object__payment_intent=payment_intent_id)
    for event_id in waiting.values_list("pk", flat=True):
        process_webhook_event.delay(event_id)


# --- refunds and disputes ---------------------------------------------------------------------------------------

def refund_settle(*, refund_id: str) -> bool:
    refund = stripe_gateway.refund_retrieve(refund_id)
    if refund.get("status") != "succeeded":
        return True  # pending or failed: nothing moved (a later refund.updated brings it back)
    return purchase_reverse(stripe_id=refund["id"], kind=ReversalKind.REFUND,
                            payment_intent_id=_id(refund.get("payment_intent")), amount_minor=refund["amount"])


def dispute_settle(*, dispute_id: str) -> bool:
    dispute = stripe_gateway.dispute_retrieve(dispute_id)
    return purchase_reverse(stripe_id=dispute["id"], kind=ReversalKind.DISPUTE,
                            payment_intent_id=_id(dispute.get("payment_intent")), amount_minor=dispute["amount"])


def purchase_reverse(*, stripe_id: str, kind: str, payment_intent_id: str, amount_minor: int) -> bool:
    """Run the purchase kind's reverse once per refund / dispute. False: its payment has not arrived yet."""
    with transaction.atomic():
        purchase = (Purchase.objects.select_for_update().filter(payment_intent_id=payment_intent_id)
                    .order_by("pk").first()) if payment_intent_id else None
        if purchase is None:
            return False
        if PurchaseReversal.objects.filter(stripe_id=stripe_id).exists():
            return True
        amount = min(amount_minor, purchase.amount_minor - purchase.reversed_minor)
        reversal = PurchaseReversal.objects.create(stripe_id=stripe_id, purchase=purchase, kind=kind, amount_minor=amount)
        purchase.reversed_minor += amount
        if kind == ReversalKind.DISPUTE:
            purchase.status = PurchaseStatus.DISPUTED
        else:
            purchase.status = (PurchaseStatus.REFUNDED if purchase.reversed_minor >= purchase.amount_minor
                               else PurchaseStatus.PARTLY_REFUNDED)
        purchase.save(update_fields=["reversed_minor", "status"])
        purchase_kind_get(purchase.kind).reverse(
            purchase_metadata=purchase.metadata, amount_minor=amount, currency=purchase.currency, stripe_object_id=stripe_id)
        audit_record(actor=None, verb=PaymentAuditVerb.PURCHASE_REVERSED, target=purchase, details={
            "kind": kind, "amount_minor": amount, "currency": purchase.currency, "stripe_id": stripe_id,
            "reversal_id": reversal.pk})
    return True


def _invoice_payment_intent(invoice) -> str:
    """The invoice's payment intent: a field before API version 2025-03 ("basil"), its payments list since."""
    if invoice.get("payment_intent"):
        return _id(invoice["payment_intent"])
    for payment in (invoice.get("payments") or {}).get("data", []):
        if (payment.get("payment") or {}).get("payment_intent"):
            return _id(payment["payment"]["payment_intent"])
    return ""


def _id(value) -> str:
    """Stripe fields hold an id or, when expanded, the object."""
    if not value:
        return ""
    return value if isinstance(value, str) else value["id"]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
