import time

from rest_framework import serializers

from config.ws import BaseConsumer, ChatDeleteSerializer, ChatSendSerializer, handles, run

from . import selectors
from .events import HALLWAY_GROUP, room_group, room_user_group
from .services import chat, membership, playback, queue, watch
from .sync import MAX_POSITION, MAX_RATE, MIN_RATE


class PositionSerializer(serializers.Serializer):
    position = serializers.FloatField(required=False, min_value=0, max_value=MAX_POSITION)


class SeekSerializer(serializers.Serializer):
    position = serializers.FloatField(min_value=0, max_value=MAX_POSITION)


class RateSerializer(serializers.Serializer):
    rate = serializers.FloatField(min_value=MIN_RATE, max_value=MAX_RATE)


class LoadSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2100)
    title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class BufferingSerializer(serializers.Serializer):
    is_buffering = serializers.BooleanField()


class DurationSerializer(serializers.Serializer):
    duration = serializers.FloatField(min_value=0, max_value=MAX_POSITION)


class EndedSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2100)


class DriftSerializer(serializers.Serializer):
    drift_ms = serializers.IntegerField(min_value=-MAX_POSITION * 1000, max_value=MAX_POSITION * 1000)


class HandSerializer(serializers.Serializer):
    is_raised = serializers.BooleanField()


class RoomConsumer(BaseConsumer):
    """/ws/rooms/<code>/: playback sync, chat, roster, queue for one room's members."""

    async def authorize(self):
        self.room, _ = await run(selectors.room_socket_member)(code=self.scope["url_route"]["kwargs"]["code"], user=self.user)
        return [room_group(self.room.pk), room_user_group(self.room.pk, self.user.pk)]

    async def on_connected(self):
        snapshot = await run(self._connected)()
        await self.send_json({"type": "hello", "server_time": time.time() * 1000, **snapshot})

    def _connected(self) -> dict:
        """One trip to the database thread (and one connection) for the whole connect: in a join storm
        every hop queues behind every other socket's on the one thread (bench/README.md, "Viewer storms")."""
        membership.member_connected(room=self.room, user=self.user)
        watch.watch_heartbeat(user=self.user, room=self.room, is_active=True)
        return selectors.room_snapshot(room=self.room, user=self.user)

    async def on_disconnected(self):
        await run(membership.member_disconnected)(room=self.room, user=self.user)

    async def on_heartbeat(self, data):
        await run(watch.watch_heartbeat)(user=self.user, room=self.room, is_active=data["active"])

    # -- playback ---------------------------------------------------------------------------
    async def _command(self, action: str, **fields):
        await run(playback.playback_command)(actor=self.user, room=self.room, action=action, **fields)

    @handles("sync.play", PositionSerializer)
    async def handle_play(self, data, ref):
        await self._command("play", position=data.get("position"))

    @handles("sync.pause", PositionSerializer)
    async def handle_pause(self, data, ref):
        await self._command("pause", position=data.get("position"))

    @handles("sync.seek", SeekSerializer)
    async def handle_seek(self, data, ref):
        await self._command("seek", position=data["position"])

    @handles("sync.rate", RateSerializer)
    async def handle_rate(self, data, ref):
        await self._command("rate", rate=data["rate"])

    @handles("sync.load", LoadSerializer)
    async def handle_load(self, data, ref):
        await self._command("load", url=data["url"], title=data["title"])

    @handles("sync.buffering", BufferingSerializer)
    async def handle_buffering(self, data, ref):
        await run(playback.member_buffering)(user=self.user, room=self.room, is_buffering=data["is_buffering"])

    @handles("sync.duration", DurationSerializer)
    async def handle_duration(self, data, ref):
        await run(playback.playback_duration_report)(user=self.user, room=self.room, duration=data["duration"])

    @handles("sync.ended", EndedSerializer)
    async def handle_ended(self, data, ref):
        await run(playback.playback_ended)(user=self.user, room=self.room, source_url=data["url"])

    @handles("sync.drift", DriftSerializer)
    async def handle_drift(self, data, ref):
        await run(playback.member_drift_report)(user=self.user, room=self.room, drift_ms=data["drift_ms"])

    # -- chat and queue ------------------------------------------------------------------------
    @handles("chat.send", ChatSendSerializer)
    async def handle_chat_send(self, data, ref):
        await run(chat.message_send)(author=self.user, room=self.room, body=data["body"])

    @handles("chat.delete", ChatDeleteSerializer)
    async def handle_chat_delete(self, data, ref):
        await run(chat.message_delete)(actor=self.user, room=self.room, message_id=data["id"])

    @handles("hand.raise", HandSerializer)
    async def handle_hand_raise(self, data, ref):
        await run(membership.member_hand_raise)(user=self.user, room=self.room, is_raised=data["is_raised"])

    @handles("queue.skip_vote")
    async def handle_skip_vote(self, data, ref):
        await run(queue.skip_vote)(user=self.user, room=self.room)


class HallwayConsumer(BaseConsumer):
    """/ws/hallway/: public rooms created, updated and closed, live."""

    async def authorize(self):
        return [HALLWAY_GROUP]

    async def on_connected(self):
        # Nothing to snapshot here: the client (re)fetches GET /api/v1/rooms/ after every hello.
        await self.send_json({"type": "hello", "server_time": time.time() * 1000})
