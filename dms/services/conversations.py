"""Opening one-to-one conversations, and groups of up to 10 friends: name, add, remove, leave."""

from django.db import IntegrityError, transaction

from accounts.models import Friendship, User
from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from config.realtime import publish_on_commit, user_group

from .. import events
from ..errors import DmError
from ..models import GROUP_MAX_MEMBERS, Conversation, ConversationKind, ConversationMember, DmSettings, direct_key
from ..selectors import blocked_ids, member_ids, members, message_check


def _publish_changed(conversation: Conversation, *, op: str) -> None:
    people = members(conversation=conversation)
    publish_on_commit([user_group(user.pk) for user in people], events.conversation_changed(conversation, people, op=op))


def direct_open(*, user: User, other: User) -> tuple[Conversation, bool]:
    """The pair's one conversation, made on first use if `user` may message `other`; (conversation, created)."""
    if user.pk == other.pk:
        raise ApplicationError(DmError.SELF, "You can't message yourself.")
    message_check(sender=user, recipient=other)
    key = direct_key(user.pk, other.pk)
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(kind=ConversationKind.DIRECT, direct_key=key, created_by=user)
            ConversationMember.objects.bulk_create([ConversationMember(conversation=conversation, user=user),
                                                    ConversationMember(conversation=conversation, user=other)])
            _publish_changed(conversation, op="created")
    except IntegrityError:  # both opened it at once: the other request made it
        return Conversation.objects.get(direct_key=key), False
    return conversation, True


def _check_friends(actor: User, users: list[User]) -> None:
    friends = set(Friendship.objects.filter(user=actor, friend__in=users).values_list("friend_id", flat=True))
    strangers = [user for user in users if user.pk not in friends]
    if strangers:
        raise ForbiddenError(DmError.GROUP_INVALID, "Only your friends can be added to a group.",
                             {"handles": sorted(user.handle for user in strangers)})
    refused = blocked_ids(user_id=actor.pk, among=[user.pk for user in users])
    if refused:
        raise ForbiddenError(DmError.BLOCKED, "You can't add someone you blocked or who blocked you.")


def _clean_name(name: str) -> str:
    name = name.strip()
    if len(name) > 60:
        raise ApplicationError(DmError.GROUP_INVALID, "A group's name has at most 60 characters.",
                               {"fields": {"name": ["At most 60 characters."]}})
    return name


def group_create(*, creator: User, name: str, users: list[User]) -> Conversation:
    others = list({user.pk: user for user in users if user.pk != creator.pk}.values())
    if not others:
        raise ApplicationError(DmError.GROUP_INVALID, "Pick at least one friend.", {"fields": {"members": ["Required."]}})
    if len(others) + 1 > GROUP_MAX_MEMBERS:
        raise ApplicationError(DmError.GROUP_FULL, f"A group holds at most {GROUP_MAX_MEMBERS} people.",
                               {"max_members": GROUP_MAX_MEMBERS})
    _check_friends(creator, others)
    with transaction.atomic():
        conversation = Conversation.objects.create(kind=ConversationKind.GROUP, name=_clean_name(name), created_by=creator)
        ConversationMember.objects.bulk_create(
            [ConversationMember(conversation=conversation, user=user) for user in [creator, *others]])
        _publish_changed(conversation, op="created")
    return conversation


def _lock_group(conversation: Conversation) -> Conversation:
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if not conversation.is_group:
        raise ApplicationError(DmError.NOT_A_GROUP, "Only a group conversation has members to change.")
    return conversation


def group_rename(*, actor: User, conversation: Conversation, name: str) -> Conversation:
    with transaction.atomic():
        conversation = _lock_group(conversation)
        conversation.name = _clean_name(name)
        conversation.save(update_fields=["name"])
        _publish_changed(conversation, op="updated")
    return conversation


def group_member_add(*, actor: User, conversation: Conversation, user: User) -> ConversationMember:
    """Any member adds a friend of theirs; the group's row is locked, so concurrent adds count exactly."""
    _check_friends(actor, [user])
    with transaction.atomic():
        conversation = _lock_group(conversation)
        ids = member_ids(conversation=conversation)
        if user.pk in ids:
            raise ConflictError(DmError.ALREADY_MEMBER, f"@{user.handle} is already in this group.")
        if len(ids) >= GROUP_MAX_MEMBERS:
            raise ConflictError(DmError.GROUP_FULL, f"A group holds at most {GROUP_MAX_MEMBERS} people.",
                                {"max_members": GROUP_MAX_MEMBERS})
        # Unread starts from now: the history before is there to scroll back to, not counted.
        last_id = conversation.messages.order_by("-id").values_list("id", flat=True).first() or 0
        member = ConversationMember.objects.create(conversation=conversation, user=user, last_read_id=last_id)
        _publish_changed(conversation, op="updated")
    return member


def group_member_remove(*, actor: User, conversation: Conversation, user: User) -> None:
    """The group's creator removes someone; anyone removes themselves (leaving)."""
    with transaction.atomic():
        conversation = _lock_group(conversation)
        if user.pk != actor.pk and conversation.created_by_id != actor.pk:
            raise ForbiddenError(DmError.NOT_ALLOWED, "Only the group's creator can remove people.")
        deleted, _ = ConversationMember.objects.filter(conversation=conversation, user=user).delete()
        if not deleted:
            raise NotFoundError(DmError.NOT_A_MEMBER, f"@{user.handle} is not in this group.")
        publish_on_commit(user_group(user.pk), events.conversation_removed(conversation.pk))
        _publish_changed(conversation, op="updated")


def group_leave(*, user: User, conversation: Conversation) -> None:
    group_member_remove(actor=user, conversation=conversation, user=user)


def messages_from_set(*, user: User, messages_from: str) -> DmSettings:
    found, _ = DmSettings.objects.update_or_create(user=user, defaults={"messages_from": messages_from})
    return found
