"""Every call this project makes to Stripe, in one place: tests patch these functions (the client's boundary).

Each returns the Stripe object (a StripeObject, dict-like). Nothing here decides anything.
"""

import secrets

import stripe
from django.conf import settings

from monetization.models import WebhookEvent


def is_configured() -> bool:
    return settings.STRIPE_DEV_LOCAL or bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def _dev_object(object_id: str):
    """STRIPE_DEV_LOCAL: the latest state of an object as the signed dev events carried it (no Stripe account)."""
    event = WebhookEvent.objects.filter(payload__data__object__id=object_id).order_by("-pk").first()
    if event is None:
        raise stripe.InvalidRequestError(f"No such object: {object_id}", param="id")
    return stripe.StripeObject.construct_from(event.payload["data"]["object"], "")


def _client() -> stripe.StripeClient:
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, max_network_retries=2)


_DEV_SESSIONS: dict[str, dict] = {}  # STRIPE_DEV_LOCAL: the params of the sessions this process started


def dev_checkout_params(session_id: str) -> dict:
    return _DEV_SESSIONS[session_id]


def checkout_session_create(params: dict):
    if settings.STRIPE_DEV_LOCAL:  # no Stripe: a session stub; `manage.py stripe_dev_event` completes it
        session_id = f"cs_dev_{secrets.token_hex(12)}"
        _DEV_SESSIONS[session_id] = params
        return stripe.StripeObject.construct_from(
            {"id": session_id, "object": "checkout.session", "url": f"{params['success_url']}?dev_session={session_id}"}, "")
    return _client().v1.checkout.sessions.create(params)


def checkout_session_retrieve(session_id: str):
    if settings.STRIPE_DEV_LOCAL:
        return _dev_object(session_id)
    return _client().v1.checkout.sessions.retrieve(session_id)


def checkout_sessions_completed_since(created_gte: int) -> list:
    sessions = _client().v1.checkout.sessions.list({"created": {"gte": created_gte}, "status": "complete",
                                                    "limit": 100})
    return list(sessions.auto_paging_iter())


def invoice_retrieve(invoice_id: str):
    if settings.STRIPE_DEV_LOCAL:
        return _dev_object(invoice_id)
    return _client().v1.invoices.retrieve(invoice_id)


def subscription_retrieve(subscription_id: str):
    if settings.STRIPE_DEV_LOCAL:
        return _dev_object(subscription_id)
    return _client().v1.subscriptions.retrieve(subscription_id)


def refund_retrieve(refund_id: str):
    if settings.STRIPE_DEV_LOCAL:
        return _dev_object(refund_id)
    return _client().v1.refunds.retrieve(refund_id)


def refunds_since(created_gte: int) -> list:
    return list(_client().v1.refunds.list({"created": {"gte": created_gte}, "limit": 100}).auto_paging_iter())


def dispute_retrieve(dispute_id: str):
    if settings.STRIPE_DEV_LOCAL:
        return _dev_object(dispute_id)
    return _client().v1.disputes.retrieve(dispute_id)


def disputes_since(created_gte: int) -> list:
    return list(_client().v1.disputes.list({"created": {"gte": created_gte}, "limit": 100}).auto_paging_iter())


def billing_portal_session_create(*, customer: str, return_url: str):
    return _client().v1.billing_portal.sessions.create({"customer": customer, "return_url": return_url})


def express_account_create(*, email: str):
    return _client().v1.accounts.create({"type": "express", "email": email,
                                         "capabilities": {"transfers": {"requested": True}}})


def account_retrieve(account_id: str):
    return _client().v1.accounts.retrieve(account_id)


def account_link_create(*, account: str, refresh_url: str, return_url: str):
    return _client().v1.account_links.create({"account": account, "refresh_url": refresh_url,
                                              "return_url": return_url, "type": "account_onboarding"})


def transfer_create(*, amount_minor: int, currency: str, destination: str, idempotency_key: str):
    return _client().v1.transfers.create({"amount": amount_minor, "currency": currency, "destination": destination},
                                         {"idempotency_key": idempotency_key})
