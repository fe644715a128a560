"""The development path (signed events delivered to the running webhook, no Stripe account) and reconcile."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from monetization import dev_events
from monetization.models import Donation, Purchase, PurchaseStatus
from monetization.services.subscriptions import tier_create

from .helpers import paid_checkout

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dev_local(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_DEV_LOCAL = True
    settings.STRIPE_WEBHOOK_SECRET = "whsec_local_development_only"


def run(*args) -> str:
    out = StringIO()
    call_command("stripe_dev_event", *args, stdout=out)
    return out.getvalue()


def test_the_dev_command_walks_premium_subscription_donation_refund_through_the_live_webhook(
        dev_local, live_server, alice, bob, carol, channel):
    url = f"{live_server.url}/stripe/webhook/"
    assert "HTTP 200" in run("premium", "--user", "alice", "--url", url)
    alice.refresh_from_db()
    assert alice.is_premium

    tier = tier_create(actor=carol, channel=channel, name="Gold", price_minor=500)
    run("subscription", "--user", "bob", "--tier", str(tier.pk), "--gift-to", "alice", "--url", url)
    assert Purchase.objects.get(kind="channel_subscription").metadata["recipient_id"] == str(alice.pk)

    run("donation", "--user", "bob", "--channel", "carols", "--amount", "2.50", "--message", "gg", "--url", url)
    donation = Donation.objects.get()
    assert (donation.amount_minor, donation.message) == (250, "gg")

    run("refund", "--session", donation.purchase.stripe_id, "--url", url)
    assert Purchase.objects.get(kind="donation").status == PurchaseStatus.REFUNDED

    with pytest.raises(CommandError, match="Donations start at"):
        run("donation", "--user", "bob", "--channel", "carols", "--amount", "0.50", "--url", url)


def test_the_dev_command_needs_dev_local_mode(settings):
    settings.STRIPE_DEV_LOCAL = False
    with pytest.raises(CommandError, match="STRIPE_DEV_LOCAL"):
        run("premium", "--user", "alice")


def test_reconcile_fulfils_what_the_webhooks_missed_once(fake_stripe, alice, monkeypatch):
    from monetization import stripe_gateway

    session, _event = paid_checkout(fake_stripe, kind="premium", user=alice, amount_minor=499)
    refund = fake_stripe.put(dev_events.refund_succeeded(payment_intent=session["payment_intent"], amount_minor=499,
                                                         currency="usd"))
    monkeypatch.setattr(stripe_gateway, "checkout_sessions_completed_since", lambda since: [session])
    monkeypatch.setattr(stripe_gateway, "refunds_since", lambda since: [refund])
    monkeypatch.setattr(stripe_gateway, "disputes_since", lambda since: [])
    out = StringIO()
    call_command("reconcile", stdout=out)
    call_command("reconcile", stdout=out)
    assert "1 purchases were missing" in out.getvalue() and "0 purchases were missing" in out.getvalue()
    purchase = Purchase.objects.get()
    assert purchase.status == PurchaseStatus.REFUNDED and purchase.reversals.count() == 1


def test_the_dev_command_delivers_any_registered_kind_with_its_metadata(dev_local, live_server, alice, monkeypatch):
    from monetization import purchases

    fulfilled = []
    kind = purchases.PurchaseKind(kind="ad_order", fulfil=lambda **kwargs: fulfilled.append(kwargs),
                                  reverse=lambda **kwargs: None)
    monkeypatch.setitem(purchases._KINDS, "ad_order", kind)  # whatever the ads app registers, for this test
    run("ad_order", "--user", "alice", "--amount", "50.00", "--metadata", "order_id=7", "--metadata", "ad_id=3",
        "--url", f"{live_server.url}/stripe/webhook/")
    assert len(fulfilled) == 1
    call = fulfilled[0]
    assert (call["amount_minor"], call["currency"]) == (5000, "usd")
    assert call["purchase_metadata"] == {"order_id": "7", "ad_id": "3", "kind": "ad_order", "user_id": str(alice.pk)}
    assert call["stripe_object_id"].startswith("cs_dev_")
