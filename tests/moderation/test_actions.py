"""The queue's actions: each settles a case once, with a reason, audited; reporters and the reported are
told; bans land where they belong and a platform ban ends everything the account had open."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DeviceSession, Notification
from accounts.services.tokens import api_token_create
from audit.models import AuditEvent
from chat.models import ChatRestriction, RestrictionKind
from config.errors import ApplicationError
from guilds.models import GuildBan, GuildMember
from moderation.models import ActionKind, BanScope, Case, CaseAction, CaseStatus
from moderation.services.actions import case_act
from moderation.services.reports import report_create
from rooms.models import ChatMessage, RoomBan, RoomMember
from rooms.services.chat import message_send
from streams.models import ChannelStreamKey, StageInvite, StageStatus, Stream, StreamChatMessage, StreamStatus
from streams.stream_keys import channel_key_authenticate, channel_stream_key_create
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import requires_postgres
from tests.guilds.factories import GuildFactory, add_member
from tests.races import outcome, run_together
from tests.rooms.factories import RoomFactory
from tests.rooms.factories import add_member as room_add_member
from tests.streams.factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db


def reported(kind, target, *reporters, category="harassment") -> Case:
    for reporter in reporters:
        report = report_create(reporter=reporter, kind=kind, target_id=str(target.pk), category=category)
    return report.case


@pytest.fixture
def staff():
    return UserFactory(handle="stella", is_staff=True, is_superuser=True)


def refused(code, call):
    with pytest.raises(ApplicationError) as info:
        call()
    assert info.value.code == code, info.value.message


def test_dismiss_tells_the_reporters_only_and_a_settled_case_cant_be_acted_on_again(staff, alice, bob, carol):
    case = reported("user", alice, bob, carol)
    refused("case_action_invalid", lambda: case_act(actor=staff, case=case, action=ActionKind.DISMISS, reason="  "))
    case_act(actor=staff, case=case, action=ActionKind.DISMISS, reason="Not a rule broken")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DISMISSED
    assert sorted(Notification.objects.values_list("recipient__handle", "kind")) == [
        ("bob", "report_resolved"), ("carol", "report_resolved")]
    refused("case_not_open", lambda: case_act(actor=staff, case=case, action=ActionKind.WARN, reason="late"))
    assert AuditEvent.objects.filter(verb="moderation.case_dismissed", actor=staff).count() == 1


def test_delete_removes_the_message_and_the_queue_shows_it_in_context(staff, alice, bob, published, commit):
    room = RoomFactory(created_by=alice)
    for n in range(3):
        message_send(author=alice, room=room, body=f"line {n}")
    bad = ChatMessage.objects.create(room=room, author=alice, body="the reported one")
    case = reported("room_message", bad, bob)
    from moderation.selectors import case_context, case_history
    context = case_context(case=case)
    assert [m["body"] for m in context["messages"]] == ["line 0", "line 1", "line 2", "the reported one"]
    assert context["messages"][-1]["reported"] and context["ban_scopes"] == [BanScope.ROOM, BanScope.PLATFORM]
    with commit():
        case_act(actor=staff, case=case, action=ActionKind.DELETE, reason="Harassment")
    assert ChatMessage.objects.get(pk=bad.pk).deleted_at is not None
    assert published.events("rooms.chat", "deleted")
    assert Notification.objects.get(recipient=alice).kind == "moderation_action"
    later = reported("user", alice, bob)
    assert [c.pk for c in case_history(case=later)["earlier_cases"]] == [case.pk]


def test_warn_and_timeout_go_in_the_users_history_and_a_timeout_silences_every_chat(staff, alice, bob):
    room = RoomFactory(created_by=alice)
    case_act(actor=staff, case=reported("user", alice, bob), action=ActionKind.WARN, reason="Be nice")
    refused("case_duration_invalid", lambda: case_act(actor=staff, case=reported("user", alice, bob, category="spam"),
                                                      action=ActionKind.TIMEOUT, reason="Spam"))
    case = Case.objects.get(status=CaseStatus.OPEN)
    case_act(actor=staff, case=case, action=ActionKind.TIMEOUT, reason="Spam", duration=timedelta(minutes=10))
    refused("automod_spam_timeout", lambda: message_send(author=alice, room=room, body="hello"))
    assert list(CaseAction.objects.filter(target_user=alice).values_list("kind", flat=True)) == ["timeout", "warn"]


def test_a_ban_from_the_room_guild_or_channel_where_it_was_posted(staff, alice, bob, carol):
    room = RoomFactory(created_by=bob)
    room_add_member(room, alice)
    case = reported("room_message", ChatMessage.objects.create(room=room, author=alice, body="x"), carol)
    refused("ban_scope_invalid", lambda: case_act(actor=staff, case=case, action=ActionKind.BAN, reason="r",
                                                  scope=BanScope.GUILD))
    case_act(actor=staff, case=case, action=ActionKind.BAN, reason="Abuse", scope=BanScope.ROOM)
    assert RoomBan.objects.get(room=room, user=alice).until is None
    assert not RoomMember.objects.filter(room=room, user=alice).exists()

    guild = GuildFactory(created_by=bob)
    add_member(guild, alice)
    from guilds.models import GuildMessage
    case = reported("guild_message", GuildMessage.objects.create(guild=guild, author=alice, body="x"), bob)
    case_act(actor=staff, case=case, action=ActionKind.BAN, reason="Abuse", scope=BanScope.GUILD,
             duration=timedelta(days=7))
    assert GuildBan.objects.filter(guild=guild, user=alice).exists()
    assert not GuildMember.objects.filter(guild=guild, user=alice).exists()

    channel = ChannelFactory(owner=bob)
    case = reported("stream_message", StreamChatMessage.objects.create(channel=channel, author=alice, body="x"), carol)
    case_act(actor=staff, case=case, action=ActionKind.BAN, reason="Abuse", scope=BanScope.CHANNEL)
    restriction = ChatRestriction.objects.get(context_kind="channel", context_id=channel.pk, user=alice)
    assert (restriction.kind, restriction.expires_at, restriction.created_by) == (RestrictionKind.BAN, None, staff)


def test_a_platform_ban_ends_sessions_closes_sockets_refuses_tokens_and_sign_in(staff, alice, bob, published, commit):
    client = Client()
    client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})
    assert DeviceSession.objects.filter(user=alice).exists()
    _, key = api_token_create(user=alice, name="script")
    _, stream_key = channel_stream_key_create(actor=alice, channel=ChannelFactory(owner=alice))
    with commit():
        case_act(actor=staff, case=reported("user", alice, bob), action=ActionKind.BAN, scope=BanScope.PLATFORM,
                 reason="Threats", duration=timedelta(days=3))
    alice.refresh_from_db()
    assert alice.is_suspended and not DeviceSession.objects.filter(user=alice).exists()
    [(groups, event, close)] = [p for p in published if p[1]["type"] == "session.force_logout"]
    assert event["reason"] == "account_suspended" and close == {"disconnect": "banned", "reason": "account_suspended"}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/me/").status_code == 401
    signed_out = client.get("/api/v1/me/")
    assert signed_out.status_code in (401, 403)
    again = Client().post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})
    assert again.status_code == 403 and "suspended" in again.content.decode()
    assert alice.suspended_until.strftime("%-d %b %Y") in again.content.decode()
    assert not DeviceSession.objects.filter(user=alice).exists()
    assert AuditEvent.objects.filter(verb="moderation.user_suspended", target_id=str(alice.pk)).exists()
    refused("channel_suspended", lambda: channel_key_authenticate(key=stream_key))  # her stream key, too


def test_suspending_a_channel_ends_its_stream_and_refuses_its_key_and_stage_invites_go(staff, alice, bob, carol):
    channel = ChannelFactory(owner=alice)
    stream = live_stream(channel)
    _, key = channel_stream_key_create(actor=alice, channel=channel)
    StageInvite.objects.create(stream=stream, kind="invite", inviter=alice, invitee=carol, status=StageStatus.ACCEPTED,
                               invited_at=timezone.now())
    case_act(actor=staff, case=reported("stream", stream, bob), action=ActionKind.SUSPEND_CHANNEL, reason="Gore",
             duration=timedelta(days=1))
    assert Stream.objects.get(pk=stream.pk).status == StreamStatus.ENDED
    refused("channel_suspended", lambda: channel_key_authenticate(key=key))
    assert ChannelStreamKey.objects.filter(channel=channel).exists()
    case_act(actor=staff, case=reported("user", carol, bob), action=ActionKind.BAN, scope=BanScope.PLATFORM, reason="x")
    assert StageInvite.objects.get(invitee=carol).status == StageStatus.ENDED


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_acting_on_one_case_at_once_get_one_result(alice, bob):
    case = reported("user", alice, bob)
    staff = [UserFactory(is_staff=True) for _ in range(4)]
    results = run_together([
        lambda s=s, action=action: case_act(actor=s, case=case, action=action, reason="r", scope=BanScope.PLATFORM)
        for s, action in zip(staff, [ActionKind.BAN, ActionKind.DISMISS, ActionKind.WARN, ActionKind.DISMISS], strict=True)
    ])
    assert sorted(outcome(r) for r in results) == ["case_not_open"] * 3 + ["ok"]
    assert CaseAction.objects.filter(case=case).count() == 1


def test_a_channel_moderator_bans_in_their_channel_only_with_the_same_model_staff_use(alice, bob, carol, dave):
    from streams.live_chat import channel_moderator_add, chat_ban
    mine, theirs = ChannelFactory(owner=alice), ChannelFactory(owner=dave)
    channel_moderator_add(actor=alice, channel=mine, handle="bob")
    refused("chat_not_a_moderator", lambda: chat_ban(actor=bob, channel=theirs, user_id=carol.pk, reason="outside"))
    chat_ban(actor=bob, channel=mine, user_id=carol.pk, reason="inside")
    assert list(ChatRestriction.objects.values_list("context_id", "kind")) == [(mine.pk, RestrictionKind.BAN)]


def test_a_session_that_outlived_a_suspension_is_signed_out_on_its_next_request(alice):
    from accounts.models import User
    client = APIClient()
    client.force_login(alice)
    assert client.get("/api/v1/me/").status_code == 200
    User.objects.filter(pk=alice.pk).update(suspended_until=timezone.now() + timedelta(hours=1))  # no service: no sign-out
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_a_case_is_assigned_to_a_staff_member_audited(staff, alice, bob):
    from moderation.services.actions import case_assign
    case = case_assign(actor=staff, case=reported("user", alice, bob), assignee=staff)
    assert Case.objects.get(pk=case.pk).assigned_to == staff
    assert AuditEvent.objects.get(verb="moderation.case_assigned").details == {"assignee": "stella"}
