"""Scheduled rooms: the schedule's limits, reminders (once each, none for a cancelled room), opening on
time for the host and the subscribers, the Upcoming list and the iCalendar export."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from config.errors import ApplicationError
from rooms import selectors
from rooms.models import RoomMember, RoomReminder, ScheduleStatus
from rooms.services.scheduling import (
    reminder_add,
    scheduled_room_cancel,
    scheduled_room_create,
    scheduled_rooms_open,
)
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgres
from tests.races import outcome, run_together

pytestmark = pytest.mark.django_db


def later(**delta):
    return timezone.now() + timedelta(**delta)


def code_of(call):
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.code, caught.value.extra


def test_a_schedule_in_the_past_or_beyond_90_days_is_refused(alice):
    assert code_of(lambda: scheduled_room_create(host=alice, name="x", starts_at=later(minutes=-1)))[0] == "schedule_invalid"
    code, extra = code_of(lambda: scheduled_room_create(host=alice, name="x", starts_at=later(days=91)))
    assert code == "schedule_invalid" and "starts_at" in extra["fields"]
    assert code_of(lambda: scheduled_room_create(host=alice, name="x", starts_at=later(hours=1), level="D9"))[0] == "schedule_invalid"
    assert scheduled_room_create(host=alice, name="Film night", starts_at=later(days=89), languages=["fr"], level="B1")


def test_a_reminder_for_a_cancelled_room_is_refused(alice, bob):
    scheduled = scheduled_room_create(host=alice, name="Film night", starts_at=later(hours=1))
    assert code_of(lambda: scheduled_room_cancel(actor=bob, scheduled=scheduled))[0] == "not_allowed"
    scheduled_room_cancel(actor=alice, scheduled=scheduled)
    assert code_of(lambda: reminder_add(user=bob, scheduled=scheduled))[0] == "scheduled_room_cancelled"
    assert not selectors.upcoming_list(viewer=bob).exists()


def test_it_opens_on_time_for_the_host_and_tells_the_subscribers(alice, bob, carol):
    scheduled = scheduled_room_create(host=alice, name="Film night", starts_at=later(minutes=5), topic="Amélie")
    reminder_add(user=bob, scheduled=scheduled)
    reminder_add(user=carol, scheduled=scheduled)
    assert scheduled_rooms_open() == 0  # not yet
    assert scheduled_rooms_open(now=later(minutes=5, seconds=1)) == 1
    assert scheduled_rooms_open(now=later(minutes=6)) == 0  # once
    scheduled.refresh_from_db()
    assert scheduled.status == ScheduleStatus.OPENED and scheduled.room.name == "Film night"
    assert RoomMember.objects.get(room=scheduled.room).user == alice  # the host leads it
    notified = Notification.objects.filter(kind="scheduled_room_open")
    assert sorted(n.recipient.handle for n in notified) == ["bob", "carol"]
    assert {n.data["room"] for n in notified} == {scheduled.room.code}
    assert code_of(lambda: reminder_add(user=UserFactory(), scheduled=scheduled))[0] == "scheduled_room_not_scheduled"


def test_the_upcoming_list_counts_reminders_in_one_query(alice, bob, django_assert_num_queries):
    first = scheduled_room_create(host=alice, name="First", starts_at=later(hours=1))
    second = scheduled_room_create(host=alice, name="Second", starts_at=later(minutes=30))
    reminder_add(user=bob, scheduled=first)
    with django_assert_num_queries(1):
        rows = list(selectors.upcoming_list(viewer=bob))
    assert [(r.pk, r.reminder_count, r.is_reminded) for r in rows] == [(second.pk, 0, False), (first.pk, 1, True)]


def test_the_calendar_file(client, alice):
    scheduled = scheduled_room_create(host=alice, name="Film, night; FR", starts_at=later(days=2), topic="line one\nline two")
    client.force_login(alice)
    response = client.get(f"/rooms/scheduled/{scheduled.pk}/calendar.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:Film\\, night\\; FR\r\n" in text and "line one\\nline two" in text
    assert f"DTSTART:{scheduled.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert client.get("/rooms/scheduled/999999/calendar.ics").status_code == 404


@requires_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_twenty_concurrent_remind_me_taps_make_one_reminder(round_):
    host, fan = UserFactory(), UserFactory()
    scheduled = scheduled_room_create(host=host, name="Film night", starts_at=later(hours=1))
    results = run_together([lambda: reminder_add(user=fan, scheduled=scheduled) for _ in range(20)])
    assert {outcome(r) for r in results} == {"ok"}
    assert sum(1 for r in results if r[1][1]) == 1  # created once; the others found it
    assert RoomReminder.objects.filter(scheduled=scheduled, user=fan).count() == 1
