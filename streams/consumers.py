"""/ws/stream/<id>/: one stream's watchers, signed in or not. A hello with the stream and its audience
as numbers, then ``streams.stream`` (live, updated, ended then close 4410) and ``streams.viewers`` at most
once a second. Each socket counts itself in and out (streams.audience); nobody hears of anyone else."""

import asyncio
import secrets
import time

from channels.db import database_sync_to_async
from django.conf import settings

from config.errors import ApplicationError
from config.fanout import FanoutChannelLayer
from config.ws import BaseConsumer, CloseCode, PingSerializer, SessionHooks, TokenBucket, handles, run

from . import selectors, services
from .audience import TICK_SECONDS, audience_counts, audience_enter, audience_leave, audience_tick_claim
from .errors import StreamError
from .events import stream_group, stream_state, stream_user_group
from .models import StreamStatus
from .presence import presence_enter, presence_leave


def _hello(stream, user) -> dict:
    """The stream as read on connect (one query for the whole handshake), and the counts now."""
    current, _, peak = audience_counts(stream_id=stream.pk)
    return {
        "type": "hello", "server_time": time.time(), "stream": stream_state(stream),
        "viewers": {"current": current, "peak": max(stream.peak_viewers, peak)},
        "me": selectors.stream_capabilities(stream=stream, user=user),
    }


class StreamConsumer(BaseConsumer):
    counted = False
    present = False
    tick: asyncio.Task | None = None

    async def connect(self):
        self.user = self.scope["user"]
        self.joined: list[str] = []
        self.bucket = TokenBucket(settings.WS_RATE_BURST, settings.WS_RATE_PER_SECOND)
        self.session_key = self.scope["session"].session_key
        self.stream_id = int(self.scope["url_route"]["kwargs"]["stream_id"])
        await self.accept()
        try:
            stream = await run(selectors.stream_get)(stream_id=self.stream_id)
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
            await database_sync_to_async(audience_enter)(stream_id=self.stream_id, viewer=viewer)
            self.counted = True
        if self.user.is_authenticated:  # their stage invites arrive here; the stage invites current viewers
            mine = stream_user_group(self.stream_id, self.user.pk)
            await self.channel_layer.group_add(mine, self.channel_name)
            self.joined.append(mine)
            await database_sync_to_async(presence_enter)(stream_id=self.stream_id, user_id=self.user.pk)
            self.present = True
        await self.send_json(await database_sync_to_async(_hello)(stream, self.user))
        if isinstance(self.channel_layer, FanoutChannelLayer):  # events written to the socket directly, as in BaseConsumer
            self.channel_layer.attach(self.channel_name, self, self.scope)
        if self.counted:
            await self._count_changed()

    async def on_disconnected(self):
        if self.present:
            self.present = False
            await database_sync_to_async(presence_leave)(stream_id=self.stream_id, user_id=self.user.pk)
        if self.counted:
            self.counted = False
            await database_sync_to_async(audience_leave)(stream_id=self.stream_id)
            await self._count_changed()

    async def _count_changed(self):
        """The first change in each second schedules the count's publication a second later (any process)."""
        if await database_sync_to_async(audience_tick_claim)(stream_id=self.stream_id):
            self.tick = asyncio.get_running_loop().create_task(self._publish_later())  # runs on after a disconnect

    async def _publish_later(self):
        await asyncio.sleep(TICK_SECONDS)
        await run(services.stream_viewers_publish)(stream_id=self.stream_id)

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
