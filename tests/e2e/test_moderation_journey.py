"""Report → queue → ban, in three browsers: Bob flags Carol's chat message in a room, staff ban her from
the platform in the admin's queue, and Carol's open page is closed at once (4451) and told why."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from moderation.models import Case, CaseStatus
from rooms.models import ChatMessage
from tests.accounts.factories import PASSWORD, UserFactory
from tests.rooms.factories import RoomFactory, add_member

pytestmark = pytest.mark.e2e


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("#bell-button")).to_be_visible()


def test_report_queue_ban_closes_the_offenders_sockets(asgi_server, new_page):
    base = asgi_server.url
    carol, bob = UserFactory(handle="carol"), UserFactory(handle="bob")
    UserFactory(handle="stella", email="stella@example.com", is_staff=True, is_superuser=True)
    room = RoomFactory(name="Movie night")
    add_member(room, carol)
    add_member(room, bob)
    ChatMessage.objects.create(room=room, author=carol, body="an abusive message")

    offender = new_page("carol")
    sign_in(offender, base, carol.email)
    offender.goto(f"{base}/r/{room.code}/")
    offender.wait_for_function("window.WT && window.WT.events.some(e => e.type === 'hello')")

    # -- Bob flags the message and picks a reason ------------------------------------------------------
    reporter = new_page("bob")
    sign_in(reporter, base, bob.email)
    reporter.goto(f"{base}/r/{room.code}/")
    row = reporter.locator("#chat-list li", has_text="an abusive message")
    row.locator(".report-flag").click()
    reporter.select_option("#report-category", "harassment")
    reporter.fill("#report-note", "insults everyone")
    reporter.click("#report-send")
    expect(reporter.locator("#report-dialog")).to_be_hidden()
    case = Case.objects.get(target_kind="room_message")
    assert case.report_count == 1

    # -- staff open the queue, read it in context and ban her from the platform --------------------------
    staff = new_page("stella")
    sign_in(staff, base, "stella@example.com")
    staff.goto(f"{base}/admin/moderation/case/")
    staff.click(f"a[href*='/admin/moderation/case/{case.pk}/change/']")
    expect(staff.locator("#case-context tr.reported")).to_contain_text("an abusive message")
    staff.select_option("#id_action", "ban")
    staff.select_option("#id_scope", "platform")
    staff.select_option("#id_duration", "86400")
    staff.fill("#id_reason", "Harassment")
    staff.click("#case-act button[name=act]")
    expect(staff.locator(".messagelist")).to_contain_text("done")

    # -- her open page is closed at once, and says why ----------------------------------------------------
    expect(offender.locator("#session-ended")).to_be_visible(timeout=5000)
    expect(offender.locator("#session-ended-reason")).to_contain_text("suspended")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED
    assert User.objects.get(pk=carol.pk).is_suspended


def test_a_direct_message_is_flagged_from_the_conversation_and_staff_see_it_in_context(asgi_server, new_page):
    from django.urls import reverse

    from dms.models import DirectMessage
    from tests.dms.factories import direct_between

    base = asgi_server.url
    alice, bob = UserFactory(handle="alice"), UserFactory(handle="bob")
    UserFactory(handle="stella", email="stella@example.com", is_staff=True, is_superuser=True)
    conversation = direct_between(alice, bob)
    for body in ("hello there", "a threatening message"):
        DirectMessage.objects.create(conversation=conversation, author=alice, body=body)

    reporter = new_page("bob")
    sign_in(reporter, base, bob.email)
    reporter.goto(f"{base}{reverse('dm-conversation', args=[conversation.pk])}")
    row = reporter.locator("#dm-messages li", has_text="a threatening message")
    row.locator(".report-flag").click()
    reporter.select_option("#report-category", "violence")
    reporter.click("#report-send")
    expect(reporter.locator("#report-dialog")).to_be_hidden()
    case = Case.objects.get(target_kind="direct_message")

    staff = new_page("stella")
    sign_in(staff, base, "stella@example.com")
    staff.goto(f"{base}/admin/moderation/case/{case.pk}/change/")
    expect(staff.locator("#case-context tr.reported")).to_contain_text("a threatening message")
    expect(staff.locator("#case-context")).to_contain_text("hello there")
