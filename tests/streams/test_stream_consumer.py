"""The stream socket /ws/stream/<id>/ through the real ASGI stack (config.asgi), anonymous viewers
included: the hello (numbers, no roster), viewer counts at most once a second, live and ended."""

import asyncio
from unittest import mock

import pytest

from config.ws import CloseCode
from streams import services
from streams.events import StreamHello
from streams.models import StreamStatus
from tests.sockets import call, closed, drain, frame, login

from .factories import ChannelFactory, StreamFactory, live_stream

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_celery():
    with mock.patch("streams.tasks.notify_followers_live.delay"):
        yield


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
async def test_counts_are_throttled_to_one_a_second_whatever_the_churn(sockets, channel):
    stream = await call(live_stream, channel)
    watcher = await sockets(path(stream), None)
    await frame(watcher)
    for _ in range(5):  # ten changes within a second
        extra = await sockets(path(stream), None)
        await frame(extra)
        await extra.disconnect()
    await asyncio.sleep(2.2)
    published = [e for e in await drain(watcher) if e["type"] == "streams.viewers"]
    assert 1 <= len(published) <= 3  # one per second at most (the first tick covers the burst)
    assert published[-1]["current"] == 1 and published[-1]["peak"] >= 2


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
