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
from django.contrib.auth.models import AnonymousUser
from rest_framework import serializers

from chat.selectors import chat_snapshot, messages_page
from chat.services.moderation import MAX_SLOW_MODE_SECONDS
from config.audience import Figures, audiences
from config.errors import ApplicationError
from config.fanout import FanoutChannelLayer
from config.ws import (
    BaseConsumer,
    ChatDeleteSerializer,
    ChatSendSerializer,
    CloseCode,
    PingSerializer,
    SessionHooks,
    TokenBucket,
    handles,
    run,
)

from . import live_chat, selectors, services, stage
from .api.stage_serializers import StageInviteCreateSerializer
from .chat_policy import STREAM_CHAT
from .errors import StreamError
from .events import (
    channel_chat_group,
    chat_page,
    stage_invite_sent,
    stream_group,
    stream_state,
    stream_user_group,
    viewers_counted,
)
from .models import StreamStatus
from .playback import webrtc_seats
from .presence import presence_enter, presence_leave


class ChatPinSerializer(serializers.Serializer):
    id = serializers.IntegerField()


class ChatTargetSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()


class ChatTimeoutSerializer(ChatTargetSerializer):
    seconds = serializers.IntegerField(min_value=1, help_text="1 s to 14 days")
    reason = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class ChatBanSerializer(ChatTargetSerializer):
    seconds = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None,
                                       help_text="absent or null: for good")
    reason = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class ChatModesSerializer(serializers.Serializer):
    """Only the modes given change."""

    slow_mode_seconds = serializers.IntegerField(min_value=0, max_value=MAX_SLOW_MODE_SECONDS, required=False)
    is_emote_only = serializers.BooleanField(required=False)
    followers_only_minutes = serializers.IntegerField(min_value=0, required=False, allow_null=True,
                                                      help_text="null: off; 0: any follower")
    is_subscribers_only = serializers.BooleanField(required=False)


class ReactionSerializer(serializers.Serializer):
    emoji = serializers.CharField(max_length=32)


class ChatHistorySerializer(serializers.Serializer):
    """`after_id`: what was missed since a reconnect; `before_id`: scroll back. Neither: the latest."""

    after_id = serializers.IntegerField(required=False, min_value=0)
    before_id = serializers.IntegerField(required=False, min_value=1)


def _hello(stream, user, chat: dict) -> dict:
    """The stream as read on connect, the audience as this process knows it, and the chat (`chat_snapshot`)."""
    audience, group = audiences(), stream_group(stream.pk)
    return {
        "type": "hello", "server_time": time.time(), "stream": stream_state(stream),
        "viewers": {"current": audience.count(group), "peak": max(stream.peak_viewers, audience.peak(group))},
        "me": selectors.stream_capabilities(stream=stream, user=user),
        "chat": chat,
    }


def _counted(stream_id: int, figures: Figures) -> dict:
    return viewers_counted(stream_id=stream_id, current=figures.current, peak=figures.peak,
                           webrtc=webrtc_seats(current=figures.current))


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


class _Batched:
    """One read for the sockets of this process that ask for the same thing at about the same time, each
    served by a read that began after it asked (so after it joined its groups: nothing published in
    between is missed). A request waits for the next read to start, which starts at once, or when the
    read under way ends."""

    def __init__(self):
        self.waiting: dict = {}  # key -> the future of the next read, not started yet
        self.running: dict = {}  # key -> the future of the read under way

    async def get(self, key, read):
        batch = self.waiting.get(key)
        if batch is None:
            batch = self.waiting[key] = asyncio.get_running_loop().create_future()
            asyncio.ensure_future(self._run(key, batch, read))
        return await asyncio.shield(batch)

    async def _run(self, key, batch, read) -> None:
        if (under_way := self.running.get(key)) is not None:
            await asyncio.wait([under_way])
        del self.waiting[key]  # from here on, who asks waits for the next read
        self.running[key] = batch
        try:
            batch.set_result(await read())
        except Exception as err:  # noqa: BLE001 - handed to every socket of the batch
            batch.set_exception(err)
        finally:
            if self.running.get(key) is batch:
                del self.running[key]


_anonymous_chats = _Batched()


async def _chat_snapshot(channel, user) -> dict:
    """The chat part of the hello. An anonymous viewer's is everybody's (no restriction, badge or moderation),
    so a storm of viewers is a few reads, not one per socket (bench/viewer_storm.py)."""
    if user.is_authenticated:
        return await run(chat_snapshot)(policy=STREAM_CHAT, context=channel, user=user)
    return await _anonymous_chats.get((asyncio.get_running_loop(), channel.pk), partial(
        run(chat_snapshot), policy=STREAM_CHAT, context=channel, user=AnonymousUser()))


async def _store(stream_id: int, figures: Figures) -> None:
    await run(services.stream_viewers_store)(stream_id=stream_id, figures=figures)


class StreamConsumer(BaseConsumer):
    counted = False
    present = False

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
        self.stream, self.channel = stream, stream.channel
        for group in (stream_group(self.stream_id), channel_chat_group(stream.channel_id)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.append(group)
        if stream.channel.owner_id != self.user.pk:  # the host's own studio is no viewer
            viewer = f"u{self.user.pk}" if self.user.is_authenticated else f"s{self.session_key or secrets.token_hex(8)}"
            audiences().join(stream_group(self.stream_id), partial(_counted, self.stream_id), viewer=viewer,
                             store=partial(_store, self.stream_id))
            self.counted = True
        if self.user.is_authenticated:  # their stage invites arrive here; the stage invites current viewers
            mine = stream_user_group(self.stream_id, self.user.pk)
            await self.channel_layer.group_add(mine, self.channel_name)
            self.joined.append(mine)
            await database_sync_to_async(presence_enter)(stream_id=self.stream_id, user_id=self.user.pk)
            self.present = True
        chat = await _chat_snapshot(stream.channel, self.user)
        await self.send_json(_hello(stream, self.user, chat))
        if isinstance(self.channel_layer, FanoutChannelLayer):  # events written to the socket directly, as in BaseConsumer
            self.channel_layer.attach(self.channel_name, self, self.scope)

    async def on_disconnected(self):
        if self.present:
            self.present = False
            await database_sync_to_async(presence_leave)(stream_id=self.stream_id, user_id=self.user.pk)
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

    # -- live chat (streams.live_chat: thin calls into the chat core) ---------------------------------
    @handles("chat.send", ChatSendSerializer)
    async def handle_chat_send(self, data, ref):
        await run(live_chat.chat_send)(actor=self.user, channel=self.channel, body=data["body"])

    @handles("chat.delete", ChatDeleteSerializer)
    async def handle_chat_delete(self, data, ref):
        await run(live_chat.chat_delete)(actor=self.user, channel=self.channel, message_id=data["id"])

    @handles("chat.pin_message", ChatPinSerializer)
    async def handle_chat_pin(self, data, ref):
        await run(live_chat.chat_pin)(actor=self.user, channel=self.channel, message_id=data["id"])

    @handles("chat.unpin")
    async def handle_chat_unpin(self, data, ref):
        await run(live_chat.chat_unpin)(actor=self.user, channel=self.channel)

    @handles("chat.timeout", ChatTimeoutSerializer)
    async def handle_chat_timeout(self, data, ref):
        await run(live_chat.chat_timeout)(actor=self.user, channel=self.channel, **data)

    @handles("chat.ban", ChatBanSerializer)
    async def handle_chat_ban(self, data, ref):
        await run(live_chat.chat_ban)(actor=self.user, channel=self.channel, **data)

    @handles("chat.unban", ChatTargetSerializer)
    async def handle_chat_unban(self, data, ref):
        await run(live_chat.chat_unban)(actor=self.user, channel=self.channel, user_id=data["user_id"])

    @handles("chat.modes_set", ChatModesSerializer)
    async def handle_chat_modes(self, data, ref):
        await run(live_chat.chat_modes)(actor=self.user, channel=self.channel, **data)

    @handles("reaction.send", ReactionSerializer)
    async def handle_reaction_send(self, data, ref):
        await run(live_chat.reaction_send)(actor=self.user, channel=self.channel, emoji=data["emoji"])

    @handles("chat.history", ChatHistorySerializer)
    async def handle_chat_history(self, data, ref):
        """Anyone watching may page: a reply to the asker (streams.events.ChatPage), never an event."""
        page = await run(messages_page)(policy=STREAM_CHAT, context=self.channel, after_id=data.get("after_id"),
                                        before_id=data.get("before_id"))
        await self.send_json(chat_page(page, ref=ref))

    # -- the stage (streams.stage) -------------------------------------------------------------------
    @handles("stage.invite", StageInviteCreateSerializer)
    async def handle_stage_invite(self, data, ref):
        """The host's (or a moderator's) invite from their own stream socket: no HTTP request on the way to
        the viewer's prompt (bench/stage_invite.py). The reply, to the asker only, carries the invite."""
        stream = self.stream if self.stream.status == StreamStatus.LIVE else await _stream_read(self.stream_id)
        invite = await run(stage.stage_invite)(actor=self.user, stream=stream, **data)
        self.stream = stream
        await self.send_json(stage_invite_sent(invite, expires_at=stage.invite_expires_at(invite), ref=ref))
