import time

from config.ws import BaseConsumer, ChatDeleteSerializer, ChatSendSerializer, handles, run

from . import selectors
from .events import guild_group, guild_user_group
from .services import chat


class GuildConsumer(BaseConsumer):
    """/ws/guilds/<slug>/: guild chat and live roster, for the guild's members."""

    async def authorize(self):
        self.guild, _ = await run(selectors.guild_socket_member)(slug=self.scope["url_route"]["kwargs"]["slug"],
                                                                 user=self.user)
        return [guild_group(self.guild.pk), guild_user_group(self.guild.pk, self.user.pk)]

    async def on_connected(self):
        snapshot = await run(selectors.guild_snapshot)(guild=self.guild, user=self.user)
        await self.send_json({"type": "hello", "server_time": time.time() * 1000, **snapshot})

    @handles("chat.send", ChatSendSerializer)
    async def handle_chat_send(self, data, ref):
        await run(chat.guild_message_send)(actor=self.user, guild=self.guild, body=data["body"])

    @handles("chat.delete", ChatDeleteSerializer)
    async def handle_chat_delete(self, data, ref):
        await run(chat.guild_message_delete)(actor=self.user, guild=self.guild, message_id=data["id"])
