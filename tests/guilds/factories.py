"""Guilds and members for the guilds tests.

GuildFactory writes rows directly (no events, no activity), with `created_by` as its leader;
use guilds.services.guilds.guild_create where founding itself is under test.
"""

import datetime

import factory

from gamification.models import DailyActivity
from guilds.models import Guild, GuildMember, GuildRole
from tests.accounts.factories import UserFactory


class GuildFactory(factory.django.DjangoModelFactory):
    """A public guild led by `created_by` (pass leader=False for a guild with no members)."""

    class Meta:
        model = Guild
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Guild {n}")
    slug = factory.Sequence(lambda n: f"guild-{n}")
    description = "We watch things."
    is_public = True
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def leader(guild, create, extracted, **kwargs):
        if create and extracted is not False:
            GuildMember.objects.create(guild=guild, user=guild.created_by, role=GuildRole.LEADER)


def add_member(guild: Guild, user=None, *, role: str = GuildRole.MEMBER) -> GuildMember:
    """Put `user` (a new one by default) straight into the guild."""
    return GuildMember.objects.create(guild=guild, user=user or UserFactory(), role=role)


def add_members(guild: Guild, count: int, **fields) -> list[GuildMember]:
    return [add_member(guild, **fields) for _ in range(count)]


def watched(user, seconds: int, day: datetime.date) -> DailyActivity:
    """Record `seconds` of watching for `user` on `day` (as gamification's daily activity does)."""
    return DailyActivity.objects.create(user=user, day=day, watch_seconds=seconds)
