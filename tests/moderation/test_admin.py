"""The moderation queue, AutoMod's lists, suspensions and the staff home, through the real admin pages."""

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from moderation.models import AutoModTerm, Case, CaseStatus
from moderation.services.reports import report_create
from rooms.models import ChatMessage
from tests.accounts.factories import UserFactory
from tests.rooms.factories import RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(handle="stella", is_staff=True, is_superuser=True))
    return client


def test_the_queue_lists_open_cases_by_severity_then_reports(staff_client, alice, bob, carol):
    spam = report_create(reporter=bob, kind="user", target_id=str(alice.pk), category="spam").case
    report_create(reporter=carol, kind="user", target_id=str(alice.pk), category="spam")
    hate = report_create(reporter=bob, kind="user", target_id=str(carol.pk), category="hate").case
    url = reverse("admin:moderation_case_changelist")
    assert staff_client.get(url).url == f"{url}?status__exact=open"
    page = staff_client.get(f"{url}?status__exact=open")
    assert list(page.context["cl"].result_list) == [hate, spam]


def test_a_case_page_shows_the_message_in_context_and_acting_settles_it(staff_client, alice, bob):
    room = RoomFactory(created_by=alice)
    ChatMessage.objects.create(room=room, author=alice, body="before it")
    bad = ChatMessage.objects.create(room=room, author=alice, body="the reported one")
    case = report_create(reporter=bob, kind="room_message", target_id=str(bad.pk), category="harassment").case
    page = staff_client.get(reverse("admin:moderation_case_change", args=[case.pk])).content.decode()
    assert "before it" in page and "the reported one" in page and 'id="case-act"' in page
    act = reverse("admin:moderation_case_act", args=[case.pk])
    staff_client.post(act, {"action": "delete", "reason": ""})
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN  # no reason, nothing done
    staff_client.post(act, {"action": "delete", "reason": "Harassment"})
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED
    assert ChatMessage.objects.get(pk=bad.pk).deleted_at is not None


def test_the_user_admin_suspends_with_an_audit_row_instead_of_deactivating(staff_client, alice):
    url = reverse("admin:accounts_user_changelist")
    staff_client.post(url, {"action": "suspend", "_selected_action": [alice.pk], "reason": "", "duration": ""})
    assert not User.objects.get(pk=alice.pk).is_suspended
    staff_client.post(url, {"action": "suspend", "_selected_action": [alice.pk], "reason": "Fraud", "duration": "86400"})
    alice.refresh_from_db()
    assert alice.is_suspended and not alice.is_suspended_for_good and alice.suspension_reason == "Fraud"
    assert AuditEvent.objects.filter(verb="moderation.user_suspended", target_id=str(alice.pk)).exists()


def test_automod_terms_are_managed_in_the_admin_and_audited(staff_client):
    staff_client.post(reverse("admin:moderation_automodterm_add"), {"term": "B.A.D", "level": "block",
                                                                     "community_kind": "", "community_id": ""})
    term = AutoModTerm.objects.get()
    assert term.normalized == "bad"
    assert AuditEvent.objects.filter(verb="moderation.automod_term_added").exists()


def test_the_audit_log_is_searchable_and_never_editable(staff_client, alice, bob):
    report = report_create(reporter=bob, kind="user", target_id=str(alice.pk), category="spam")
    from moderation.services.actions import case_act
    case_act(actor=User.objects.get(handle="stella"), case=report.case, action="warn", reason="be nice")
    event = AuditEvent.objects.get(verb="moderation.user_warned")
    listing = staff_client.get(reverse("admin:audit_auditevent_changelist") + "?q=be+nice")
    assert list(listing.context["cl"].result_list) == [event]
    change = staff_client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"verb": "x"})
    assert AuditEvent.objects.get(pk=event.pk).verb == "moderation.user_warned" and change.status_code in (200, 403)
    assert staff_client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403


def test_the_admin_index_opens_on_todays_figures_and_a_chart(staff_client, alice, bob):
    report_create(reporter=bob, kind="user", target_id=str(alice.pk), category="spam")
    page = staff_client.get(reverse("admin:index")).content.decode()
    assert "Open cases" in page and "Sign-ups today" in page and "Live streams" in page and "Active rooms" in page
    assert 'id="staff-chart-data"' in page and "vendor/uplot/uPlot.iife.min.js" in page
