"""History, resync and the chat part of a hello, from the core, for any context."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from chat.events import ChatState
from chat.selectors import chat_snapshot, messages_page
from chat.services.messages import message_delete, message_post
from chat.services.moderation import chat_modes_update, message_pin, user_timeout
from config.event_schema import check
from guilds.chat_policy import GUILD_CHAT
from guilds.models import GuildRole
from rooms.models import ChatMessage
from tests.guilds.factories import GuildFactory, add_member

pytestmark = pytest.mark.django_db


def test_history_pages_and_resync(policy, room, carol, django_assert_num_queries):
    ids = [message_post(policy=policy, context=room, author=carol, body=f"m{i}").pk for i in range(3)]
    ChatMessage.objects.filter(pk__in=ids).update(created_at=ChatMessage.objects.get(pk=ids[0]).created_at)
    ChatMessage.objects.bulk_create(ChatMessage(room=room, author=carol, body=f"bulk {i}") for i in range(60))
    every = list(ChatMessage.objects.order_by("id").values_list("pk", flat=True))
    with django_assert_num_queries(1):
        latest = messages_page(policy=policy, context=room)
    assert [m.pk for m in latest] == every[-50:]
    assert [m.pk for m in messages_page(policy=policy, context=room, after_id=every[1], limit=5)] == every[2:7]
    assert [m.pk for m in messages_page(policy=policy, context=room, before_id=every[3])] == every[:3]


def test_the_same_selectors_serve_guilds(alice, bob, carol):
    guild = GuildFactory(created_by=alice)
    add_member(guild, bob, role=GuildRole.OFFICER)
    add_member(guild, carol)
    User.objects.filter(pk=carol.pk).update(premium_until=timezone.now() + timedelta(days=1))
    carol.refresh_from_db()
    message = message_post(policy=GUILD_CHAT, context=guild, author=alice, body="hi guild")
    assert messages_page(policy=GUILD_CHAT, context=guild) == [message]
    me = {user.handle: chat_snapshot(policy=GUILD_CHAT, context=guild, user=user)["me"] for user in (alice, bob, carol)}
    assert me == {"alice": {"is_moderator": True, "badges": ["owner"], "restriction": None},
                  "bob": {"is_moderator": True, "badges": ["moderator"], "restriction": None},
                  "carol": {"is_moderator": False, "badges": ["premium"], "restriction": None}}


def test_snapshot(policy, room, alice, bob, carol, django_assert_num_queries):
    first = message_post(policy=policy, context=room, author=carol, body="pin me")
    message_post(policy=policy, context=room, author=carol, body="then delete me")
    message_delete(policy=policy, context=room, actor=bob, message_id=first.pk + 1)
    message_pin(policy=policy, context=room, actor=bob, message_id=first.pk)
    chat_modes_update(policy=policy, context=room, actor=alice, slow_mode_seconds=10)
    user_timeout(policy=policy, context=room, actor=bob, user=carol, seconds=60)
    policy.subscribers.add(carol.pk)
    # settings, pin, restriction, messages, and the room policy's membership read twice (is_moderator, badges)
    with django_assert_num_queries(6):
        snapshot = chat_snapshot(policy=policy, context=room, user=carol)
    check(snapshot, ChatState)
    assert [m["is_deleted"] for m in snapshot["messages"]] == [False, True]
    assert snapshot["pinned"]["message"]["body"] == "pin me"
    assert snapshot["modes"]["slow_mode_seconds"] == 10
    assert snapshot["me"]["restriction"]["kind"] == "timeout"
    assert snapshot["me"]["badges"] == ["subscriber"] and snapshot["me"]["is_moderator"] is False
    assert chat_snapshot(policy=policy, context=room, user=bob)["me"]["badges"] == ["moderator"]


def test_an_empty_snapshot(policy, room, alice):
    snapshot = chat_snapshot(policy=policy, context=room, user=alice)
    check(snapshot, ChatState)
    assert snapshot == {"messages": [], "pinned": None, "modes": {
        "slow_mode_seconds": 0, "is_emote_only": False, "followers_only_minutes": None, "is_subscribers_only": False},
        "me": {"is_moderator": True, "badges": ["owner"], "restriction": None}}
