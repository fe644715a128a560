"""Direct messages on the chat core (chat/): members post; only the author deletes (or edits, dms.services).

A one-to-one conversation locks both people's user rows, as accounts' block does (in id order), and
re-checks blocks and the recipient's privacy under that lock: a block commits before a message (which is
refused) or after it (delivered before the block), never in between. A group delivers each message to
its members' personal sockets, minus anyone with a block between them and the author.
"""

import re

from django.conf import settings
from django.db.models import F

from accounts.models import User
from chat.policy import ChatPolicy
from config.errors import ForbiddenError
from config.realtime import user_group

from . import events
from .errors import DmError
from .models import Conversation, ConversationMember, DirectMessage
from .selectors import blocked_ids, member_ids, message_check

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,30})")


def message_store(conversation: Conversation, author: User, body: str, *, recipients: list[int], call=None) -> DirectMessage:
    """Write a message, count it unread for its recipients and as read by its author, and note the
    conversation's activity (one insert, three updates)."""
    handles = {h.lower() for h in MENTION.findall(body)}
    mentions = list(User.objects.filter(handle__in=handles, pk__in=recipients).values_list("pk", flat=True)) if handles else []
    message = DirectMessage.objects.create(conversation=conversation, author=author, body=body, mentions=mentions, call=call)
    rows = ConversationMember.objects.filter(conversation=conversation)
    rows.filter(user_id__in=[r for r in recipients if r != author.pk]).update(unread_count=F("unread_count") + 1)
    rows.filter(user=author).update(last_read_id=message.pk, unread_count=0)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    return message


class DmChatPolicy(ChatPolicy):
    kind = "dm"
    message_model = DirectMessage
    context_field = "conversation"

    def rate_limit(self) -> tuple[int, float]:
        return settings.DM_RATE_MAX_MESSAGES, settings.DM_RATE_WINDOW_SECONDS

    def lock_author(self, context: Conversation, user) -> ConversationMember:
        ids = member_ids(conversation=context)
        if not context.is_group:  # the pair's user rows, in id order, like accounts' block_create
            list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        member = ConversationMember.objects.select_for_update().filter(conversation=context, user=user).first()
        if member is None:
            raise ForbiddenError(DmError.NOT_A_MEMBER, "You are not in this conversation.")
        context.delivery_user_ids = ids
        return member

    def check_post(self, context: Conversation, user, participant: ConversationMember) -> Conversation:
        others = [uid for uid in context.delivery_user_ids if uid != user.pk]
        if not context.is_group:
            message_check(sender=user, recipient=User.objects.get(pk=others[0]))
        else:
            hidden = blocked_ids(user_id=user.pk, among=others)
            context.delivery_user_ids = [uid for uid in context.delivery_user_ids if uid not in hidden]
        return context

    def is_moderator(self, context: Conversation, user, participant=None) -> bool:
        return False

    def check_delete(self, context: Conversation, actor, message: DirectMessage) -> None:
        if message.author_id != actor.pk or message.call_id is not None:
            raise ForbiddenError(DmError.NOT_ALLOWED, "Only the author can delete a message.")

    def group(self, context: Conversation) -> list[str]:
        """The members' personal sockets: those the send worked out (blocks left out), else every member."""
        ids = getattr(context, "delivery_user_ids", None)
        return [user_group(uid) for uid in (ids if ids is not None else member_ids(conversation=context))]

    def user_group(self, context: Conversation, user_id: int) -> str:
        return user_group(user_id)

    def message_create(self, context: Conversation, author, body: str) -> DirectMessage:
        return message_store(context, author, body, recipients=context.delivery_user_ids)

    def message_payload(self, message: DirectMessage) -> events.MessagePayload:
        return events.message_payload(message)

    def created_event(self, message: DirectMessage) -> events.MessageCreated:
        return events.message_created(message)

    def deleted_event(self, message: DirectMessage) -> events.MessageDeleted:
        return events.message_deleted(message)


DM_CHAT = DmChatPolicy()
