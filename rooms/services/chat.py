"""Room chat on the chat core (chat/, the rules: rooms/chat_policy.py): persisted first, then broadcast."""

from accounts.models import User
from chat.services.messages import message_delete as chat_message_delete
from chat.services.messages import message_post

from ..chat_policy import ROOM_CHAT
from ..models import ChatMessage, Room


def message_send(*, author: User, room: Room, body: str) -> ChatMessage:
    return message_post(policy=ROOM_CHAT, context=room, author=author, body=body)


def message_delete(*, actor: User, room: Room, message_id: int) -> ChatMessage:
    return chat_message_delete(policy=ROOM_CHAT, context=room, actor=actor, message_id=message_id)
