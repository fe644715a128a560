"""Creators' earnings: credits net of the platform fee, debits for reversals and payouts (LedgerEntry)."""

from django.conf import settings
from django.db.models import Sum

from accounts.models import User
from monetization.models import LedgerEntry, LedgerSource


def platform_fee(amount_minor: int) -> int:
    """The platform's share (PLATFORM_FEE_BASIS_POINTS), rounded down to the minor unit."""
    return amount_minor * settings.PLATFORM_FEE_BASIS_POINTS // 10_000


def ledger_credit(*, creator: User, source: str, reference: str, amount_minor: int, currency: str) -> LedgerEntry:
    fee = platform_fee(amount_minor)
    return LedgerEntry.objects.create(creator=creator, source=source, reference=reference,
                                      amount_minor=amount_minor - fee, fee_minor=fee, currency=currency)


def ledger_reverse(*, creator: User, original: LedgerEntry, reference: str, gross_reversed_minor: int,
                   gross_minor: int) -> LedgerEntry:
    """Take back the creator's net share of `gross_reversed_minor` (a refund may be partial)."""
    net = original.amount_minor * gross_reversed_minor // gross_minor
    fee = original.fee_minor * gross_reversed_minor // gross_minor
    return LedgerEntry.objects.create(creator=creator, source=LedgerSource.REVERSAL, reference=reference,
                                      amount_minor=-net, fee_minor=-fee, currency=original.currency)


def balance_minor(*, creator: User, currency: str) -> int:
    return LedgerEntry.objects.filter(creator=creator, currency=currency).aggregate(
        total=Sum("amount_minor"))["total"] or 0
