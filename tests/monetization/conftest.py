import pytest

from monetization import tasks
from monetization.services.payouts import payout_send
from monetization.services.webhooks import webhook_event_process
from tests.streams.factories import ChannelFactory

from .stripe_fake import TEST_SECRET_KEY, TEST_WEBHOOK_SECRET, FakeStripe


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.STRIPE_DEV_LOCAL = False
    return settings


@pytest.fixture
def fake_stripe(monkeypatch, stripe_keys):
    fake = FakeStripe()
    fake.install(monkeypatch)
    return fake


@pytest.fixture(autouse=True)
def tasks_inline(monkeypatch):
    """The Celery tasks run where they are enqueued (after the commit that enqueued them)."""
    monkeypatch.setattr(tasks.process_webhook_event, "delay", lambda event_id: webhook_event_process(event_id=event_id))
    monkeypatch.setattr(tasks.send_payout, "delay", lambda payout_id: payout_send(payout_id=payout_id))


@pytest.fixture
def channel(carol):
    return ChannelFactory(owner=carol, slug="carols")
