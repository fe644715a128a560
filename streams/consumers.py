"""/ws/stream/<id>/: one stream's watchers, signed in or not. A hello with the stream and its audience
as numbers, then ``streams.stream`` (live, updated, ended then close 4410) and ``streams.viewers`` at most
once per AUDIENCE_BROADCAST_MS. Each viewer socket joins and leaves the stream's audience (config/audience.py:
an in-memory count, written with the other sockets' every interval); nobody hears of anyone else."""

import asyncio
import secrets
import time
from functools import partial

from channels.db import database_sync_to_async
from django.conf import settings

from config.audience import Figures, audiences
from config.errors import ApplicationError
from config.fanout import FanoutChannelLayer
from config.ws import BaseConsumer, CloseCode, PingSerializer, SessionHooks, TokenBucket, handles, run

from . import selectors, services
from .errors import StreamError
from .events import stream_group, stream_state, viewers_counted
from .models import StreamStatus


def _hello(stream, user) -> dict:
    """The stream as read on connect (one query for the whole handshake), and the audience as this process knows it."""
    audience, group = audiences(), stream_group(stream.pk)
    return {
        "type": "hello", "server_time": time.time(), "stream": stream_state(stream),
        "viewers": {"current": audience.count(group), "peak": max(stream.peak_viewers, audience.peak(group))},
        "me": selectors.stream_capabilities(stream=stream, user=user),
    }


def _counted(stream_id: int, figures: Figures) -> dict:
    return viewers_counted(stream_id=stream_id, current=figures.current, peak=figures.peak)


_reads: dict[tuple[asyncio.AbstractEventLoop, int], asyncio.Future] = {}


async def _stream_read(stream_id: int):
    """The stream, read once for all the sockets of this process connecting while a read is under way:
    a storm of viewers is a few queries, not one each. (A read that began a moment before this
    connect is no staler than a read of one's own: the stream may change before the group is joined
    either way.)"""
    key = (asyncio.get_running_loop(), stream_id)
    pending = _reads.get(key)
    if pending is None:
        pending = _reads[key] = asyncio.ensure_future(run(selectors.stream_get)(stream_id=stream_id))
        pending.add_done_callback(lambda _: _reads.pop(key, None))
    return await asyncio.shield(pending)


async def _store(stream_id: int, figures: Figures) -> None:
    await run(services.stream_viewers_store)(stream_id=stream_id, figures=figures)


class StreamConsumer(BaseConsumer):
    counted = False

    async def connect(self):
        self.user = self.scope["user"]
        self.joined: list[str] = []
        self.bucket = TokenBucket(settings.WS_RATE_BURST, settings.WS_RATE_PER_SECOND)
        self.session_key = self.scope["session"].session_key
        self.stream_id = int(self.scope["url_route"]["kwargs"]["stream_id"])
        await self.accept()
        try:
            stream = await _stream_read(self.stream_id)
        except ApplicationError as err:
            await self.close(code=CloseCode.FORBIDDEN, reason=err.code)
            return
        if stream.status == StreamStatus.ENDED:
            await self.close(code=CloseCode.GONE, reason=StreamError.STREAM_ENDED.value)
            return
        group = stream_group(self.stream_id)
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.append(group)
        if stream.channel.owner_id != self.user.pk:  # the host's own studio is no viewer
            viewer = f"u{self.user.pk}" if self.user.is_authenticated else f"s{self.session_key or secrets.token_hex(8)}"
            audiences().join(group, partial(_counted, self.stream_id), viewer=viewer, store=partial(_store, self.stream_id))
            self.counted = True
        await self.send_json(_hello(stream, self.user))
        if isinstance(self.channel_layer, FanoutChannelLayer):  # events written to the socket directly, as in BaseConsumer
            self.channel_layer.attach(self.channel_name, self, self.scope)

    async def on_disconnected(self):
        if self.counted:
            self.counted = False
            audiences().leave(stream_group(self.stream_id))

    @handles("ping", PingSerializer)
    async def handle_ping(self, data, ref):
        """Keep-alive and clock sample; a signed-in viewer's session is re-checked."""
        received = time.time() * 1000
        if self.user.is_authenticated and not await database_sync_to_async(SessionHooks.is_current)(
                session_key=self.session_key, user_id=self.user.pk):
            await self.end_session("session_expired")
            return
        await self.send_json(
            {"type": "pong", "ref": ref, "t": data.get("t"), "server_received": received, "server_time": time.time() * 1000}
        )
