"""Sending, editing and deleting messages, read receipts and the typing indicator."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from chat.filters import apply_filters
from chat.services.messages import message_delete, message_post
from chat.text import body_clean
from config.errors import ForbiddenError, NotFoundError
from config.realtime import publish_now, publish_on_commit, user_group

from .. import events
from ..chat_policy import DM_CHAT
from ..errors import DmError
from ..models import Conversation, ConversationMember, DirectMessage

TYPING_EVERY_SECONDS = 3  # at most one typing event per person per conversation this often


def message_send(*, author: User, conversation: Conversation, body: str) -> DirectMessage:
    """The chat core's message_post: the text rules, membership, blocks and privacy (DM_CHAT), the rate
    limit and the filters (chat.filters: AutoMod), then delivery to the members' sockets after commit."""
    return message_post(policy=DM_CHAT, context=conversation, author=author, body=body)


def message_edit(*, actor: User, conversation: Conversation, message_id: int, body: str) -> DirectMessage:
    """The author rewrites their message: the same text rules and filters as a new one."""
    body = body_clean(body, max_length=DM_CHAT.max_length)
    with transaction.atomic():
        message = (DirectMessage.objects.select_for_update().select_related("author")
                   .filter(conversation=conversation, pk=message_id, deleted_at__isnull=True).first())
        if message is None:
            raise NotFoundError(DmError.CONVERSATION_NOT_FOUND, "No such message.")
        if message.author_id != actor.pk or message.call_id is not None:
            raise ForbiddenError(DmError.NOT_ALLOWED, "Only the author can edit a message.")
        DM_CHAT.lock_author(conversation, actor)
        DM_CHAT.check_post(conversation, actor, None)
        message.body = apply_filters(body=body, kind=DM_CHAT.kind, context=conversation, author=actor)
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])
        publish_on_commit(DM_CHAT.group(conversation), events.message_created(message, op="edited"))
    return message


def message_remove(*, actor: User, conversation: Conversation, message_id: int) -> DirectMessage:
    """The author deletes their message (kept, blanked: the chat core); it stops counting as unread."""
    with transaction.atomic():
        message = message_delete(policy=DM_CHAT, context=conversation, actor=actor, message_id=message_id)
        (ConversationMember.objects.filter(conversation=conversation, last_read_id__lt=message.pk, unread_count__gt=0)
         .exclude(user_id=message.author_id).update(unread_count=F("unread_count") - 1))
    return message


def conversation_read(*, user: User, conversation: Conversation, message_id: int) -> ConversationMember:
    """`user` has read up to `message_id`: their unread count is what came after it; everyone is told
    (read receipts; the reader's other tabs clear their badge). Reading backwards changes nothing."""
    with transaction.atomic():
        member = ConversationMember.objects.select_for_update().get(conversation=conversation, user=user)
        if message_id <= member.last_read_id:
            return member
        last_id = conversation.messages.order_by("-id").values_list("id", flat=True).first() or 0
        member.last_read_id = min(message_id, last_id)
        member.unread_count = (conversation.messages.filter(pk__gt=member.last_read_id, deleted_at__isnull=True)
                               .exclude(author=user).count())
        member.save(update_fields=["last_read_id", "unread_count"])
        publish_on_commit(DM_CHAT.group(conversation), events.read(member))
    return member


def typing_start(*, user: User, conversation: Conversation) -> bool:
    """Tell the other members `user` is typing (nothing is stored); at most once per TYPING_EVERY_SECONDS."""
    if not cache.add(f"dms.typing.{conversation.pk}.{user.pk}", 1, TYPING_EVERY_SECONDS):
        return False
    groups = [g for g in DM_CHAT.group(conversation) if g != user_group(user.pk)]
    publish_now(groups, events.typing(conversation_id=conversation.pk, user=user))
    return True
