"""The base of every WebSocket consumer: auth, groups, limits, validation, dispatch.

Protocol (docs/realtime.md): the client sends JSON objects `{"type": ..., "ref"?: ...}`;
the server sends events `{"type": "<app>.<noun>", "op": ...}` and error frames
`{"type": "error", "code", "message", "extra", "ref"}`. Protocol abuse closes the
connection with one of CloseCode.
"""

import asyncio
import json
import time
from collections.abc import Callable
from enum import IntEnum

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from rest_framework import serializers

from config.disconnects import Disconnect
from config.errors import ApplicationError, CommonError, error_body
from config.fanout import FanoutChannelLayer
from config.metrics import WS_CLOSES, WS_CONNECT_SECONDS, WS_CONNECTS, WS_MESSAGE_SECONDS, WS_MESSAGES, WS_OPEN
from config.realtime import EVENT_HANDLER, RESYNC_CLOSE_CODE, encode, session_group


class CloseCode(IntEnum):
    PROTOCOL_ERROR = 4400  # binary frame
    NOT_AUTHENTICATED = 4401  # no valid session
    FORBIDDEN = 4403  # signed in, but not allowed here
    SESSION_ENDED = 4409  # signed in elsewhere, signed out, or account deactivated
    GONE = 4410  # the room (or stream) closed
    BANNED = 4451  # the account is suspended (platform ban) or banned from this room/channel/guild: don't reconnect
    MESSAGE_TOO_BIG = 4413
    RATE_LIMITED = 4429
    RESYNC = RESYNC_CLOSE_CODE  # events may be lost or Redis is down: reconnect with backoff, then resync


# What each reason a service gives for ending sockets (config.disconnects) closes them with
# (sent as a plain int: autobahn refuses an IntEnum).
CLOSE_CODES = {
    Disconnect.FORBIDDEN: CloseCode.FORBIDDEN,
    Disconnect.GONE: CloseCode.GONE,
    Disconnect.SESSION_ENDED: CloseCode.SESSION_ENDED,
    Disconnect.BANNED: CloseCode.BANNED,
    Disconnect.RESYNC: CloseCode.RESYNC,
}


class SessionHooks:
    """How a socket checks that its session is still live and tells the client it ended.

    The account layer registers both in its AppConfig.ready (accounts/apps.py): plumbing
    imports no app.
    """

    is_current: Callable[..., bool]  # (session_key=..., user_id=...) -> bool
    ended_event: Callable[..., dict]  # (reason=...) -> the session.force_logout event


def register_session_hooks(*, is_current: Callable[..., bool], ended_event: Callable[..., dict]) -> None:
    SessionHooks.is_current = staticmethod(is_current)
    SessionHooks.ended_event = staticmethod(ended_event)


def handles(message_type: str, serializer_class: type[serializers.Serializer] | None = None):
    """Declare a consumer method as the handler of one client message type and its shape."""

    def decorate(method):
        method.ws_message = (message_type, serializer_class)
        return method

    return decorate


class PingSerializer(serializers.Serializer):
    t = serializers.FloatField(required=False, help_text="client clock, ms")
    active = serializers.BooleanField(required=False, default=True, help_text="tab visible and user not idle")


class ChatSendSerializer(serializers.Serializer):
    """`chat.send` in every chat (rooms, guilds): the service enforces the length with a clear code."""

    body = serializers.CharField(max_length=2000, trim_whitespace=False)


class ChatDeleteSerializer(serializers.Serializer):
    id = serializers.IntegerField()


def run(function):
    """A service call from a consumer, on Channels' database thread."""
    return database_sync_to_async(function)


class TokenBucket:
    def __init__(self, burst: int, per_second: float):
        self.capacity, self.rate = burst, per_second
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class BaseConsumer(AsyncWebsocketConsumer):
    handlers: dict[str, tuple[str, type[serializers.Serializer] | None]] = {}
    is_closing = False  # set once the server closes: nothing more goes out or gets handled
    # Sockets open to anyone (a public stream's viewers): no session group, no session re-check on ping.
    allows_anonymous = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.handlers = {}
        for klass in reversed(cls.__mro__):
            for name, attr in vars(klass).items():
                if hasattr(attr, "ws_message"):
                    message_type, serializer_class = attr.ws_message
                    cls.handlers[message_type] = (name, serializer_class)

    # -- lifecycle ---------------------------------------------------------------
    async def connect(self):
        self.user = self.scope["user"]
        self.joined: list[str] = []
        self.bucket = TokenBucket(settings.WS_RATE_BURST, settings.WS_RATE_PER_SECOND)
        started = time.perf_counter()
        await self.accept()
        WS_CONNECTS.labels(type(self).__name__).inc()
        WS_OPEN.labels(type(self).__name__).inc()
        self.counted_open = True
        if not self.user.is_authenticated and not self.allows_anonymous:
            await self.close(code=CloseCode.NOT_AUTHENTICATED, reason="authentication_required")
            return
        if getattr(self.user, "is_suspended", False):  # a platform ban (accounts.User.suspended_until)
            await self.close(code=CloseCode.BANNED, reason="account_suspended")
            return
        self.session_key = self.scope["session"].session_key if self.user.is_authenticated else None
        try:
            extra_groups = await self.authorize()
        except ApplicationError as err:
            await self.close(code=CloseCode.FORBIDDEN, reason=err.code)
            return
        session_groups = [session_group(self.session_key)] if self.session_key else []
        for group in (*session_groups, *extra_groups):
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.append(group)
        await self.on_connected()
        if isinstance(self.channel_layer, FanoutChannelLayer):
            # Events may now be written to this socket directly (config/fanout.py), after
            # whatever on_connected sent (e.g. a room's state).
            self.channel_layer.attach(self.channel_name, self, self.scope)
        WS_CONNECT_SECONDS.labels(type(self).__name__).observe(time.perf_counter() - started)

    async def disconnect(self, code):
        if getattr(self, "counted_open", False):
            WS_OPEN.labels(type(self).__name__).dec()
            self.counted_open = False
        WS_CLOSES.labels(type(self).__name__, str(code)).inc()
        if isinstance(self.channel_layer, FanoutChannelLayer):
            self.channel_layer.detach(self.channel_name)
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.joined:
            await self.on_disconnected()

    async def authorize(self) -> list[str]:
        """Check access to this socket's resource; return the extra groups to join."""
        return []

    async def on_connected(self):
        pass

    async def on_disconnected(self):
        pass

    # -- inbound -------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if not self.joined or self.is_closing:  # refused or closed by us: drop frames that were already in flight
            return
        if text_data is None:
            await self.close(code=CloseCode.PROTOCOL_ERROR, reason="text_frames_only")
            return
        if len(text_data.encode()) > settings.WS_MAX_MESSAGE_BYTES:
            await self.close(code=CloseCode.MESSAGE_TOO_BIG, reason="message_too_big")
            return
        if not self.bucket.take():
            await self.close(code=CloseCode.RATE_LIMITED, reason="rate_limited")
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self.send_error(ApplicationError(CommonError.INVALID_JSON, "Messages must be JSON objects."))
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send_error(ApplicationError(CommonError.INVALID_MESSAGE, "A message is an object with a string 'type'."))
            return
        ref = message.get("ref")
        handler = self.handlers.get(message["type"])
        if handler is None:
            await self.send_error(
                ApplicationError(CommonError.UNKNOWN_TYPE, f"Unknown message type '{message['type'][:40]}'.",
                                 {"known": sorted(self.handlers)}),
                ref,
            )
            return
        method_name, serializer_class = handler
        data = message
        if serializer_class is not None:
            serializer = serializer_class(data=message)
            if not serializer.is_valid():
                await self.send_error(ApplicationError(CommonError.INVALID, "Invalid message.", {"fields": serializer.errors}), ref)
                return
            data = serializer.validated_data
        started = time.perf_counter()
        try:
            await getattr(self, method_name)(data, ref)
        except ApplicationError as err:
            await self.send_error(err, ref)
        consumer, kind = type(self).__name__, message["type"]  # a declared type: bounded labels
        WS_MESSAGES.labels(consumer, kind).inc()
        WS_MESSAGE_SECONDS.labels(consumer, kind).observe(time.perf_counter() - started)

    @handles("ping", PingSerializer)
    async def handle_ping(self, data, ref):
        """Keep-alive and clock sample. Re-checks the session, which may have ended.

        The pong carries when the ping arrived and when the pong left, so the client's clock
        estimate isn't biased by the work done in between (static/js/sync.js).
        """
        received = time.time() * 1000
        if self.session_key and not await database_sync_to_async(SessionHooks.is_current)(
            session_key=self.session_key, user_id=self.user.pk
        ):
            await self.end_session("session_expired")
            return
        await self.on_heartbeat(data)
        await self.send_json(
            {"type": "pong", "ref": ref, "t": data.get("t"), "server_received": received, "server_time": time.time() * 1000}
        )

    async def on_heartbeat(self, data: dict):
        pass

    # -- outbound ------------------------------------------------------------------
    async def send_json(self, payload: dict):
        await self.send(text_data=encode(payload))

    async def send_error(self, err: ApplicationError, ref=None):
        await self.send_json({"type": "error", **error_body(err.code, err.message, err.extra), "ref": ref})

    async def dispatch(self, message):
        # Channels' dispatch runs its database connection cleanup on the database thread before
        # every handler: a thread hop per socket per event (about half of fan-out's CPU) and per
        # connect and disconnect (a third of a viewer storm's; bench/README.md). Consumers here
        # reach the database only through database_sync_to_async (`run`), which does that cleanup
        # itself, on its own trip; so no message pays for it twice.
        if message["type"] == EVENT_HANDLER:
            await self.realtime_event(message)
        else:
            handler = getattr(self, get_handler_name(message), None)
            if handler is None:
                raise ValueError(f"No handler for message type {message['type']}")
            await handler(message)
        if not message["type"].startswith("websocket.") and isinstance(self.channel_layer, FanoutChannelLayer):
            self.channel_layer.handled(self.channel_name)

    async def realtime_event(self, message):
        """Every event published through config.realtime arrives here, already encoded."""
        if self.is_closing:  # e.g. kicked: events queued before we left the groups are not for this socket
            return
        if message["text"] is not None:  # config.realtime.resync_message only closes
            await self.send(text_data=message["text"])
        if "close" in message:
            close = message["close"]
            await self.close(code=int(CLOSE_CODES[Disconnect(close["disconnect"])]), reason=close["reason"])

    async def close(self, code=None, reason=None):
        """Close from the server end: the close frame leaves first, then the groups are left (each a
        channel-layer call: a ban's close used to wait for all of them; bench/ban_propagation.py). Nothing
        more is sent after websocket.close (ASGI): is_closing drops this consumer's events and the fan-out
        layer stops writing to the socket directly."""
        self.is_closing = True
        if isinstance(self.channel_layer, FanoutChannelLayer):
            self.channel_layer.detach(self.channel_name)
        await super().close(code=code, reason=reason)
        await asyncio.gather(*(self.channel_layer.group_discard(group, self.channel_name)
                               for group in getattr(self, "joined", [])))

    async def end_session(self, reason: str):
        await self.send_json(SessionHooks.ended_event(reason=reason))
        await self.close(code=CloseCode.SESSION_ENDED, reason=reason)
