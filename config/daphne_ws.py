"""daphne's WebSocket objects, which the ASGI interface hides, in one place (used by config/fanout.py).

daphne passes `partial(server.handle_reply, protocol)` to the application as `send`; the
outermost WebSocket middleware picks the protocol (autobahn's, on a Twisted TCP transport)
out of it. Everything here relies on daphne 4, autobahn and Twisted internals that
tests/test_daphne_ws.py and tests/e2e/test_fanout_daphne.py check against the installed versions.
"""

import functools
import pprint

from autobahn.websocket import protocol as autobahn_protocol
from autobahn.websocket.protocol import WebSocketProtocol
from daphne.server import Server
from twisted.internet import tcp

SCOPE_KEY = "wt.direct_socket"


class DirectSocket:
    """One open WebSocket of this process that events may be written to without the ASGI stack."""

    __slots__ = ("consumer", "protocol", "server", "staged")

    def __init__(self, consumer, protocol, server: Server):
        self.consumer, self.protocol, self.server = consumer, protocol, server
        self.staged: list[bytes] = []

    def stage(self, frame: bytes) -> bool:
        """Hold a frame for write_staged(); True when it is the first one since the last flush."""
        self.staged.append(frame)
        return len(self.staged) == 1

    def write_staged(self) -> None:
        frames, self.staged = self.staged, []
        if frames and self.writable():  # a socket that closed meanwhile gets nothing more
            self.write(frames[0] if len(frames) == 1 else b"".join(frames))

    def writable(self) -> bool:
        # What daphne's handle_reply and autobahn's sendMessage check before a send.
        connection = self.server.connections.get(self.protocol)
        return (
            not self.consumer.is_closing
            and connection is not None
            and "disconnected" not in connection
            and self.protocol.state == WebSocketProtocol.STATE_OPEN
        )

    def write(self, frame: bytes) -> None:
        # Like libuv's try-write: send at once when nothing is buffered. Twisted's write()
        # registers the socket for writability and sends on the next loop turn, two epoll
        # changes per socket per event. Whatever the kernel does not take goes to Twisted.
        transport = self.protocol.transport
        if isinstance(transport, tcp.Connection) and not transport.dataBuffer and not transport._tempDataBuffer:
            try:
                sent = transport.socket.send(frame)
            except OSError:  # full (EAGAIN) or broken: Twisted's write path deals with both
                sent = 0
            if sent == len(frame):
                return
            frame = frame[sent:]
        transport.write(frame)


def daphne_connection(send) -> tuple[Server, object] | None:
    """daphne passes `partial(server.handle_reply, protocol)` as the application's send."""
    if isinstance(send, functools.partial) and isinstance(getattr(send.func, "__self__", None), Server):
        protocol = send.args[0]
        if getattr(protocol, "_perMessageCompress", None) is None:  # a compressed socket frames per message
            return send.func.__self__, protocol
    return None


class DaphneSocketMiddleware:
    """Outermost WebSocket middleware: keeps daphne's protocol in the scope and sends close reasons.

    daphne drops the `reason` of `websocket.close` (ASGI 2.3); our close codes come with one
    (docs/realtime.md), so an open socket is closed through autobahn with its reason instead.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        connection = daphne_connection(send)
        if connection is None:
            return await self.app(scope, receive, send)
        protocol = connection[1]

        async def send_with_close_reason(message):
            if message["type"] == "websocket.close" and message.get("code") is not None:
                # autobahn refuses anything but a plain int (an IntEnum such as CloseCode included)
                # and then fails the connection with 1011
                message = {**message, "code": int(message["code"])}
            if message["type"] == "websocket.close" and message.get("reason") and protocol.state == WebSocketProtocol.STATE_OPEN:
                reason = message["reason"].encode()[:123].decode(errors="ignore")  # a close frame holds 123 bytes
                protocol.sendClose(code=message.get("code") or 1000, reason=reason)
            else:
                await send(message)

        return await self.app({**scope, SCOPE_KEY: connection}, receive, send_with_close_reason)


class LazyPformat:
    """pprint.pformat(value), formatted only if something renders it (a debug log line that is enabled)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __str__(self) -> str:
        return pprint.pformat(self.value)

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def defer_autobahn_debug_formatting() -> None:
    """autobahn pretty-prints its ~30 options for a debug log line on every new connection, logged
    or not: ~7 % of daphne's CPU in a viewer storm (bench/README.md, "Viewer storms")."""
    autobahn_protocol.pformat = LazyPformat
    autobahn_protocol.Timings.__str__ = lambda timings: pprint.pformat(timings._timings)  # must return a str
