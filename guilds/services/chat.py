"""Guild chat, as room chat: persisted first, then broadcast; a length cap and a per-author rate limit."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.errors import ForbiddenError, NotFoundError, RateLimitedError
from config.realtime import publish_on_commit
from rooms.services.chat import chat_body_clean

from .. import events
from ..errors import GuildChatError, GuildError
from ..models import MAX_MESSAGE_LENGTH, Guild, GuildMember, GuildMessage
from ..selectors import can_manage

# The same limits as room chat's defaults: 5 messages per 5 seconds.
RATE_MAX_MESSAGES = 5
RATE_WINDOW = timedelta(seconds=5)


def guild_message_send(*, actor: User, guild: Guild, body: str) -> GuildMessage:
    body = chat_body_clean(body, max_length=MAX_MESSAGE_LENGTH)
    now = timezone.now()
    with transaction.atomic():
        # The author's membership row, locked: one author's messages are checked one at a time.
        if GuildMember.objects.select_for_update().filter(guild=guild, user=actor).first() is None:
            raise ForbiddenError(GuildError.NOT_A_MEMBER, "Only members of this guild can chat here.")
        recent = GuildMessage.objects.filter(guild=guild, author=actor, created_at__gt=now - RATE_WINDOW).count()
        if recent >= RATE_MAX_MESSAGES:
            raise RateLimitedError(GuildChatError.RATE_LIMITED, "You're sending messages too fast.",
                                   {"retry_after": RATE_WINDOW.total_seconds()})
        message = GuildMessage.objects.create(guild=guild, author=actor, body=body)
        publish_on_commit(events.guild_group(guild.pk), events.chat_created(message))
    return message


def guild_message_delete(*, actor: User, guild: Guild, message_id: int) -> GuildMessage:
    """The author, an officer or the leader removes a message (kept, blanked, for the record)."""
    with transaction.atomic():
        message = (GuildMessage.objects.select_for_update().filter(guild=guild, pk=message_id, deleted_at__isnull=True)
                   .first())
        if message is None:
            raise NotFoundError(GuildChatError.MESSAGE_NOT_FOUND, "No such message.")
        member = GuildMember.objects.filter(guild=guild, user=actor).first()
        if member is None or (message.author_id != actor.pk and not can_manage(member)):
            raise ForbiddenError(GuildError.NOT_ALLOWED, "Only the author, an officer or the leader can delete a message.")
        message.deleted_at, message.deleted_by = timezone.now(), actor
        message.save(update_fields=["deleted_at", "deleted_by"])
        publish_on_commit(events.guild_group(guild.pk), events.chat_deleted(message))
    return message
