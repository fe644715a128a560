"""Sockets through the real ASGI stack (config.asgi: origin check → session auth → router → consumer).

    comm = await sockets("/ws/rooms/abc/", await call(login, alice))
    hello = await frame(comm)
    await quiet(comm)          # nothing else is on its way (a ping's pong comes next)
    events = await drain(comm) # every frame up to that pong

Every event a socket receives is checked against its declared shape (config.event_schema).
A communicator opened with skip=predicate ignores the outputs the predicate matches (e.g. other
apps' events on /ws/me/) in frame, closed and quiet.
"""

import asyncio
import contextlib
import itertools
import json

import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.event_schema import check
from config.fanout import FanoutChannelLayer

ORIGIN = b"http://localhost"
WAIT = 5  # seconds; generous for the Redis pub/sub layer in CI
CLOSED_QUIET = 0.5  # a closed socket answers no ping: how long "receives nothing" listens there
_refs = itertools.count()


def application():
    from config.asgi import application as asgi_application

    return asgi_application


def login(user) -> str:
    """Sign in like a browser (the login signal ends the account's other sessions); return the session key."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def call(fn, /, *args, **kwargs):
    """Run sync code (services, ORM) as a view would: in a worker thread, with its own transactions."""
    return database_sync_to_async(fn)(*args, **kwargs)


async def open_socket(path: str, session_key: str | None, *, origin: bytes | None = ORIGIN, skip=None):
    headers = [(b"origin", origin)] if origin is not None else []
    if session_key is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    comm = WebsocketCommunicator(application(), path, headers=headers)
    comm.skip, comm.is_closed = skip, False
    comm.connected, comm.close_code = await comm.connect(timeout=WAIT)
    return comm


async def disconnect_all(opened: list[WebsocketCommunicator]) -> None:
    for comm in opened:
        with contextlib.suppress(asyncio.CancelledError):  # a timed-out receive already cancelled it
            await comm.disconnect(timeout=WAIT)


@pytest_asyncio.fixture
async def sockets():
    """open(path, session_key) → a connected communicator; every one is disconnected at the end."""
    opened: list[WebsocketCommunicator] = []

    async def open_(path: str, session_key: str | None, **options):
        opened.append(await open_socket(path, session_key, **options))
        return opened[-1]

    yield open_
    await disconnect_all(opened)


async def output(comm) -> dict:
    """The next output the communicator does not skip."""
    while True:
        out = await comm.receive_output(timeout=WAIT)
        if not (comm.skip and comm.skip(out)):
            return out


async def frame(comm) -> dict:
    """The next frame, decoded; an event (a dotted type) must match its declared shape."""
    out = await output(comm)
    assert out["type"] == "websocket.send", out
    received = json.loads(out["text"])
    if "." in received.get("type", ""):
        check(received)
    return received


async def frames(comm, count: int) -> list[dict]:
    return [await frame(comm) for _ in range(count)]


async def closed(comm) -> dict:
    """The next output must be the server closing the socket."""
    out = await output(comm)
    assert out["type"] == "websocket.close", out
    comm.is_closed = True
    return out


async def layer_barrier() -> None:
    """Return once the channel layer has delivered everything published before (a message sent through
    it to a channel of our own comes back after them: Redis pub/sub keeps publish order) and the
    consumers have handled it."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "test.barrier"})
    await asyncio.wait_for(layer.receive(channel), WAIT)
    if isinstance(layer, FanoutChannelLayer):
        layer.detach(channel)  # config.fanout counts a message as queued until handled: this one is
    await asyncio.wait_for(_consumers_caught_up(layer), WAIT)


async def _consumers_caught_up(layer) -> None:
    """Every consumer has handled what the layer queued for it. A consumer takes its socket's messages and
    its channel's turn by turn, the socket's first (channels' await_many_dispatch), so a ping sent while
    events still sit in its queue would be answered before them."""
    loop_layer = layer._get_layer() if hasattr(layer, "_get_layer") else layer

    def waiting() -> bool:
        if isinstance(layer, FanoutChannelLayer):  # counted down once the consumer has handled it
            return any(channel in loop_layer.channels for channel in loop_layer.queued)  # and is still open
        return any(not queue.empty() for queue in loop_layer.channels.values())

    while waiting():
        await asyncio.sleep(0.001)


async def drain(comm) -> list[dict]:
    """Every frame on its way, up to a round-trip sentinel: past the channel layer, a ping's pong (the
    server handles a socket's messages in order, so whatever it sent before the pong arrives before it)."""
    await layer_barrier()
    ref = f"sentinel-{next(_refs)}"
    await comm.send_json_to({"type": "ping", "ref": ref})
    received = []
    while (reply := await frame(comm))["type"] != "pong" or reply.get("ref") != ref:
        received.append(reply)
    return received


async def quiet(comm) -> None:
    """Nothing is on its way."""
    if comm.is_closed:  # a closed socket answers no ping
        assert await comm.receive_nothing(timeout=CLOSED_QUIET), "a frame after the close"
        return
    unexpected = await drain(comm)
    assert unexpected == [], f"unexpected frames: {unexpected}"
