"""The stream socket /ws/stream/<id>/ through the real ASGI stack (config.asgi), anonymous viewers
included: the hello (numbers, no roster), viewer counts as the stream's audience (config/audience.py)
broadcasts them, at most once per AUDIENCE_BROADCAST_MS, live and ended."""

import asyncio
import math
import time
from unittest import mock

import pytest

from config.ws import CloseCode
from streams import selectors, services
from streams.events import StreamHello
from streams.models import Stream, StreamStatus
from tests.sockets import call, closed, drain, frame, login

from .factories import ChannelFactory, StreamFactory, live_stream

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("streams.tasks.notify_followers_live.delay"):
        yield


@pytest.fixture(autouse=True)
def interval(settings):
    settings.AUDIENCE_BROADCAST_MS = 300
    return settings.AUDIENCE_BROADCAST_MS / 1000


@pytest.fixture
def channel(alice):
    return ChannelFactory(owner=alice, slug="alice")


def path(stream) -> str:
    return f"/ws/stream/{stream.pk}/"


async def counts(comm, *, until: int) -> list[tuple[int, int]]:
    """The viewer counts that arrive, up to one of `until`."""
    seen = []
    while not seen or seen[-1][0] != until:
        event = await frame(comm)
        if event["type"] == "streams.viewers":
            seen.append((event["current"], event["peak"]))
    return seen


@pytest.mark.asyncio
async def test_an_anonymous_viewer_gets_the_stream_and_a_count_never_a_roster(sockets, channel, bob):
    stream = await call(live_stream, channel, title="Chess night")
    anonymous = await sockets(path(stream), None)
    hello = await frame(anonymous)
    assert anonymous.connected and set(hello) == set(StreamHello.__annotations__)
    assert hello["stream"]["title"] == "Chess night" and hello["viewers"]["current"] == 1
    assert hello["me"] == {"is_owner": False, "can_go_live": False, "can_end": False, "can_chat": False}

    signed_in = await sockets(path(stream), await call(login, bob))
    assert (await frame(signed_in))["me"]["can_chat"] is True
    assert (await counts(anonymous, until=2))[-1] == (2, 2)


@pytest.mark.asyncio
async def test_counts_are_throttled_to_one_per_interval_whatever_the_churn(sockets, channel, interval):
    stream = await call(live_stream, channel)
    watcher = await sockets(path(stream), None)
    await frame(watcher)
    for _ in range(5):  # ten changes within an interval
        extra = await sockets(path(stream), None)
        await frame(extra)
        await extra.disconnect()
    await asyncio.sleep(interval * 3)
    published = [e for e in await drain(watcher) if e["type"] == "streams.viewers"]
    assert 1 <= len(published) <= 3  # one per interval at most (the first flush covers the burst)
    assert published[-1]["current"] == 1  # (the peak is of the totals counted: churn within an interval is not one)


@pytest.mark.asyncio
async def test_a_storm_of_200_viewers_is_a_few_count_events_and_the_stream_keeps_its_figures(
        sockets, channel, bob, settings):
    settings.AUDIENCE_BROADCAST_MS = 2000  # the default
    stream = await call(live_stream, channel)
    watcher = await sockets(path(stream), await call(login, bob))
    await frame(watcher)

    async def watch():
        viewer = await sockets(path(stream), None)
        assert (await frame(viewer))["type"] == "hello"

    started = time.monotonic()
    await asyncio.gather(*(watch() for _ in range(200)))
    intervals = math.ceil((time.monotonic() - started) / 2)
    await asyncio.sleep(4.5)
    published = [(e["current"], e["peak"]) for e in await drain(watcher) if e["type"] == "streams.viewers"]
    assert 1 <= len(published) <= intervals + 1 and published[-1] == (201, 201)  # not 200 events: one an interval
    await call(stream.refresh_from_db)
    unique = stream.unique_viewers  # a HyperLogLog's estimate in Redis (0.81 % standard error)
    assert (stream.current_viewers, stream.peak_viewers) == (201, 201) and abs(unique - 201) <= 6  # stored by the broadcast
    assert await call(selectors.stream_viewers, stream=stream) == (201, 201, unique)

    await call(services.stream_end, actor=channel.owner, stream=stream)
    ended = await call(Stream.objects.get, pk=stream.pk)
    assert (ended.current_viewers, ended.peak_viewers, ended.unique_viewers) == (0, 201, unique)


@pytest.mark.asyncio
async def test_the_embedded_default_counts_in_memory(sockets, channel, settings, interval):
    settings.REDIS_URL = ""  # the audience's figures in this process (the channel layer is the test's own)
    stream = await call(live_stream, channel)
    first = await sockets(path(stream), None)
    await frame(first)
    second = await sockets(path(stream), None)
    assert (await frame(second))["viewers"] == {"current": 2, "peak": 2}
    assert (await counts(first, until=2))[-1] == (2, 2)
    await second.disconnect()
    assert (await counts(first, until=1))[-1] == (1, 2)
    assert await call(selectors.stream_viewers, stream=stream) == (1, 2, 2)


@pytest.mark.asyncio
async def test_the_owner_is_no_viewer_of_their_own_stream(sockets, channel):
    stream = await call(live_stream, channel)
    owner = await sockets(path(stream), await call(login, channel.owner))
    hello = await frame(owner)
    assert hello["viewers"]["current"] == 0 and hello["me"]["is_owner"] and hello["me"]["can_end"]


@pytest.mark.asyncio
async def test_a_scheduled_stream_going_live_then_ending_reaches_its_watchers(sockets, channel):
    stream = await call(StreamFactory, channel=channel, status=StreamStatus.SCHEDULED)
    watcher = await sockets(path(stream), None)
    assert (await frame(watcher))["stream"]["status"] == "scheduled"

    await call(services.stream_go_live, actor=channel.owner, channel=channel, stream=stream)
    event = await frame(watcher)
    while event["type"] != "streams.stream":
        event = await frame(watcher)
    assert (event["op"], event["stream"]["status"]) == ("live", "live")

    await call(services.stream_end, actor=channel.owner, stream=stream)
    event = await frame(watcher)
    while event["type"] != "streams.stream":
        event = await frame(watcher)
    assert (event["op"], event["stream"]["status"]) == ("ended", "ended")
    assert (await closed(watcher))["code"] == CloseCode.GONE


@pytest.mark.asyncio
async def test_an_ended_stream_socket_is_closed_at_once_and_an_unknown_one_refused(sockets, channel):
    stream = await call(live_stream, channel)
    await call(services.stream_end, actor=channel.owner, stream=stream)
    late = await sockets(path(stream), None)
    assert (await closed(late)) == {"type": "websocket.close", "code": CloseCode.GONE, "reason": "stream_ended"}
    unknown = await sockets("/ws/stream/999999/", None)
    assert (await closed(unknown))["code"] == CloseCode.FORBIDDEN


@pytest.mark.asyncio
async def test_sockets_connecting_together_share_one_read_of_the_stream(sockets, channel):
    stream = await call(live_stream, channel)
    with mock.patch.object(selectors, "stream_get", wraps=selectors.stream_get) as read:
        async def watch():
            assert (await frame(await sockets(path(stream), None)))["type"] == "hello"

        await asyncio.gather(*(watch() for _ in range(20)))
    assert 1 <= read.call_count <= 5  # a few reads, not one a socket


@pytest.mark.asyncio
async def test_viewers_asking_together_share_a_read_that_began_after_they_asked():
    """streams.consumers._Batched (the anonymous hello's chat): who asks while a read is under way gets the
    next one (it may have missed what was published just before it joined), and those waiting share it."""
    from streams.consumers import _Batched

    batched, reads, release = _Batched(), [], asyncio.Event()

    async def read():
        reads.append(len(reads))
        await release.wait()
        return len(reads)

    first = asyncio.ensure_future(batched.get("k", read))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the first read is under way
    later = [asyncio.ensure_future(batched.get("k", read)) for _ in range(3)]
    await asyncio.sleep(0)
    assert reads == [0]  # the later ones wait for the read under way to end
    release.set()
    assert await first == 1
    assert [await f for f in later] == [2, 2, 2] and reads == [0, 1]
