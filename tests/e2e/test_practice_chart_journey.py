"""A learner sees their weekly practice chart: on their own profile (private by default), the uPlot chart of
active voice minutes per language per week, with their partners met and streak (rooms.practice)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rooms.models import MatchRequest, MatchStatus, RoomKind, WatchSession
from tests.accounts.factories import UserFactory
from tests.e2e.test_room_sync_journey import sign_in
from tests.rooms.factories import RoomFactory

pytestmark = pytest.mark.e2e


def test_a_learner_sees_their_weekly_practice_chart(asgi_server, new_page):
    base = asgi_server.url
    learner = UserFactory(handle="lena", native_languages=["de"], learning_languages=["es"])
    room = RoomFactory(kind=RoomKind.VOICE, languages=["es"], max_members=12)
    now = timezone.now()
    for days_ago, seconds in ((0, 1500), (1, 900), (9, 2400)):
        session = WatchSession.objects.create(user=learner, room=room, last_heartbeat_at=now, active_seconds=seconds)
        WatchSession.objects.filter(pk=session.pk).update(started_at=now - timedelta(days=days_ago), ended_at=now)
    MatchRequest.objects.create(user=learner, speaks=["de"], learns=["es"], status=MatchStatus.MATCHED, partner=UserFactory())

    page = new_page("lena")
    sign_in(page, base, learner.email)
    page.goto(f"{base}/@lena")

    card = page.locator("#practice-card")
    expect(card).to_contain_text("Only you")
    expect(page.locator("#practice-partners")).to_have_text("1")
    expect(page.locator("#practice-streak")).to_have_text("2 days")
    chart = page.locator("#practice-chart")
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart.locator(".u-legend")).to_contain_text("Spanish")
    assert chart.locator("canvas").bounding_box()["width"] > 100
    # this week's minutes (the table holds what the chart draws): today's 25, and yesterday's 15 unless today is Monday
    this_week = 25 + (15 if now.weekday() > 0 else 0)
    expect(page.locator('.practice-table tr[data-language="es"] td').last).to_have_text(str(this_week))
