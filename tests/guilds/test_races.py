"""Concurrency on PostgreSQL: real threads, one connection each, released together by a barrier.

Each test repeats in rounds to catch the race. The `published` fixture records what would be sent
(commit callbacks run for real here).
"""

from collections import Counter

import pytest

from chat.rate_limits import RATE_MAX_MESSAGES
from guilds.models import Guild, GuildInvite, GuildMember, GuildMessage, GuildRole
from guilds.services.chat import guild_message_send
from guilds.services.guilds import guild_create
from guilds.services.invites import guild_invite_accept
from guilds.services.membership import guild_join, guild_leave, guild_ownership_transfer
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgres
from tests.rooms.conftest import outcome, run_together

from .factories import GuildFactory, add_member, add_members

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_fifty_concurrent_joins_to_a_guild_of_nine_make_exactly_ten(published, round_):
    # given: a public guild with 9 members, and 50 users in no guild
    guild = GuildFactory()
    add_members(guild, 8)
    joiners = [UserFactory() for _ in range(50)]

    # when: all 50 join at the same moment
    results = run_together([lambda user=user: guild_join(actor=user, guild=guild) for user in joiners])

    # then: exactly one got in, 49 were told it is full
    assert Counter(outcome(r) for r in results) == {"ok": 1, "guild_full": 49}
    assert GuildMember.objects.filter(guild=guild).count() == 10
    assert len(published.events("guilds.member", "joined")) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_joins_and_invite_accepts_together_still_stop_at_ten(published, round_):
    # given: a guild of 7, 10 invited users and 10 users joining directly
    guild = GuildFactory()
    add_members(guild, 6)
    invited = [UserFactory() for _ in range(10)]
    invite_ids = [GuildInvite.objects.create(guild=guild, invited_user=u, invited_by=guild.created_by).pk for u in invited]
    joiners = [UserFactory() for _ in range(10)]

    # when
    results = run_together(
        [lambda u=u, i=i: guild_invite_accept(actor=u, invite_id=i) for u, i in zip(invited, invite_ids, strict=True)]
        + [lambda u=u: guild_join(actor=u, guild=guild) for u in joiners]
    )

    # then: three seats, three members more; every loser heard "full" and kept their invite
    assert Counter(outcome(r) for r in results) == {"ok": 3, "guild_full": 17}
    assert GuildMember.objects.filter(guild=guild).count() == 10
    assert GuildInvite.objects.filter(status="accepted").count() + sum(
        1 for u in joiners if GuildMember.objects.filter(user=u).exists()) == 3


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_user_joining_three_guilds_at_once_ends_in_one(published, round_):
    # given: three public guilds and one user, who also tries to found a fourth
    guilds = [GuildFactory() for _ in range(3)]
    user = UserFactory()

    # when
    results = run_together(
        [lambda g=g: guild_join(actor=user, guild=g) for g in guilds]
        + [lambda: guild_create(actor=user, name=f"Mine {round_}")]
    )

    # then: one membership; everything else was refused as "already in a guild"
    assert Counter(outcome(r) for r in results) == {"ok": 1, "already_in_guild": 3}
    assert GuildMember.objects.filter(user=user).count() == 1
    assert Guild.objects.count() == 3 + (results[3][0] == "ok")


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_handing_over_to_someone_who_is_leaving(published, round_):
    # given
    guild = GuildFactory()
    leader = guild.created_by
    successor = add_member(guild).user

    # when: the leader hands over while the successor leaves
    results = run_together([
        lambda: guild_ownership_transfer(actor=leader, guild=guild, target=successor),
        lambda: guild_leave(actor=successor, guild=guild),
    ])

    # then: one of the two orders happened; always exactly one leader
    leaders = list(GuildMember.objects.filter(guild=guild, role=GuildRole.LEADER).values_list("user", flat=True))
    assert leaders in ([leader.pk], [successor.pk])
    if leaders == [successor.pk]:  # handed over first: then the new leader may not leave
        assert [outcome(r) for r in results] == ["ok", "guild_leader_must_transfer"]
    else:
        assert [outcome(r) for r in results] == ["guild_member_invalid", "ok"]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_burst_of_chat_from_one_member_is_rate_limited_exactly(published, round_):
    guild = GuildFactory()
    author = add_member(guild).user

    results = run_together([lambda n=n: guild_message_send(actor=author, guild=guild, body=f"spam {n}") for n in range(12)])

    assert Counter(outcome(r) for r in results) == {"ok": RATE_MAX_MESSAGES, "chat_rate_limited": 12 - RATE_MAX_MESSAGES}
    assert GuildMessage.objects.count() == RATE_MAX_MESSAGES
    assert len(published.events("guilds.chat", "created")) == RATE_MAX_MESSAGES


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_people_founding_the_same_name_at_once_make_one_guild(published, round_):
    founders = [UserFactory() for _ in range(4)]

    results = run_together([lambda u=u, n=n: guild_create(actor=u, name=n)
                            for u, n in zip(founders, ["Owls", "OWLS", "owls", "Owls"], strict=True)])

    assert Counter(outcome(r) for r in results) == {"ok": 1, "guild_name_taken": 3}
    assert Guild.objects.count() == 1 and GuildMember.objects.count() == 1
