"""The ad journey in Chromium: an advertiser uploads a video ad and orders a package (the payment is the
fulfil callback the webhook pipeline calls), staff approve it in the admin's review queue with the video
playing inline, a free user sees it before joining a room, watches 80 %, earns XP, and the advertiser's
dashboard shows the view; leaving the room, the hallway plays the next ad; a sponsored event's video completes
its task."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from gamification.models import EventTaskProgress, XpEntry
from monetization.models import Ad, AdOrder, AdStatus
from monetization.services.ads import ad_create, ad_order_checkout_metadata, ad_order_paid, ad_sponsored_event_create
from rooms.models import RoomMember
from tests.accounts.factories import PASSWORD, UserFactory
from tests.e2e.test_account_journey import sign_in
from tests.monetization.ad_factories import seed_packages, video_bytes, video_upload
from tests.rooms.factories import RoomFactory

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not settings.REDIS_URL, reason="the test process starts a sponsored event that daphne reads from the shared cache (Redis; set REDIS_URL, CI does)")]


@pytest.fixture
def pool_always_fresh(monkeypatch):
    """daphne reloads its pool of running ads on every pick (asked for before asgi_server, which copies the
    environment): the ad approved a moment ago is offered at once, not within ADS_POOL_SECONDS."""
    monkeypatch.setenv("ADS_POOL_SECONDS", "0")


def test_upload_pay_approve_watch_before_joining_and_earn_xp(pool_always_fresh, asgi_server, new_page, settings,
                                                             tmp_path):
    base = asgi_server.url
    advertiser = UserFactory(handle="acme")
    staff = UserFactory(handle="stella", is_staff=True, is_superuser=True)
    viewer = UserFactory(handle="viewer")
    room = RoomFactory(name="Movie night")
    seed_packages()

    # -- the advertiser: profile, upload (a real 3 s WebM), order the Starter package ------------------------------
    adv = new_page("advertiser")
    sign_in(adv, base, advertiser.email, PASSWORD)
    adv.click("#menu-button")
    adv.click("#menu >> text=Advertise")
    adv.fill("input[name=company_name]", "Acme Tea")
    adv.click("#advertiser-form button[type=submit]")
    adv.click("#ad-new")
    adv.fill("input[name=title]", "Tea time")
    adv.fill("input[name=reward_title]", "Tea lover")
    adv.set_input_files("input[name=video]", files=[{"name": "tea.webm", "mimeType": "video/webm",
                                                      "buffer": video_bytes(3, ".webm")}])
    adv.click("#ad-upload-submit")
    expect(adv.locator("#ad-status")).to_have_attribute("data-status", "awaiting_payment")
    adv.click("[data-package=Starter] button[type=submit]")
    expect(adv.locator("#ad-order")).to_be_visible()
    order = AdOrder.objects.get()
    ad_order_paid(purchase_metadata=ad_order_checkout_metadata(order), amount_minor=5000, currency="usd",
                  stripe_object_id="cs_test_e2e")
    ad = Ad.objects.get()
    assert ad.status == AdStatus.PENDING

    # -- staff: the review queue plays the video inline; approve it -----------------------------------------------
    admin = new_page("staff")
    sign_in(admin, base, staff.email, PASSWORD)
    admin.goto(f"{base}/admin/monetization/adreview/")
    player = admin.locator(f"video[data-ad-video='{ad.pk}']")
    expect(player).to_be_visible()
    admin.wait_for_function(f"document.querySelector(\"video[data-ad-video='{ad.pk}']\").readyState >= 1")
    admin.check(f"input[name=_selected_action][value='{ad.pk}']")
    admin.select_option("select[name=action]", "approve")
    admin.click("button[name=index]")
    expect(admin.locator(".messagelist")).to_contain_text("1 ad(s) approved")
    ad.refresh_from_db()
    assert ad.status == AdStatus.ACTIVE

    # -- a free user: the ad plays before joining; at 80 % +30 XP, then the room opens --------------------------------
    page = new_page("viewer")
    sign_in(page, base, viewer.email, PASSWORD)
    page.goto(f"{base}/r/{room.code}/")
    page.click("#join-room")
    expect(page.locator("#ad-player")).to_be_visible()
    expect(page.locator("#ad-title")).to_have_text("Tea time")
    expect(page.locator("#ad-player")).to_have_attribute("data-state", "counted", timeout=15_000)
    expect(page.locator("#toasts")).to_contain_text("+30 XP")
    page.wait_for_url(f"{base}/r/{room.code}/", timeout=15_000)
    expect(page.locator("#room")).to_be_visible()
    assert RoomMember.objects.filter(room=room, user=viewer).exists()
    assert XpEntry.objects.get(user=viewer, reason="ad").amount == 30
    ad.refresh_from_db()
    assert (ad.impressions, ad.views) == (1, 1)

    # -- leaving the room: the hallway plays another ad (after-room placement) ----------------------------------------
    settings.MEDIA_ROOT = str(tmp_path / "media")  # where daphne serves media from (asgi_server)
    second = ad_create(actor=advertiser, title="Coffee break", video=video_upload(2))
    second.status, second.impressions_bought = AdStatus.ACTIVE, 10
    second.save()
    page.on("dialog", lambda dialog: dialog.accept())  # "Leave this room?"
    page.click("#leave-room")
    expect(page.locator("#ad-title")).to_have_text("Coffee break")
    expect(page.locator("#ad-player")).to_have_attribute("data-state", "counted", timeout=15_000)
    assert page.url == f"{base}/rooms/"  # ?left=1 is taken off the address
    assert XpEntry.objects.filter(user=viewer, reason="ad").count() == 2

    # -- a sponsored event: its task's video, watched through the same verified view, completes the task ----------------
    third = ad_create(actor=advertiser, title="Tea week video", video=video_upload(2))
    third.status, third.impressions_bought = AdStatus.ACTIVE, 10
    third.save()
    now = timezone.now()
    event = ad_sponsored_event_create(actor=staff, ad=third, title="Tea week", starts_at=now - timedelta(hours=1),
                                      ends_at=now + timedelta(days=2))
    page.goto(f"{base}/events/")
    page.click(f"[data-sponsored-ad='{third.pk}']")
    expect(page.locator("#ad-title")).to_have_text("Tea week video")
    expect(page.locator("#ad-player")).to_have_attribute("data-state", "counted", timeout=15_000)
    assert EventTaskProgress.objects.get(user=viewer, task__event=event).completed_at is not None

    # -- the advertiser's dashboard shows it -------------------------------------------------------------------------
    adv.goto(f"{base}/advertise/ads/{ad.pk}/")
    expect(adv.locator("[data-figure=completed]")).to_have_text("1")
    expect(adv.locator("[data-figure=remaining]")).to_have_text("499")
    expect(adv.locator("#ad-chart canvas")).to_have_count(1)
