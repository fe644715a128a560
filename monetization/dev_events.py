"""Stripe-shaped objects and correctly signed events, built locally (the dev command, tests, the bench).

Signing uses the real `stripe` library, so what the webhook verifies here is what Stripe would send.
"""

import json
import secrets
import time
import urllib.request

import stripe


def new_id(prefix: str) -> str:
    return f"{prefix}_dev_{secrets.token_hex(12)}"


def checkout_session_paid(*, metadata: dict, amount_minor: int, currency: str, monthly: bool = False,
                          session_id: str | None = None, customer: str | None = None) -> dict:
    """A completed, paid Checkout session (one-off or the first month of a subscription)."""
    return {
        "id": session_id or new_id("cs"), "object": "checkout.session", "status": "complete",
        "payment_status": "paid", "mode": "subscription" if monthly else "payment", "amount_total": amount_minor,
        "currency": currency, "metadata": {k: str(v) for k, v in metadata.items()},
        "payment_intent": new_id("pi"), "subscription": new_id("sub") if monthly else None,
        "customer": customer or new_id("cus"), "invoice": None, "created": int(time.time()),
    }


def refund_succeeded(*, payment_intent: str, amount_minor: int, currency: str) -> dict:
    return {"id": new_id("re"), "object": "refund", "status": "succeeded", "payment_intent": payment_intent,
            "amount": amount_minor, "currency": currency, "created": int(time.time())}


def dispute_opened(*, payment_intent: str, amount_minor: int, currency: str) -> dict:
    return {"id": new_id("dp"), "object": "dispute", "status": "needs_response", "payment_intent": payment_intent,
            "amount": amount_minor, "currency": currency, "created": int(time.time())}


def event_for(event_type: str, obj: dict) -> dict:
    return {"id": new_id("evt"), "object": "event", "type": event_type, "api_version": "2025-08-27.basil",
            "created": int(time.time()), "livemode": False, "data": {"object": obj}}


def event_signed(event: dict, *, secret: str, timestamp: int | None = None) -> tuple[bytes, str]:
    """(body, Stripe-Signature header)."""
    payload = json.dumps(event)
    return payload.encode(), stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def event_deliver(url: str, body: bytes, signature: str) -> int:
    """POST one signed event to a webhook URL; the HTTP status."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Stripe-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a URL the developer gave
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
