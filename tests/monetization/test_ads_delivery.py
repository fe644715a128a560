"""Delivery: "next ad" for free users (weighted, unseen, one per placement per N minutes, never for premium),
the signed video link, and the verified view: 80 % no sooner than the video allows, with this user's
token, counted once (+30 XP, the reward title, the ad's views, a sponsored event's task)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from config.errors import ApplicationError
from gamification.models import EventTaskProgress, UserDecoration, XpEntry
from monetization.ads_selectors import ad_pool_reset, ad_video_url
from monetization.models import AdStatus, AdView
from monetization.services.ad_views import ad_next, ad_view_for_event, ad_view_report
from monetization.services.ads import ad_approve, ad_sponsored_event_create
from tests.accounts.factories import UserFactory

from .ad_factories import running_ad

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_pool():
    ad_pool_reset()
    yield
    ad_pool_reset()


def report(user, view, pct, after_s: float):
    return ad_view_report(user=user, token=view.token, watched_pct=pct, now=view.issued_at + timedelta(seconds=after_s))


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def test_a_free_user_is_served_an_unseen_ad_and_each_ad_once():
    first, second = running_ad(title="One"), running_ad(title="Two")
    user = UserFactory()

    a = ad_next(user=user, placement="pre_room")
    b = ad_next(user=user, placement="post_room")

    assert {a.ad, b.ad} == {first, second}
    assert ad_next(user=user, placement="pre_room", now=timezone.now() + timedelta(hours=1)) is None  # seen both
    first.refresh_from_db()
    assert first.views == 1


def test_premium_users_never_get_room_ads():
    running_ad()
    user = UserFactory(premium_until=timezone.now() + timedelta(days=3))

    assert ad_next(user=user, placement="pre_room") is None
    assert not AdView.objects.exists()


def test_at_most_one_ad_per_placement_per_gap(settings):
    settings.ADS_PLACEMENT_GAP_MINUTES = 10
    for _ in range(3):
        running_ad()
    user, now = UserFactory(), timezone.now()

    assert ad_next(user=user, placement="pre_room", now=now) is not None
    assert ad_next(user=user, placement="pre_room", now=now + timedelta(minutes=9)) is None
    assert ad_next(user=user, placement="post_room", now=now + timedelta(minutes=9)) is not None  # another placement
    assert ad_next(user=user, placement="pre_room", now=now + timedelta(minutes=11)) is not None


def test_paused_done_and_unapproved_ads_are_not_served():
    running_ad(status=AdStatus.PAUSED)
    running_ad(status=AdStatus.PENDING)
    running_ad(bought=5, delivered=5, status=AdStatus.DONE)

    assert ad_next(user=UserFactory(), placement="pre_room") is None


def test_next_ad_prefers_the_ad_with_more_budget_left():
    big, small = running_ad(bought=9_000), running_ad(bought=100)
    served = [ad_next(user=UserFactory(), placement="pre_room").ad for _ in range(40)]
    assert served.count(big) > served.count(small)


def test_watching_80_percent_in_time_counts_once_with_xp_and_title():
    ad = running_ad(duration_ms=10_000, reward_title="Tea lover")
    ad_approve_title(ad)
    user = UserFactory()
    view = ad_next(user=user, placement="pre_room")

    half = report(user, view, 50, after_s=5)
    done = report(user, view, 85, after_s=8.6)
    again = report(user, view, 100, after_s=11)

    assert (half.counted, done.counted, done.xp, again.counted, again.xp) == (False, True, 30, False, 0)
    ad.refresh_from_db()
    assert ad.impressions == 1
    assert XpEntry.objects.get(user=user).amount == 30
    assert UserDecoration.objects.get(user=user).decoration.name == "Tea lover"


def ad_approve_title(ad):
    ad.status = AdStatus.PENDING
    ad.save()
    ad_approve(actor=UserFactory(is_staff=True), ad=ad)


def test_80_percent_claimed_faster_than_the_video_allows_is_refused():
    ad = running_ad(duration_ms=10_000)
    user = UserFactory()
    view = ad_next(user=user, placement="pre_room")

    err = refused(lambda: report(user, view, 80, after_s=2))

    assert err.code == "ad_view_too_fast" and err.extra["wait_seconds"] == 5.5
    ad.refresh_from_db()
    assert ad.impressions == 0 and not XpEntry.objects.exists()


def test_no_token_or_another_users_token_is_refused():
    running_ad(duration_ms=2_000)
    owner, thief = UserFactory(), UserFactory()
    view = ad_next(user=owner, placement="pre_room")
    later = view.issued_at + timedelta(seconds=30)

    assert refused(lambda: ad_view_report(user=owner, token="made-up", watched_pct=90, now=later)).code == "ad_view_not_found"
    err = refused(lambda: ad_view_report(user=thief, token=view.token, watched_pct=90, now=later))
    assert (err.code, err.status) == ("ad_view_not_yours", 403)
    assert not XpEntry.objects.exists()


def test_an_expired_token_is_refused(settings):
    settings.ADS_VIEW_TOKEN_SECONDS = 60
    running_ad(duration_ms=2_000)
    user = UserFactory()
    view = ad_next(user=user, placement="pre_room")
    assert refused(lambda: report(user, view, 90, after_s=61)).code == "ad_view_expired"


def test_the_last_view_completes_the_ad_and_tells_the_advertiser():
    ad = running_ad(bought=1, duration_ms=1_000)
    user = UserFactory()
    view = ad_next(user=user, placement="pre_room")

    report(user, view, 100, after_s=1)

    ad.refresh_from_db()
    assert (ad.status, ad.impressions) == (AdStatus.DONE, 1)
    assert Notification.objects.get(recipient=ad.advertiser.user).kind == "ad_completed"
    assert ad_next(user=UserFactory(), placement="pre_room") is None


def test_an_ad_without_xp_counts_without_xp():
    running_ad(offers_xp=False, duration_ms=1_000)
    user = UserFactory()
    view = ad_next(user=user, placement="pre_room")
    assert report(user, view, 90, after_s=1).xp == 0
    assert not XpEntry.objects.exists()


def test_a_sponsored_event_task_is_completed_by_the_verified_view():
    ad = running_ad(duration_ms=1_000)
    now = timezone.now()
    event = ad_sponsored_event_create(actor=UserFactory(is_staff=True), ad=ad, title="Tea week",
                                      starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1))
    premium = UserFactory(premium_until=now + timedelta(days=3))  # events' videos are asked for: premium too

    view = ad_view_for_event(user=premium, ad_id=ad.pk)
    report(premium, view, 100, after_s=1)

    progress = EventTaskProgress.objects.get(user=premium, task__event=event)
    assert progress.completed_at is not None
    assert set(XpEntry.objects.filter(user=premium).values_list("reason", flat=True)) == {"ad", "event_task"}


def test_asking_again_for_an_events_video_renews_the_token():
    ad = running_ad(duration_ms=1_000)
    now = timezone.now()
    ad_sponsored_event_create(actor=UserFactory(is_staff=True), ad=ad, title="Tea week",
                              starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1))
    user = UserFactory()

    first = ad_view_for_event(user=user, ad_id=ad.pk)
    second = ad_view_for_event(user=user, ad_id=ad.pk)

    assert first.pk == second.pk and first.token != second.token
    assert refused(lambda: report(user, first, 100, after_s=5)).code == "ad_view_not_found"
    ad.refresh_from_db()
    assert ad.views == 1  # one view of one ad, asked for twice


def test_an_ad_in_no_sponsored_event_cannot_be_asked_for():
    ad = running_ad()
    assert refused(lambda: ad_view_for_event(user=UserFactory(), ad_id=ad.pk)).code == "ad_not_sponsored"


# -- through the API and the signed link ------------------------------------------------------------------------
def test_the_api_serves_an_ad_with_a_signed_short_lived_video_link(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    ad = running_ad()
    (tmp_path / "ads" / "videos").mkdir(parents=True)
    (tmp_path / "ads" / "videos" / "x.webm").write_bytes(b"\x1aE\xdf\xa3" + b"0" * 100)
    client.force_login(UserFactory())

    served = client.post("/api/v1/ads/next/", {"placement": "pre_room"}, content_type="application/json").json()

    assert served["ad"]["id"] == ad.pk and served["completion_pct"] == 80 and len(served["token"]) == 43
    video = client.get(served["ad"]["video_url"], HTTP_RANGE="bytes=0-3")
    assert video.status_code == 206 and b"".join(video.streaming_content) == b"\x1aE\xdf\xa3"
    assert client.get(served["ad"]["video_url"][:-3] + "xx/").status_code == 404  # tampered
    settings.ADS_URL_SECONDS = -1
    assert client.get(ad_video_url(ad=ad)).status_code == 404  # expired


def test_the_api_says_no_content_when_there_is_no_ad(client):
    client.force_login(UserFactory())
    assert client.post("/api/v1/ads/next/", {"placement": "pre_room"}, content_type="application/json").status_code == 204
    bad = client.post("/api/v1/ads/next/", {"placement": "lobby"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
