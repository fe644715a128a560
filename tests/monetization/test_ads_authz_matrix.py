"""Authorization matrix for the ad player's API (monetization.api.ads): every endpoint × every kind of caller.

Olive is a free user who was served an ad (her view token); Otto is another user, staff a superuser.
Every call needs an account; progress is reported only with your own token (anyone else: 403).
The machinery is tests/authz.py.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.services.tokens import api_token_create
from monetization.ads_selectors import ad_pool_reset
from monetization.models import AdView
from monetization.services.ad_views import ad_next
from monetization.services.ads import ad_sponsored_event_create
from tests.accounts.factories import UserFactory
from tests.authz import (
    Case,
    anonymous_params,
    assert_anonymous_refused,
    assert_api_status,
    assert_matrix_complete,
    expect,
    matrix_params,
    perform,
)

from .ad_factories import running_ad

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    ad_pool_reset()
    olive = UserFactory(handle="olive")
    w = SimpleNamespace(olive=olive, owner=olive, other=UserFactory(handle="otto"))
    w.staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    w.ad = running_ad(duration_ms=1_000, title="Served")
    w.view = ad_next(user=olive, placement="post_room")
    w.next_ad = running_ad(title="Next")
    now = timezone.now()
    ad_sponsored_event_create(actor=w.staff, ad=w.next_ad, title="Tea week", starts_at=now - timedelta(hours=1),
                              ends_at=now + timedelta(days=1))
    _, w.key = api_token_create(user=olive, name="olive's script")
    ad_pool_reset()  # the pool is reloaded every ADS_POOL_SECONDS; the test wants the new ad at once
    yield w
    ad_pool_reset()


def check_served(w, role, response):
    assert response.json()["ad"]["id"] in (w.ad.pk, w.next_ad.pk)
    assert AdView.objects.filter(token=response.json()["token"]).exists()


def check_sponsored(w, role, response):
    assert response.json()["ad"]["id"] == w.next_ad.pk and response.json()["placement"] == "event"


def check_progress(w, role, response):
    assert response.json() == {"watched_pct": 50, "is_completed": False, "counted": False, "xp": 0}


CASES = [
    Case("api-ads-next", "post", "/ads/next/", expect(owner=201), data={"placement": "pre_room"}, check=check_served),
    Case("api-ad-sponsored-view", "post", "/ads/{w.next_ad.pk}/views/", expect(owner=201), check=check_sponsored),
    Case("api-ad-view-progress", "post", "/ads/views/{w.view.token}/progress/", expect(owner=200, other=403),
         data={"watched_pct": 50}, check=check_progress),
]


@pytest.mark.parametrize("case, role", matrix_params(CASES))
def test_matrix(w, case: Case, role: str):
    response = perform(w, case, role)
    succeeded = assert_api_status(response, case.expected[role], role)
    if succeeded and case.check:
        case.check(w, role, response)


def test_every_endpoint_is_in_the_matrix():
    assert_matrix_complete("monetization.api.ads", CASES, at_least=3)


@pytest.mark.parametrize("name, method, route", anonymous_params("monetization.api.ads"))
def test_anonymous_is_refused(w, name, method, route):
    assert_anonymous_refused(name, method, route, public=set(), fill="olive")
