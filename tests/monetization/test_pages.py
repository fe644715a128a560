"""The pages: "payments are not configured" without keys; each POST starts one Checkout / portal / onboarding."""

import pytest

from monetization.services.subscriptions import tier_create
from tests.streams.factories import live_stream

pytestmark = pytest.mark.django_db
NOT_CONFIGURED = "Payments are not configured on this server"


@pytest.mark.parametrize("path", ["/premium/", "/c/carols/support/", "/creator/"])
def test_without_keys_the_pages_say_payments_are_not_configured(client, carol, channel, settings, path):
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(carol)
    response = client.get(path)
    assert response.status_code == 200 and NOT_CONFIGURED in response.content.decode()


def test_without_keys_buying_premium_comes_back_with_the_message(client, alice, settings):
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(alice)
    response = client.post("/premium/checkout/", follow=True)
    assert response.redirect_chain == [("/premium/", 302)]
    assert NOT_CONFIGURED in response.content.decode()


def test_buying_premium_redirects_to_checkout(client, alice, fake_stripe):
    client.force_login(alice)
    response = client.post("/premium/checkout/")
    assert response.status_code == 302 and response["Location"].startswith("https://checkout.stripe.test/cs_")
    assert client.get("/premium/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, fake_stripe, channel):
    assert client.post("/premium/checkout/")["Location"].startswith("/accounts/login/")
    assert client.post("/c/carols/support/donate/", {"amount": "5"})["Location"].startswith("/accounts/login/")


def test_a_donation_under_one_dollar_comes_back_with_a_clear_message(client, bob, channel, fake_stripe):
    client.force_login(bob)
    response = client.post("/c/carols/support/donate/", {"amount": "0.99", "message": "hi"}, follow=True)
    assert response.redirect_chain == [("/c/carols/support/", 302)]
    assert "Donations start at 1.00" in response.content.decode()
    assert not fake_stripe.calls


def test_donating_and_subscribing_redirect_to_checkout(client, bob, carol, channel, fake_stripe):
    live_stream(channel)
    tier = tier_create(actor=carol, channel=channel, name="Gold", price_minor=500, perks="Emotes")
    client.force_login(bob)
    page = client.get("/c/carols/support/").content.decode()
    assert "Gold" in page and "5.00 USD" in page and "Emotes" in page
    response = client.post("/c/carols/support/donate/", {"amount": "5.00", "message": "gg"})
    assert response["Location"].startswith("https://checkout.stripe.test/")
    assert fake_stripe.calls[-1][1]["line_items"][0]["price_data"]["unit_amount"] == 500
    response = client.post("/c/carols/support/subscribe/", {"tier_id": tier.pk, "gift_handle": "@carol"})
    assert response["Location"] == "/c/carols/support/"  # gifting the creator their own channel: refused
    response = client.post("/c/carols/support/subscribe/", {"tier_id": tier.pk, "gift_handle": ""})
    assert response["Location"].startswith("https://checkout.stripe.test/")


def test_the_creator_dashboard_adds_tiers_onboards_and_requests_payouts(client, carol, channel, fake_stripe):
    client.force_login(carol)
    assert client.post("/creator/tiers/", {"name": "Gold", "price": "4.99", "perks": "Emotes"}).status_code == 302
    page = client.get("/creator/").content.decode()
    assert "Gold" in page and 'id="revenue-chart"' in page and "vendor/uplot/uPlot.iife.min.js" in page
    assert client.post("/creator/payouts/onboard/")["Location"] == "https://connect.stripe.test/onboard"
    assert client.get("/creator/payouts/return/")["Location"] == "/creator/"
    response = client.post("/creator/payouts/", {"amount": "5.00"}, follow=True)
    assert "That is more than your balance." in response.content.decode()


def test_the_portal_button_opens_stripes_portal_after_a_purchase(client, alice, fake_stripe):
    client.force_login(alice)
    response = client.post("/billing/portal/", follow=True)
    assert "buy something first" in response.content.decode()
