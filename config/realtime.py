"""The one way to push a real-time event: after commit, to a channel-layer group.

Services build events with their app's events.py and call publish_on_commit. The
payload is encoded to JSON here, at the call site, so a bad payload fails where it
is sent, and consumers forward the encoded text as it is (no re-encoding per client).
The channel layer is at-most-once: clients resync from the database on reconnect, and a
socket that may have missed an event is closed with RESYNC_CLOSE_CODE to make it reconnect.
"""

import json
import logging
from collections.abc import Iterable
from functools import partial

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from redis.exceptions import RedisError

from config.disconnects import Disconnect
from config.metrics import LAYER_DROPS, LAYER_PUBLISHES

logger = logging.getLogger(__name__)

# The consumer method that receives every event (see config.ws.BaseConsumer).
EVENT_HANDLER = "realtime.event"

# Close code (docs/realtime.md) of a socket that may have missed events or cannot be served
# while Redis is down: the client reconnects with backoff and resyncs from the database.
RESYNC_CLOSE_CODE = 4503
PUBLISH_ERRORS = (ChannelFull, RedisError, OSError)


def resync_message() -> dict:
    """A channel-layer message that closes every receiving socket with RESYNC_CLOSE_CODE."""
    return {"type": EVENT_HANDLER, "text": None, "close": {"disconnect": Disconnect.RESYNC.value, "reason": "resync"}}


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    return f"session.{session_key}"


def encode(event: dict) -> str:
    return json.dumps(event, cls=DjangoJSONEncoder, separators=(",", ":"))


def publish_on_commit(groups: str | Iterable[str], event: dict, *, disconnect: Disconnect | None = None) -> None:
    """Send `event` to every socket in `groups` once the transaction commits.

    With disconnect, each receiving socket closes after delivering the event (config.ws maps
    the Disconnect to its close code; reason: the event's "reason"), e.g. when its session ended.
    """
    group_list = [groups] if isinstance(groups, str) else list(groups)
    message = {"type": EVENT_HANDLER, "text": encode(event)}
    if disconnect is not None:
        message["close"] = {"disconnect": disconnect.value, "reason": event.get("reason", "")}
    transaction.on_commit(partial(send_now, group_list, message))


def publish_now(groups: str | Iterable[str], event: dict) -> None:
    """Send `event` at once, from any thread: only for what no write stands behind (the chat core's reaction
    bursts, flushed by a timer); everything a transaction writes goes through publish_on_commit."""
    send_now([groups] if isinstance(groups, str) else list(groups), {"type": EVENT_HANDLER, "text": encode(event)})


def send_now(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, message)
            LAYER_PUBLISHES.inc()
        except PUBLISH_ERRORS:
            LAYER_DROPS.inc()
            # The write is committed; the group's sockets must reconnect to catch up from the database.
            logger.warning("realtime: dropped event for group %s, closing its sockets to resync", group, exc_info=True)
            try:
                async_to_sync(layer.group_send)(group, resync_message())
            except PUBLISH_ERRORS:
                # Redis is down: every subscriber lost its connection too, and closes its
                # sockets to resync once it is back (config.fanout).
                logger.warning("realtime: could not ask group %s to resync either", group)
