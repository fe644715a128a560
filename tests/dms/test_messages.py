"""Direct messages: who may message whom, delivery to the members' personal sockets, edits, deletes,
read receipts, unread counts, history paging and the typing indicator."""

import pytest
from django.test import override_settings

from accounts.models import Follow
from accounts.services.social import block_create
from config.errors import ApplicationError
from dms import selectors
from dms.models import ConversationMember, DirectMessage, DmSettings, MessagesFrom
from dms.services.conversations import direct_open
from dms.services.messages import conversation_read, message_edit, message_remove, message_send, typing_start
from tests.accounts.factories import UserFactory

from .factories import direct_between

pytestmark = pytest.mark.django_db


def code_of(call) -> str:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.code


def test_friends_open_one_conversation_per_pair(alice, bob):
    conversation = direct_between(alice, bob)
    again, created = direct_open(user=bob, other=alice)
    assert (again, created) == (conversation, False)


def test_a_message_reaches_both_personal_sockets_and_counts_unread_for_the_recipient(alice, bob, published, commit):
    conversation = direct_between(alice, bob)
    with commit():
        message = message_send(author=alice, conversation=conversation, body="hi @bob see https://example.com/x")
    [event] = published.events("dms.message", "created")
    assert event["message"]["body"] == "hi @bob see https://example.com/x"
    assert event["message"]["mentions"] == [bob.pk]
    assert published.to(f"user.{bob.pk}") and published.to(f"user.{alice.pk}")
    assert selectors.unread_summary(user_id=bob.pk) == {"total": 1, "conversations": {conversation.pk: 1}}
    assert selectors.unread_summary(user_id=alice.pk)["total"] == 0
    with commit():
        conversation_read(user=bob, conversation=conversation, message_id=message.pk)
    [read] = published.events("dms.read")
    assert (read["user_id"], read["last_read_id"], read["unread_count"]) == (bob.pk, message.pk, 0)
    assert selectors.unread_summary(user_id=bob.pk)["total"] == 0


def test_strangers_need_the_recipients_privacy(alice, bob):
    # not friends: refused by default
    assert code_of(lambda: direct_open(user=alice, other=bob)) == "dm_not_accepted"
    # bob follows alice back and lets people he follows message him
    Follow.objects.create(follower=bob, followee=alice)
    DmSettings.objects.create(user=bob, messages_from=MessagesFrom.FOLLOWING)
    conversation, created = direct_open(user=alice, other=bob)
    assert created
    message_send(author=alice, conversation=conversation, body="hello")
    # he allows no messages any more: the next one is refused with a clear code
    DmSettings.objects.filter(user=bob).update(messages_from=MessagesFrom.NOBODY)
    assert code_of(lambda: message_send(author=alice, conversation=conversation, body="still there?")) == "dm_not_accepted"


def test_a_friend_who_allows_no_messages_is_refused(alice, bob):
    conversation = direct_between(alice, bob)
    DmSettings.objects.create(user=bob, messages_from=MessagesFrom.NOBODY)
    assert code_of(lambda: message_send(author=alice, conversation=conversation, body="hi")) == "dm_not_accepted"
    assert message_send(author=bob, conversation=conversation, body="I can still write")  # alice accepts friends


def test_a_block_stops_messages_both_ways(alice, bob):
    conversation = direct_between(alice, bob)
    message_send(author=alice, conversation=conversation, body="before")
    block_create(blocker=bob, blocked=alice)
    assert code_of(lambda: message_send(author=alice, conversation=conversation, body="after")) == "dm_blocked"
    assert code_of(lambda: message_send(author=bob, conversation=conversation, body="after")) == "dm_blocked"
    assert code_of(lambda: direct_open(user=alice, other=bob)) == "dm_blocked"
    assert DirectMessage.objects.filter(conversation=conversation).count() == 1


def test_the_author_edits_and_deletes_and_the_unread_count_follows(alice, bob, published, commit):
    conversation = direct_between(alice, bob)
    with commit():
        message = message_send(author=alice, conversation=conversation, body="helo")
        message_edit(actor=alice, conversation=conversation, message_id=message.pk, body="hello")
    [edited] = published.events("dms.message", "edited")
    assert edited["message"]["body"] == "hello" and edited["message"]["edited_at"]
    assert code_of(lambda: message_edit(actor=bob, conversation=conversation, message_id=message.pk, body="x")) == "dm_not_allowed"
    assert code_of(lambda: message_remove(actor=bob, conversation=conversation, message_id=message.pk)) == "dm_not_allowed"
    assert code_of(lambda: message_edit(actor=alice, conversation=conversation, message_id=message.pk, body="  ")) == "message_empty"
    with commit():
        message_remove(actor=alice, conversation=conversation, message_id=message.pk)
    [deleted] = published.events("dms.message", "deleted")
    assert deleted == {"type": "dms.message", "op": "deleted", "conversation_id": conversation.pk, "id": message.pk}
    assert ConversationMember.objects.get(conversation=conversation, user=bob).unread_count == 0
    [payload] = [selectors.messages_for(conversation=conversation, viewer=bob)[0]]
    assert payload.deleted_at is not None


@override_settings(CHAT_FILTERS=["tests.dms.test_messages.shout_filter"])
def test_the_chat_filters_apply_to_messages_and_edits(alice, bob):
    from chat.filters import _filters

    _filters.cache_clear()
    try:
        conversation = direct_between(alice, bob)
        message = message_send(author=alice, conversation=conversation, body="quiet")
        assert message.body == "QUIET"
        assert message_edit(actor=alice, conversation=conversation, message_id=message.pk, body="still").body == "STILL"
    finally:
        _filters.cache_clear()


def shout_filter(*, body, kind, context, author):
    assert kind == "dm"
    return body.upper()


def test_history_pages_back_and_resyncs_forward(alice, bob, django_assert_num_queries):
    conversation = direct_between(alice, bob)
    ids = [DirectMessage.objects.create(conversation=conversation, author=alice, body=f"m{i}").pk for i in range(60)]
    with django_assert_num_queries(1):
        latest = selectors.messages_for(conversation=conversation, viewer=bob)
    assert [m.pk for m in latest] == ids[10:]
    older = selectors.messages_for(conversation=conversation, viewer=bob, before_id=ids[10])
    assert [m.pk for m in older] == ids[:10]
    newer = selectors.messages_for(conversation=conversation, viewer=bob, after_id=ids[57])
    assert [m.pk for m in newer] == ids[58:]


def test_typing_goes_to_the_others_at_most_every_few_seconds(alice, bob, published):
    conversation = direct_between(alice, bob)
    published.clear()
    assert typing_start(user=alice, conversation=conversation)
    assert not typing_start(user=alice, conversation=conversation)
    [(groups, event, _)] = published
    assert groups == [f"user.{bob.pk}"] and event["user"]["id"] == alice.pk


def test_unread_counts_for_500_conversations_are_one_query(django_assert_num_queries):
    me = UserFactory()
    others = [UserFactory() for _ in range(5)]
    from dms.models import Conversation, ConversationKind

    conversations = Conversation.objects.bulk_create(
        [Conversation(kind=ConversationKind.GROUP, name=f"g{i}") for i in range(500)])
    ConversationMember.objects.bulk_create(
        [ConversationMember(conversation=c, user=me, unread_count=i % 3) for i, c in enumerate(conversations)]
        + [ConversationMember(conversation=c, user=others[i % 5]) for i, c in enumerate(conversations)])
    with django_assert_num_queries(1):
        summary = selectors.unread_summary(user_id=me.pk)
    assert summary["total"] == sum(i % 3 for i in range(500))
    assert len(summary["conversations"]) == sum(1 for i in range(500) if i % 3)


def test_sending_is_a_fixed_number_of_queries(alice, bob, carol, django_assert_num_queries):
    conversation = direct_between(alice, bob)
    # (a savepoint and its release:) members; the pair's user rows locked; the author's member row locked; the
    # recipient; block, privacy, friendship; the rate limit; insert; unread +1; read by the author; last activity
    with django_assert_num_queries(14):
        message_send(author=alice, conversation=conversation, body="hello")
