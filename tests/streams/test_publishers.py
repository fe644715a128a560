"""A stream ends by itself when its encoder stops (streams.publishers): its relay room without a producer in the
relay workers' heartbeats (the Redis registry) for the grace period."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from media_relay.models import HlsOutput
from media_relay.relay_settings import registry_for_settings
from media_relay.sfu.registry import WorkerLoad
from streams import services, tasks
from streams.events import stream_group
from streams.models import Stream, StreamStatus
from streams.publishers import streams_without_publisher_end
from tests.conftest import requires_postgres
from tests.races import outcome, run_together

from .factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(settings):
    settings.MEDIA_RELAY_REGISTRY_PREFIX = f"test-relay-{uuid.uuid4().hex[:12]}:"
    settings.STREAMS_PUBLISHER_GRACE_SECONDS = 2
    registry = registry_for_settings()
    if registry is None:
        pytest.skip("needs Redis (REDIS_URL): the relay registry lives there")
    yield registry
    keys = list(registry.client.scan_iter(match=f"{registry.prefix}*"))
    if keys:
        registry.client.delete(*keys)


def heartbeat(registry, *, publishing: list[str]) -> None:
    registry.heartbeat(WorkerLoad(id="w1", url="ws://w1/", rooms=list(publishing) + ["room-1"],
                                  publishing=list(publishing)))


@pytest.fixture
def stream(alice):
    return live_stream(ChannelFactory(owner=alice, slug="alice"))


def status(stream) -> str:
    return Stream.objects.get(pk=stream.pk).status


def test_a_stream_whose_publisher_left_ends_after_the_grace_period(registry, stream, published, commit):
    now = timezone.now()
    heartbeat(registry, publishing=[f"stream-{stream.pk}"])
    assert streams_without_publisher_end(now=now) == []  # publishing: seen now
    heartbeat(registry, publishing=[])  # the encoder stopped
    assert streams_without_publisher_end(now=now + timedelta(seconds=1)) == []  # within the grace period
    assert status(stream) == StreamStatus.LIVE
    with commit():
        assert streams_without_publisher_end(now=now + timedelta(seconds=3)) == [stream.pk]
    assert status(stream) == StreamStatus.ENDED
    assert [e["op"] for e in published.to(stream_group(stream.pk))] == ["ended"]
    assert streams_without_publisher_end(now=now + timedelta(seconds=9)) == []  # idempotent: ended once


def test_a_publisher_coming_back_within_the_grace_period_keeps_the_stream(registry, stream):
    now = timezone.now()
    heartbeat(registry, publishing=[f"stream-{stream.pk}"])
    assert streams_without_publisher_end(now=now) == []
    heartbeat(registry, publishing=[])
    assert streams_without_publisher_end(now=now + timedelta(seconds=1.5)) == []
    heartbeat(registry, publishing=[f"stream-{stream.pk}"])  # reconnected
    assert streams_without_publisher_end(now=now + timedelta(seconds=2.5)) == []
    assert status(stream) == StreamStatus.LIVE


def test_an_encoder_that_never_arrived_ends_the_stream_a_grace_period_after_going_live(registry, stream):
    heartbeat(registry, publishing=[])
    assert streams_without_publisher_end(now=stream.started_at + timedelta(seconds=1)) == []
    assert streams_without_publisher_end(now=stream.started_at + timedelta(seconds=2)) == [stream.pk]


def test_nothing_ends_when_nobody_can_tell(registry, stream, settings):
    later = timezone.now() + timedelta(hours=1)
    assert streams_without_publisher_end(now=later) == []  # no live relay worker (a restart)
    settings.REDIS_URL = ""
    assert streams_without_publisher_end(now=later) == []  # the embedded default: no registry
    assert status(stream) == StreamStatus.LIVE


def test_the_task_ends_streams_and_turns_their_hls_off(registry, alice, settings):
    settings.STREAMS_HLS = "always"
    channel = ChannelFactory(owner=alice, slug="alice")
    stream = services.stream_go_live(actor=alice, channel=channel, title="On air")
    Stream.objects.filter(pk=stream.pk).update(started_at=timezone.now() - timedelta(seconds=5))
    heartbeat(registry, publishing=[])
    assert tasks.end_streams_without_publisher() == 1
    assert status(stream) == StreamStatus.ENDED
    assert not HlsOutput.objects.filter(stopped_at__isnull=True).exists()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_and_the_owner_end_the_stream_once(registry, stream, alice):
    heartbeat(registry, publishing=[])
    later = stream.started_at + timedelta(seconds=5)
    results = run_together([
        lambda: streams_without_publisher_end(now=later),
        lambda: streams_without_publisher_end(now=later),
        lambda: services.stream_end(actor=alice, stream=stream).pk,
    ])
    ended = [value for kind, value in results[:2] if kind == "ok"]
    owner = outcome(results[2])
    assert [outcome(r) for r in results[:2]] == ["ok", "ok"]
    assert sum(len(ids) for ids in ended) + (owner == "ok") == 1  # exactly one of the three ended it
    assert owner in ("ok", "stream_ended") and status(stream) == StreamStatus.ENDED
