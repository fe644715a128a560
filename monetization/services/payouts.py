"""Creator payouts through Stripe Connect Express: onboarding, requests (never above the balance), transfers."""

import stripe
from django.conf import settings
from django.db import transaction

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError, ConflictError
from monetization import stripe_gateway
from monetization.audit_verbs import PaymentAuditVerb
from monetization.errors import PaymentError
from monetization.models import ConnectAccount, LedgerEntry, LedgerSource, Payout, PayoutStatus
from monetization.services.checkout import PaymentsNotConfigured, payments_are_configured
from monetization.services.ledger import balance_minor

PAYOUT_MIN_MINOR = 100


def connect_onboarding_link(*, user: User, refresh_url: str, return_url: str) -> str:
    """Create the creator's Express account on first use, and return Stripe's onboarding link."""
    if not payments_are_configured():
        raise PaymentsNotConfigured()
    account = ConnectAccount.objects.filter(user=user).first()
    if account is None:
        created = stripe_gateway.express_account_create(email=user.email)
        account, _ = ConnectAccount.objects.get_or_create(user=user, defaults={"stripe_account_id": created["id"]})
    return stripe_gateway.account_link_create(account=account.stripe_account_id, refresh_url=refresh_url,
                                              return_url=return_url)["url"]


def connect_account_refresh(*, user: User) -> ConnectAccount | None:
    """Read payouts_enabled back from Stripe (after onboarding)."""
    account = ConnectAccount.objects.filter(user=user).first()
    if account is not None and payments_are_configured():
        account.payouts_enabled = bool(stripe_gateway.account_retrieve(account.stripe_account_id).get("payouts_enabled"))
        account.save(update_fields=["payouts_enabled"])
    return account


def payout_request(*, creator: User, amount_minor: int) -> Payout:
    """Move `amount_minor` of the creator's balance out. The Connect account row is the lock: two requests at
    once run one after the other, and the second sees the first's debit."""
    currency = settings.PAYMENTS_CURRENCY
    if amount_minor < PAYOUT_MIN_MINOR:
        raise ApplicationError(PaymentError.PAYOUT_INVALID, f"Payouts start at {PAYOUT_MIN_MINOR / 100:.2f}.")
    with transaction.atomic():
        account = ConnectAccount.objects.select_for_update().filter(user=creator).first()
        if account is None or not account.payouts_enabled:
            raise ConflictError(PaymentError.PAYOUT_ACCOUNT_MISSING, "Finish your Stripe payout onboarding first.")
        balance = balance_minor(creator=creator, currency=currency)
        if amount_minor > balance:
            raise ConflictError(PaymentError.PAYOUT_OVER_BALANCE, "That is more than your balance.",
                                {"balance_minor": balance})
        payout = Payout.objects.create(creator=creator, amount_minor=amount_minor, currency=currency)
        LedgerEntry.objects.create(creator=creator, source=LedgerSource.PAYOUT, reference=str(payout.pk),
                                   amount_minor=-amount_minor, currency=currency)
        audit_record(actor=creator, verb=PaymentAuditVerb.PAYOUT_REQUESTED, target=payout,
                     details={"amount_minor": amount_minor, "currency": currency, "balance_before": balance})
        from monetization.tasks import send_payout

        transaction.on_commit(lambda: send_payout.delay(payout.pk))
    return payout


def payout_send(*, payout_id: int) -> str:
    """The transfer to the creator's Connect account (idempotency key: the payout), once."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update(of=("self",)).select_related("creator__connect_account").get(pk=payout_id)
        if payout.status != PayoutStatus.PENDING or payout.stripe_transfer_id:
            return payout.status
        try:
            transfer = stripe_gateway.transfer_create(
                amount_minor=payout.amount_minor, currency=payout.currency,
                destination=payout.creator.connect_account.stripe_account_id, idempotency_key=f"payout-{payout.pk}")
        except stripe.InvalidRequestError as error:  # refused for good (not a network hiccup): return the money
            payout.status = PayoutStatus.FAILED
            payout.save(update_fields=["status"])
            LedgerEntry.objects.create(creator=payout.creator, source=LedgerSource.PAYOUT_FAILED,
                                       reference=str(payout.pk), amount_minor=payout.amount_minor,
                                       currency=payout.currency)
            audit_record(actor=None, verb=PaymentAuditVerb.PAYOUT_FAILED, target=payout,
                         details={"error": str(error)[:200]})
            return payout.status
        payout.status, payout.stripe_transfer_id = PayoutStatus.PAID, transfer["id"]
        payout.save(update_fields=["status", "stripe_transfer_id"])
    return payout.status
