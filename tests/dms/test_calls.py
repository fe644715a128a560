"""Calls from a one-to-one conversation: ring, accept into a private voice room, decline, miss, hang up;
the outcome is a message in the conversation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Block, Notification
from dms.models import Call, CallStatus, DirectMessage
from dms.services.calls import call_answer, call_hang_up, call_start, calls_expire
from dms.services.conversations import group_create
from rooms.models import Room, RoomMember
from rooms.services.membership import room_leave
from tests.accounts.factories import make_friends

from .factories import direct_between
from .test_messages import code_of

pytestmark = pytest.mark.django_db


def test_a_call_rings_both_and_accepting_opens_a_private_voice_room(alice, bob, published, commit):
    conversation = direct_between(alice, bob)
    with commit():
        call, created = call_start(caller=alice, conversation=conversation)
    assert created and call.status == CallStatus.RINGING
    [ringing] = published.events("dms.call", "ringing")
    assert published.to(f"user.{bob.pk}") == [ringing] and ringing["call"]["expires_at"]
    assert code_of(lambda: call_answer(user=alice, call_id=call.pk, accept=True)) == "dm_not_allowed"
    with commit():
        call = call_answer(user=bob, call_id=call.pk, accept=True)
    room = Room.objects.get(pk=call.room_id)
    assert (room.kind, room.visibility, room.max_members, room.is_matchmade) == ("voice", "private", 2, False)
    assert room.is_camera_enabled  # each may turn their camera on in the call (media_relay: publish_video)
    assert set(RoomMember.objects.filter(room=room).values_list("user", flat=True)) == {alice.pk, bob.pk}
    [accepted] = published.events("dms.call", "accepted")
    assert accepted["call"]["room"] == room.code
    # a second tab answering too is refused: the call isn't ringing any more
    assert code_of(lambda: call_answer(user=bob, call_id=call.pk, accept=True)) == "call_not_ringing"


def test_hanging_up_ends_the_call_closes_its_room_and_writes_its_duration(alice, bob, published, commit):
    conversation = direct_between(alice, bob)
    call, _ = call_start(caller=alice, conversation=conversation)
    call = call_answer(user=bob, call_id=call.pk, accept=True)
    Call.objects.filter(pk=call.pk).update(answered_at=timezone.now() - timedelta(seconds=75))
    with commit():
        call = call_hang_up(user=bob, call_id=call.pk)
    assert call.status == CallStatus.ENDED and 74 <= call.duration_seconds <= 76
    assert Room.objects.get(pk=call.room_id).closed_at is not None
    message = DirectMessage.objects.get(call=call)
    assert message.body.startswith("Call ended · 1:1")
    assert published.events("dms.call", "ended")


def test_both_leaving_the_room_ends_the_call(alice, bob, commit):
    conversation = direct_between(alice, bob)
    call, _ = call_start(caller=alice, conversation=conversation)
    call = call_answer(user=bob, call_id=call.pk, accept=True)
    with commit():
        room_leave(user=alice, room=call.room)
        room_leave(user=bob, room=call.room)
    call.refresh_from_db()
    assert call.status == CallStatus.ENDED and call.ended_at


def test_declined_cancelled_and_missed_calls_are_in_the_history(alice, bob):
    conversation = direct_between(alice, bob)
    declined, _ = call_start(caller=alice, conversation=conversation)
    call_answer(user=bob, call_id=declined.pk, accept=False)
    cancelled, _ = call_start(caller=alice, conversation=conversation)
    call_hang_up(user=alice, call_id=cancelled.pk)
    missed, _ = call_start(caller=alice, conversation=conversation)
    assert calls_expire(now=timezone.now() + timedelta(seconds=31)) == 1
    assert calls_expire(now=timezone.now() + timedelta(seconds=31)) == 0  # idempotent
    assert list(DirectMessage.objects.filter(conversation=conversation).order_by("id").values_list("body", flat=True)) == [
        "Declined call", "Cancelled call", "Missed call"]
    assert Notification.objects.filter(recipient=bob, kind="missed_call").count() == 1
    # a late accept is refused and says why
    late, _ = call_start(caller=alice, conversation=conversation)
    Call.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(seconds=31))
    with pytest.raises(Exception) as caught:
        call_answer(user=bob, call_id=late.pk, accept=True)
    assert caught.value.code == "call_not_ringing" and caught.value.extra == {"status": "missed"}


def test_calling_back_while_being_called_answers_the_call(alice, bob):
    conversation = direct_between(alice, bob)
    first, _ = call_start(caller=alice, conversation=conversation)
    again, created = call_start(caller=bob, conversation=conversation)
    assert not created and again.pk == first.pk and again.status == CallStatus.ACCEPTED
    assert Call.objects.count() == 1


def test_no_calls_in_groups_to_strangers_or_across_a_block(alice, bob, carol):
    make_friends(alice, carol)
    group = group_create(creator=alice, name="", users=[carol])
    assert code_of(lambda: call_start(caller=alice, conversation=group)) == "call_group_unsupported"
    conversation = direct_between(alice, bob)
    Block.objects.create(blocker=bob, blocked=alice)
    assert code_of(lambda: call_start(caller=alice, conversation=conversation)) == "dm_blocked"
    assert code_of(lambda: call_answer(user=carol, call_id=0, accept=True)) == "call_not_found"
