"""Premium: a monthly subscription that adds days to accounts' premium_until.

Payments and leaderboard rewards (gamification's weekly reset) both *extend* premium_until from
max(now, premium_until) under the user's row lock, so neither ever shortens the other, whichever runs first.
A refund or dispute takes back exactly the days its payment added.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from monetization.audit_verbs import PaymentAuditVerb
from monetization.models import PremiumPeriod, Purchase, PurchaseReversal
from monetization.services.checkout import CheckoutStart, checkout_session_start

PREMIUM_KIND = "premium"


def premium_checkout_start(*, user: User, success_url: str, cancel_url: str) -> CheckoutStart:
    return checkout_session_start(user=user, kind=PREMIUM_KIND, product_name="WatchTogether Premium (monthly)",
                                  amount_minor=settings.PREMIUM_PRICE_MINOR, currency=settings.PAYMENTS_CURRENCY,
                                  metadata={}, success_url=success_url, cancel_url=cancel_url, monthly=True)


@transaction.atomic
def premium_fulfil(*, purchase_metadata: dict, amount_minor: int, currency: str, stripe_object_id: str) -> None:
    purchase = Purchase.objects.get(stripe_id=stripe_object_id)
    user = User.objects.select_for_update().get(pk=purchase.user_id)
    now, days = timezone.now(), settings.PREMIUM_PERIOD_DAYS
    before = user.premium_until
    user.premium_until = max(now, before or now) + timedelta(days=days)  # extend, never replace
    user.save(update_fields=["premium_until"])
    PremiumPeriod.objects.create(purchase=purchase, user=user, days=days, premium_until_before=before,
                                 premium_until_after=user.premium_until)
    audit_record(actor=user, verb=PaymentAuditVerb.PREMIUM_EXTENDED, target=user, details={
        "days": days, "purchase": stripe_object_id, "premium_until": user.premium_until.isoformat()})


@transaction.atomic
def premium_reverse(*, purchase_metadata: dict, amount_minor: int, currency: str, stripe_object_id: str) -> None:
    reversal = PurchaseReversal.objects.select_related("purchase").get(stripe_id=stripe_object_id)
    period = PremiumPeriod.objects.select_for_update().filter(purchase=reversal.purchase, is_reversed=False).first()
    if period is None:
        return  # a second partial refund of the same month: its days are gone already
    user = User.objects.select_for_update().get(pk=period.user_id)
    user.premium_until = user.premium_until - timedelta(days=period.days)
    user.save(update_fields=["premium_until"])
    period.is_reversed = True
    period.save(update_fields=["is_reversed"])
    audit_record(actor=None, verb=PaymentAuditVerb.PREMIUM_REVOKED, target=user, details={
        "days": period.days, "reversal": stripe_object_id, "premium_until": user.premium_until.isoformat()})
