"""The production channel layer: Redis pub/sub, with group events written to local sockets in one pass.

channels_redis's pub/sub layer already brings one Redis message per group to each process.
It then queues the bytes for every member channel, and each consumer wakes up, decodes
them again, and sends through the ASGI stack: a task, a queue and a decode per socket per
event, which is most of daphne's CPU in a chat fan-out (bench/README.md, "Chat fan-out").
Here the layer decodes a group's event once, frames the WebSocket message once, and
writes the frame straight to every local socket that daphne serves.

Only sockets that BaseConsumer attached after it connected are written directly, and only
while nothing is queued for them: a socket's events keep the order Redis delivered them
in, because once one event is queued for a socket (an event that closes it, one that came
while it was connecting, a socket that is not open), the following ones queue behind it
until the consumer has handled them. Everything else takes channels_redis's normal path.

The socket objects come from config/daphne_ws.py; sockets served by any other ASGI server
(or a test communicator) simply get the normal path.

A socket's own channel (`new_channel`) costs no Redis command either: the channels of a
process are `<prefix>specific.<process>!<id>` and messages sent to one travel on the process's
one Redis channel (the part before `!`, subscribed once), addressed inside, like the channels_redis
core layer's process-local channels. channels_redis's pub/sub layer subscribes and unsubscribes
a Redis channel per socket, two commands per socket queued on one lock: in a viewer storm
they were a sixth of daphne's CPU (bench/README.md, "Viewer storms").
"""

import asyncio
import logging
import uuid

from autobahn.websocket.protocol import PreparedMessage
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close, create_pool, decode_hosts
from redis import asyncio as aioredis

from config.daphne_ws import SCOPE_KEY, DirectSocket
from config.realtime import EVENT_HANDLER, resync_message

logger = logging.getLogger(__name__)

ADDRESS_KEY = "__channel"  # in a message sent to a process-local channel: which one


class FanoutLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, hosts=None, **kwargs):
        super().__init__(*args, hosts=hosts, **kwargs)
        self._shards = [FanoutShard(host, self) for host in decode_hosts(hosts)]
        self.sockets: dict[str, DirectSocket] = {}  # channel name -> socket written directly
        self.queued: dict[str, int] = {}  # channel name -> messages queued and not yet handled
        self.staged_sockets: list[DirectSocket] = []  # sockets with frames staged in this loop turn
        self.process = uuid.uuid4().hex
        self.inboxes: set[str] = set()  # this process's Redis channels for its channels' messages

    async def new_channel(self, prefix="specific."):
        inbox = f"{self.prefix}{prefix}{self.process}"
        if inbox not in self.inboxes:
            await self._get_shard(inbox).subscribe(inbox)
            self.inboxes.add(inbox)
        channel = f"{inbox}!{uuid.uuid4().hex}"
        self.channels[channel] = asyncio.Queue()
        return channel

    async def send(self, channel, message):
        inbox, local, _ = channel.partition("!")
        if not local:
            return await super().send(channel, message)
        await self._get_shard(inbox).publish(inbox, self.channel_layer.serialize({**message, ADDRESS_KEY: channel}))

    def deliver_addressed(self, data: bytes) -> None:
        """A message that came through this process's inbox: to the channel it names, if still open."""
        message = self.channel_layer.deserialize(data)
        channel = message.pop(ADDRESS_KEY, None)
        if channel in self.channels:
            self.deliver((channel,), self.channel_layer.serialize(message))

    async def flush(self):
        self.inboxes = set()
        await super().flush()

    def attach(self, channel: str, consumer, scope) -> None:
        connection = scope.get(SCOPE_KEY)
        if connection is not None:
            server, protocol = connection
            self.sockets[channel] = DirectSocket(consumer, protocol, server)

    def detach(self, channel: str) -> None:
        self.sockets.pop(channel, None)
        self.queued.pop(channel, None)

    def handled(self, channel: str) -> None:
        """The consumer finished a message that came through its queue."""
        left = self.queued.get(channel, 0) - 1
        if left > 0:
            self.queued[channel] = left
        else:
            self.queued.pop(channel, None)

    def deliver(self, channels, data: bytes) -> None:
        frame, flush_due = None, not self.staged_sockets
        for channel in list(channels):
            queue = self.channels.get(channel)
            if queue is None:
                continue
            socket = self.sockets.get(channel)
            if socket is not None and channel not in self.queued and socket.writable():
                if frame is None:
                    frame = self._frame(data)
                if frame:
                    if socket.stage(frame):
                        self.staged_sockets.append(socket)
                    continue
            queue.put_nowait(data)
            self.queued[channel] = self.queued.get(channel, 0) + 1
        if flush_due and self.staged_sockets:
            # Scheduled before any consumer a later delivery wakes: a socket's staged frames leave
            # before the events its consumer handles afterwards.
            asyncio.get_running_loop().call_soon(self.write_staged)

    def write_staged(self) -> None:
        """One write per socket for the events of a loop turn (like Engine.IO's write buffer under load)."""
        sockets, self.staged_sockets = self.staged_sockets, []
        for socket in sockets:
            socket.write_staged()

    def resync_sockets(self) -> None:
        """Redis pub/sub reconnected: whatever was published while it was away is lost, so every
        local socket closes with RESYNC_CLOSE_CODE to reconnect and resync from the database."""
        if self.channels:
            logger.warning("realtime: Redis pub/sub reconnected, closing %d sockets to resync", len(self.channels))
            self.deliver(list(self.channels), self.channel_layer.serialize(resync_message()))

    def _frame(self, data: bytes) -> bytes:
        """The WebSocket frame of a plain event, or b"" for anything that must be handled by the consumer."""
        message = self.channel_layer.deserialize(data)
        if message.get("type") != EVENT_HANDLER or "close" in message:
            return b""
        return PreparedMessage(message["text"].encode(), False, False, False).payloadHybi


class ResyncingPubSub(aioredis.client.PubSub):
    """redis-py calls on_connect when the subscription's connection is re-established (not the first time)."""

    def __init__(self, *args, on_reconnect, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_reconnect = on_reconnect

    async def on_connect(self, connection):
        await super().on_connect(connection)  # subscribes again to every channel and group
        self.on_reconnect()


class FanoutShard(RedisSingleShardConnection):
    def _ensure_redis(self):
        if self._redis is None:
            self._redis = aioredis.Redis(connection_pool=create_pool(self.host))
            self._pubsub = ResyncingPubSub(self._redis.connection_pool, on_reconnect=self.channel_layer.resync_sockets)

    def _receive_message(self, message):
        if message is None:
            return
        name = message["channel"]
        if isinstance(name, bytes):
            name = name.decode()
        layer = self.channel_layer
        if name in layer.inboxes:
            layer.deliver_addressed(message["data"])
        elif name in layer.channels:
            layer.deliver((name,), message["data"])
        elif name in layer.groups:
            layer.deliver(layer.groups[name], message["data"])


class FanoutChannelLayer(RedisPubSubChannelLayer):
    """RedisPubSubChannelLayer whose per-loop layers write events to local sockets directly."""

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = self._layers[loop] = FanoutLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
            return layer
