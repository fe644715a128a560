"""config/fanout.py through a real daphne process and Redis: what clients see on the wire.

Three sockets share one session (three tabs), so every event to the session's group is
fanned out to three local sockets of the daphne process in one pass.
"""

import asyncio
import contextlib
import json

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from config.realtime import EVENT_HANDLER, encode, session_group
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="the one-pass fan-out is the Redis layer's (set REDIS_URL; CI does)")

TABS = 3
BIG = 6 * 1024 * 1024  # more than a loopback socket takes at once: the rest waits in Twisted's buffer


async def open_tabs(url: str, session_key: str):
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}", "Origin": url}
    sockets = [await connect(url.replace("http", "ws") + "/ws/me/", additional_headers=headers, max_size=None) for _ in range(TABS)]
    for socket in sockets:
        assert json.loads(await socket.recv())["type"] == "hello"
    return sockets


async def events(socket, count: int) -> list[dict]:
    out = []
    while len(out) < count:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if frame["type"] == "test.fanout":
            out.append(frame)
    return out


@pytest.fixture
def session_key(asgi_server):
    client = Client()
    client.force_login(UserFactory())
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_every_tab_gets_every_event_in_order_including_one_bigger_than_the_socket_buffer(asgi_server, session_key):
    async def scenario():
        sockets = await open_tabs(asgi_server.url, session_key)
        layer, group = get_channel_layer(), session_group(session_key)
        for n in range(200):
            text = encode({"type": "test.fanout", "n": n, "pad": "x" * BIG}) if n == 100 else encode({"type": "test.fanout", "n": n})
            await layer.group_send(group, {"type": EVENT_HANDLER, "text": text})
        received = [await events(socket, 200) for socket in sockets]
        for socket in sockets:
            await socket.close()
        return received

    for tab in asyncio.run(scenario()):
        assert [e["n"] for e in tab] == list(range(200))
        assert len(tab[100]["pad"]) == BIG


def test_an_event_that_closes_the_sockets_is_the_last_thing_they_receive(asgi_server, session_key):
    async def scenario():
        sockets = await open_tabs(asgi_server.url, session_key)
        layer, group = get_channel_layer(), session_group(session_key)
        await layer.group_send(group, {"type": EVENT_HANDLER, "text": encode({"type": "test.fanout", "n": 0})})
        await layer.group_send(group, {
            "type": EVENT_HANDLER, "text": encode({"type": "test.fanout", "n": 1}), "close": {"disconnect": "session_ended", "reason": "signed_out"},
        })
        for n in range(2, 50):
            await layer.group_send(group, {"type": EVENT_HANDLER, "text": encode({"type": "test.fanout", "n": n})})
        seen = []
        for socket in sockets:
            frames = []
            with contextlib.suppress(ConnectionClosed):  # until the server closes
                while True:
                    frames.append(json.loads(await asyncio.wait_for(socket.recv(), 10)))
            seen.append(([f["n"] for f in frames if f["type"] == "test.fanout"], socket.close_code, socket.close_reason))
        return seen

    assert asyncio.run(scenario()) == [([0, 1], 4409, "signed_out")] * TABS
