"""Authorization matrix for gamification (RELIABILITY item 12): every gamification endpoint × every kind of caller.

Olive has earned a badge and unlocked a frame; her guild runs an event of its own beside a
community event. The other user and staff have nothing. The machinery is tests/authz.py.
"""

from types import SimpleNamespace

import pytest

from accounts.services.tokens import api_token_create
from gamification.models import DecorationKind, PlayerStats, UnlockSource, UserBadge, UserDecoration
from tests.authz import (
    Case,
    anonymous_params,
    as_owner,
    assert_anonymous_refused,
    assert_api_status,
    assert_matrix_complete,
    caller,
    expect,
    matrix_params,
    perform,
)
from tests.guilds.test_authz_matrix import CASES as GUILD_CASES
from tests.guilds.test_authz_matrix import GUILD_EVENTS

from .factories import BadgeFactory, DecorationFactory, EventFactory, GuildFactory, UserFactory, join_guild

pytestmark = pytest.mark.django_db

PUBLIC: set[str] = set()  # no gamification endpoint is open to anonymous callers


@pytest.fixture
def w():
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(olive=olive, owner=olive, other=UserFactory(handle="otto"))
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    w.badge = BadgeFactory(slug="first-night")
    UserBadge.objects.create(user=olive, badge=w.badge, source=UnlockSource.EVENT)
    w.frame = DecorationFactory(kind=DecorationKind.FRAME, slug="gold-frame")
    UserDecoration.objects.create(user=olive, decoration=w.frame, source=UnlockSource.EVENT)
    guild = GuildFactory(created_by=UserFactory(handle="gus"))
    join_guild(guild, olive)
    w.event = EventFactory(slug="community-week")
    w.guild_event = EventFactory(slug="club-week", kind="guild", guild=guild)
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def check_index(w, role, response):
    assert response.json()["boards"]


def check_board(w, role, response):
    assert "entries" in response.json() or "top" in response.json()


def check_events(w, role, response):
    slugs = {row["slug"] for row in response.json()}
    assert slugs == ({"community-week", "club-week"} if as_owner(role) else {"community-week"})


def check_event(slug: str):
    def check(w, role, response):
        assert response.json()["slug"] == slug
    return check


def check_badges(w, role, response):
    earned = [row["slug"] for row in response.json()["earned"]]
    assert earned == (["first-night"] if as_owner(role) else [])


def check_showcase(w, role, response):
    assert UserBadge.objects.get(user=w.olive, badge=w.badge).showcase_position == 1


def check_decorations(w, role, response):
    assert response.json()


def check_equipped(w, role, response):
    assert PlayerStats.objects.get(user=w.olive).frame == w.frame


CASES = [
    # -- leaderboards and events: anyone signed in, each sees their own rank and progress
    Case("api-leaderboards", "get", "/leaderboards/", expect(owner=200), check=check_index),
    Case("api-leaderboard", "get", "/leaderboards/individual/xp/week/", expect(owner=200), check=check_board),
    Case("api-leaderboard-results", "get", "/leaderboards/results/", expect(owner=404),
         label="get api-leaderboard-results (no week reset yet)"),
    Case("api-events", "get", "/events/", expect(owner=200), check=check_events),
    Case("api-event", "get", "/events/community-week/", expect(owner=200), check=check_event("community-week")),
    Case("api-event", "get", "/events/club-week/", expect(owner=200, other=404), check=check_event("club-week"),
         label="get api-event (a guild's, members only)"),
    # -- your own collection: what you earned, what you show, what you wear
    Case("api-me-badges", "get", "/me/badges/", expect(owner=200), check=check_badges),
    Case("api-me-showcase", "put", "/me/badges/showcase/", expect(owner=200, other=400),
         data=lambda: {"badge_ids": [UserBadge.objects.get(badge__slug="first-night").badge_id]}, check=check_showcase),
    Case("api-me-decorations", "get", "/me/decorations/", expect(owner=200), check=check_decorations),
    Case("api-me-equipped", "put", "/me/decorations/equipped/", expect(owner=200, other=400),
         data=lambda: {"frame": UserDecoration.objects.get(decoration__slug="gold-frame").decoration_id},
         check=check_equipped),
]


def olive_state(w) -> dict:
    return {
        "badges": sorted(UserBadge.objects.filter(user=w.olive).values_list("badge", "showcase_position")),
        "decorations": sorted(UserDecoration.objects.filter(user=w.olive).values_list("decoration", flat=True)),
        # (a read may create the empty stats row)
        "worn": PlayerStats.objects.filter(user=w.olive).values_list("frame", "title").first() or (None, None),
    }


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    before = olive_state(w)
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)
    if not (succeeded and caller(w, role) == w.olive):
        assert olive_state(w) == before  # only Olive changes her showcase and what she wears


def test_every_endpoint_is_in_the_matrix():
    guild_events = [case for case in GUILD_CASES if case.name in GUILD_EVENTS]  # tested with a guild's members
    assert_matrix_complete("gamification", CASES + guild_events, at_least=11)


@pytest.mark.parametrize("name, method, route", anonymous_params("gamification"))
def test_anonymous_is_refused_unless_public(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=PUBLIC, fill="community-week")
