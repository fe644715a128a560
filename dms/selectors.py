"""Reads of conversations: who may message whom, a member's conversations, history and unread counts."""

from django.db.models import F, Prefetch, Q, QuerySet, prefetch_related_objects

from accounts.models import Block, Follow, Friendship, User
from chat.selectors import messages_page
from config.errors import ForbiddenError, NotFoundError

from .errors import DmError
from .models import Call, Conversation, ConversationMember, DirectMessage, DmSettings, MessagesFrom


def messages_from(*, user: User) -> str:
    found = DmSettings.objects.filter(user=user).values_list("messages_from", flat=True).first()
    return found or MessagesFrom.FRIENDS


def message_check(*, sender: User, recipient: User) -> None:
    """Raise unless `sender` may message `recipient` now: no block either way, and the recipient's privacy
    (friends; friends and the people they follow; nobody) lets them in. Checked on every message."""
    if Block.objects.filter(Q(blocker=sender, blocked=recipient) | Q(blocker=recipient, blocked=sender)).exists():
        raise ForbiddenError(DmError.BLOCKED, "You can't message this user.")
    allowed = messages_from(user=recipient)
    if allowed == MessagesFrom.NOBODY:
        raise ForbiddenError(DmError.NOT_ACCEPTED, f"@{recipient.handle} doesn't accept messages.")
    is_friend = Friendship.objects.filter(user=recipient, friend=sender).exists()
    if is_friend or (allowed == MessagesFrom.FOLLOWING and Follow.objects.filter(follower=recipient, followee=sender).exists()):
        return
    raise ForbiddenError(DmError.NOT_ACCEPTED, f"@{recipient.handle} accepts messages from friends only.",
                         {"messages_from": allowed})


def blocked_ids(*, user_id: int, among: list[int]) -> set[int]:
    """Those of `among` who blocked `user_id` or whom they blocked."""
    pairs = Block.objects.filter(Q(blocker_id=user_id, blocked_id__in=among) | Q(blocked_id=user_id, blocker_id__in=among))
    return {blocked if blocker == user_id else blocker for blocker, blocked in pairs.values_list("blocker_id", "blocked_id")}


def member_ids(*, conversation: Conversation) -> list[int]:
    return list(ConversationMember.objects.filter(conversation=conversation).values_list("user_id", flat=True))


def members(*, conversation: Conversation) -> list[User]:
    return list(User.objects.filter(pk__in=ConversationMember.objects.filter(conversation=conversation).values("user"))
                .order_by("handle"))


def conversation_get_for_user(*, conversation_id: int, user: User) -> Conversation:
    """The conversation, if `user` is in it (404 otherwise: others don't learn it exists)."""
    conversation = Conversation.objects.filter(
        pk=conversation_id, members__user=user).first() if user.is_authenticated else None
    if conversation is None:
        raise NotFoundError(DmError.CONVERSATION_NOT_FOUND, "No such conversation.")
    return conversation


def membership(*, conversation: Conversation, user: User) -> ConversationMember:
    return ConversationMember.objects.get(conversation=conversation, user=user)


def conversation_list(*, user: User) -> QuerySet[ConversationMember]:
    """The user's conversations, latest activity first, each with its members and the user's unread count
    (3 queries: the rows, the members, their users)."""
    others = ConversationMember.objects.select_related("user").order_by("user__handle")
    return (ConversationMember.objects.filter(user=user).select_related("conversation")
            .prefetch_related(Prefetch("conversation__members", queryset=others))
            .order_by(F("conversation__last_message_at").desc(nulls_last=True), "-conversation__created_at",
                      "-conversation_id"))


def unread_summary(*, user_id: int) -> dict:
    """The header's counts: the conversations with unread messages and how many. One query on one index."""
    counts = dict(ConversationMember.objects.filter(user_id=user_id, unread_count__gt=0)
                  .values_list("conversation_id", "unread_count"))
    return {"total": sum(counts.values()), "conversations": counts}


def messages_for(*, conversation: Conversation, viewer: User, after_id: int | None = None,
                 before_id: int | None = None, limit: int | None = None) -> list[DirectMessage]:
    """A page of history, oldest first (the chat core's messages_page: `after_id` resyncs after a reconnect,
    `before_id` scrolls back), without the messages of anyone the viewer blocked or who blocked them (a group's
    members; in a one-to-one conversation a block stops the messages themselves). 2 queries, and the calls'."""
    from .chat_policy import DM_CHAT

    page = messages_page(policy=DM_CHAT, context=conversation, after_id=after_id, before_id=before_id, limit=limit)
    prefetch_related_objects([m for m in page if m.call_id], "call__caller", "call__callee", "call__room")
    hidden = blocked_ids(user_id=viewer.pk, among=list({m.author_id for m in page})) if conversation.is_group else set()
    return [message for message in page if message.author_id not in hidden]


def read_positions(*, conversation: Conversation) -> dict[int, int]:
    """Every member's last read message (read receipts)."""
    return dict(ConversationMember.objects.filter(conversation=conversation).values_list("user_id", "last_read_id"))


def open_call(*, conversation: Conversation) -> Call | None:
    return (Call.objects.select_related("caller", "callee", "room")
            .filter(conversation=conversation, status__in=["ringing", "accepted"]).first())


def calls_ringing_for(*, user: User) -> QuerySet[Call]:
    """Calls ringing for `user` now (a page load shows the prompt again)."""
    return Call.objects.select_related("caller", "callee", "room").filter(callee=user, status="ringing")


def conversation_detail(*, conversation: Conversation) -> Conversation:
    """The conversation with its members, every read position and its open call (4 queries)."""
    conversation = (Conversation.objects.prefetch_related(
        Prefetch("members", queryset=ConversationMember.objects.select_related("user"))).get(pk=conversation.pk))
    conversation.read_positions = {m.user_id: m.last_read_id for m in conversation.members.all()}
    conversation.open_call = open_call(conversation=conversation)
    return conversation
