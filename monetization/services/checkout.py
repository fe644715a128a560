"""Starting a purchase: a Stripe Checkout session whose metadata["kind"] names a registered purchase kind."""

from dataclasses import dataclass

from accounts.models import User
from config.errors import ApplicationError
from monetization import stripe_gateway
from monetization.errors import PaymentError
from monetization.models import Purchase
from monetization.purchases import UnknownPurchaseKind, purchase_kind_get


class PaymentsNotConfigured(ApplicationError):
    status = 503

    def __init__(self):
        super().__init__(PaymentError.NOT_CONFIGURED, "Payments are not configured on this server.")


@dataclass(frozen=True)
class CheckoutStart:
    url: str
    session_id: str


def payments_are_configured() -> bool:
    return stripe_gateway.is_configured()


def checkout_session_start(*, user: User, kind: str, product_name: str, amount_minor: int, currency: str,
                           metadata: dict, success_url: str, cancel_url: str, monthly: bool = False) -> CheckoutStart:
    """Create a Checkout session for one item of `amount_minor` (monthly: a subscription) and return its URL.

    metadata values become strings (Stripe stores strings); "kind" and "user_id" are added here.
    """
    if not payments_are_configured():
        raise PaymentsNotConfigured()
    try:
        purchase_kind_get(kind)
    except UnknownPurchaseKind:
        raise ApplicationError(PaymentError.UNKNOWN_PURCHASE_KIND, "Not something we sell.") from None
    if amount_minor <= 0 or len(currency) != 3:
        raise ApplicationError(PaymentError.PRICE_INVALID, "Not a price.")
    metadata = {**{k: str(v) for k, v in metadata.items()}, "kind": kind, "user_id": str(user.pk)}
    price_data = {"currency": currency.lower(), "unit_amount": amount_minor, "product_data": {"name": product_name}}
    if monthly:
        price_data["recurring"] = {"interval": "month"}
    params = {
        "mode": "subscription" if monthly else "payment",
        "line_items": [{"price_data": price_data, "quantity": 1}],
        "metadata": metadata,
        "client_reference_id": str(user.pk),
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if monthly:
        params["subscription_data"] = {"metadata": metadata}
    else:
        params["payment_intent_data"] = {"metadata": metadata}
    customer = customer_id_for(user)
    if customer:
        params["customer"] = customer
    elif user.email:
        params["customer_email"] = user.email
    session = stripe_gateway.checkout_session_create(params)
    return CheckoutStart(url=session["url"], session_id=session["id"])


def customer_id_for(user: User) -> str:
    """The Stripe customer of the user's latest purchase ('' before the first)."""
    return (Purchase.objects.filter(user=user).exclude(customer_id="").order_by("-pk")
            .values_list("customer_id", flat=True).first() or "")


def portal_session_start(*, user: User, return_url: str) -> str:
    """The customer portal (manage or cancel subscriptions, invoices); needs one earlier purchase."""
    if not payments_are_configured():
        raise PaymentsNotConfigured()
    customer = customer_id_for(user)
    if not customer:
        raise ApplicationError(PaymentError.NO_CUSTOMER, "Nothing to manage yet: buy something first.")
    return stripe_gateway.billing_portal_session_create(customer=customer, return_url=return_url)["url"]
