"""config/fanout.py: which events go straight to a socket and which wait in its queue.

The layer's routing is checked here with stand-in sockets (no Redis connection is opened:
deliver() is what the Redis receive loop calls); tests/e2e/test_fanout_daphne.py runs the
real thing through daphne.
"""

import asyncio
import uuid

import pytest
from autobahn.websocket.protocol import PreparedMessage
from django.conf import settings

from config.daphne_ws import DirectSocket
from config.fanout import FanoutChannelLayer, FanoutLoopLayer
from config.realtime import EVENT_HANDLER, encode


class Socket(DirectSocket):
    """A DirectSocket whose daphne side is a list of the bytes written."""

    def __init__(self):
        super().__init__(consumer=None, protocol=None, server=None)
        self.frames: list[bytes] = []
        self.open = True

    def writable(self):
        return self.open

    def write(self, data):
        self.frames.append(data)


async def turn():
    """Let the loop run what was scheduled (the layer's flush)."""
    await asyncio.sleep(0)


@pytest.fixture
def layer():
    outer = FanoutChannelLayer(hosts=["redis://127.0.0.1:6379/0"])
    return FanoutLoopLayer(hosts=["redis://127.0.0.1:6379/0"], channel_layer=outer)


def member(layer, name, *, attached=True):
    layer.channels[name] = asyncio.Queue()
    socket = Socket()
    if attached:
        layer.sockets[name] = socket
    return socket


def event(layer, n, **extra) -> bytes:
    return layer.channel_layer.serialize({"type": EVENT_HANDLER, "text": encode({"type": "t.e", "n": n}), **extra})


def frame_of(n) -> bytes:
    return PreparedMessage(encode({"type": "t.e", "n": n}).encode(), False, False, False).payloadHybi


def queued(layer, name) -> list[int]:
    queue = layer.channels[name]
    out = []
    while not queue.empty():
        out.append(layer.channel_layer.deserialize(queue.get_nowait()))
    return out


@pytest.mark.asyncio
async def test_an_event_is_framed_once_and_written_to_every_attached_socket(layer):
    a, b = member(layer, "a"), member(layer, "b")

    layer.deliver({"a", "b"}, event(layer, 1))
    await turn()

    assert a.frames == b.frames == [frame_of(1)]
    assert a.frames[0] is b.frames[0]  # one frame object for the whole group
    assert layer.channels["a"].empty() and layer.channels["b"].empty()


@pytest.mark.asyncio
async def test_a_frame_is_an_unmasked_final_text_frame_with_the_encoded_event(layer):
    a = member(layer, "a")
    layer.deliver({"a"}, event(layer, 7))
    await turn()
    frame = a.frames[0]
    text = encode({"type": "t.e", "n": 7}).encode()
    assert frame[0] == 0x81 and frame[1] == len(text) and frame[2:] == text


@pytest.mark.asyncio
async def test_sockets_not_attached_or_not_open_get_the_event_queued(layer):
    member(layer, "consumer-only", attached=False)  # another ASGI server, a test communicator, still connecting
    closed = member(layer, "closed")
    closed.open = False

    layer.deliver({"consumer-only", "closed"}, event(layer, 1))
    await turn()

    assert closed.frames == []
    assert [m["text"] for m in queued(layer, "consumer-only")] == [encode({"type": "t.e", "n": 1})]
    assert len(queued(layer, "closed")) == 1


@pytest.mark.asyncio
async def test_an_event_that_closes_the_socket_is_queued_and_so_is_everything_after_it(layer):
    a, b = member(layer, "a"), member(layer, "b")

    layer.deliver({"a"}, event(layer, 1, close={"disconnect": "session_ended", "reason": "session_ended"}))
    layer.deliver({"a", "b"}, event(layer, 2))
    layer.deliver({"a", "b"}, event(layer, 3))
    await turn()

    assert b.frames == [frame_of(2) + frame_of(3)]  # one write for the loop turn
    assert a.frames == []  # 2 and 3 wait behind the close, which the consumer handles first (and then drops them)
    assert layer.queued == {"a": 3}


@pytest.mark.asyncio
async def test_direct_writes_resume_once_the_consumer_has_handled_its_queue(layer):
    a = member(layer, "a", attached=False)
    layer.deliver({"a"}, event(layer, 1))  # while connecting
    layer.sockets["a"] = a  # attached after on_connected
    layer.deliver({"a"}, event(layer, 2))
    await turn()
    assert a.frames == []  # 2 must not overtake 1

    layer.handled("a")
    layer.handled("a")
    layer.deliver({"a"}, event(layer, 3))
    await turn()

    assert [m["text"] for m in queued(layer, "a")] == [encode({"type": "t.e", "n": n}) for n in (1, 2)]
    assert a.frames == [frame_of(3)]
    assert layer.queued == {}


@pytest.mark.asyncio
async def test_other_message_types_take_the_consumer_path(layer):
    a = member(layer, "a")
    layer.deliver({"a"}, layer.channel_layer.serialize({"type": "something.else", "x": 1}))
    assert a.frames == [] and layer.queued == {"a": 1}


@pytest.mark.asyncio
async def test_detach_forgets_the_socket_and_its_queue_count(layer):
    member(layer, "a")
    layer.deliver({"a"}, event(layer, 1, close={"disconnect": "gone", "reason": "room_closed"}))
    layer.detach("a")
    assert "a" not in layer.sockets and layer.queued == {}


@pytest.mark.asyncio
async def test_channels_that_left_the_process_are_skipped(layer):
    layer.deliver({"gone"}, event(layer, 1))
    assert layer.queued == {}


@pytest.mark.asyncio
async def test_a_sockets_staged_frames_leave_before_its_consumer_handles_a_later_event(layer):
    a = member(layer, "a")
    seen_by_consumer = []

    async def consumer():  # what channels' consumer loop does with the queue
        await layer.channels["a"].get()
        seen_by_consumer.append(list(a.frames))

    task = asyncio.create_task(consumer())
    await turn()
    layer.deliver({"a"}, event(layer, 1))  # staged
    layer.deliver({"a"}, event(layer, 2, close={"disconnect": "session_ended", "reason": "signed_out"}))  # queued, wakes the consumer
    await task

    assert seen_by_consumer == [[frame_of(1)]]


@pytest.mark.asyncio
async def test_a_socket_that_closes_before_the_flush_gets_nothing(layer):
    a = member(layer, "a")
    layer.deliver({"a"}, event(layer, 1))
    a.open = False
    await turn()
    assert a.frames == []


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
@pytest.mark.asyncio
async def test_a_sockets_own_channel_costs_no_redis_subscription_and_still_receives_what_is_sent_to_it():
    prefix = f"asgi-test-{uuid.uuid4().hex[:8]}"
    here = FanoutChannelLayer(hosts=[settings.REDIS_URL], prefix=prefix)
    there = FanoutChannelLayer(hosts=[settings.REDIS_URL], prefix=prefix)  # another process
    try:
        channels = [await here.new_channel() for _ in range(3)]
        shard = here._get_layer()._shards[0]
        assert len(shard._subscribed_to) == 1  # the process's inbox only, whatever the number of sockets

        await there.send(channels[1], {"type": "t.direct", "n": 7})

        assert await asyncio.wait_for(here.receive(channels[1]), 5) == {"type": "t.direct", "n": 7}
        assert all(here._get_layer().channels[c].empty() for c in (channels[0], channels[2]))
    finally:
        await here.flush()
        await there.flush()
