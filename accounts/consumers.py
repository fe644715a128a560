from channels.db import database_sync_to_async

from config.realtime import user_group
from config.ws import BaseConsumer

from .events import me_hello
from .selectors import notifications_unread_count
from .services.presence import presence_connect, presence_disconnect, presence_heartbeat
from .services.users import user_mark_active


class MeConsumer(BaseConsumer):
    """The per-user socket every page opens: notifications, social events, presence, session end."""

    async def authorize(self):
        return [user_group(self.user.pk)]

    async def on_connected(self):
        await self.send_json(await database_sync_to_async(self._connected)())

    def _connected(self) -> dict:
        """One trip to the database thread for the whole connect (see RoomConsumer._connected)."""
        presence_connect(user_id=self.user.pk, channel_name=self.channel_name)
        user_mark_active(user=self.user)
        return me_hello(user_id=self.user.pk, unread_count=notifications_unread_count(user_id=self.user.pk))

    async def on_disconnected(self):
        await database_sync_to_async(presence_disconnect)(user_id=self.user.pk, channel_name=self.channel_name)

    async def on_heartbeat(self, data):
        await database_sync_to_async(presence_heartbeat)(channel_name=self.channel_name)
