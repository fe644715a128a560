"""Bench-only prototype of a second proposed fix, NOT application code: on top of
fanout_asgi (no close_old_connections hop for published events), fan a group event out
to this process's sockets in one pass instead of through one queue + task per socket.

    .venv/bin/python bench/chat_fanout.py --asgi fanout_asgi_local:application

With channels_redis' pub/sub layer, one Redis message per group reaches the process, and
the layer then puts the raw bytes into the queue of every member channel; each consumer's
await_many_dispatch loop wakes up, makes a new task, runs asyncio.wait, deserializes the
same msgpack bytes again, dispatches, and sends. Here the layer deserializes once and,
for "realtime.event" messages without a close, one task writes the already-encoded text
to every local member socket (through the same ASGI send, so daphne and the session
middleware see exactly what they saw before). Anything else takes the normal path.

As application code this would be a small in-process broadcaster in config/realtime.py
(plus a subclass of the pub/sub layer registered in settings), not monkeypatching.
"""

import asyncio

import fanout_asgi  # noqa: F401  (the dispatch fix, and config.asgi)
from channels_redis.pubsub import RedisSingleShardConnection
from fanout_asgi import application  # noqa: F401  (what daphne serves)

from config.ws import BaseConsumer

LOCAL_SOCKETS: dict[str, BaseConsumer] = {}  # channel name -> connected consumer in this process
_plain_receive_message = RedisSingleShardConnection._receive_message
_plain_connect = BaseConsumer.websocket_connect
_plain_disconnect = BaseConsumer.websocket_disconnect


async def websocket_connect(self, message):
    LOCAL_SOCKETS[self.channel_name] = self
    await _plain_connect(self, message)


async def websocket_disconnect(self, message):
    LOCAL_SOCKETS.pop(self.channel_name, None)
    await _plain_disconnect(self, message)


async def _broadcast(consumers: list[BaseConsumer], text: str) -> None:
    frame = {"type": "websocket.send", "text": text}
    for consumer in consumers:
        await consumer.base_send(frame)


def _receive_message(self, message):
    if message is not None:
        name = message["channel"]
        if isinstance(name, bytes):
            name = name.decode()
        loop_layer = self.channel_layer
        members = loop_layer.groups.get(name)
        if members:
            event = loop_layer.channel_layer.deserialize(message["data"])
            if event.get("type") == "realtime.event" and "close" not in event:
                local = [LOCAL_SOCKETS[c] for c in members if c in LOCAL_SOCKETS]
                rest = [c for c in members if c not in LOCAL_SOCKETS and c in loop_layer.channels]
                for channel in rest:
                    loop_layer.channels[channel].put_nowait(message["data"])
                if local:
                    asyncio.ensure_future(_broadcast(local, event["text"]))
                return
    _plain_receive_message(self, message)


BaseConsumer.websocket_connect = websocket_connect
BaseConsumer.websocket_disconnect = websocket_disconnect
RedisSingleShardConnection._receive_message = _receive_message
