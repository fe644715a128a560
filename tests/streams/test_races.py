"""Going live twice at once on one channel, on PostgreSQL: real threads released by a barrier, one DB
connection each. Exactly one wins; the others get a clear 409 stream_already_live."""

from collections import Counter
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from streams.models import Stream, StreamStatus
from streams.services import stream_go_live
from streams.stream_keys import channel_key_holder, channel_stream_key_create
from tests.conftest import requires_postgres
from tests.races import outcome, run_together

from .factories import ChannelFactory

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("streams.tasks.notify_followers_live.delay"):
        yield


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_go_lives_exactly_one_wins(published, round_):
    channel = ChannelFactory()
    results = run_together([
        lambda n=n: stream_go_live(actor=channel.owner, channel=channel, title=f"Take {n}") for n in range(4)
    ])
    assert Counter(outcome(r) for r in results) == {"ok": 1, "stream_already_live": 3}
    assert Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).count() == 1
    assert len(published.events("streams.stream", "live")) == 1  # the winner's (to its watchers and the relay)


def test_a_browser_go_live_and_an_encoder_connecting_at_once_share_one_stream(published):
    channel = ChannelFactory()
    _, key = channel_stream_key_create(actor=channel.owner, channel=channel)
    results = run_together([
        lambda: stream_go_live(actor=channel.owner, channel=channel, title="From the browser"),
        lambda: channel_key_holder(key),
    ])
    live = Stream.objects.get(channel=channel, status=StreamStatus.LIVE)
    holder = results[1][1]
    assert holder.relay_room == f"stream-{live.pk}" and holder.user == channel.owner
    assert Counter(outcome(r) for r in results)["ok"] >= 1


def test_the_database_refuses_a_second_live_stream_even_without_the_service():
    channel = ChannelFactory()
    Stream.objects.create(channel=channel, title="a", status=StreamStatus.LIVE, started_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Stream.objects.create(channel=channel, title="b", status=StreamStatus.LIVE, started_at=timezone.now())
