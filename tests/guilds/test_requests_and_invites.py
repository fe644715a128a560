"""Asking to join invite-only guilds, and invites (guilds.services.join_requests and .invites).

Event types asserted here: guilds.join_request created / approved / rejected / cancelled (to the
requester and the guild's officers and leader), guilds.invite created / accepted / declined / revoked
(to the invited user and the inviter), guilds.member joined (to guild.<id>).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Block
from config.realtime import user_group
from guilds.events import guild_group
from guilds.models import (
    Guild,
    GuildBan,
    GuildInvite,
    GuildJoinRequest,
    GuildMember,
    GuildRole,
    InviteStatus,
    RequestStatus,
)
from guilds.services.invites import guild_invite_accept, guild_invite_create, guild_invite_decline, guild_invite_revoke
from guilds.services.join_requests import (
    guild_join_request_approve,
    guild_join_request_cancel,
    guild_join_request_create,
    guild_join_request_reject,
)
from guilds.services.membership import guild_join
from tests.accounts.factories import UserFactory
from tests.rooms.conftest import refused

from .factories import GuildFactory, add_member, add_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(guild, bob):
    """Night Owls, invite-only: alice leads, bob is an officer."""
    Guild.objects.filter(pk=guild.pk).update(is_public=False)
    guild.refresh_from_db()
    add_member(guild, bob, role=GuildRole.OFFICER)
    return guild


def guild_events(published) -> list:
    """What the guilds app published (the stored notifications' own events: tests/guilds/test_notifications.py)."""
    return [(groups, event, close) for groups, event, close in published if event["type"].startswith("guilds.")]


def member_handles(guild) -> set[str]:
    return set(GuildMember.objects.filter(guild=guild).values_list("user__handle", flat=True))


# -- join requests -----------------------------------------------------------------------------------
def test_asking_to_join_tells_the_requester_and_the_officers(private, alice, bob, carol, dave, published, commit):
    add_member(private, dave)  # a plain member: not told
    with commit():
        join_request = guild_join_request_create(actor=carol, guild=private)
    assert join_request.status == RequestStatus.PENDING
    [(groups, event, close)] = guild_events(published)
    assert sorted(groups) == sorted(user_group(u.pk) for u in (alice, bob, carol))
    assert (event["type"], event["op"], event["join_request"]["user"]["handle"], close) == (
        "guilds.join_request", "created", "carol", None)


def test_public_guilds_are_joined_not_asked(guild, carol):
    with refused("guild_is_public", 400):
        guild_join_request_create(actor=carol, guild=guild)


def test_asking_twice(private, carol):
    guild_join_request_create(actor=carol, guild=private)
    with refused("guild_join_request_exists", 409):
        guild_join_request_create(actor=carol, guild=private)
    assert GuildJoinRequest.objects.count() == 1


def test_members_and_members_of_other_guilds_cannot_ask(private, bob, carol):
    with refused("already_in_guild", 409):
        guild_join_request_create(actor=bob, guild=private)
    GuildFactory(created_by=carol)
    with refused("already_in_guild", 409):
        guild_join_request_create(actor=carol, guild=private)


def test_asking_a_full_guild(private, carol):
    add_members(private, 8)
    with refused("guild_full", 409):
        guild_join_request_create(actor=carol, guild=private)


def test_asking_when_blocked_or_banned(private, alice, carol, dave):
    Block.objects.create(blocker=carol, blocked=alice)
    with refused("blocked", 403):
        guild_join_request_create(actor=carol, guild=private)
    GuildBan.objects.create(guild=private, user=dave, until=timezone.now() + timedelta(hours=1))
    with refused("guild_banned", 403):
        guild_join_request_create(actor=dave, guild=private)


def test_an_officer_approves_and_the_requester_joins(private, bob, carol, published, commit):
    join_request = guild_join_request_create(actor=carol, guild=private)
    with commit():
        member = guild_join_request_approve(actor=bob, guild=private, request_id=join_request.pk)
    assert member.user == carol and member.role == GuildRole.MEMBER
    join_request.refresh_from_db()
    assert (join_request.status, join_request.responded_by) == (RequestStatus.APPROVED, bob)
    sent = guild_events(published)
    assert [(e["type"], e["op"]) for _, e, _ in sent] == [("guilds.member", "joined"), ("guilds.join_request", "approved")]
    assert sent[0][0] == [guild_group(private.pk)]
    assert user_group(carol.pk) in sent[1][0]


def test_a_member_cannot_answer_requests(private, carol, dave):
    add_member(private, dave)
    join_request = guild_join_request_create(actor=carol, guild=private)
    with refused("guild_not_allowed", 403):
        guild_join_request_approve(actor=dave, guild=private, request_id=join_request.pk)
    with refused("guild_not_allowed", 403):
        guild_join_request_reject(actor=dave, guild=private, request_id=join_request.pk)
    assert GuildJoinRequest.objects.get().status == RequestStatus.PENDING


def test_approving_into_a_full_guild_leaves_the_request_pending(private, alice, carol):
    join_request = guild_join_request_create(actor=carol, guild=private)
    add_members(private, 8)
    with refused("guild_full", 409):
        guild_join_request_approve(actor=alice, guild=private, request_id=join_request.pk)
    assert GuildJoinRequest.objects.get().status == RequestStatus.PENDING
    assert "carol" not in member_handles(private)


def test_approving_someone_who_joined_elsewhere_meanwhile(private, alice, carol):
    join_request = guild_join_request_create(actor=carol, guild=private)
    add_member(GuildFactory(), carol)  # straight in, as if a concurrent join won
    with refused("already_in_guild", 409) as info:
        guild_join_request_approve(actor=alice, guild=private, request_id=join_request.pk)
    assert info.value.message == "@carol is already in another guild."


def test_joining_a_guild_withdraws_your_other_requests(private, carol):
    guild_join_request_create(actor=carol, guild=private)
    guild_join(actor=carol, guild=GuildFactory())
    assert GuildJoinRequest.objects.get().status == RequestStatus.CANCELLED


def test_rejecting_and_cancelling(private, alice, carol, dave, published, commit):
    first = guild_join_request_create(actor=carol, guild=private)
    second = guild_join_request_create(actor=dave, guild=private)
    with commit():
        guild_join_request_reject(actor=alice, guild=private, request_id=first.pk)
        guild_join_request_cancel(actor=dave, guild=private, request_id=second.pk)
    assert dict(GuildJoinRequest.objects.values_list("user__handle", "status")) == {"carol": "rejected", "dave": "cancelled"}
    assert [e["op"] for _, e, _ in guild_events(published)] == ["rejected", "cancelled"]
    with refused("guild_join_request_not_found", 404):
        guild_join_request_approve(actor=alice, guild=private, request_id=first.pk)


def test_only_the_requester_cancels(private, bob, carol):
    join_request = guild_join_request_create(actor=carol, guild=private)
    with refused("guild_join_request_not_found", 404):
        guild_join_request_cancel(actor=bob, guild=private, request_id=join_request.pk)


def test_a_request_belongs_to_its_guild(private, alice, carol, dave):
    join_request = guild_join_request_create(actor=carol, guild=private)
    other = GuildFactory(created_by=dave, is_public=False)
    with refused("guild_join_request_not_found", 404):
        guild_join_request_approve(actor=dave, guild=other, request_id=join_request.pk)


# -- invites ---------------------------------------------------------------------------------------
def test_an_officer_invites_and_the_user_accepts(private, bob, carol, published, commit):
    with commit():
        invite = guild_invite_create(actor=bob, guild=private, invitee=carol)
    [(groups, event, _)] = guild_events(published)
    assert sorted(groups) == sorted([user_group(bob.pk), user_group(carol.pk)])
    assert (event["type"], event["op"], event["invite"]["invited_user"]["handle"]) == ("guilds.invite", "created", "carol")
    published.clear()
    with commit():
        member = guild_invite_accept(actor=carol, invite_id=invite.pk)
    assert member.user == carol and "carol" in member_handles(private)
    assert GuildInvite.objects.get().status == InviteStatus.ACCEPTED
    assert [(e["type"], e["op"]) for _, e, _ in guild_events(published)] == [("guilds.member", "joined"), ("guilds.invite", "accepted")]


def test_invites_work_for_public_guilds_too(guild, alice, carol):
    invite = guild_invite_create(actor=alice, guild=guild, invitee=carol)
    guild_invite_accept(actor=carol, invite_id=invite.pk)
    assert "carol" in member_handles(guild)


def test_members_cannot_invite(private, carol, dave):
    add_member(private, dave)
    with refused("guild_not_allowed", 403):
        guild_invite_create(actor=dave, guild=private, invitee=carol)


def test_invite_refusals(private, alice, bob, carol):
    with refused("guild_member_invalid", 400):
        guild_invite_create(actor=alice, guild=private, invitee=alice)
    with refused("already_in_guild", 409):
        guild_invite_create(actor=alice, guild=private, invitee=bob)
    guild_invite_create(actor=alice, guild=private, invitee=carol)
    with refused("guild_invite_exists", 409):
        guild_invite_create(actor=bob, guild=private, invitee=carol)
    blocker = UserFactory()
    Block.objects.create(blocker=blocker, blocked=alice)
    with refused("blocked", 403):
        guild_invite_create(actor=alice, guild=private, invitee=blocker)
    add_members(private, 8)
    with refused("guild_full", 409):
        guild_invite_create(actor=alice, guild=private, invitee=UserFactory())


def test_accepting_while_in_another_guild(private, alice, carol):
    invite = guild_invite_create(actor=alice, guild=private, invitee=carol)
    GuildFactory(created_by=carol)
    with refused("already_in_guild", 409):
        guild_invite_accept(actor=carol, invite_id=invite.pk)
    assert GuildInvite.objects.get().status == InviteStatus.PENDING


def test_accepting_into_a_full_guild(private, alice, carol):
    invite = guild_invite_create(actor=alice, guild=private, invitee=carol)
    add_members(private, 8)
    with refused("guild_full", 409):
        guild_invite_accept(actor=carol, invite_id=invite.pk)
    assert GuildInvite.objects.get().status == InviteStatus.PENDING


def test_an_invite_lifts_a_kick_ban(private, alice, carol):
    GuildBan.objects.create(guild=private, user=carol, until=timezone.now() + timedelta(hours=5))
    invite = guild_invite_create(actor=alice, guild=private, invitee=carol)
    guild_invite_accept(actor=carol, invite_id=invite.pk)
    assert not GuildBan.objects.exists()


def test_only_the_invited_user_answers(private, alice, carol, dave):
    invite = guild_invite_create(actor=alice, guild=private, invitee=carol)
    with refused("guild_invite_not_found", 404):
        guild_invite_accept(actor=dave, invite_id=invite.pk)
    with refused("guild_invite_not_found", 404):
        guild_invite_decline(actor=dave, invite_id=invite.pk)


def test_declining_and_revoking(private, alice, bob, carol, dave, published, commit):
    first = guild_invite_create(actor=alice, guild=private, invitee=carol)
    second = guild_invite_create(actor=alice, guild=private, invitee=dave)
    with commit():
        guild_invite_decline(actor=carol, invite_id=first.pk)
        guild_invite_revoke(actor=bob, guild=private, invite_id=second.pk)
    assert dict(GuildInvite.objects.values_list("invited_user__handle", "status")) == {"carol": "declined", "dave": "revoked"}
    assert [e["op"] for _, e, _ in guild_events(published)] == ["declined", "revoked"]
    with refused("guild_invite_not_found", 404):
        guild_invite_accept(actor=dave, invite_id=second.pk)


def test_members_cannot_revoke(private, alice, carol, dave):
    add_member(private, dave)
    invite = guild_invite_create(actor=alice, guild=private, invitee=carol)
    with refused("guild_not_allowed", 403):
        guild_invite_revoke(actor=dave, guild=private, invite_id=invite.pk)
