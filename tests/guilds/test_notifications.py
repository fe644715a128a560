"""Stored notifications for guild invites and requests to join (besides their live events).

guild_invite → the invitee, with Accept and Decline buttons; guild_join_request → the leader and
officers, with Approve and Decline; guild_request_accepted → the requester. An invite or request
that is answered, withdrawn or made moot takes its notifications away (notifications.notification deleted).
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Notification
from config.realtime import user_group
from guilds.models import Guild, GuildMember, GuildRole, InviteStatus
from guilds.notification_kinds import NotificationKind
from guilds.services.guilds import guild_disband
from guilds.services.invites import guild_invite_create, guild_invite_decline, guild_invite_revoke
from guilds.services.join_requests import (
    guild_join_request_approve,
    guild_join_request_cancel,
    guild_join_request_create,
    guild_join_request_reject,
)
from tests.accounts.factories import UserFactory
from tests.rooms.conftest import refused

from .factories import GuildFactory, add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(guild, bob, dave):
    """Night Owls, invite-only: alice leads, bob is an officer, dave a member."""
    Guild.objects.filter(pk=guild.pk).update(is_public=False)
    guild.refresh_from_db()
    add_member(guild, bob, role=GuildRole.OFFICER)
    add_member(guild, dave)
    return guild


def notes(kind: str) -> list[tuple[str, str | None, dict]]:
    return [(n.recipient.handle, n.actor.handle if n.actor else None, n.data)
            for n in Notification.objects.filter(kind=kind).select_related("recipient", "actor").order_by("recipient__handle")]


def bell(user) -> list[dict]:
    client = APIClient()
    client.force_login(user)
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 200
    return response.json()["results"]


# -- invites ----------------------------------------------------------------------------------------
def test_an_invite_notifies_the_invitee_with_accept_and_decline(private, bob, carol, published, commit):
    with commit():
        invite = guild_invite_create(actor=bob, guild=private, invitee=carol)
    data = {"invite": invite.pk, "guild": "night-owls", "guild_name": "Night Owls"}
    assert notes(NotificationKind.GUILD_INVITE) == [("carol", "bob", data)]
    [created] = published.events("notifications.notification", "created")
    assert published.to(user_group(carol.pk))[0] == created  # stored and pushed in the same commit
    [shown] = bell(carol)
    assert (shown["kind"], shown["text"], shown["url"]) == (
        "guild_invite", "@bob invited you to join the guild Night Owls", "/guilds/night-owls/")
    assert shown["actions"] == [
        {"label": "Accept", "method": "POST", "url": f"/api/v1/guild-invites/{invite.pk}/accept/",
         "then": "/guilds/night-owls/", "is_primary": True},
        {"label": "Decline", "method": "POST", "url": f"/api/v1/guild-invites/{invite.pk}/decline/",
         "then": None, "is_primary": False},
    ]


def test_the_bells_accept_button_joins_the_guild_and_the_notification_goes(private, bob, carol, published, commit):
    invite = guild_invite_create(actor=bob, guild=private, invitee=carol)
    [shown] = bell(carol)
    accept = shown["actions"][0]
    client = APIClient()
    client.force_login(carol)
    with commit():
        response = client.post(accept["url"])
    assert response.status_code == 200
    assert GuildMember.objects.filter(guild=private, user=carol).exists()
    assert notes(NotificationKind.GUILD_INVITE) == []
    [deleted] = published.events("notifications.notification", "deleted")
    assert (deleted["unread_count"], published.to(user_group(carol.pk)).count(deleted)) == (0, 1)
    invite.refresh_from_db()
    assert invite.status == InviteStatus.ACCEPTED  # the invite row stays; only the notification is gone


@pytest.mark.parametrize("answer", ["decline", "revoke"])
def test_a_declined_or_revoked_invite_takes_its_notification_away(private, alice, carol, answer):
    invite = guild_invite_create(actor=alice, guild=private, invitee=carol)
    if answer == "decline":
        guild_invite_decline(actor=carol, invite_id=invite.pk)
    else:
        guild_invite_revoke(actor=alice, guild=private, invite_id=invite.pk)
    assert notes(NotificationKind.GUILD_INVITE) == []


def test_a_refused_invite_stores_nothing(private, alice, dave):
    with refused("already_in_guild", 409):
        guild_invite_create(actor=alice, guild=private, invitee=dave)
    assert Notification.objects.count() == 0


# -- requests to join ------------------------------------------------------------------------------
def test_a_request_notifies_the_leader_and_officers_not_members(private, carol, published, commit):
    with commit():
        join_request = guild_join_request_create(actor=carol, guild=private)
    data = {"request": join_request.pk, "guild": "night-owls", "guild_name": "Night Owls"}
    assert notes(NotificationKind.GUILD_JOIN_REQUEST) == [("alice", "carol", data), ("bob", "carol", data)]
    assert len(published.events("notifications.notification", "created")) == 2
    [shown] = bell(private.created_by)
    assert (shown["text"], shown["url"]) == ("@carol asked to join Night Owls", "/guilds/night-owls/")
    base = f"/api/v1/guilds/night-owls/join-requests/{join_request.pk}"
    assert [(a["label"], a["url"]) for a in shown["actions"]] == [("Approve", f"{base}/approve/"), ("Decline", f"{base}/reject/")]


def test_approving_tells_the_requester_and_clears_the_officers_notifications(private, alice, bob, carol, published, commit):
    join_request = guild_join_request_create(actor=carol, guild=private)
    with commit():
        guild_join_request_approve(actor=bob, guild=private, request_id=join_request.pk)
    assert notes(NotificationKind.GUILD_JOIN_REQUEST) == []
    assert notes(NotificationKind.GUILD_REQUEST_ACCEPTED) == [("carol", "bob", {"guild": "night-owls", "guild_name": "Night Owls"})]
    deleted = published.events("notifications.notification", "deleted")
    assert sorted(g for groups, e, _ in published if e in deleted for g in groups) == sorted(
        [user_group(alice.pk), user_group(bob.pk)])
    [shown] = bell(carol)
    assert (shown["text"], shown["url"], shown["actions"]) == (
        "You're in! @bob let you into Night Owls", "/guilds/night-owls/", [])


@pytest.mark.parametrize("answer", ["reject", "cancel"])
def test_a_rejected_or_withdrawn_request_clears_the_officers_notifications(private, alice, carol, answer):
    join_request = guild_join_request_create(actor=carol, guild=private)
    if answer == "reject":
        guild_join_request_reject(actor=alice, guild=private, request_id=join_request.pk)
    else:
        guild_join_request_cancel(actor=carol, guild=private, request_id=join_request.pk)
    assert notes(NotificationKind.GUILD_JOIN_REQUEST) == []
    assert notes(NotificationKind.GUILD_REQUEST_ACCEPTED) == []


def test_joining_elsewhere_makes_other_requests_and_their_notifications_moot(private, carol):
    # Given carol asked to join two invite-only guilds
    other = GuildFactory(is_public=False)
    guild_join_request_create(actor=carol, guild=private)
    guild_join_request_create(actor=carol, guild=other)
    assert len(notes(NotificationKind.GUILD_JOIN_REQUEST)) == 3  # alice and bob; the other guild's leader
    # When the other guild lets her in
    other_request = other.join_requests.get()
    guild_join_request_approve(actor=other.created_by, guild=other, request_id=other_request.pk)
    # Then Night Owls' officers have nothing left to answer
    assert notes(NotificationKind.GUILD_JOIN_REQUEST) == []


def test_the_notifications_page_shows_the_text_and_buttons(private, bob, carol, client):
    invite = guild_invite_create(actor=bob, guild=private, invitee=carol)
    client.force_login(carol)
    html = client.get("/notifications/").content.decode()
    assert "@bob invited you to join the guild Night Owls" in html
    assert f'data-api="POST /api/v1/guild-invites/{invite.pk}/accept/" data-then="/guilds/night-owls/"' in html
    assert f'data-api="POST /api/v1/guild-invites/{invite.pk}/decline/"' in html


def test_disbanding_the_guild_takes_its_invite_and_request_notifications_away(private, alice, bob, carol, published, commit):
    other = GuildFactory(name="Early Birds", slug="early-birds", is_public=False)
    guild_invite_create(actor=other.created_by, guild=other, invitee=bob)  # another guild's: stays
    guild_invite_create(actor=bob, guild=private, invitee=carol)
    guild_join_request_create(actor=UserFactory(handle="erin"), guild=private)
    assert Notification.objects.count() == 4  # bob's invite, carol's invite, the request to alice and bob

    with commit():
        guild_disband(actor=alice, guild=private)

    assert notes(NotificationKind.GUILD_JOIN_REQUEST) == []
    assert [(n[0], n[2]["guild"]) for n in notes(NotificationKind.GUILD_INVITE)] == [("bob", "early-birds")]
    assert len(published.events("notifications.notification", "deleted")) == 3  # the bells update live


def test_the_home_page_and_the_notifications_page_show_the_same_text_and_buttons(private, bob, carol):
    invite = guild_invite_create(actor=bob, guild=private, invitee=carol)
    client = Client()
    client.force_login(carol)
    for page in ("/", "/notifications/"):
        html = client.get(page).content.decode()
        assert "@bob invited you to join the guild Night Owls" in html, page
        assert f'data-api="POST /api/v1/guild-invites/{invite.pk}/accept/"' in html, page
