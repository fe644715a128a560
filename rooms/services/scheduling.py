"""Scheduled rooms: announce a room for later (at most 90 days ahead), "Remind me", open on time.

A reminder is one row per person (a unique constraint): 20 taps at once make one reminder. Opening is the
beat job rooms.tasks.open_scheduled_rooms (every 15 s): each due room's row is locked and re-checked, so a
second run, or two workers, open it once; the room is the host's, public, and every subscriber gets a
`scheduled_room_open` notification (in-app, and push where allowed) with its link.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.notifications import notification_create
from accounts.services.users import LANGUAGE_CODES
from config.errors import ApplicationError, ConflictError, ForbiddenError

from ..errors import RoomError, ScheduleError
from ..models import RoomKind, RoomReminder, ScheduledRoom, ScheduleStatus, Visibility
from ..notification_kinds import NotificationKind
from .membership import room_create

MAX_AHEAD = timedelta(days=90)
LEVELS = ("", "A1", "A2", "B1", "B2", "C1", "C2")


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(ScheduleError.INVALID, message, {"fields": {field: [message]}})


def scheduled_room_create(*, host: User, name: str, starts_at, kind: str = RoomKind.WATCH, topic: str = "",
                          languages: list[str] | None = None, level: str = "") -> ScheduledRoom:
    now = timezone.now()
    if starts_at <= now:
        raise _invalid("starts_at", "Pick a time in the future.")
    if starts_at > now + MAX_AHEAD:
        raise _invalid("starts_at", "Schedule at most 90 days ahead.")
    if not name.strip():
        raise _invalid("name", "Give the room a name.")
    languages = list(dict.fromkeys(languages or []))
    if len(languages) > 5 or any(code not in LANGUAGE_CODES for code in languages):
        raise _invalid("languages", "Pick up to 5 known language codes.")
    if level not in LEVELS:
        raise _invalid("level", "A level is one of A1, A2, B1, B2, C1, C2.")
    return ScheduledRoom.objects.create(host=host, kind=RoomKind(kind), name=name.strip(), topic=topic.strip(),
                                        languages=languages, level=level, starts_at=starts_at)


def _lock(scheduled: ScheduledRoom) -> ScheduledRoom:
    return ScheduledRoom.objects.select_for_update().select_related("host").get(pk=scheduled.pk)


def scheduled_room_cancel(*, actor: User, scheduled: ScheduledRoom) -> ScheduledRoom:
    with transaction.atomic():
        scheduled = _lock(scheduled)
        if scheduled.host_id != actor.pk:
            raise ForbiddenError(RoomError.NOT_ALLOWED, "Only the host can cancel it.")
        if scheduled.status != ScheduleStatus.SCHEDULED:
            raise ConflictError(ScheduleError.NOT_SCHEDULED, "It already opened or was cancelled.", {"status": scheduled.status})
        scheduled.status = ScheduleStatus.CANCELLED
        scheduled.save(update_fields=["status"])
    return scheduled


def reminder_add(*, user: User, scheduled: ScheduledRoom) -> tuple[RoomReminder, bool]:
    """Remind `user` when it opens; (reminder, created). Asking again (or 20 times at once) keeps one. The
    row is read fresh under a lock: a cancel or an opening can't slip between the check and the insert."""
    with transaction.atomic():
        scheduled = _lock(scheduled)
        if scheduled.status == ScheduleStatus.CANCELLED:
            raise ConflictError(ScheduleError.CANCELLED, "This room was cancelled.")
        if scheduled.status != ScheduleStatus.SCHEDULED:
            raise ConflictError(ScheduleError.NOT_SCHEDULED, "This room is open already.", {"status": scheduled.status})
        try:
            with transaction.atomic():
                return RoomReminder.objects.create(scheduled=scheduled, user=user), True
        except IntegrityError:
            return RoomReminder.objects.get(scheduled=scheduled, user=user), False


def reminder_remove(*, user: User, scheduled: ScheduledRoom) -> None:
    RoomReminder.objects.filter(scheduled=scheduled, user=user).delete()


def scheduled_rooms_open(*, now=None) -> int:
    """Open every scheduled room whose time has come (idempotent: each row is locked and re-checked)."""
    now = now or timezone.now()
    opened = 0
    due = ScheduledRoom.objects.filter(status=ScheduleStatus.SCHEDULED, starts_at__lte=now)
    for scheduled_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            scheduled = _lock(ScheduledRoom(pk=scheduled_id))
            if scheduled.status != ScheduleStatus.SCHEDULED:
                continue
            room = room_create(creator=scheduled.host, name=scheduled.name, kind=scheduled.kind, topic=scheduled.topic,
                               languages=scheduled.languages, visibility=Visibility.PUBLIC, is_permanent=False)
            scheduled.status, scheduled.room = ScheduleStatus.OPENED, room
            scheduled.save(update_fields=["status", "room"])
            for reminder in scheduled.reminders.select_related("user"):
                notification_create(recipient=reminder.user, kind=NotificationKind.SCHEDULED_ROOM_OPEN,
                                    actor=scheduled.host, data={"room": room.code, "room_name": room.name})
            opened += 1
    return opened
