"""Reports: what can be reported (and not), duplicates folding into one case, the flood limit, the API."""

import pytest
from rest_framework.test import APIClient

from config.errors import ApplicationError
from guilds.models import GuildMessage
from moderation.models import Case, CaseStatus, Report, Severity
from moderation.services.reports import REPORTS_PER_WINDOW, report_create
from moderation.targets import target_kinds
from rooms.models import ChatMessage, Visibility
from streams.models import StreamChatMessage
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgres
from tests.guilds.factories import GuildFactory, add_member
from tests.races import outcome, run_together
from tests.rooms.factories import RoomFactory
from tests.streams.factories import ChannelFactory, StreamFactory

pytestmark = pytest.mark.django_db


def refused(code, call):
    with pytest.raises(ApplicationError) as info:
        call()
    assert info.value.code == code, info.value.message
    return info.value


@pytest.fixture
def world(alice, bob):
    room = RoomFactory(created_by=alice)
    guild = GuildFactory(created_by=alice)
    channel = ChannelFactory(owner=alice)
    return {
        "user": alice,
        "room_message": ChatMessage.objects.create(room=room, author=alice, body="hi"),
        "guild_message": GuildMessage.objects.create(guild=guild, author=alice, body="hi"),
        "stream_message": StreamChatMessage.objects.create(channel=channel, author=alice, body="hi"),
        "room": room, "channel": channel, "stream": StreamFactory(channel=channel), "guild": guild,
    }


def test_every_existing_kind_is_reportable(world, bob, carol):
    add_member(world["guild"], carol)  # guild chat is seen by its members only
    assert {kind.name for kind in target_kinds()} >= set(world)
    for kind, target in world.items():
        reporter = carol if kind == "guild_message" else bob
        report = report_create(reporter=reporter, kind=kind, target_id=str(target.pk), category="spam", note=" why ")
        assert report.case.target_kind == kind and report.case.target_user == world["user"] and report.note == "why"


def test_what_does_not_exist_or_cant_be_seen_cant_be_reported(world, bob):
    private = RoomFactory(visibility=Visibility.PRIVATE)
    hidden = ChatMessage.objects.create(room=private, author=private.created_by, body="members only")
    refused("report_target_not_found", lambda: report_create(reporter=bob, kind="room_message", target_id="999999", category="spam"))
    refused("report_target_not_found", lambda: report_create(reporter=bob, kind="room_message", target_id="x", category="spam"))
    refused("report_target_not_found", lambda: report_create(reporter=bob, kind="user", target_id="9" * 30, category="spam"))
    refused("report_target_not_found", lambda: report_create(reporter=bob, kind="room_message", target_id=str(hidden.pk), category="spam"))
    refused("report_target_not_found", lambda: report_create(reporter=bob, kind="guild_message",
                                                             target_id=str(world["guild_message"].pk), category="spam"))
    refused("report_target_kind_unknown", lambda: report_create(reporter=bob, kind="poll", target_id="1", category="spam"))
    refused("report_self", lambda: report_create(reporter=world["user"], kind="room", target_id=str(world["room"].pk), category="spam"))
    refused("case_action_invalid", lambda: report_create(reporter=bob, kind="user", target_id=str(world["user"].pk), category="meh"))
    assert not Report.objects.exists()


def test_duplicates_fold_into_one_case_with_a_count_reporters_and_the_worst_severity(world, bob, carol, dave):
    target = str(world["user"].pk)
    report_create(reporter=bob, kind="user", target_id=target, category="spam")
    report_create(reporter=carol, kind="user", target_id=target, category="hate")
    report_create(reporter=dave, kind="user", target_id=target, category="other")
    refused("report_duplicate", lambda: report_create(reporter=bob, kind="user", target_id=target, category="spam"))
    case = Case.objects.get()
    assert (case.report_count, case.severity) == (3, Severity.HIGH)
    assert set(case.reports.values_list("reporter__handle", flat=True)) == {"bob", "carol", "dave"}
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.RESOLVED)
    report_create(reporter=bob, kind="user", target_id=target, category="spam")  # a settled case: a new one opens
    assert Case.objects.filter(status=CaseStatus.OPEN).count() == 1


def test_one_users_flood_of_reports_is_limited(bob):
    targets = UserFactory.create_batch(REPORTS_PER_WINDOW + 1)
    for target in targets[:-1]:
        report_create(reporter=bob, kind="user", target_id=str(target.pk), category="spam")
    error = refused("reports_rate_limited", lambda: report_create(reporter=bob, kind="user",
                                                                   target_id=str(targets[-1].pk), category="spam"))
    assert error.status == 429
    report_create(reporter=UserFactory(), kind="user", target_id=str(targets[-1].pk), category="spam")  # others may


def test_the_api_reports_and_answers_bad_input_in_the_error_shape(world, bob):
    client = APIClient()
    client.force_login(bob)
    created = client.post("/api/v1/reports/", {"kind": "room", "id": str(world["room"].pk), "category": "spam",
                                               "note": "flooding"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["kind"] == "room"
    missing = client.post("/api/v1/reports/", {"kind": "room", "id": "424242", "category": "spam"}, format="json")
    assert missing.status_code == 404 and missing.json()["code"] == "report_target_not_found"
    bad = client.post("/api/v1/reports/", {"kind": "room", "category": "nope"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"code", "message", "extra"}


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_reports_of_one_target_at_once_fold_into_one_case():
    target = UserFactory()
    reporters = UserFactory.create_batch(6)
    results = run_together([
        lambda r=r: report_create(reporter=r, kind="user", target_id=str(target.pk), category="spam") for r in reporters
    ])
    assert [outcome(r) for r in results] == ["ok"] * 6
    case = Case.objects.get()
    assert case.report_count == 6 == case.reports.count()
