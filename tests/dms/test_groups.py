"""Group conversations: up to 10 friends; name, add, remove, leave; a block inside a group."""

import pytest

from accounts.models import Block
from dms import selectors
from dms.models import GROUP_MAX_MEMBERS, ConversationMember
from dms.services.conversations import group_create, group_leave, group_member_add, group_member_remove, group_rename
from dms.services.messages import message_send
from tests.accounts.factories import UserFactory, make_friends

from .test_messages import code_of

pytestmark = pytest.mark.django_db


def friends_of(user, n):
    people = [UserFactory() for _ in range(n)]
    for other in people:
        make_friends(user, other)
    return people


def test_a_group_of_ten_friends_and_no_more(alice):
    friends = friends_of(alice, GROUP_MAX_MEMBERS)
    assert code_of(lambda: group_create(creator=alice, name="too many", users=friends)) == "dm_group_full"
    group = group_create(creator=alice, name="Book club", users=friends[:9])
    assert ConversationMember.objects.filter(conversation=group).count() == 10
    assert code_of(lambda: group_member_add(actor=alice, conversation=group, user=friends[9])) == "dm_group_full"


def test_only_friends_join_a_group(alice, bob, carol):
    make_friends(alice, bob)
    assert code_of(lambda: group_create(creator=alice, name="", users=[bob, carol])) == "dm_group_invalid"
    assert code_of(lambda: group_create(creator=alice, name="", users=[])) == "dm_group_invalid"


def test_rename_add_remove_and_leave(alice, bob, carol, dave, published, commit):
    for other in (bob, carol, dave):
        make_friends(alice, other)
    make_friends(bob, dave)
    group = group_create(creator=alice, name="Trip", users=[bob, carol])
    with commit():
        group_rename(actor=bob, conversation=group, name="Trip to Rome")
        group_member_add(actor=bob, conversation=group, user=dave)
    assert published.events("dms.conversation", "updated")[-1]["conversation"]["name"] == "Trip to Rome"
    assert code_of(lambda: group_member_add(actor=alice, conversation=group, user=dave)) == "dm_already_member"
    assert code_of(lambda: group_member_remove(actor=bob, conversation=group, user=carol)) == "dm_not_allowed"
    with commit():
        group_member_remove(actor=alice, conversation=group, user=carol)
        group_leave(user=dave, conversation=group)
    removed = [e["conversation_id"] for e in published.events("dms.conversation", "removed")]
    assert removed == [group.pk, group.pk]
    assert set(selectors.member_ids(conversation=group)) == {alice.pk, bob.pk}
    assert code_of(lambda: message_send(author=carol, conversation=group, body="hi")) == "dm_not_a_member"


def test_in_a_group_a_block_ends_delivery_between_the_two_only(alice, bob, carol, published, commit):
    make_friends(alice, bob)
    make_friends(alice, carol)
    group = group_create(creator=alice, name="", users=[bob, carol])
    Block.objects.create(blocker=carol, blocked=bob)
    with commit():
        message = message_send(author=bob, conversation=group, body="hello all")
    [(groups, _, _)] = [p for p in published if p[1]["type"] == "dms.message"]
    assert sorted(groups) == sorted([f"user.{alice.pk}", f"user.{bob.pk}"])
    assert ConversationMember.objects.get(conversation=group, user=carol).unread_count == 0
    assert message not in selectors.messages_for(conversation=group, viewer=carol)
    assert message in selectors.messages_for(conversation=group, viewer=alice)
