"""Room chat's policy on the chat core (chat/): members chat, the leader and moderators moderate;
chat modes (off, moderators only), mutes, slow mode and the limits are the room's own settings."""

import re

from django.conf import settings

from chat.policy import Badge, ChatPolicy
from config.errors import ForbiddenError

from . import events
from .errors import RoomChatError, RoomError
from .models import ChatMessage, ChatMode, Room, RoomMember, RoomRole
from .signals import chat_message_sent

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,30})")


class RoomChatPolicy(ChatPolicy):
    kind = "room"
    message_model = ChatMessage
    context_field = "room"

    def rate_limit(self) -> tuple[int, float]:
        return settings.ROOM_CHAT_RATE_MAX_MESSAGES, settings.ROOM_CHAT_RATE_WINDOW_SECONDS

    def lock_author(self, context: Room, user) -> RoomMember:
        member = RoomMember.objects.select_for_update().filter(room=context, user=user).first()
        if member is None:
            raise ForbiddenError(RoomError.NOT_A_MEMBER, "Join the room first.")
        return member

    def check_post(self, context: Room, user, participant: RoomMember) -> Room:
        room = Room.objects.get(pk=context.pk)
        if room.chat_mode == ChatMode.OFF:
            raise ForbiddenError(RoomChatError.CHAT_OFF, "Chat is off in this room.")
        if room.chat_mode == ChatMode.MODS and not participant.can_moderate:
            raise ForbiddenError(RoomChatError.MODS_ONLY, "Only moderators can chat right now.")
        if participant.is_muted:
            raise ForbiddenError(RoomChatError.MUTED, "You are muted in this room.")
        return room

    def _member(self, room: Room, user) -> RoomMember | None:
        return RoomMember.objects.filter(room=room, user=user).first()

    def is_moderator(self, context: Room, user, participant: RoomMember | None = None) -> bool:
        member = participant or self._member(context, user)
        return member is not None and member.can_moderate

    def check_delete(self, context: Room, actor, message: ChatMessage) -> None:
        member = self._member(context, actor)
        if message.author_id != actor.pk and not (member and member.can_moderate):
            raise ForbiddenError(RoomError.NOT_ALLOWED, "Only the author or a moderator can delete a message.")

    def badges(self, context: Room, user) -> list[Badge]:
        member = self._member(context, user)
        role = {RoomRole.LEADER: [Badge.OWNER], RoomRole.MODERATOR: [Badge.MODERATOR]}.get(member.role if member else None, [])
        return role + super().badges(context, user)

    def slow_mode_seconds(self, context: Room, chat_settings) -> int:
        return context.slow_mode_seconds

    def group(self, context: Room) -> str:
        return events.room_group(context.pk)

    def message_create(self, context: Room, author, body: str) -> ChatMessage:
        handles = {h.lower() for h in MENTION.findall(body)}
        mentions = list(
            RoomMember.objects.filter(room=context, user__handle__in=handles).values_list("user_id", flat=True)
        ) if handles else []
        message = ChatMessage.objects.create(room=context, author=author, body=body, mentions=mentions)
        chat_message_sent.send(sender=ChatMessage, message=message)
        return message

    def message_payload(self, message: ChatMessage) -> events.ChatMessage:
        return events.chat_message_payload(message)

    def created_event(self, message: ChatMessage) -> events.ChatCreated:
        return events.chat_created(message)

    def deleted_event(self, message: ChatMessage) -> events.ChatDeleted:
        return events.chat_deleted(message)


ROOM_CHAT = RoomChatPolicy()
