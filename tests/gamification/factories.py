"""Events, tasks, badges, decorations and guilds for the gamification tests (rows written directly)."""

from datetime import timedelta

import factory
from django.utils import timezone

from gamification.models import Badge, Decoration, DecorationKind, Event, EventKind, EventTask, Rarity
from gamification.rules import TaskKind
from guilds.models import Guild, GuildMember, GuildRole
from tests.accounts.factories import UserFactory

__all__ = ["BadgeFactory", "DecorationFactory", "EventFactory", "EventTaskFactory", "GuildFactory", "UserFactory", "join_guild"]


class BadgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Badge

    name = factory.Sequence(lambda n: f"Badge {n}")
    slug = factory.Sequence(lambda n: f"badge-{n}")
    description = "For doing the thing"
    rarity = Rarity.RARE
    icon = "🏅"


class DecorationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decoration

    kind = DecorationKind.FRAME
    name = factory.Sequence(lambda n: f"Decoration {n}")
    slug = factory.Sequence(lambda n: f"decoration-{n}")
    style = factory.LazyAttribute(lambda d: "gold" if d.kind == DecorationKind.FRAME else "")
    rarity = Rarity.EPIC


class EventFactory(factory.django.DjangoModelFactory):
    """A published community event running from a day ago for a week."""

    class Meta:
        model = Event

    kind = EventKind.COMMUNITY
    title = factory.Sequence(lambda n: f"Event {n}")
    slug = factory.Sequence(lambda n: f"event-{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(days=7))
    is_published = True


class EventTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventTask

    event = factory.SubFactory(EventFactory)
    kind = TaskKind.SEND_MESSAGES
    title = factory.LazyAttribute(lambda t: f"{t.kind} × {t.target}")
    target = 3
    xp_reward = 100


class GuildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guild

    name = factory.Sequence(lambda n: f"Guild {n}")
    slug = factory.Sequence(lambda n: f"guild-{n}")


def join_guild(guild: Guild, user, role: str = GuildRole.MEMBER) -> GuildMember:
    return GuildMember.objects.create(guild=guild, user=user, role=role)
