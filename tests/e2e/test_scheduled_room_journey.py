"""A scheduled room in the browser: Ben taps "Remind me" in the hallway's Upcoming list (twice: one
reminder), and when the room opens on time his open page is told at once, with a link to the room."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from rooms.models import RoomReminder, ScheduledRoom
from rooms.services.scheduling import scheduled_rooms_open
from tests.accounts.factories import UserFactory
from tests.e2e.test_room_sync_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not settings.REDIS_URL, reason="the test process opens the room and its event reaches daphne's sockets through Redis (set REDIS_URL; CI does)")]


def open_due_rooms_in_a_thread(now) -> None:
    """The beat job, off Playwright's event loop (services publish with async_to_sync)."""
    def run():
        try:
            scheduled_rooms_open(now=now)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(30)


def test_remind_me_then_the_room_opens_and_the_subscriber_is_told(asgi_server, new_page):
    base = asgi_server.url
    olive, ben = UserFactory(handle="olive", display_name="Olive"), UserFactory(handle="ben")
    scheduled = ScheduledRoom.objects.create(host=olive, name="Film night", starts_at=timezone.now() + timedelta(minutes=10))
    page = new_page("ben")
    sign_in(page, base, ben.email)
    page.goto(f"{base}/rooms/")
    item = page.locator(f'[data-scheduled="{scheduled.pk}"]')
    expect(item).to_contain_text("Film night")
    item.locator(".remind-me").click()
    expect(item.locator("button", has_text="Reminder set")).to_be_visible()
    expect(item.locator(".reminder-count")).to_have_text("1")
    assert RoomReminder.objects.filter(scheduled=scheduled, user=ben).count() == 1
    expect(item.locator("a", has_text="Add to calendar")).to_have_attribute(
        "href", f"/rooms/scheduled/{scheduled.pk}/calendar.ics")

    open_due_rooms_in_a_thread(scheduled.starts_at + timedelta(seconds=1))
    scheduled.refresh_from_db()
    assert scheduled.room is not None
    expect(page.locator("#toasts")).to_contain_text("Film night by @olive is open now", timeout=10_000)
    expect(page.locator("#bell-count")).to_have_text("1")
    page.click("#bell-button")
    page.locator("#bell-list a", has_text="Film night").click()
    page.wait_for_url(f"**/r/{scheduled.room.code}/")
