"""Races on PostgreSQL (real threads, one connection each): every Stripe event fixture delivered three times,
concurrently and shuffled → one effect; premium from a payment and from the weekly reset at once → both count;
payouts requested twice at once or above the balance → one payout."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from gamification.models import PremiumGrant
from gamification.services.scores import watch_time_score
from gamification.services.weekly_reset import weekly_reset_run
from monetization.models import (
    ChannelSubscription,
    ConnectAccount,
    Donation,
    LedgerEntry,
    Payout,
    PremiumPeriod,
    Purchase,
    PurchaseReversal,
    PurchaseStatus,
    WebhookEvent,
)
from monetization.services.ledger import balance_minor, ledger_credit
from monetization.services.payouts import payout_request
from monetization.services.subscriptions import tier_create
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgres
from tests.races import outcome, run_together
from tests.streams.factories import ChannelFactory

from .helpers import deliver, dispute_of, paid_checkout, refund_of

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
RESET_AT = datetime(2026, 11, 23, 0, 0, 5, tzinfo=UTC)


def deliver_each_three_times_shuffled(events: list[dict]) -> None:
    deliveries = [event for event in events for _ in range(3)]
    random.shuffle(deliveries)
    results = run_together([lambda e=e: deliver(e) for e in deliveries])
    assert [outcome(r) for r in results] == ["ok"] * len(deliveries)
    assert [value for _, value in results] == [200] * len(deliveries)
    assert WebhookEvent.objects.count() == len(events)
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


def fixtures(fake, buyer, creator):
    """Every kind of Stripe event fixture, as (checkout session, its events)."""
    channel = ChannelFactory(owner=creator)
    tier = tier_create(actor=creator, channel=channel, name="Gold", price_minor=500)
    gift_to = UserFactory()
    premium, premium_paid = paid_checkout(fake, kind="premium", user=buyer, amount_minor=499, monthly=True)
    sub, sub_paid = paid_checkout(fake, kind="channel_subscription", user=buyer, amount_minor=500, monthly=True,
                                  metadata={"tier_id": tier.pk, "channel_id": channel.pk, "recipient_id": buyer.pk})
    gift, gift_paid = paid_checkout(fake, kind="channel_subscription", user=buyer, amount_minor=500,
                                    metadata={"tier_id": tier.pk, "channel_id": channel.pk, "recipient_id": gift_to.pk})
    donation, donation_paid = paid_checkout(fake, kind="donation", user=buyer, amount_minor=1000,
                                            metadata={"channel_id": channel.pk, "message": "gg"})
    kept, kept_paid = paid_checkout(fake, kind="donation", user=buyer, amount_minor=300,
                                    metadata={"channel_id": channel.pk, "message": "keep"})
    return {
        "events": [premium_paid, sub_paid, gift_paid, donation_paid, kept_paid,
                   refund_of(fake, donation), dispute_of(fake, sub), refund_of(fake, premium, amount_minor=100)],
        "channel": channel, "gift_to": gift_to,
    }


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_every_event_delivered_three_times_concurrently_and_shuffled_has_one_effect(fake_stripe, round_):
    buyer, creator = UserFactory(), UserFactory()
    world = fixtures(fake_stripe, buyer, creator)
    deliver_each_three_times_shuffled(world["events"])

    assert Purchase.objects.count() == 5 and PurchaseReversal.objects.count() == 3
    assert Counter(Purchase.objects.values_list("status", flat=True)) == {
        PurchaseStatus.PAID: 2, PurchaseStatus.REFUNDED: 1, PurchaseStatus.DISPUTED: 1, PurchaseStatus.PARTLY_REFUNDED: 1}
    # premium: one month, then taken back by the (partial) refund, exactly once
    assert PremiumPeriod.objects.get().is_reversed
    buyer.refresh_from_db()
    assert buyer.premium_until < timezone.now() + timedelta(minutes=1)
    # the disputed subscription lost its perks; the gift stands
    assert not ChannelSubscription.objects.filter(user=buyer, active_until__gt=timezone.now()).exists()
    assert ChannelSubscription.objects.filter(user=world["gift_to"], active_until__gt=timezone.now()).count() == 1
    # the refunded donation left the totals; the creator keeps 90 % of the rest (the gift and the kept donation)
    assert list(Donation.objects.filter(is_reversed=False).values_list("amount_minor", flat=True)) == [300]
    assert balance_minor(creator=creator, currency="usd") == (500 + 300) * 9 // 10
    assert LedgerEntry.objects.filter(source="reversal").count() == 2
    assert AuditEvent.objects.filter(verb="payment.purchase_paid").count() == 5
    assert AuditEvent.objects.filter(verb="payment.purchase_reversed").count() == 3


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_premium_from_a_payment_and_from_the_weekly_reset_at_once_both_count(fake_stripe, round_):
    user = UserFactory()
    watch_time_score(user=user, seconds=10 * 3600, now=RESET_AT - timedelta(days=3))  # this week's top watcher
    _session, paid = paid_checkout(fake_stripe, kind="premium", user=user, amount_minor=499, monthly=True)

    results = run_together([lambda: weekly_reset_run(now=RESET_AT), lambda: deliver(paid)])
    assert [outcome(r) for r in results] == ["ok", "ok"]

    user.refresh_from_db()
    grant, period = PremiumGrant.objects.get(user=user), PremiumPeriod.objects.get(user=user)
    if grant.premium_until_before is None:  # the reset ran first, the payment extended its result
        assert period.premium_until_before == grant.premium_until_after
        assert user.premium_until == period.premium_until_after == grant.premium_until_after + timedelta(days=30)
    else:  # the payment ran first, the reset extended its result
        assert grant.premium_until_before == period.premium_until_after
        assert user.premium_until == grant.premium_until_after == period.premium_until_after + timedelta(days=grant.days)


def creator_with_balance(net_minor: int) -> User:
    creator = UserFactory()
    ConnectAccount.objects.create(user=creator, stripe_account_id=f"acct_{creator.pk}", payouts_enabled=True)
    ledger_credit(creator=creator, source="donation", reference=f"cs_{creator.pk}", amount_minor=net_minor * 10 // 9,
                  currency="usd")
    return creator


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_payout_requests_at_once_pay_out_once(fake_stripe, round_):
    creator = creator_with_balance(900)
    results = run_together([lambda: payout_request(creator=creator, amount_minor=800)] * 2)
    assert Counter(outcome(r) for r in results) == {"ok": 1, "payout_over_balance": 1}
    assert Payout.objects.filter(creator=creator).count() == 1
    assert balance_minor(creator=creator, currency="usd") == 100
    assert [name for name, _ in fake_stripe.calls].count("transfer_create") == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_many_small_payouts_at_once_never_exceed_the_balance(fake_stripe, round_):
    creator = creator_with_balance(900)
    results = run_together([lambda: payout_request(creator=creator, amount_minor=200)] * 6)
    assert Counter(outcome(r) for r in results) == {"ok": 4, "payout_over_balance": 2}
    assert balance_minor(creator=creator, currency="usd") == 100
