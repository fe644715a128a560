"""Posting through the core with the toolkit on: restrictions and modes, in the core's order."""

from datetime import timedelta

import pytest
from django.utils import timezone
from factory.django import mute_signals

from accounts.models import Follow
from chat.models import ChatRestriction, ChatSettings
from chat.services.messages import message_delete, message_post
from chat.services.moderation import message_pin, user_ban, user_timeout
from rooms.models import ChatMessage, RoomMember
from tests.rooms.conftest import refused
from tests.rooms.factories import RoomFactory, add_member
from tests.rooms.test_room_consumers import CHAT_SEND_QUERIES, ROOM_SIGNALS

pytestmark = pytest.mark.django_db


def post(policy, room, user, body="hello"):
    return message_post(policy=policy, context=room, author=user, body=body)


def modes(policy, room, **fields):
    ChatSettings.objects.update_or_create(context_kind=policy.kind, context_id=room.pk, defaults=fields)


def test_without_settings_every_mode_is_off(policy, room, carol, published, commit):
    with commit():
        message = post(policy, room, carol)
    assert ChatMessage.objects.get().pk == message.pk
    assert [e["type"] for _, e, _ in published] == ["rooms.chat"]


@pytest.mark.parametrize(("kind", "code"), [("timeout", "chat_timed_out"), ("ban", "chat_banned")])
def test_a_restricted_user_cannot_post_until_it_ends(policy, room, bob, carol, kind, code):
    if kind == "ban":
        user_ban(policy=policy, context=room, actor=bob, user=carol, seconds=60)
    else:
        user_timeout(policy=policy, context=room, actor=bob, user=carol, seconds=60)
    with refused(code, 403) as info:
        post(policy, room, carol)
    assert info.value.extra["expires_at"]
    ChatRestriction.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    post(policy, room, carol)


def test_a_permanent_ban_never_ends(policy, room, bob, carol):
    user_ban(policy=policy, context=room, actor=bob, user=carol)
    with refused("chat_banned", 403) as info:
        post(policy, room, carol)
    assert info.value.extra == {"expires_at": None}


def test_a_restriction_is_per_context(policy, room, bob, carol, alice):

    other = RoomFactory(created_by=alice)
    add_member(other, carol)
    user_ban(policy=policy, context=room, actor=bob, user=carol)
    post(policy, other, carol)


def test_emote_only(policy, room, bob, carol):
    modes(policy, room, is_emote_only=True)
    with refused("chat_emote_only", 403):
        post(policy, room, carol, "hi \U0001F525")
    post(policy, room, carol, "\U0001F525 :wave:")
    post(policy, room, bob, "moderators say anything")


def test_subscribers_only_asks_the_policy(policy, room, bob, carol):
    modes(policy, room, is_subscribers_only=True)
    with refused("chat_subscribers_only", 403):
        post(policy, room, carol)
    policy.subscribers.add(carol.pk)
    post(policy, room, carol)
    post(policy, room, bob)


def test_followers_only_with_a_minimum_follow_age(policy, room, alice, bob, carol):
    modes(policy, room, followers_only_minutes=10)
    with refused("chat_followers_only", 403) as info:
        post(policy, room, carol)
    assert info.value.extra == {"followers_only_minutes": 10}
    follow = Follow.objects.create(follower=carol, followee=alice)
    with refused("chat_followers_only", 403):
        post(policy, room, carol)
    Follow.objects.filter(pk=follow.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    post(policy, room, carol)
    post(policy, room, bob)


def test_followers_only_zero_minutes_lets_any_follower_in(policy, room, alice, carol):
    modes(policy, room, followers_only_minutes=0)
    with refused("chat_followers_only", 403):
        post(policy, room, carol)
    Follow.objects.create(follower=carol, followee=alice)
    post(policy, room, carol)


def test_slow_mode_from_the_core_settings(policy, room, bob, carol):
    modes(policy, room, slow_mode_seconds=30)
    post(policy, room, carol)
    with refused("slow_mode", 429) as info:
        post(policy, room, carol)
    assert 29 <= info.value.extra["retry_after"] <= 30
    post(policy, room, bob)
    post(policy, room, bob)
    ChatMessage.objects.filter(author=carol).update(created_at=timezone.now() - timedelta(seconds=31))
    post(policy, room, carol)


def test_the_context_refuses_before_the_core(policy, room, bob, carol):
    """The room's own rules (muted) come first, then the core's (a ban)."""
    user_ban(policy=policy, context=room, actor=bob, user=carol)
    RoomMember.objects.filter(user=carol).update(is_muted=True)
    with refused("muted", 403):
        post(policy, room, carol)


def test_the_rate_limit_applies_to_moderators_too(policy, room, bob):
    for i in range(5):
        post(policy, room, bob, f"m{i}")
    with refused("chat_rate_limited", 429):
        post(policy, room, bob)


def test_deleting_the_pinned_message_unpins_it(policy, room, bob, carol, published, commit):
    message = post(policy, room, carol)
    message_pin(policy=policy, context=room, actor=bob, message_id=message.pk)
    with commit():
        message_delete(policy=policy, context=room, actor=bob, message_id=message.pk)
    assert [(e["type"], e["op"]) for _, e, _ in published] == [("rooms.chat", "deleted"), ("chat.pin", "unpinned")]
    assert ChatSettings.objects.get().pinned_message_id is None


def test_the_toolkit_costs_two_queries_per_message(policy, room, carol, django_assert_num_queries):
    """The room's five (tests/rooms/test_room_consumers.py) plus the settings and the author's restriction;
    inside the test's transaction the atomic block is a savepoint: + 2."""


    with mute_signals(*ROOM_SIGNALS), django_assert_num_queries(CHAT_SEND_QUERIES + 2 + 2):
        post(policy, room, carol, "hi @alice")
