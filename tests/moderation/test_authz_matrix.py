"""Authorization matrix for moderation (RELIABILITY item 12): every moderation endpoint × every kind of caller.

Olive owns a channel with one AutoMod term of her own; Mia is someone anyone may report; Otto is the
other user. Staff get nothing more here than anyone else (they act in the admin). The machinery is tests/authz.py.
"""

from types import SimpleNamespace

import pytest

from accounts.services.tokens import api_token_create
from moderation.models import AutoModTerm, Community, Report
from tests.accounts.factories import UserFactory
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
from tests.streams.factories import ChannelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(owner=olive, other=UserFactory(handle="otto"), mia=UserFactory(handle="mia"))
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    w.channel = ChannelFactory(owner=olive, slug="olive-tv")
    w.term = AutoModTerm.objects.create(term="spoiler", normalized="spoiler", community_kind=Community.CHANNEL,
                                        community_id=w.channel.pk)
    _, w.key = api_token_create(user=olive, name="olive's script")
    return w


def check_reported(w, role, response):
    assert Report.objects.get(pk=response.json()["id"]).reporter == caller(w, role)


def check_terms(w, role, response):
    assert [row["term"] for row in response.json()] == ["spoiler"]


def check_term_added(w, role, response):
    assert AutoModTerm.objects.filter(community_id=w.channel.pk, normalized="leak").exists()


def check_term_removed(w, role, response):
    assert not AutoModTerm.objects.filter(pk=w.term.pk).exists()


T = "/channels/olive-tv/automod-terms/"
CASES = [
    Case("api-reports", "post", "/reports/", expect(owner=201), data=lambda: {
        "kind": "user", "id": str(UserFactory(handle="mia2").pk), "category": "spam"}, check=check_reported),
    Case("api-channel-automod-terms", "get", T, expect(owner=200, other=403), check=check_terms),
    Case("api-channel-automod-terms", "post", T, expect(owner=201, other=403), data={"term": "leak", "level": "hold"},
         check=check_term_added),
    Case("api-channel-automod-term", "delete", T + "{w.term.pk}/", expect(owner=204, other=403),
         check=check_term_removed),
]


def state(w) -> dict:
    return {"terms": sorted(AutoModTerm.objects.values_list("pk", "normalized")),
            "reports": Report.objects.count()}


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    before = state(w)
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)
    if not (succeeded and as_owner(role)) and case.name != "api-reports":
        assert state(w) == before  # only Olive changes her channel's terms


def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete("moderation", CASES, at_least=4)


@pytest.mark.parametrize("name, method, route", anonymous_params("moderation"))
def test_anonymous_is_refused_unless_public(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=set(), fill="olive-tv")
