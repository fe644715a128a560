from dms.models import Conversation, ConversationKind, ConversationMember, direct_key
from tests.accounts.factories import make_friends


def direct_between(a, b, *, friends: bool = True) -> Conversation:
    """A one-to-one conversation of a and b (friends unless told)."""
    if friends:
        make_friends(a, b)
    conversation = Conversation.objects.create(kind=ConversationKind.DIRECT, direct_key=direct_key(a.pk, b.pk), created_by=a)
    ConversationMember.objects.bulk_create([ConversationMember(conversation=conversation, user=u) for u in (a, b)])
    return conversation
