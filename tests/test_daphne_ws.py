"""config/daphne_ws.py against the installed daphne and autobahn (the wire is in tests/e2e/test_fanout_daphne.py).

Upgrade check for the fast path (daphne, autobahn, Twisted and channels-redis are pinned together in
requirements.txt because config/fanout.py and config/daphne_ws.py use their private internals):

1. raise the pins in requirements.txt, `make lock`, `make deps`;
2. run this module, tests/test_fanout.py and tests/e2e/test_fanout_daphne.py (and the real-server
   close-code tests) — they fail on a moved internal;
3. run the consumer tests with WS_FAST_PATH=false too (`make test` does), and
   `bench/chat_fanout.py --sizes 10,500 --repeat 1` to see the fan-out ratio still holds;
4. if an internal moved and cannot be followed, ship with WS_FAST_PATH=false (stock layer and
   daphne) until it is.
"""

import asyncio
import functools
import os
import subprocess
import sys

import pytest
from autobahn.websocket.protocol import WebSocketProtocol
from daphne.server import Server

from config.daphne_ws import SCOPE_KEY, DaphneSocketMiddleware, daphne_connection


class Protocol:
    """Stands in for daphne's WebSocketProtocol (an autobahn protocol)."""

    _perMessageCompress = None
    state = WebSocketProtocol.STATE_OPEN

    def __init__(self):
        self.closes, self.daphne_replies = [], []

    def sendClose(self, code=None, reason=None):
        self.closes.append((code, reason))

    def handle_reply(self, message):  # daphne's own path: serverClose(code) loses the reason
        self.daphne_replies.append(message)


@pytest.fixture
def server():
    server = Server(application=None, endpoints=["tcp:port=0"])
    server.connections = {}  # set by Server.run()
    return server


def run(app, send):
    async def call():
        await DaphneSocketMiddleware(app)({"type": "websocket"}, None, send)

    asyncio.run(call())


def test_the_socket_is_found_in_daphnes_send_and_nowhere_else(server):
    protocol = Protocol()

    async def other_servers_send(message):
        pass

    assert daphne_connection(functools.partial(server.handle_reply, protocol)) == (server, protocol)
    assert daphne_connection(other_servers_send) is None
    compressed = Protocol()
    compressed._perMessageCompress = object()  # permessage-deflate frames differ per socket
    assert daphne_connection(functools.partial(server.handle_reply, compressed)) is None


def test_the_consumer_finds_the_socket_in_its_scope(server):
    protocol, seen = Protocol(), []

    async def app(scope, receive, send):
        seen.append(scope.get(SCOPE_KEY))

    run(app, functools.partial(server.handle_reply, protocol))
    run(app, app)  # not daphne: nothing added
    assert seen == [(server, protocol), None]


def test_a_close_with_a_reason_reaches_the_client_with_its_reason(server):
    protocol = Protocol()
    server.connections[protocol] = {}

    async def app(scope, receive, send):
        await send({"type": "websocket.close", "code": 4403, "reason": "room_private"})
        await send({"type": "websocket.close", "code": 4410, "reason": "x" * 200})
        await send({"type": "websocket.close", "code": 1000})

    run(app, functools.partial(server.handle_reply, protocol))
    assert protocol.closes == [(4403, "room_private"), (4410, "x" * 123)]
    assert protocol.daphne_replies == [{"type": "websocket.close", "code": 1000}]


def test_a_socket_not_yet_open_is_refused_the_daphne_way(server):
    protocol = Protocol()
    protocol.state = WebSocketProtocol.STATE_CONNECTING
    server.connections[protocol] = {}

    async def app(scope, receive, send):
        await send({"type": "websocket.close", "code": 4401, "reason": "authentication_required"})

    run(app, functools.partial(server.handle_reply, protocol))
    assert protocol.closes == []  # daphne rejects the handshake itself (HTTP 403)
    assert protocol.daphne_replies == [{"type": "websocket.close", "code": 4401, "reason": "authentication_required"}]


@pytest.mark.parametrize("fast_path, layer, websocket_app", [
    ("true", "config.fanout.FanoutChannelLayer", "DaphneSocketMiddleware"),
    ("false", "channels_redis.pubsub.RedisPubSubChannelLayer", "WebSocketOutageGuard"),
])
def test_the_fast_path_setting_picks_the_layer_and_the_socket_middleware(fast_path, layer, websocket_app):
    code = ("from django.conf import settings; import config.asgi as asgi; "
            "print(settings.CHANNEL_LAYERS['default']['BACKEND'], "
            "type(asgi.application.application_mapping['websocket']).__name__)")
    env = {**os.environ, "WS_FAST_PATH": fast_path, "REDIS_URL": "redis://127.0.0.1:6379/0",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [layer, websocket_app]


def test_autobahns_per_connection_debug_dump_is_only_formatted_when_rendered():
    import pprint

    from autobahn.websocket import protocol as autobahn_protocol

    from config.daphne_ws import LazyPformat, defer_autobahn_debug_formatting

    defer_autobahn_debug_formatting()
    options = [("openHandshakeTimeout", 5, "WebSocketServerFactory")]
    assert autobahn_protocol.pformat is LazyPformat  # what _connectionMade calls for its debug line
    lazy = autobahn_protocol.pformat(options)
    assert f"\n{lazy}" == f"\n{lazy}" == "\n" + pprint.pformat(options)  # a rendered line is unchanged
    timings = autobahn_protocol.Timings()
    timings.track("x")
    assert isinstance(str(timings), str)
