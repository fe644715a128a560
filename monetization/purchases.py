"""Purchase kinds: what a paid Stripe Checkout session does, chosen by its metadata["kind"].

Every purchase on the platform (premium, a channel subscription, a donation, an ad order, ...) goes
through Stripe Checkout with ``metadata["kind"]`` set. When Stripe reports the session paid, the
webhook pipeline (monetization.services.webhooks) records one ``Purchase`` row per Checkout session
(unique on the session id, locked with select_for_update) and calls the kind's ``fulfil`` exactly
once, inside that transaction: if ``fulfil`` raises, nothing is recorded and the event is retried.
When the payment is refunded (fully or partly) or disputed, ``reverse`` is called exactly once per
refund / dispute, in the same way.

Both callbacks take the same keyword arguments:

    purchase_metadata: dict   the Checkout session's metadata (strings only, as Stripe stores them;
                              "kind" included, plus whatever the caller put there at checkout)
    amount_minor: int         paid amount (fulfil) or refunded / disputed amount (reverse), in the
                              currency's minor unit (cents)
    currency: str             lower-case ISO code, e.g. "usd"
    stripe_object_id: str     the Checkout session id (fulfil) or the refund / dispute id (reverse)

They must write only through their own app's services and should be idempotent themselves where
cheap (the pipeline already guarantees one call per Stripe object).

Apps register their kinds in ``AppConfig.ready``:

    from monetization.purchases import register_purchase_kind
    register_purchase_kind("ad_order", fulfil=ad_order_fulfil, reverse=ad_order_reverse)

To start a purchase, call ``monetization.services.checkout.checkout_session_start(...)`` with the
kind and metadata; it returns the Checkout URL to redirect to (or raises PaymentsNotConfigured).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class PurchaseCallback(Protocol):
    def __call__(
        self, purchase_metadata: dict, amount_minor: int, currency: str, stripe_object_id: str
    ) -> None: ...


@dataclass(frozen=True)
class PurchaseKind:
    kind: str
    fulfil: PurchaseCallback
    reverse: PurchaseCallback


class UnknownPurchaseKind(LookupError):
    pass


_KINDS: dict[str, PurchaseKind] = {}


def register_purchase_kind(
    kind: str, *, fulfil: Callable[..., None], reverse: Callable[..., None]
) -> None:
    """Declare what a paid Checkout session of this kind does. Registering the same callbacks
    twice is harmless (AppConfig.ready may run more than once in tests); a different pair is a bug."""
    if not kind or len(kind) > 40 or not kind.replace("_", "").isalnum():
        raise ValueError(f"purchase kind {kind!r}: use 1-40 letters, digits and underscores")
    entry = PurchaseKind(kind=kind, fulfil=fulfil, reverse=reverse)
    existing = _KINDS.get(kind)
    if existing is not None and existing != entry:
        raise ValueError(f"purchase kind {kind!r} is already registered with other callbacks")
    _KINDS[kind] = entry


def purchase_kind_get(kind: str) -> PurchaseKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise UnknownPurchaseKind(kind) from None


def purchase_kinds() -> list[str]:
    return sorted(_KINDS)
