"""Pins, timeouts, bans, modes: moderators only, audited, broadcast to the context's group."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from chat.models import ChatRestriction, ChatSettings, RestrictionKind
from chat.selectors import active_restriction
from chat.services.messages import message_delete, message_post
from chat.services.moderation import (
    chat_modes_update,
    context_forget,
    message_pin,
    message_unpin,
    restriction_lift,
    user_ban,
    user_timeout,
)
from rooms.chat_policy import ROOM_CHAT
from rooms.events import room_group
from tests.conftest import requires_postgres
from tests.races import outcome, run_together
from tests.rooms.conftest import refused
from tests.rooms.factories import RoomFactory

pytestmark = pytest.mark.django_db


def verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))


# -- who may ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("action", [
    lambda p, r, actor, target, m: message_pin(policy=p, context=r, actor=actor, message_id=m.pk),
    lambda p, r, actor, target, m: message_unpin(policy=p, context=r, actor=actor),
    lambda p, r, actor, target, m: user_timeout(policy=p, context=r, actor=actor, user=target, seconds=60),
    lambda p, r, actor, target, m: user_ban(policy=p, context=r, actor=actor, user=target),
    lambda p, r, actor, target, m: restriction_lift(policy=p, context=r, actor=actor, user=target),
    lambda p, r, actor, target, m: chat_modes_update(policy=p, context=r, actor=actor, is_emote_only=True),
])
def test_only_moderators_act(policy, room, alice, carol, action, published, commit):
    message = message_post(policy=policy, context=room, author=alice, body="hi")
    with commit(), refused("chat_not_a_moderator", 403):
        action(policy, room, carol, alice, message)
    assert published == [] and verbs() == []


def test_a_context_without_the_toolkit_refuses_it(room, alice, carol):
    with refused("chat_not_a_moderator", 403):
        user_timeout(policy=ROOM_CHAT, context=room, actor=alice, user=carol, seconds=60)


@pytest.mark.parametrize("target", ["alice", "bob"])
def test_owner_and_moderators_cannot_be_restricted(policy, room, alice, bob, target, request):
    actor = alice if target == "bob" else bob
    with refused("chat_target_invalid", 403):
        user_ban(policy=policy, context=room, actor=actor, user=request.getfixturevalue(target))


# -- pins ---------------------------------------------------------------------------------------------
def test_pin_one_per_context(policy, room, alice, bob, carol, published, commit):
    first = message_post(policy=policy, context=room, author=carol, body="first")
    second = message_post(policy=policy, context=room, author=carol, body="second")
    with commit():
        message_pin(policy=policy, context=room, actor=bob, message_id=first.pk)
        message_pin(policy=policy, context=room, actor=alice, message_id=second.pk)
    settings = ChatSettings.objects.get()
    assert (settings.pinned_message_id, settings.pinned_by) == (second.pk, alice)
    pins = published.events("chat.pin", "pinned")
    assert [p["pin"]["message"]["body"] for p in pins] == ["first", "second"]
    assert pins[1]["pin"]["pinned_by"]["handle"] == "alice"
    assert published.to(room_group(room.pk)) == published.events()
    with commit():
        message_unpin(policy=policy, context=room, actor=bob)
    assert published.events("chat.pin", "unpinned") == [{"type": "chat.pin", "op": "unpinned", "message_id": second.pk}]
    assert verbs() == ["chat.message_pinned", "chat.message_pinned", "chat.message_unpinned"]
    with refused("chat_nothing_pinned", 404):
        message_unpin(policy=policy, context=room, actor=bob)


def test_pin_refuses_a_deleted_or_foreign_message(policy, room, bob, carol, alice):

    message = message_post(policy=policy, context=room, author=carol, body="gone soon")
    message_delete(policy=policy, context=room, actor=carol, message_id=message.pk)
    with refused("message_not_found", 404):
        message_pin(policy=policy, context=room, actor=bob, message_id=message.pk)
    elsewhere = message_post(policy=policy, context=RoomFactory(created_by=bob), author=bob, body="elsewhere")
    with refused("message_not_found", 404):
        message_pin(policy=policy, context=room, actor=bob, message_id=elsewhere.pk)


def test_a_moderators_delete_is_audited_an_authors_own_is_not(policy, room, bob, carol):
    own = message_post(policy=policy, context=room, author=carol, body="mine")
    other = message_post(policy=policy, context=room, author=carol, body="rude")
    message_delete(policy=policy, context=room, actor=carol, message_id=own.pk)
    message_delete(policy=policy, context=room, actor=bob, message_id=other.pk)
    event = AuditEvent.objects.get()
    assert (event.verb, event.actor, event.target_id) == ("chat.message_deleted", bob, str(other.pk))
    assert event.details == {"context": f"test_room.{room.pk}", "author": carol.pk}


# -- timeouts and bans --------------------------------------------------------------------------------
def test_timeout_then_ban_then_lift(policy, room, bob, carol, published, commit):
    with commit():
        timeout = user_timeout(policy=policy, context=room, actor=bob, user=carol, seconds=600, reason="spam")
    assert timeout.kind == RestrictionKind.TIMEOUT
    assert timedelta(seconds=599) < timeout.expires_at - timezone.now() <= timedelta(seconds=600)
    event = published.events("chat.restriction", "timed_out")[0]
    assert event["restriction"]["user"]["handle"] == "carol" and event["restriction"]["reason"] == "spam"
    with commit():
        ban = user_ban(policy=policy, context=room, actor=bob, user=carol)
    assert ChatRestriction.objects.get().pk == ban.pk and ban.expires_at is None  # the ban replaced the timeout
    assert published.events("chat.restriction", "banned")[0]["restriction"]["expires_at"] is None
    with commit():
        restriction_lift(policy=policy, context=room, actor=bob, user=carol)
    assert published.events("chat.restriction", "lifted") == [{"type": "chat.restriction", "op": "lifted",
                                                               "user_id": carol.pk}]
    assert not ChatRestriction.objects.exists()
    assert verbs() == ["chat.user_timed_out", "chat.user_banned", "chat.restriction_lifted"]
    with refused("chat_target_invalid", 404):
        restriction_lift(policy=policy, context=room, actor=bob, user=carol)


@pytest.mark.parametrize(("call", "seconds"), [
    (user_timeout, 0), (user_timeout, 14 * 86400 + 1), (user_ban, 0), (user_ban, 365 * 86400 + 1),
])
def test_durations(policy, room, bob, carol, call, seconds):
    with refused("chat_duration_invalid", 400):
        call(policy=policy, context=room, actor=bob, user=carol, seconds=seconds)


def test_an_expired_restriction_is_not_active(policy, room, bob, carol):
    user_timeout(policy=policy, context=room, actor=bob, user=carol, seconds=1)
    assert active_restriction(policy=policy, context=room, user=carol) is not None
    ChatRestriction.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert active_restriction(policy=policy, context=room, user=carol) is None


def test_the_database_keeps_one_restriction_per_user_and_context(policy, room, bob, carol):
    user_ban(policy=policy, context=room, actor=bob, user=carol)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChatRestriction.objects.create(context_kind=policy.kind, context_id=room.pk, user=carol, kind="ban")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChatRestriction.objects.create(context_kind="other", context_id=room.pk, user=carol, kind="timeout")


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_bans_and_timeouts_leave_one_row(policy, room, alice, bob, carol):
    results = run_together([
        lambda: user_ban(policy=policy, context=room, actor=bob, user=carol),
        lambda: user_timeout(policy=policy, context=room, actor=alice, user=carol, seconds=60),
    ] * 4)
    assert [outcome(r) for r in results] == ["ok"] * 8
    assert ChatRestriction.objects.filter(user=carol).count() == 1


# -- modes --------------------------------------------------------------------------------------------
def test_modes_update_only_what_is_given(policy, room, bob, published, commit):
    with commit():
        chat_modes_update(policy=policy, context=room, actor=bob, slow_mode_seconds=30, is_emote_only=True)
        chat_modes_update(policy=policy, context=room, actor=bob, followers_only_minutes=10)
        chat_modes_update(policy=policy, context=room, actor=bob, is_emote_only=False, is_subscribers_only=True)
    assert [e["modes"] for e in published.events("chat.modes", "updated")] == [
        {"slow_mode_seconds": 30, "is_emote_only": True, "followers_only_minutes": None, "is_subscribers_only": False},
        {"slow_mode_seconds": 30, "is_emote_only": True, "followers_only_minutes": 10, "is_subscribers_only": False},
        {"slow_mode_seconds": 30, "is_emote_only": False, "followers_only_minutes": 10, "is_subscribers_only": True},
    ]
    assert ChatSettings.objects.count() == 1
    assert AuditEvent.objects.order_by("id").last().details == {"context": f"test_room.{room.pk}", "is_emote_only": False,
                                                 "is_subscribers_only": True}


@pytest.mark.parametrize("fields", [
    {}, {"slow_mode_seconds": -1}, {"slow_mode_seconds": 3601}, {"slow_mode_seconds": "5"},
    {"followers_only_minutes": -1}, {"followers_only_minutes": 90 * 24 * 60 + 1}, {"is_emote_only": 1},
])
def test_invalid_modes(policy, room, bob, fields):
    with refused("chat_modes_invalid", 400):
        chat_modes_update(policy=policy, context=room, actor=bob, **fields)
    assert not ChatSettings.objects.exists()


def test_context_forget(policy, room, bob, carol):
    user_ban(policy=policy, context=room, actor=bob, user=carol)
    chat_modes_update(policy=policy, context=room, actor=bob, is_emote_only=True)
    context_forget(policy=policy, context=room)
    assert not ChatRestriction.objects.exists() and not ChatSettings.objects.exists()
