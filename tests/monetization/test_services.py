"""Checkout, donations, channel subscriptions, premium and payouts through their services (Stripe faked at
the client's boundary)."""

from datetime import timedelta

import pytest
import stripe
from django.utils import timezone

from audit.models import AuditEvent
from chat import filters
from config.errors import ApplicationError
from monetization.models import ChannelSubscription, Donation, Payout, PayoutStatus
from monetization.purchases import purchase_kind_get, purchase_kinds, register_purchase_kind
from monetization.selectors import creator_dashboard, user_is_premium
from monetization.services import checkout, donations, payouts, premium, subscriptions
from monetization.services.ledger import balance_minor, platform_fee
from rooms.services.membership import room_create
from streams.chat_policy import STREAM_CHAT, channel_subscription
from streams.events import channel_chat_group
from tests.accounts.factories import UserFactory
from tests.streams.factories import live_stream

from .helpers import deliver, dispute_of, paid_checkout, refund_of

pytestmark = pytest.mark.django_db
URLS = {"success_url": "http://testserver/payments/done/", "cancel_url": "http://testserver/"}


def last_checkout(fake) -> dict:
    return [params for name, params in fake.calls if name == "checkout_session_create"][-1]


# -- the registry and checkout -----------------------------------------------------------------------------
def test_the_payment_kinds_are_registered_and_a_different_second_registration_is_refused():
    assert {"premium", "channel_subscription", "donation"} <= set(purchase_kinds())
    kind = purchase_kind_get("premium")
    register_purchase_kind("premium", fulfil=kind.fulfil, reverse=kind.reverse)  # the same: harmless
    with pytest.raises(ValueError):
        register_purchase_kind("premium", fulfil=print, reverse=print)
    with pytest.raises(ValueError):
        register_purchase_kind("no spaces", fulfil=print, reverse=print)


def test_without_keys_checkout_says_payments_are_not_configured(alice, settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(checkout.PaymentsNotConfigured) as refused:
        premium.premium_checkout_start(user=alice, **URLS)
    assert (refused.value.code, refused.value.status) == ("payments_not_configured", 503)


def test_premium_checkout_is_a_monthly_subscription_with_kind_and_user_in_metadata(fake_stripe, alice):
    start = premium.premium_checkout_start(user=alice, **URLS)
    params = last_checkout(fake_stripe)
    assert start.url.startswith("https://checkout.stripe.test/")
    assert params["mode"] == "subscription"
    assert params["line_items"][0]["price_data"]["recurring"] == {"interval": "month"}
    assert params["metadata"] == params["subscription_data"]["metadata"] == {"kind": "premium", "user_id": str(alice.pk)}


def test_an_unknown_purchase_kind_is_refused(fake_stripe, alice):
    with pytest.raises(ApplicationError) as refused:
        checkout.checkout_session_start(user=alice, kind="nope", product_name="x", amount_minor=100, currency="usd",
                                        metadata={}, **URLS)
    assert refused.value.code == "unknown_purchase_kind"


def test_the_portal_needs_a_first_purchase_then_opens_for_its_customer(fake_stripe, alice):
    with pytest.raises(ApplicationError) as refused:
        checkout.portal_session_start(user=alice, return_url="http://testserver/premium/")
    assert refused.value.code == "no_customer"
    session, paid = paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499, monthly=True)
    deliver(paid)
    assert checkout.portal_session_start(user=alice, return_url="http://testserver/premium/") == "https://billing.stripe.test/p"
    assert fake_stripe.calls[-1] == ("billing_portal_session_create",
                                     {"customer": session["customer"], "return_url": "http://testserver/premium/"})


# -- donations -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("amount", "message", "code"), [
    (99, "", "donation_too_small"), (0, "", "donation_too_small"), (-500, "", "donation_too_small"),
    (500, "x" * 301, "donation_invalid"), (1_000_001, "", "donation_invalid"),
])
def test_bad_donations_are_refused_before_checkout(fake_stripe, bob, channel, amount, message, code):
    with pytest.raises(ApplicationError) as refused:
        donations.donation_checkout_start(user=bob, channel=channel, amount_minor=amount, message=message, **URLS)
    assert refused.value.code == code
    assert not fake_stripe.calls


def test_a_creator_cannot_donate_to_their_own_channel(fake_stripe, carol, channel):
    with pytest.raises(ApplicationError):
        donations.donation_checkout_start(user=carol, channel=channel, amount_minor=500, message="", **URLS)


def test_the_donation_message_goes_through_the_chat_filters(fake_stripe, bob, channel, monkeypatch):
    def shout(*, body, kind, context, author):
        assert (kind, context, author) == ("channel", channel, bob)
        return body.upper()

    monkeypatch.setattr(filters, "_filters", lambda: [shout])
    donations.donation_checkout_start(user=bob, channel=channel, amount_minor=100, message=" great stream ", **URLS)
    assert last_checkout(fake_stripe)["metadata"]["message"] == "GREAT STREAM"


def test_a_paid_donation_during_a_stream_shows_the_alert_once(fake_stripe, bob, channel, published):
    stream = live_stream(channel)
    donations.donation_checkout_start(user=bob, channel=channel, amount_minor=500, message="gg", **URLS)
    metadata = last_checkout(fake_stripe)["metadata"]
    assert metadata["stream_id"] == str(stream.pk)
    _session, paid = paid_checkout(fake_stripe, kind="donation", user=bob, amount_minor=500, metadata=metadata)
    deliver(paid)
    deliver(paid)
    alerts = published.events("streams.alert", "shown")
    assert len(alerts) == 1 and published.to(channel_chat_group(channel.pk)) == alerts
    assert {k: alerts[0]["alert"][k] for k in ("kind", "amount_minor", "currency", "message")} == {
        "kind": "donation", "amount_minor": 500, "currency": "USD", "message": "gg"}
    assert alerts[0]["alert"]["actor"]["handle"] == "bob"
    donation = Donation.objects.get()
    assert (donation.stream, donation.donor, donation.amount_minor) == (stream, bob, 500)
    assert balance_minor(creator=channel.owner, currency="usd") == 500 - platform_fee(500) == 450


def test_a_donation_off_stream_shows_no_alert_and_a_refund_leaves_the_totals(fake_stripe, bob, channel, published):
    session, paid = paid_checkout(fake_stripe, kind="donation", user=bob, amount_minor=1000,
                                  metadata={"channel_id": channel.pk, "message": ""})
    deliver(paid)
    assert published.events("streams.alert") == []
    assert creator_dashboard(creator=channel.owner)["top_supporters"] == [
        {"donor__handle": "bob", "total": 1000, "count": 1}]
    deliver(refund_of(fake_stripe, session))
    assert Donation.objects.get().is_reversed
    dashboard = creator_dashboard(creator=channel.owner)
    assert dashboard["top_supporters"] == [] and sum(dashboard["donations"]) == 0
    assert dashboard["balance_minor"] == 0
    assert AuditEvent.objects.filter(verb="payment.donation_reversed").count() == 1


def test_the_platform_fee_is_configurable(settings):
    settings.PLATFORM_FEE_BASIS_POINTS = 2500
    assert platform_fee(1000) == 250 and platform_fee(3) == 0


# -- channel subscriptions -------------------------------------------------------------------------------------
def test_tiers_are_the_owners_and_validated(carol, bob, channel):
    tier = subscriptions.tier_create(actor=carol, channel=channel, name="Gold", price_minor=499, perks="Emotes")
    assert (tier.name, tier.price_minor, tier.currency) == ("Gold", 499, "usd")
    for kwargs in ({"name": "", "price_minor": 500}, {"name": "Cheap", "price_minor": 50},
                   {"name": "Gold", "price_minor": 500}):
        with pytest.raises(ApplicationError):
            subscriptions.tier_create(actor=carol, channel=channel, **kwargs)
    with pytest.raises(ApplicationError) as refused:
        subscriptions.tier_create(actor=bob, channel=channel, name="Mine", price_minor=500)
    assert refused.value.status == 403


def subscribe(fake, *, buyer, recipient, tier, monthly=True):
    return paid_checkout(fake, kind="channel_subscription", user=buyer, amount_minor=tier.price_minor, monthly=monthly,
                         metadata={"tier_id": tier.pk, "channel_id": tier.channel_id, "recipient_id": recipient.pk})


def test_a_subscription_gives_badges_and_subscribers_only_chat_until_a_dispute(fake_stripe, carol, bob, channel,
                                                                                published):
    tier = subscriptions.tier_create(actor=carol, channel=channel, name="Gold", price_minor=500)
    live_stream(channel)
    subscriptions.subscription_checkout_start(user=bob, tier_id=tier.pk, **URLS)
    assert last_checkout(fake_stripe)["mode"] == "subscription"
    session, paid = subscribe(fake_stripe, buyer=bob, recipient=bob, tier=tier)
    deliver(paid)
    status = channel_subscription(channel=channel, user=bob)
    assert (status.is_subscriber, status.is_founder) == (True, True)
    assert {"subscriber", "founder"} <= set(STREAM_CHAT.badges(channel, bob))
    assert STREAM_CHAT.is_subscriber(channel, bob)
    assert [e["alert"]["kind"] for e in published.events("streams.alert")] == ["subscription"]
    deliver(dispute_of(fake_stripe, session))
    assert not channel_subscription(channel=channel, user=bob).is_subscriber
    assert balance_minor(creator=carol, currency="usd") == 0


def test_a_gift_subscribes_the_recipient_and_founders_are_the_first_subscribers(fake_stripe, carol, bob, dave, channel,
                                                                                settings):
    settings.FOUNDER_SUBSCRIBERS = 1
    tier = subscriptions.tier_create(actor=carol, channel=channel, name="Gold", price_minor=500)
    subscriptions.subscription_checkout_start(user=bob, tier_id=tier.pk, gift_to=dave, **URLS)
    params = last_checkout(fake_stripe)
    assert params["mode"] == "payment" and params["metadata"]["recipient_id"] == str(dave.pk)
    deliver(subscribe(fake_stripe, buyer=bob, recipient=dave, tier=tier, monthly=False)[1])
    deliver(subscribe(fake_stripe, buyer=bob, recipient=bob, tier=tier)[1])
    gift = ChannelSubscription.objects.get(user=dave)
    assert gift.gifted_by == bob and gift.is_founder
    assert not ChannelSubscription.objects.get(user=bob).is_founder
    assert creator_dashboard(creator=carol)["subscriber_count"] == 2


def test_creators_do_not_subscribe_to_themselves(fake_stripe, carol, channel):
    tier = subscriptions.tier_create(actor=carol, channel=channel, name="Gold", price_minor=500)
    with pytest.raises(ApplicationError) as refused:
        subscriptions.subscription_checkout_start(user=carol, tier_id=tier.pk, **URLS)
    assert refused.value.code == "own_channel"


# -- premium ----------------------------------------------------------------------------------------------------
def test_paid_premium_extends_leaderboard_premium_instead_of_replacing_it(fake_stripe, alice):
    alice.premium_until = timezone.now() + timedelta(days=80)  # won on the leaderboard
    alice.save()
    deliver(paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499, monthly=True)[1])
    alice.refresh_from_db()
    assert alice.premium_until - timezone.now() > timedelta(days=109)
    assert user_is_premium(alice)


# -- payouts ----------------------------------------------------------------------------------------------------
def test_connect_onboarding_creates_the_express_account_once(fake_stripe, carol):
    url = payouts.connect_onboarding_link(user=carol, refresh_url="http://t/r", return_url="http://t/d")
    payouts.connect_onboarding_link(user=carol, refresh_url="http://t/r", return_url="http://t/d")
    assert url == "https://connect.stripe.test/onboard"
    assert [name for name, _ in fake_stripe.calls].count("express_account_create") == 1
    assert payouts.connect_account_refresh(user=carol).payouts_enabled


def test_payouts_need_an_account_and_a_balance(fake_stripe, carol, channel):
    with pytest.raises(ApplicationError) as refused:
        payouts.payout_request(creator=carol, amount_minor=500)
    assert refused.value.code == "payout_account_missing"
    payouts.connect_onboarding_link(user=carol, refresh_url="http://t/r", return_url="http://t/d")
    payouts.connect_account_refresh(user=carol)
    deliver(paid_checkout(fake_stripe, kind="donation", user=UserFactory(), amount_minor=1000,
                          metadata={"channel_id": channel.pk, "message": ""})[1])
    with pytest.raises(ApplicationError) as refused:
        payouts.payout_request(creator=carol, amount_minor=901)
    assert (refused.value.code, refused.value.extra) == ("payout_over_balance", {"balance_minor": 900})
    payout = payouts.payout_request(creator=carol, amount_minor=900)
    assert payout.status == PayoutStatus.PENDING  # the transfer runs after the commit (a task)
    payouts.payout_send(payout_id=payout.pk)
    payout.refresh_from_db()
    assert (payout.status, payout.stripe_transfer_id) == (PayoutStatus.PAID, "tr_test_1")
    assert fake_stripe.calls[-1][1]["idempotency_key"] == f"payout-{payout.pk}"
    assert balance_minor(creator=carol, currency="usd") == 0


def test_a_refused_transfer_fails_the_payout_and_returns_the_money(fake_stripe, carol, channel):
    payouts.connect_onboarding_link(user=carol, refresh_url="http://t/r", return_url="http://t/d")
    payouts.connect_account_refresh(user=carol)
    deliver(paid_checkout(fake_stripe, kind="donation", user=UserFactory(), amount_minor=1000,
                          metadata={"channel_id": channel.pk, "message": ""})[1])
    fake_stripe.fail_transfers = True
    payout = payouts.payout_request(creator=carol, amount_minor=500)
    assert payouts.payout_send(payout_id=payout.pk) == PayoutStatus.FAILED
    assert payouts.payout_send(payout_id=payout.pk) == PayoutStatus.FAILED  # once
    assert balance_minor(creator=carol, currency="usd") == 900
    assert Payout.objects.get().status == PayoutStatus.FAILED


def test_premium_members_run_watch_rooms_up_to_50_others_up_to_the_free_limit(alice, bob, settings):
    settings.ROOMS_FREE_WATCH_MAX = 20
    alice.premium_until = timezone.now() + timedelta(days=1)
    alice.save()
    assert room_create(creator=alice, name="Big", max_members=50).max_members == 50
    for creator, size in ((alice, 51), (bob, 21)):
        with pytest.raises(ApplicationError) as refused:
            room_create(creator=creator, name="Too big", max_members=size)
        assert refused.value.code == "room_settings_invalid"
    assert room_create(creator=bob, name="Small", max_members=20).max_members == 20


def test_the_chat_hook_reads_a_subscription_in_one_query(carol, bob, channel, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert not channel_subscription(channel=channel, user=bob).is_subscriber


def test_the_creator_dashboard_reads_in_a_fixed_number_of_queries(fake_stripe, carol, channel,
                                                                  django_assert_num_queries):
    for _ in range(3):
        deliver(paid_checkout(fake_stripe, kind="donation", user=UserFactory(), amount_minor=500,
                              metadata={"channel_id": channel.pk, "message": ""})[1])
    with django_assert_num_queries(8):  # channel, 2 series, subscribers, supporters, balance, payouts, account
        dashboard = creator_dashboard(creator=carol)
    assert sum(dashboard["donations"]) == 1500 and len(dashboard["top_supporters"]) == 3


def test_a_webhook_task_retries_while_stripe_is_unreachable(fake_stripe, alice, monkeypatch):
    from celery.exceptions import Retry

    from monetization import stripe_gateway, tasks
    from monetization.models import WebhookEvent

    def unreachable(session_id):
        raise stripe.APIConnectionError("down")

    session, paid = paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499)
    monkeypatch.setattr(stripe_gateway, "checkout_session_retrieve", unreachable)
    monkeypatch.setattr(tasks.process_webhook_event, "delay", lambda event_id: None)
    deliver(paid)
    event = WebhookEvent.objects.get()
    with pytest.raises(Retry):
        tasks.process_webhook_event.apply(args=[event.pk], throw=True).get()
    event.refresh_from_db()
    assert event.processed_at is None


def test_premium_members_wear_premium_decorations_shown_only_while_premium(alice):
    from gamification.models import Decoration, DecorationKind
    from gamification.selectors import player_stats
    from gamification.services.collection import decoration_equip

    frame = Decoration.objects.create(kind=DecorationKind.FRAME, name="Gold frame", slug="gold-frame", style="gold",
                                      is_premium=True)
    with pytest.raises(ApplicationError) as refused:
        decoration_equip(user=alice, kind=DecorationKind.FRAME, decoration_id=frame.pk)
    assert refused.value.code == "decoration_not_owned"
    alice.premium_until = timezone.now() + timedelta(days=1)
    alice.save()
    decoration_equip(user=alice, kind=DecorationKind.FRAME, decoration_id=frame.pk)
    assert player_stats(user=alice)["frame"]["id"] == frame.pk
    alice.premium_until = timezone.now() - timedelta(seconds=1)
    alice.save()
    assert player_stats(user=alice)["frame"] is None


def test_a_partial_refund_keeps_the_donation_and_takes_back_its_share(fake_stripe, bob, channel):
    session, paid = paid_checkout(fake_stripe, kind="donation", user=bob, amount_minor=1000,
                                  metadata={"channel_id": channel.pk, "message": ""})
    deliver(paid)
    deliver(refund_of(fake_stripe, session, amount_minor=400))
    assert not Donation.objects.get().is_reversed
    assert balance_minor(creator=channel.owner, currency="usd") == 900 - 360
    deliver(refund_of(fake_stripe, session, amount_minor=600))
    assert Donation.objects.get().is_reversed
    assert balance_minor(creator=channel.owner, currency="usd") == 0
