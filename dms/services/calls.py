"""Calls from a one-to-one conversation: ring every tab of the callee for 30 s, then a private two-person
voice room (rooms' partner-call room: peer-to-peer first, the relay as fallback), and the outcome as a
message in the conversation (missed, declined, cancelled, ended with its duration).

Races: the conversation's row is locked to start a call and a partial unique index keeps one open call
per conversation, so two people calling each other at once make one call (the second caller answers the
first's); the call's row is locked to answer it, so of two tabs answering at once one wins, and the
other gets `call_not_ringing`.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.notifications import notification_create
from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from config.realtime import publish_on_commit, user_group
from rooms.models import Room
from rooms.services.matching import call_room_create
from rooms.services.membership import room_close

from .. import events
from ..chat_policy import DM_CHAT, message_store
from ..errors import DmError
from ..models import OPEN_CALL, Call, CallStatus, Conversation
from ..notification_kinds import NotificationKind
from ..selectors import member_ids, message_check

RING_FOR = timedelta(seconds=events.CALL_RING_SECONDS)
OUTCOME_TEXT = {
    CallStatus.MISSED: "Missed call", CallStatus.DECLINED: "Declined call", CallStatus.CANCELLED: "Cancelled call",
}


def _outcome_text(call: Call) -> str:
    if call.status == CallStatus.ENDED:
        minutes, seconds = divmod(call.duration_seconds or 0, 60)
        return f"Call ended · {minutes}:{seconds:02d}"
    return OUTCOME_TEXT[CallStatus(call.status)]


def _publish(call: Call) -> None:
    publish_on_commit([user_group(call.caller_id), user_group(call.callee_id)], events.call_changed(call))


def _finish(call: Call, status: CallStatus, now) -> Call:
    """Inside the call's lock: a final status, its message in the conversation, both told."""
    call.status, call.ended_at = status, now
    call.save(update_fields=["status", "ended_at"])
    message = message_store(call.conversation, call.caller, _outcome_text(call), recipients=[call.caller_id, call.callee_id],
                            call=call)
    publish_on_commit(DM_CHAT.group(call.conversation), events.message_created(message))
    if status == CallStatus.MISSED:
        notification_create(recipient=call.callee, kind=NotificationKind.MISSED_CALL, actor=call.caller,
                            data={"conversation": call.conversation_id})
    _publish(call)
    return call


def _is_overdue(call: Call, now) -> bool:
    return call.status == CallStatus.RINGING and call.created_at + RING_FOR <= now


def _locked(call_id: int, user: User) -> Call:
    call = (Call.objects.select_for_update(of=("self",)).select_related("conversation", "caller", "callee", "room")
            .filter(pk=call_id).first())
    if call is None or user.pk not in (call.caller_id, call.callee_id):
        raise NotFoundError(DmError.CALL_NOT_FOUND, "No such call.")
    return call


def call_start(*, caller: User, conversation: Conversation) -> tuple[Call, bool]:
    """Ring the other person; (call, created). If they are calling us right now, this answers their call."""
    if conversation.is_group:
        raise ApplicationError(DmError.CALL_GROUP, "Calls are for one-to-one conversations.")
    now = timezone.now()
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        callee_id = next(uid for uid in member_ids(conversation=conversation) if uid != caller.pk)
        callee = User.objects.get(pk=callee_id)
        message_check(sender=caller, recipient=callee)
        current = Call.objects.select_for_update(of=("self",)).select_related("conversation", "caller", "callee", "room").filter(
            conversation=conversation, status__in=OPEN_CALL).first()
        if current is not None and _is_overdue(current, now):
            _finish(current, CallStatus.MISSED, now)
            current = None
        if current is not None:
            if current.status == CallStatus.RINGING and current.callee_id == caller.pk:
                return _accept(current, now), False
            return current, False
        call = Call.objects.create(conversation=conversation, caller=caller, callee=callee)
        _publish(call)
    return call, True


def _accept(call: Call, now) -> Call:
    call.room = call_room_create(first=call.caller, second=call.callee, is_camera_enabled=True)
    call.status, call.answered_at = CallStatus.ACCEPTED, now
    call.save(update_fields=["room", "status", "answered_at"])
    _publish(call)
    return call


def call_answer(*, user: User, call_id: int, accept: bool) -> Call:
    """The callee accepts (a voice room for the two) or declines; one answer wins, on whichever tab."""
    now = timezone.now()
    with transaction.atomic():
        call = _locked(call_id, user)
        if call.callee_id != user.pk:
            raise ForbiddenError(DmError.NOT_ALLOWED, "Only the person called can answer.")
        if _is_overdue(call, now):
            _finish(call, CallStatus.MISSED, now)
        elif call.status == CallStatus.RINGING and accept:
            message_check(sender=call.caller, recipient=call.callee)
            return _accept(call, now)
        elif call.status == CallStatus.RINGING:
            return _finish(call, CallStatus.DECLINED, now)
    raise ConflictError(DmError.CALL_NOT_RINGING, "This call isn't ringing any more.", {"status": call.status})


def call_hang_up(*, user: User, call_id: int) -> Call:
    """Either person ends the call: while ringing the caller cancels it (the callee declines), once
    accepted it ends and its room closes."""
    now = timezone.now()
    with transaction.atomic():
        call = _locked(call_id, user)
        if _is_overdue(call, now):
            return _finish(call, CallStatus.MISSED, now)
        if call.status == CallStatus.RINGING:
            return _finish(call, CallStatus.CANCELLED if user.pk == call.caller_id else CallStatus.DECLINED, now)
        if call.status != CallStatus.ACCEPTED:
            raise ConflictError(DmError.CALL_NOT_OPEN, "This call is over.", {"status": call.status})
        _finish(call, CallStatus.ENDED, now)
        room = call.room
    if room is not None:
        room_close(room=room, reason="call_ended")
    return call


def calls_expire(*, now=None) -> int:
    """Ringing calls past their 30 s are missed (the beat job, every 10 s; answering checks too). Idempotent."""
    now = now or timezone.now()
    done = 0
    for call_id in Call.objects.filter(status=CallStatus.RINGING, created_at__lte=now - RING_FOR).values_list("pk", flat=True):
        with transaction.atomic():
            call = Call.objects.select_for_update(of=("self",)).select_related(
                "conversation", "caller", "callee", "room").get(pk=call_id)
            if _is_overdue(call, now):
                _finish(call, CallStatus.MISSED, now)
                done += 1
    return done


def call_room_closed(*, room: Room) -> None:
    """The call's voice room closed (both left, or it was closed): the call ended then."""
    call = Call.objects.select_for_update(of=("self",)).select_related("conversation", "caller", "callee", "room").filter(
        room=room, status=CallStatus.ACCEPTED).first()
    if call is not None:
        _finish(call, CallStatus.ENDED, room.closed_at or timezone.now())
