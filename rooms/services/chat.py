"""Room chat: persisted first, then broadcast. Rate limit, slow mode, chat modes, mentions."""

import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.errors import ApplicationError, ForbiddenError, NotFoundError, RateLimitedError
from config.realtime import publish_on_commit

from .. import events
from ..chat_filters import apply_filters
from ..errors import ChatError, RoomError
from ..models import ChatMessage, ChatMode, Room, RoomMember
from ..models.chat import MAX_MESSAGE_LENGTH
from ..signals import chat_message_sent

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,30})")


def chat_body_clean(body: str, *, max_length: int = MAX_MESSAGE_LENGTH) -> str:
    """A chat message's text, stripped; refused when empty or too long (room and guild chat alike)."""
    body = body.strip()
    if not body:
        raise ApplicationError(ChatError.EMPTY, "Say something first.")
    if len(body) > max_length:
        raise ApplicationError(ChatError.TOO_LONG, f"Messages are at most {max_length} characters.",
                               {"max_length": max_length, "length": len(body)})
    return body


def message_send(*, author: User, room: Room, body: str) -> ChatMessage:
    body = chat_body_clean(body)
    now = timezone.now()
    with transaction.atomic():
        # The author's membership row, locked: one author's messages are checked one at a time.
        member = RoomMember.objects.select_for_update().filter(room=room, user=author).first()
        if member is None:
            raise ForbiddenError(RoomError.NOT_A_MEMBER, "Join the room first.")
        room = Room.objects.get(pk=room.pk)
        if room.chat_mode == ChatMode.OFF:
            raise ForbiddenError(ChatError.CHAT_OFF, "Chat is off in this room.")
        if room.chat_mode == ChatMode.MODS and not member.can_moderate:
            raise ForbiddenError(ChatError.MODS_ONLY, "Only moderators can chat right now.")
        if member.is_muted:
            raise ForbiddenError(ChatError.MUTED, "You are muted in this room.")
        mine = ChatMessage.objects.filter(room=room, author=author)
        if room.slow_mode_seconds and not member.can_moderate:
            last = mine.order_by("-id").values_list("created_at", flat=True).first()
            wait = room.slow_mode_seconds - (now - last).total_seconds() if last else 0
            if wait > 0:
                raise RateLimitedError(ChatError.SLOW_MODE, f"Slow mode: wait {wait:.0f} s.", {"retry_after": round(wait, 1)})
        window = timedelta(seconds=settings.ROOM_CHAT_RATE_WINDOW_SECONDS)
        if mine.filter(created_at__gt=now - window).count() >= settings.ROOM_CHAT_RATE_MAX_MESSAGES:
            raise RateLimitedError(ChatError.RATE_LIMITED, "You're sending messages too fast.",
                                   {"retry_after": window.total_seconds()})
        body = apply_filters(body=body, room=room, author=author)
        handles = {h.lower() for h in MENTION.findall(body)}
        mentions = list(
            RoomMember.objects.filter(room=room, user__handle__in=handles).values_list("user_id", flat=True)
        ) if handles else []
        message = ChatMessage.objects.create(room=room, author=author, body=body, mentions=mentions)
        chat_message_sent.send(sender=ChatMessage, message=message)
        publish_on_commit(events.room_group(room.pk), events.chat_created(message))
    return message


def message_delete(*, actor: User, room: Room, message_id: int) -> ChatMessage:
    with transaction.atomic():
        message = ChatMessage.objects.select_for_update().filter(room=room, pk=message_id, deleted_at__isnull=True).first()
        if message is None:
            raise NotFoundError(ChatError.MESSAGE_NOT_FOUND, "No such message.")
        member = RoomMember.objects.filter(room=room, user=actor).first()
        if message.author_id != actor.pk and not (member and member.can_moderate):
            raise ForbiddenError(RoomError.NOT_ALLOWED, "Only the author or a moderator can delete a message.")
        message.deleted_at, message.deleted_by = timezone.now(), actor
        message.save(update_fields=["deleted_at", "deleted_by"])
        publish_on_commit(events.room_group(room.pk), events.chat_deleted(message))
    return message
