"""Guild chat on the chat core (chat/, the rules: guilds/chat_policy.py): persisted first, then broadcast."""

from accounts.models import User
from chat.services.messages import message_delete, message_post

from ..chat_policy import GUILD_CHAT
from ..models import Guild, GuildMessage


def guild_message_send(*, actor: User, guild: Guild, body: str) -> GuildMessage:
    return message_post(policy=GUILD_CHAT, context=guild, author=actor, body=body)


def guild_message_delete(*, actor: User, guild: Guild, message_id: int) -> GuildMessage:
    """The author, an officer or the leader removes a message (kept, blanked, for the record)."""
    return message_delete(policy=GUILD_CHAT, context=guild, actor=actor, message_id=message_id)
