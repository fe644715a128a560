"""The ad player on other apps' pages (their page slots), the advertiser's pages, and the query counts of
delivery's reads."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from monetization.ads_selectors import ad_candidates, ad_daily_figures, ad_pool, ad_pool_reset
from monetization.services.ad_views import ad_next, ad_view_report
from monetization.services.ads import ad_sponsored_event_create
from tests.accounts.factories import UserFactory
from tests.rooms.factories import RoomFactory

from .ad_factories import advertiser, running_ad

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_pool():
    ad_pool_reset()
    yield
    ad_pool_reset()


def test_a_free_user_gets_the_pre_room_player_on_the_preview_and_premium_does_not(client):
    room = RoomFactory()
    client.force_login(UserFactory())
    page = client.get(f"/r/{room.code}/").content.decode()
    assert 'id="ad-player" data-placement="pre_room"' in page and "js/ads_player.js" in page

    client.force_login(UserFactory(premium_until=timezone.now() + timedelta(days=1)))
    assert 'id="ad-player"' not in client.get(f"/r/{room.code}/").content.decode()


def test_no_ad_before_joining_a_voice_room(client):
    room = RoomFactory(kind="voice")
    client.force_login(UserFactory())
    assert 'id="ad-player"' not in client.get(f"/r/{room.code}/").content.decode()


def test_the_hallway_carries_the_post_room_player(client):
    client.force_login(UserFactory())
    assert 'data-placement="post_room"' in client.get("/rooms/").content.decode()


def test_a_sponsored_events_task_offers_its_video(client):
    ad = running_ad()
    now = timezone.now()
    ad_sponsored_event_create(actor=UserFactory(is_staff=True), ad=ad, title="Tea week",
                              starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1))
    client.force_login(UserFactory())

    page = client.get("/events/").content.decode()

    assert f'data-sponsored-ad="{ad.pk}"' in page and 'data-placement="event"' in page


def test_the_dashboard_and_csv_report_show_the_views(client):
    owner = advertiser()
    ad = running_ad(owner, bought=500, duration_ms=1_000)
    viewer = UserFactory()
    view = ad_next(user=viewer, placement="pre_room")
    ad_view_report(user=viewer, token=view.token, watched_pct=100, now=view.issued_at + timedelta(seconds=2))
    ad_next(user=UserFactory(), placement="pre_room")
    client.force_login(owner.user)

    page = client.get(f"/advertise/ads/{ad.pk}/").content.decode()
    csv = client.get(f"/advertise/ads/{ad.pk}/report.csv")

    assert 'data-figure="completed">1<' in page and 'data-figure="rate">50.0 %<' in page
    assert 'data-figure="remaining">499<' in page
    today = timezone.now().date().isoformat()
    assert csv.content.decode().splitlines() == ["date,served,completed,completion_rate_pct", f"{today},2,1,50.0"]
    assert csv["Content-Disposition"] == f'attachment; filename="ad-{ad.pk}-report.csv"'


def test_another_user_cannot_see_an_advertisers_ad(client):
    ad = running_ad()
    client.force_login(UserFactory())
    assert client.get(f"/advertise/ads/{ad.pk}/").status_code == 403
    assert client.get(f"/advertise/ads/{ad.pk}/report.csv").status_code == 403


def test_query_counts(django_assert_num_queries):
    for _ in range(20):
        running_ad()
    user = UserFactory()
    ad_pool()
    with django_assert_num_queries(1):  # the candidates, probed in the (user, ad) index
        assert ad_candidates(user=user)
    # the advisory lock (PostgreSQL's: SQLite locks the whole database on write), the placement gap, the
    # candidates, the savepoint + view row + release, the counter; inside the test's transaction the outer
    # one is a savepoint and its release too
    with django_assert_num_queries(9 if connection.vendor == "postgresql" else 8):
        view = ad_next(user=user, placement="pre_room")
    with django_assert_num_queries(2):
        assert [row.served for row in ad_daily_figures(ad=view.ad)] == [1]
