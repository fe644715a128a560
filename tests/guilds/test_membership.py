"""Founding, joining, leaving, kicking, roles, ownership and disbanding (guilds.services).

Event types asserted here (count, groups, close codes), as services publish them after commit:
  guilds.member joined / left / kicked / updated (to guild.<id>)
  guilds.guild removed (to guild.<id>.user.<uid>, close 4403), updated, disbanded (close 4410)
Their exact shapes: test_events.py.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Block, User
from audit.models import AuditEvent
from config.disconnects import Disconnect
from guilds.audit_verbs import AuditVerb
from guilds.events import guild_group, guild_user_group
from guilds.models import ActivityKind, Guild, GuildActivity, GuildBan, GuildMember, GuildMessage, GuildRole
from guilds.services.guilds import guild_create, guild_disband, guild_update
from guilds.services.membership import (
    KICK_BAN,
    guild_join,
    guild_leave,
    guild_member_kick,
    guild_member_set_role,
    guild_ownership_transfer,
)
from rooms.models import Room
from tests.accounts.factories import UserFactory
from tests.rooms.conftest import refused
from tests.rooms.factories import RoomFactory

from .factories import GuildFactory, add_member, add_members

pytestmark = pytest.mark.django_db


def roles(guild) -> dict[str, str]:
    return dict(GuildMember.objects.filter(guild=guild).values_list("user__handle", "role"))


def audits(verb: AuditVerb) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("id"))


def kinds(guild) -> list[str]:
    return list(GuildActivity.objects.filter(guild=guild).order_by("id").values_list("kind", flat=True))


# -- founding -------------------------------------------------------------------------------
def test_founding_makes_the_founder_leader(alice, published, commit):
    with commit():
        guild = guild_create(actor=alice, name="  Night   Owls ", description="Horror every Friday", is_public=False)
    assert (guild.name, guild.slug, guild.is_public, guild.max_members) == ("Night Owls", "night-owls", False, 10)
    assert roles(guild) == {"alice": "leader"}
    assert kinds(guild) == [ActivityKind.CREATED]
    assert published == []


def test_names_are_unique_whatever_the_case(alice, bob, guild):
    with refused("guild_name_taken", 409):
        guild_create(actor=bob, name="NIGHT owls")
    assert Guild.objects.count() == 1


def test_the_database_refuses_a_same_name_guild_too(alice):
    GuildFactory(name="Owls", slug="owls")
    with pytest.raises(IntegrityError), transaction.atomic():
        GuildFactory(name="owls", slug="owls-2")


def test_slugs_stay_unique_and_avoid_reserved_words(alice, bob, carol):
    GuildFactory(name="Night-Owls!", slug="night-owls", leader=False)
    assert guild_create(actor=alice, name="Night Owls").slug == "night-owls-2"
    assert guild_create(actor=bob, name="New").slug == "new-guild"
    assert guild_create(actor=carol, name="😀 Film 😀").slug == "film"


@pytest.mark.parametrize("name", ["ab", "x" * 41, "!!!"])
def test_a_name_needs_3_to_40_characters_with_a_letter_or_digit(alice, name):
    with refused("guild_settings_invalid", 400) as info:
        guild_create(actor=alice, name=name)
    assert "name" in info.value.extra["fields"]


def test_you_can_found_only_when_in_no_guild(alice, guild):
    with refused("already_in_guild", 409):
        guild_create(actor=alice, name="Second")
    assert Guild.objects.count() == 1


# -- joining --------------------------------------------------------------------------------
def test_joining_a_public_guild(guild, bob, published, commit):
    with commit():
        member = guild_join(actor=bob, guild=guild)
    assert member.role == GuildRole.MEMBER
    assert roles(guild) == {"alice": "leader", "bob": "member"}
    assert kinds(guild) == [ActivityKind.JOINED]
    [(groups, event, close)] = published
    assert (groups, event["type"], event["op"], event["member"]["user"]["handle"], close) == (
        [guild_group(guild.pk)], "guilds.member", "joined", "bob", None)


def test_joining_again_returns_the_membership_quietly(guild, bob, published, commit):
    first = guild_join(actor=bob, guild=guild)
    with commit():
        again = guild_join(actor=bob, guild=guild)
    assert again.pk == first.pk
    assert published == []


def test_an_invite_only_guild_cannot_be_joined_directly(guild, bob):
    Guild.objects.filter(pk=guild.pk).update(is_public=False)
    with refused("guild_invite_only", 403):
        guild_join(actor=bob, guild=guild)


def test_one_guild_at_a_time(guild, bob):
    GuildFactory(created_by=bob)
    with refused("already_in_guild", 409) as info:
        guild_join(actor=bob, guild=guild)
    assert info.value.extra == {"in_this_guild": False}


def test_the_database_holds_one_guild_per_user(guild, bob):
    other = GuildFactory()
    add_member(guild, bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        add_member(other, bob)


def test_a_full_guild_refuses(guild, bob):
    add_members(guild, 9)
    with refused("guild_full", 409) as info:
        guild_join(actor=bob, guild=guild)
    assert info.value.extra == {"max_members": 10}
    assert GuildMember.objects.filter(guild=guild).count() == 10


def test_a_smaller_guild_fills_at_its_own_size(guild, bob):
    Guild.objects.filter(pk=guild.pk).update(max_members=2)
    add_member(guild)
    with refused("guild_full", 409):
        guild_join(actor=bob, guild=guild)


def test_someone_the_leader_blocked_cannot_join(guild, alice, bob):
    Block.objects.create(blocker=alice, blocked=bob)
    with refused("blocked", 403):
        guild_join(actor=bob, guild=guild)


def test_a_guild_that_was_disbanded_meanwhile(guild, bob):
    stale = Guild.objects.get(pk=guild.pk)
    Guild.objects.filter(pk=guild.pk).delete()
    with refused("guild_not_found", 404):
        guild_join(actor=bob, guild=stale)


# -- leaving ----------------------------------------------------------------------------------
def test_a_member_leaves_and_their_guild_sockets_close(guild, bob, published, commit):
    add_member(guild, bob)
    with commit():
        guild_leave(actor=bob, guild=guild)
    assert roles(guild) == {"alice": "leader"}
    assert kinds(guild) == [ActivityKind.LEFT]
    assert [(groups, e["type"], e["op"], close) for groups, e, close in published] == [
        ([guild_group(guild.pk)], "guilds.member", "left", None),
        ([guild_user_group(guild.pk, bob.pk)], "guilds.guild", "removed",
         {"disconnect": Disconnect.FORBIDDEN, "reason": "left"}),
    ]


def test_the_leader_cannot_leave_without_handing_over_or_disbanding(guild, alice, bob, published, commit):
    add_member(guild, bob, role=GuildRole.OFFICER)
    with refused("guild_leader_must_transfer", 409), commit():
        guild_leave(actor=alice, guild=guild)
    assert roles(guild) == {"alice": "leader", "bob": "officer"}
    assert published == []


def test_the_only_member_leader_cannot_leave_either(guild, alice):
    with refused("guild_leader_must_transfer", 409):
        guild_leave(actor=alice, guild=guild)
    assert roles(guild) == {"alice": "leader"}


def test_after_handing_over_the_old_leader_can_leave(guild, alice, bob):
    add_member(guild, bob)
    guild_ownership_transfer(actor=alice, guild=guild, target=bob)
    guild_leave(actor=alice, guild=guild)
    assert roles(guild) == {"bob": "leader"}


def test_leaving_a_guild_you_are_not_in(guild, bob):
    with refused("not_a_guild_member", 404):
        guild_leave(actor=bob, guild=guild)


# -- kicking -------------------------------------------------------------------------------------
@pytest.fixture
def ranks(guild, alice, bob, carol, dave):
    """alice leads; bob is an officer; carol and dave are members."""
    add_member(guild, bob, role=GuildRole.OFFICER)
    add_member(guild, carol)
    add_member(guild, dave)
    return guild


def test_officers_cannot_kick_the_leader(ranks, alice, bob, published, commit):
    with refused("guild_not_allowed", 403), commit():
        guild_member_kick(actor=bob, guild=ranks, target=alice)
    assert roles(ranks)["alice"] == "leader"
    assert audits(AuditVerb.GUILD_MEMBER_KICKED) == []
    assert published == []


@pytest.mark.parametrize("target", ["alice", "bob", "dave"])
def test_a_member_cannot_kick_anyone(ranks, carol, target):
    before = roles(ranks)
    with refused("guild_not_allowed", 403):
        guild_member_kick(actor=carol, guild=ranks, target=User.objects.get(handle=target))
    assert roles(ranks) == before
    assert audits(AuditVerb.GUILD_MEMBER_KICKED) == []


def test_an_outsider_cannot_kick_anyone(ranks, carol):
    with refused("guild_not_allowed", 403):
        guild_member_kick(actor=UserFactory(), guild=ranks, target=carol)


def test_officers_cannot_kick_officers(ranks, bob, carol):
    GuildMember.objects.filter(user=carol).update(role=GuildRole.OFFICER)
    with refused("guild_not_allowed", 403):
        guild_member_kick(actor=bob, guild=ranks, target=carol)


def test_an_officer_kicks_a_member_audited_and_banned(ranks, bob, carol, published, commit):
    with commit():
        guild_member_kick(actor=bob, guild=ranks, target=carol)
    assert "carol" not in roles(ranks)
    [audit] = audits(AuditVerb.GUILD_MEMBER_KICKED)
    assert (audit.actor, audit.target_type, audit.target_id) == (bob, "guilds.guild", str(ranks.pk))
    assert audit.details["user_id"] == carol.pk and audit.details["handle"] == "carol" and audit.details["role"] == "member"
    ban = GuildBan.objects.get(guild=ranks, user=carol)
    assert timezone.now() + KICK_BAN - timedelta(minutes=1) < ban.until <= timezone.now() + KICK_BAN
    activity = GuildActivity.objects.get(guild=ranks)
    assert (activity.kind, activity.actor, activity.subject) == (ActivityKind.KICKED, bob, carol)
    assert [(groups, e["op"], close) for groups, e, close in published] == [
        ([guild_group(ranks.pk)], "kicked", None),
        ([guild_user_group(ranks.pk, carol.pk)], "removed", {"disconnect": Disconnect.FORBIDDEN, "reason": "kicked"}),
    ]


def test_the_leader_kicks_an_officer(ranks, alice, bob):
    guild_member_kick(actor=alice, guild=ranks, target=bob)
    assert "bob" not in roles(ranks)
    assert len(audits(AuditVerb.GUILD_MEMBER_KICKED)) == 1


def test_nobody_kicks_themselves(ranks, bob):
    with refused("guild_member_invalid", 400):
        guild_member_kick(actor=bob, guild=ranks, target=bob)


def test_kicking_someone_not_in_the_guild(ranks, bob):
    with refused("guild_member_invalid", 404):
        guild_member_kick(actor=bob, guild=ranks, target=UserFactory())


def test_a_kicked_user_waits_a_day_to_join_again(ranks, bob, carol):
    guild_member_kick(actor=bob, guild=ranks, target=carol)
    with refused("guild_banned", 403):
        guild_join(actor=carol, guild=ranks)
    GuildBan.objects.filter(user=carol).update(until=timezone.now() - timedelta(seconds=1))
    assert guild_join(actor=carol, guild=ranks).role == GuildRole.MEMBER


# -- roles and ownership -------------------------------------------------------------------------------
def test_the_leader_makes_an_officer_audited(ranks, alice, carol, published, commit):
    with commit():
        member = guild_member_set_role(actor=alice, guild=ranks, target=carol, role="officer")
    assert member.role == GuildRole.OFFICER and roles(ranks)["carol"] == "officer"
    [audit] = audits(AuditVerb.GUILD_ROLE_CHANGED)
    assert (audit.actor, audit.target_id, audit.details) == (
        alice, str(ranks.pk), {"user_id": carol.pk, "handle": "carol", "from": "member", "to": "officer"})
    assert [(e["type"], e["op"], e["member"]["role"]) for _, e, _ in published] == [("guilds.member", "updated", "officer")]
    activity = GuildActivity.objects.get(guild=ranks)
    assert (activity.kind, activity.subject, activity.details) == (ActivityKind.ROLE_CHANGED, carol, {"role": "officer"})


def test_the_leader_demotes_an_officer_audited(ranks, alice, bob):
    guild_member_set_role(actor=alice, guild=ranks, target=bob, role="member")
    assert roles(ranks)["bob"] == "member"
    assert audits(AuditVerb.GUILD_ROLE_CHANGED)[0].details["from"] == "officer"


def test_the_same_role_again_changes_and_audits_nothing(ranks, alice, bob, published, commit):
    with commit():
        guild_member_set_role(actor=alice, guild=ranks, target=bob, role="officer")
    assert audits(AuditVerb.GUILD_ROLE_CHANGED) == [] and published == []


@pytest.mark.parametrize("actor", ["bob", "carol"])
def test_only_the_leader_changes_roles(ranks, dave, actor):
    with refused("guild_not_allowed", 403):
        guild_member_set_role(actor=User.objects.get(handle=actor), guild=ranks, target=dave,
                              role="officer")
    assert roles(ranks)["dave"] == "member"
    assert audits(AuditVerb.GUILD_ROLE_CHANGED) == []


def test_the_leader_cannot_demote_themselves(ranks, alice):
    with refused("guild_member_invalid", 400):
        guild_member_set_role(actor=alice, guild=ranks, target=alice, role="member")


def test_handing_over_leadership_audited(ranks, alice, carol, published, commit):
    with commit():
        successor = guild_ownership_transfer(actor=alice, guild=ranks, target=carol)
    assert successor.role == GuildRole.LEADER
    assert roles(ranks) == {"alice": "officer", "bob": "officer", "carol": "leader", "dave": "member"}
    [audit] = audits(AuditVerb.GUILD_OWNERSHIP_TRANSFERRED)
    assert (audit.actor, audit.details) == (
        alice, {"from_user_id": alice.pk, "to_user_id": carol.pk, "to_handle": "carol", "to_previous_role": "member"})
    assert [(e["member"]["user"]["handle"], e["member"]["role"]) for _, e, _ in published] == [
        ("alice", "officer"), ("carol", "leader")]


def test_set_role_leader_is_a_hand_over(ranks, alice, dave):
    guild_member_set_role(actor=alice, guild=ranks, target=dave, role="leader")
    assert roles(ranks)["dave"] == "leader" and roles(ranks)["alice"] == "officer"


def test_only_the_leader_hands_over(ranks, bob, dave):
    with refused("guild_not_allowed", 403):
        guild_ownership_transfer(actor=bob, guild=ranks, target=dave)
    assert audits(AuditVerb.GUILD_OWNERSHIP_TRANSFERRED) == []


def test_handing_over_to_an_outsider_or_yourself(ranks, alice):
    with refused("guild_member_invalid", 404):
        guild_ownership_transfer(actor=alice, guild=ranks, target=UserFactory())
    with refused("guild_member_invalid", 400):
        guild_ownership_transfer(actor=alice, guild=ranks, target=alice)


def test_the_database_holds_one_leader_per_guild(ranks, bob):
    with pytest.raises(IntegrityError), transaction.atomic():
        GuildMember.objects.filter(user=bob).update(role=GuildRole.LEADER)


# -- settings -------------------------------------------------------------------------------------
def test_the_leader_edits_settings(guild, alice, published, commit):
    with commit():
        updated = guild_update(actor=alice, guild=guild, name="Night Hawks", description=" Late films ",
                               is_public=False, max_members=5)
    guild.refresh_from_db()
    assert (guild.name, guild.slug, guild.description, guild.is_public, guild.max_members) == (
        "Night Hawks", "night-owls", "Late films", False, 5)
    assert updated.name == "Night Hawks"
    [(groups, event, _)] = published
    assert (groups, event["type"], event["op"], event["guild"]["name"]) == (
        [guild_group(guild.pk)], "guilds.guild", "updated", "Night Hawks")


def test_officers_cannot_edit_settings(guild, bob):
    add_member(guild, bob, role=GuildRole.OFFICER)
    with refused("guild_not_allowed", 403):
        guild_update(actor=bob, guild=guild, description="mine now")


def test_the_size_cannot_drop_below_the_members(guild, alice):
    add_members(guild, 3)
    with refused("guild_settings_invalid", 400) as info:
        guild_update(actor=alice, guild=guild, max_members=3)
    assert "max_members" in info.value.extra["fields"]
    with refused("guild_settings_invalid", 400):
        guild_update(actor=alice, guild=guild, max_members=11)


def test_renaming_to_a_taken_name(guild, alice):
    GuildFactory(name="Early Birds", leader=False)
    with refused("guild_name_taken", 409):
        guild_update(actor=alice, guild=guild, name="early birds")
    guild_update(actor=alice, guild=guild, name="NIGHT OWLS")  # its own name, re-cased, is fine


def test_unknown_settings_are_refused(guild, alice):
    with refused("guild_settings_invalid", 400):
        guild_update(actor=alice, guild=guild, total_watch_seconds=10**9)


# -- disbanding ------------------------------------------------------------------------------------
def test_the_leader_disbands_audited(guild, alice, bob, published, commit):
    add_member(guild, bob)
    GuildMessage.objects.create(guild=guild, author=bob, body="bye")
    room = RoomFactory(created_by=alice, guild=guild)
    with commit():
        guild_disband(actor=alice, guild=guild)
    assert not Guild.objects.exists() and not GuildMember.objects.exists() and not GuildMessage.objects.exists()
    room.refresh_from_db()
    assert room.guild is None and room.closed_at is None  # guild rooms stay open, unlinked
    [audit] = audits(AuditVerb.GUILD_DISBANDED)
    assert (audit.actor, audit.target_id, audit.details["name"], sorted(audit.details["member_ids"]), audit.details["by_staff"]) == (
        alice, str(guild.pk), "Night Owls", sorted([alice.pk, bob.pk]), False)
    [(groups, event, close)] = published
    assert (groups, event["type"], event["op"], close) == (
        [guild_group(guild.pk)], "guilds.guild", "disbanded", {"disconnect": Disconnect.GONE, "reason": ""})


def test_officers_cannot_disband(guild, bob):
    add_member(guild, bob, role=GuildRole.OFFICER)
    with refused("guild_not_allowed", 403):
        guild_disband(actor=bob, guild=guild)
    assert Guild.objects.exists() and audits(AuditVerb.GUILD_DISBANDED) == []


def test_staff_disband_from_the_back_office(guild):
    staff = UserFactory(is_staff=True)
    guild_disband(actor=staff, guild=guild, by_staff=True)
    assert not Guild.objects.exists()
    assert audits(AuditVerb.GUILD_DISBANDED)[0].details["by_staff"] is True


def test_a_disbanded_guild_frees_its_members(guild, alice, bob):
    add_member(guild, bob)
    guild_disband(actor=alice, guild=guild)
    assert guild_create(actor=bob, name="Fresh Start").members.get().user == bob
    assert Room.objects.count() == 0
