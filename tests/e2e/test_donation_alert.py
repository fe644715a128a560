"""A donation during a live stream in Chromium against a running daphne: the payment's signed webhook (built
and signed with the real `stripe` library, as `manage.py stripe_dev_event` does) reaches daphne, and the alert
shows in the viewers' chat and on the channel's overlay within a second."""

import time

import pytest
from playwright.sync_api import expect

from monetization import dev_events
from monetization.models import Donation
from tests.accounts.factories import UserFactory
from tests.e2e.test_room_sync_journey import sign_in
from tests.streams.factories import ChannelFactory, live_stream

pytestmark = pytest.mark.e2e
DEV_SECRET = "whsec_local_development_only"


@pytest.fixture
def payments_without_stripe(monkeypatch):
    """daphne (started after this) runs without a Stripe account and processes webhooks inline."""
    monkeypatch.setenv("STRIPE_DEV_LOCAL", "1")
    monkeypatch.setenv("CELERY_TASK_ALWAYS_EAGER", "true")


def test_a_donation_alert_appears_in_the_stream_chat_and_overlay(payments_without_stripe, asgi_server, new_page):
    base = asgi_server.url
    hana, don = UserFactory(handle="hana", display_name="Hana"), UserFactory(handle="don", display_name="Don")
    channel = ChannelFactory(owner=hana, slug="hana")
    stream = live_stream(channel, title="Speedrun")
    viewer, overlay = new_page("viewer"), new_page("overlay")
    sign_in(viewer, base, don.email)
    viewer.goto(f"{base}/s/{stream.pk}/", wait_until="domcontentloaded")
    overlay.goto(f"{base}/c/hana/overlay/", wait_until="domcontentloaded")
    expect(viewer.locator("#stream-chat")).to_have_attribute("data-connected", "true", timeout=10_000)
    time.sleep(0.5)  # the overlay's socket too

    session = dev_events.checkout_session_paid(
        metadata={"kind": "donation", "user_id": don.pk, "channel_id": channel.pk, "stream_id": stream.pk,
                  "message": "great run"}, amount_minor=500, currency="usd")
    body, signature = dev_events.event_signed(dev_events.event_for("checkout.session.completed", session),
                                              secret=DEV_SECRET)
    sent = time.monotonic()
    assert dev_events.event_deliver(f"{base}/stripe/webhook/", body, signature) == 200
    expect(viewer.locator("#chat-list")).to_contain_text("don donated 5.00 USD: great run", timeout=1_000)
    expect(overlay.locator("#overlay-alerts")).to_contain_text("Don donated 5.00 USD - great run", timeout=1_000)
    assert time.monotonic() - sent < 2.0  # the POST included processing; both alerts within a second of it
    assert Donation.objects.get().stream == stream

    # delivered again (Stripe retries): no second alert
    assert dev_events.event_deliver(f"{base}/stripe/webhook/", body, signature) == 200
    time.sleep(0.5)
    assert viewer.locator("#chat-list").get_by_text("great run").count() == 1
