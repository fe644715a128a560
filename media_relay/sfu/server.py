"""The relay worker's own signalling endpoint: a WebSocket server (``websockets``).

ws://<host>:<port>/  with ``Authorization: Bearer <token>`` (or ``?token=<token>`` for
clients that cannot set headers). A missing, forged or expired token is refused at
the handshake with HTTP 401; then every text frame is one JSON signalling message
handled by media_relay.sfu.signalling. Close codes: 1000 left, 1009 frame over
``max_frame_bytes``, 4400 binary frame, 4403 kicked, 4408 media connection lost or
timed out, 4409 replaced by a newer connection of the same peer, 4429 rate limit
abuse, 4503 relay shutting down.

This endpoint is for the relay's own clients and tests in this pass; the browser will
reach the relay through Channels (signalling proxied to the worker) or WHIP/WHEP, see
docs/media_relay.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from . import hooks
from .relay import Relay
from .signalling import PeerInfo, SignallingSession
from .tokens import TokenError, verify_token

logger = logging.getLogger(__name__)


def _token_from_request(request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    query = parse_qs(urlsplit(request.path).query)
    tokens = query.get("token")
    return tokens[0] if tokens else None


class SignallingServer:
    def __init__(
        self,
        relay: Relay,
        *,
        secret: bytes,
        host: str | None = None,
        port: int | None = None,
        allowed_origins: list[str] | None = None,
    ) -> None:
        self.relay = relay
        self.config = relay.config
        self.secret = secret
        self.host = host or self.config.host
        self.port = self.config.port if port is None else port
        self.allowed_origins = allowed_origins
        self._server = None
        self._connections: set[ServerConnection] = set()

    async def start(self) -> int:
        if self.config.ice_addresses:
            hooks.restrict_host_addresses(self.config.ice_addresses)
        if self.config.socket_buffer_bytes:
            hooks.enlarge_socket_buffers(self.config.socket_buffer_bytes)
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._process_request,
            max_size=self.config.max_frame_bytes,
            ping_interval=self.config.heartbeat_interval,
            ping_timeout=self.config.heartbeat_timeout,
            close_timeout=self.config.close_timeout,
            compression=None,
            origins=self.allowed_origins,
        )
        sockets = list(self._server.sockets)
        self.port = sockets[0].getsockname()[1]
        logger.info("media relay signalling on ws://%s:%d/", self.host, self.port)
        return self.port

    async def close(self) -> None:
        for connection in list(self._connections):
            await connection.close(4503, "shutting_down")
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self.relay.close()

    def _process_request(self, connection: ServerConnection, request):
        token = _token_from_request(request)
        if not token:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "Bearer token required.\n")
        try:
            claims = verify_token(token, secret=self.secret)
        except TokenError as exc:
            return connection.respond(HTTPStatus.UNAUTHORIZED, f"Invalid token: {exc}.\n")
        connection.relay_peer = PeerInfo(
            peer_id=claims.peer, room=claims.room, name=claims.name, permissions=claims.perms, session=claims.session
        )
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        peer = getattr(connection, "relay_peer", None)
        if peer is None:  # cannot happen: process_request refused it
            await connection.close(4401, "authentication_required")
            return
        self._connections.add(connection)
        outbound: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=self.config.outbound_queue)
        closing: dict[str, Any] = {}

        def send(message: dict[str, Any]) -> None:
            try:
                outbound.put_nowait(message)
            except asyncio.QueueFull:
                # a peer that does not read its events must not hold memory or slow the room
                close(4008, "slow_consumer")

        def close(code: int, reason: str) -> None:
            if not closing:
                closing.update(code=code, reason=reason)
                try:
                    outbound.put_nowait(None)
                except asyncio.QueueFull:
                    writer.cancel()
                    asyncio.get_running_loop().create_task(connection.close(code, reason))

        session = SignallingSession(relay=self.relay, peer=peer, send=send, close=close, secret=self.secret)

        async def write() -> None:
            try:
                while True:
                    message = await outbound.get()
                    if message is None:
                        break
                    await connection.send(json.dumps(message, separators=(",", ":")))
            except ConnectionClosed:
                return
            await connection.close(closing.get("code", 1000), closing.get("reason", ""))

        writer = asyncio.get_running_loop().create_task(write())
        try:
            async for frame in connection:
                if isinstance(frame, bytes):
                    close(4400, "text_frames_only")
                    break
                await session.handle_text(frame)
                if closing:
                    break
        except ConnectionClosed:
            pass
        finally:
            await session.handle_disconnect()
            if not closing:
                close(1000, "")
            try:
                await asyncio.wait_for(writer, timeout=2)
            except (TimeoutError, asyncio.CancelledError):
                writer.cancel()
            self._connections.discard(connection)
