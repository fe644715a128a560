"""Authorization matrix for the payments API (monetization.api.payments): every endpoint × every kind of caller.

Olive (the owner) is a creator (channel "olive", a tier, a donation received, a payout), an advertiser (one ad),
a subscriber of Dave's channel and one of its donors, and a Stripe customer. Otto is another user, staff a
superuser. Money reads need `payments:read` (the `read`-only OAuth token is refused), checkouts `payments:write`;
a channel's tiers are public. Stripe is the fake at the client's boundary (tests/monetization/stripe_fake.py).
The machinery is tests/authz.py.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.scopes import Scope
from accounts.services.tokens import api_token_create
from monetization.models import (
    ChannelSubscription,
    ConnectAccount,
    Donation,
    LedgerEntry,
    LedgerSource,
    Payout,
    Purchase,
    SubscriptionTier,
)
from tests.accounts.factories import UserFactory
from tests.authz import (
    API,
    Case,
    anonymous_params,
    as_owner,
    assert_anonymous_refused,
    assert_api_status,
    assert_matrix_complete,
    caller,
    client_for,
    expect,
    ids,
    matrix_params,
    perform,
)
from tests.streams.factories import ChannelFactory

from .ad_factories import advertiser, running_ad

pytestmark = pytest.mark.django_db


def _purchase(user, kind: str, amount_minor: int, customer_id: str = "") -> Purchase:
    return Purchase.objects.create(stripe_id=f"cs_{kind}_{user.pk}_{Purchase.objects.count()}", kind=kind, user=user,
                                   amount_minor=amount_minor, currency="usd", customer_id=customer_id)


@pytest.fixture
def w(fake_stripe):
    olive, dave = UserFactory(handle="olive"), UserFactory(handle="dave")
    w = SimpleNamespace(olive=olive, owner=olive, other=UserFactory(handle="otto"), dave=dave, stripe=fake_stripe)
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    w.channel = ChannelFactory(owner=olive, slug="olive", name="Olive's")
    w.tier = SubscriptionTier.objects.create(channel=w.channel, name="Gold", price_minor=500)
    w.daves = ChannelFactory(owner=dave, slug="daves", name="Dave's")
    w.daves_tier = SubscriptionTier.objects.create(channel=w.daves, name="Fan", price_minor=300)
    w.subscription = ChannelSubscription.objects.create(
        channel=w.daves, user=olive, tier=w.daves_tier, active_until=timezone.now() + timedelta(days=20))
    w.donation_made = Donation.objects.create(channel=w.daves, donor=olive, amount_minor=700, currency="usd",
                                              message="gg", purchase=_purchase(olive, "donation", 700, "cus_olive"))
    w.donation_received = Donation.objects.create(channel=w.channel, donor=dave, amount_minor=900, currency="usd",
                                                  message="hi", purchase=_purchase(dave, "donation", 900))
    LedgerEntry.objects.create(creator=olive, source=LedgerSource.DONATION, reference="don1", amount_minor=810,
                               fee_minor=90, currency="usd")
    ConnectAccount.objects.create(user=olive, stripe_account_id="acct_olive", payouts_enabled=True)
    w.payout = Payout.objects.create(creator=olive, amount_minor=300, currency="usd")
    LedgerEntry.objects.create(creator=olive, source=LedgerSource.PAYOUT, reference=f"payout{w.payout.pk}",
                               amount_minor=-300, currency="usd")
    w.ad = running_ad(advertiser(olive), bought=500, delivered=125, title="Olive tea")
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def _rows(response) -> list[dict]:
    return response.json()["results"]


def check_premium(w, role, response):
    body = response.json()
    assert body["is_premium"] is False and body["price_minor"] > 0 and body["payments_configured"] is True


def check_subscriptions(w, role, response):
    expected = [w.subscription.pk] if as_owner(role) else []
    assert [row["id"] for row in _rows(response)] == expected
    if expected:
        row = _rows(response)[0]
        assert row["channel"]["slug"] == "daves" and row["tier"]["name"] == "Fan" and row["is_active"] is True


def check_donations_made(w, role, response):
    assert ids(response) == ({w.donation_made.pk} if as_owner(role) else set())


def check_donations_received(w, role, response):
    assert ids(response) == ({w.donation_received.pk} if as_owner(role) else set())
    if as_owner(role):
        assert _rows(response)[0]["donor"] == "dave" and _rows(response)[0]["amount_minor"] == 900


def check_earnings(w, role, response):
    body = response.json()
    if as_owner(role):
        assert body["balance_minor"] == 510 and body["payouts_enabled"] is True
        assert body["donations"][-1] == 900 and body["top_supporters"] == [{"handle": "dave", "total_minor": 900,
                                                                             "count": 1}]
    else:
        assert body["balance_minor"] == 0 and body["payouts_enabled"] is False and sum(body["donations"]) == 0


def check_payouts(w, role, response):
    assert ids(response) == ({w.payout.pk} if as_owner(role) else set())


def check_ads(w, role, response):
    assert ids(response) == ({w.ad.pk} if as_owner(role) else set())
    if as_owner(role):
        assert _rows(response)[0]["figures"]["remaining"] == 375


def check_ad(w, role, response):
    body = response.json()
    assert body["id"] == w.ad.pk and body["figures"]["completed"] == 125 and body["daily"] == []


def check_tiers(w, role, response):
    assert [tier["name"] for tier in response.json()] == ["Gold"]


def checkout_check(kind: str, **metadata):
    def check(w, role, response):
        assert response.json()["url"].startswith("https://checkout.stripe.test/")
        name, params = w.stripe.calls[-1]
        assert name == "checkout_session_create"
        assert params["metadata"]["kind"] == kind and params["metadata"]["user_id"] == str(caller(w, role).pk)
        assert {key: params["metadata"][key] for key in metadata} == {
            key: str(value(w)) for key, value in metadata.items()}
    return check


def check_portal(w, role, response):
    assert response.json() == {"url": "https://billing.stripe.test/p"}


def read(name: str, path: str, check, **expected) -> Case:
    return Case(name, "get", path, expect(owner=200, **expected), check=check, scope=Scope.PAYMENTS_READ)


def write(name: str, path: str, check, data=None, **expected) -> Case:
    return Case(name, "post", path, expect(owner=201, **expected), data=data, check=check,
                scope=Scope.PAYMENTS_WRITE)


CASES = [
    read("api-me-premium", "/me/premium/", check_premium),
    read("api-me-subscriptions", "/me/subscriptions/", check_subscriptions),
    read("api-me-donations", "/me/donations/", check_donations_made),
    read("api-me-donations-received", "/me/donations/received/", check_donations_received),
    read("api-me-earnings", "/me/earnings/", check_earnings),
    read("api-me-payouts", "/me/payouts/", check_payouts),
    read("api-me-ads", "/me/ads/", check_ads),
    read("api-me-ad", "/me/ads/{w.ad.pk}/", check_ad, other=403),
    Case("api-channel-tiers", "get", "/channels/olive/tiers/", expect(anonymous=200, owner=200), check=check_tiers),
    write("api-premium-checkout", "/payments/premium/checkout/", checkout_check("premium")),
    # the portal needs a Stripe customer: only Olive has bought something
    write("api-billing-portal", "/payments/portal/", check_portal, other=400),
    write("api-channel-subscription-checkout", "/channels/daves/subscriptions/checkout/",
          checkout_check("channel_subscription", tier_id=lambda w: w.daves_tier.pk),
          data=lambda: {"tier_id": SubscriptionTier.objects.get(name="Fan").pk}),
    write("api-channel-donation-checkout", "/channels/daves/donations/checkout/",
          checkout_check("donation", channel_id=lambda w: w.daves.pk), data={"amount_minor": 500, "message": "gl"}),
]


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)


def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete("monetization.api.payments", CASES, at_least=13)


@pytest.mark.parametrize("name, method, route", anonymous_params("monetization.api.payments"))
def test_anonymous_is_refused(w, name, method, route):
    assert_anonymous_refused(name, method, route, public={"api-channel-tiers"}, fill="olive")


# -- refusals in the error shape ------------------------------------------------------------------------------
WRITES = [case for case in CASES if case.method == "post"]


@pytest.mark.parametrize("case", WRITES, ids=[case.name for case in WRITES])
def test_every_write_says_payments_are_not_configured_without_stripe_keys(w, settings, case):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    response = perform(w, case, "owner")
    assert response.status_code == 503
    assert response.json()["code"] == "payments_not_configured" and set(response.json()) == {"code", "message", "extra"}
    assert client_for(w, "owner").get(f"{API}/me/premium/").json()["payments_configured"] is False


def test_a_tier_of_another_channel_is_not_found(w):
    response = client_for(w, "other").post(f"{API}/channels/olive/subscriptions/checkout/",
                                           {"tier_id": w.daves_tier.pk}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "tier_not_found"
    assert not w.stripe.calls


def test_a_gift_goes_to_the_named_user_as_a_one_off_payment(w):
    response = client_for(w, "other").post(f"{API}/channels/daves/subscriptions/checkout/",
                                           {"tier_id": w.daves_tier.pk, "gift_to": "olive"}, format="json")
    assert response.status_code == 201
    params = w.stripe.calls[-1][1]
    assert params["metadata"]["recipient_id"] == str(w.olive.pk) and params["mode"] == "payment"
    unknown = client_for(w, "other").post(f"{API}/channels/daves/subscriptions/checkout/",
                                          {"tier_id": w.daves_tier.pk, "gift_to": "nobody-here"}, format="json")
    assert unknown.status_code == 404 and unknown.json()["code"] == "user_not_found"


def test_a_donation_under_one_dollar_or_to_yourself_is_refused(w):
    olive = client_for(w, "owner")
    small = olive.post(f"{API}/channels/daves/donations/checkout/", {"amount_minor": 99}, format="json")
    assert small.status_code == 400 and small.json()["code"] == "donation_too_small"
    own = olive.post(f"{API}/channels/olive/donations/checkout/", {"amount_minor": 500}, format="json")
    assert own.status_code == 400 and own.json()["code"] == "donation_invalid"
    assert not w.stripe.calls


def test_lists_are_paginated(w):
    for n in range(3):
        Payout.objects.create(creator=w.olive, amount_minor=100 + n, currency="usd")
    page = client_for(w, "owner").get(f"{API}/me/payouts/?page_size=2").json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]


def test_full_tokens_made_before_the_payments_scopes_keep_every_scope(w):
    from importlib import import_module

    from django.apps import apps

    from accounts.models import ApiToken
    from accounts.scopes import scope_set

    migration = import_module("accounts.migrations.0011_api_token_payments_scopes")
    full, _ = api_token_create(user=w.olive, name="old full")
    reader, _ = api_token_create(user=w.olive, name="old reader", scopes={"read"})
    ApiToken.objects.filter(pk=full.pk).update(scope=" ".join(sorted(migration.BEFORE)))
    migration.grant_new_scopes(apps, None)
    assert scope_set(ApiToken.objects.get(pk=full.pk).scope) == set(Scope)
    assert scope_set(ApiToken.objects.get(pk=reader.pk).scope) == {"read"}
