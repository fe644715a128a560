"""Races on PostgreSQL (real threads, one connection each, released together): replayed and concurrent
reports of one view count once; the last views of a package raced by 50 users are never over-delivered."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gamification.models import XpEntry
from monetization.ads_selectors import ad_pool_reset
from monetization.models import Ad, AdStatus, AdView
from monetization.services.ad_views import ad_next, ad_view_report
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgres
from tests.races import outcome, run_together

from .ad_factories import running_ad

pytestmark = [pytest.mark.django_db(transaction=True), requires_postgres]


@pytest.fixture(autouse=True)
def fresh_pool():
    ad_pool_reset()
    yield
    ad_pool_reset()


def test_100_concurrent_reports_of_one_view_make_one_award_and_one_impression():
    ad = running_ad(duration_ms=1_000)
    user = UserFactory()
    view = ad_next(user=user, placement="pre_room")
    later = view.issued_at + timedelta(seconds=2)

    def four_reports():  # 25 threads at once, each replaying: 100 reports without 100 connections (the
        # server allows 100 in all, shared with the test database's own)
        return [ad_view_report(user=user, token=view.token, watched_pct=90, now=later).counted for _ in range(4)]

    results = run_together([four_reports for _ in range(25)])

    assert [outcome(r) for r in results].count("ok") == 25, {outcome(r) for r in results}
    assert sum(value.count(True) for _, value in results) == 1
    ad.refresh_from_db()
    assert ad.impressions == 1
    assert XpEntry.objects.filter(user=user, reason="ad").count() == 1


def test_the_last_impressions_raced_by_50_users_are_never_over_delivered():
    ad = running_ad(bought=3, duration_ms=1_000)
    users = [UserFactory() for _ in range(50)]
    views = [AdView.objects.create(ad=ad, user=user, token=f"t{user.pk:040d}", placement="pre_room",
                                   issued_at=timezone.now() - timedelta(seconds=5)) for user in users]

    results = run_together([
        lambda user=user, view=view: ad_view_report(user=user, token=view.token, watched_pct=100).counted
        for user, view in zip(users, views, strict=True)
    ])

    outcomes = [outcome(r) for r in results]
    assert outcomes.count("ok") == 3 and outcomes.count("ad_budget_used_up") == 47
    ad = Ad.objects.get(pk=ad.pk)
    assert (ad.impressions, ad.status) == (3, AdStatus.DONE)
    assert XpEntry.objects.filter(reason="ad").count() == 3
    assert AdView.objects.filter(completed_at__isnull=False).count() == 3
    assert ad_next(user=UserFactory(), placement="pre_room") is None  # never delivered again
