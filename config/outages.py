"""What clients get while PostgreSQL or Redis is down, and from any unhandled API error.

- HTTP: 503 with Retry-After, in the error shape under /api/ and a plain "back in a moment"
  page elsewhere; any other unhandled error under /api/ is a 500 in the error shape, DEBUG or not.
- WebSocket: a socket that needs Redis while it is down (the handshake's session, its channel,
  its groups) closes with RESYNC_CLOSE_CODE, reason "unavailable", instead of HTTP 500 or 1011:
  the client reconnects with backoff and resyncs (docs/realtime.md).
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.errors import api_server_error, is_api, service_unavailable
from config.realtime import RESYNC_CLOSE_CODE

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)


@receiver(got_request_exception)
def remember_unhandled_exception(sender, request=None, **kwargs):
    """Django turns an exception into a 500 in whichever middleware it rose; keep it for OutageMiddleware."""
    if request is not None:
        request.unhandled_exception = sys.exc_info()[1]


class OutageMiddleware:
    """First in MIDDLEWARE: replaces the 500 of an outage or of an API error (Django's debug page included).

    An outage met in a view is answered at once (process_exception), without a traceback logged
    or a debug page rendered per request while it lasts; one met in a middleware comes back here
    as Django's 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_DOWN + REDIS_DOWN):
            return None
        logger.warning("outage: %s %s answered 503 (%s: %s)", request.method, request.path[:200],
                       type(exception).__name__, exception)
        return service_unavailable(request)

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, "unhandled_exception", None)
        if error is None or response.status_code < 500:
            return response
        if isinstance(error, DATABASE_DOWN + REDIS_DOWN):
            return service_unavailable(request)
        return api_server_error() if is_api(request) else response


class WebSocketOutageGuard:
    """ASGI middleware for WebSockets: Redis down closes the socket with RESYNC_CLOSE_CODE."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        state = {"accepted": False, "closed": False}

        async def watched_receive():
            message = await receive()
            state["closed"] |= message["type"] == "websocket.disconnect"
            return message

        async def watched_send(message):
            state["accepted"] |= message["type"] == "websocket.accept"
            state["closed"] |= message["type"] == "websocket.close"
            await send(message)

        try:
            return await self.inner(scope, watched_receive, watched_send)
        except REDIS_DOWN:
            logger.warning("realtime: Redis is unreachable, closing a socket with %d", RESYNC_CLOSE_CODE, exc_info=True)
            if state["closed"]:
                return None
            if not state["accepted"]:  # a close before the accept would be HTTP 403, without the code
                await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": RESYNC_CLOSE_CODE, "reason": "unavailable"})
            return None
