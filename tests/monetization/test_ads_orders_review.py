"""Orders and their payment (the fulfil callback the payments pipeline calls), and staff review: approve,
reject with a reason (the advertiser is notified), pause, resume; every decision audited; nobody
reviews their own ad."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from audit.models import AuditEvent
from config.errors import ApplicationError
from gamification.models import Decoration, Event, EventTask
from monetization.models import AdOrderStatus, AdPackage, AdStatus
from monetization.services import ads as services
from tests.accounts.factories import UserFactory

from .ad_factories import advertiser, running_ad, seed_packages

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def packages():
    seed_packages()


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


def paid(ad, package_name="Starter"):
    package = AdPackage.objects.get(name=package_name)
    order = services.ad_order_create(actor=ad.advertiser.user, ad=ad, package_id=package.pk)
    metadata = services.ad_order_checkout_metadata(order)
    services.ad_order_paid(purchase_metadata=metadata, amount_minor=package.price_minor, currency="usd",
                           stripe_object_id=f"cs_test_{order.pk}")
    ad.refresh_from_db()
    return order


def test_the_migration_seeds_the_three_packages():
    assert list(AdPackage.objects.values_list("name", "price_minor", "impressions")) == [
        ("Starter", 5000, 500), ("Growth", 20000, 2500), ("Scale", 50000, 8000)]


def test_a_paid_order_puts_the_ad_in_the_review_queue_once_and_is_audited():
    ad = running_ad(bought=0, status=AdStatus.AWAITING_PAYMENT)
    order = paid(ad, "Growth")

    assert (ad.status, ad.impressions_bought, ad.paid_minor) == (AdStatus.PENDING, 2500, 20000)
    assert services.ad_order_checkout_metadata(order) == {"kind": "ad_order", "order_id": str(order.pk),
                                                          "ad_id": str(ad.pk)}
    # delivered again: no second effect
    services.ad_order_paid(purchase_metadata=services.ad_order_checkout_metadata(order), amount_minor=20000,
                           currency="usd", stripe_object_id=f"cs_test_{order.pk}")
    ad.refresh_from_db()
    assert ad.impressions_bought == 2500
    assert AuditEvent.objects.filter(verb="ads.order_paid").count() == 1


def test_a_refund_takes_back_the_views_not_yet_delivered():
    ad = running_ad(bought=0, status=AdStatus.AWAITING_PAYMENT)
    order = paid(ad)
    ad.status, ad.impressions = AdStatus.ACTIVE, 100
    ad.save()

    services.ad_order_reversed(purchase_metadata=services.ad_order_checkout_metadata(order), amount_minor=5000,
                               currency="usd", stripe_object_id="re_1")

    ad.refresh_from_db()
    order.refresh_from_db()
    assert (order.status, ad.impressions_bought, ad.status) == (AdOrderStatus.REFUNDED, 100, AdStatus.DONE)
    assert AuditEvent.objects.filter(verb="ads.order_refunded").count() == 1


def test_a_partial_refund_takes_back_its_share_of_the_views():
    ad = running_ad(bought=0, status=AdStatus.AWAITING_PAYMENT)
    order = paid(ad)  # $50, 500 views
    metadata = services.ad_order_checkout_metadata(order)

    services.ad_order_reversed(purchase_metadata=metadata, amount_minor=1000, currency="usd", stripe_object_id="re_1")
    services.ad_order_reversed(purchase_metadata=metadata, amount_minor=1500, currency="usd", stripe_object_id="re_2")

    ad.refresh_from_db()
    order.refresh_from_db()
    assert (order.status, order.refunded_minor) == (AdOrderStatus.PAID, 2500)
    assert (ad.impressions_bought, ad.paid_minor) == (250, 2500)


def test_approval_runs_the_ad_makes_its_title_notifies_and_audits(staff):
    ad = running_ad(status=AdStatus.PENDING, reward_title="Tea lover")

    services.ad_approve(actor=staff, ad=ad)

    ad.refresh_from_db()
    assert (ad.status, ad.reviewed_by) == (AdStatus.ACTIVE, staff)
    assert Decoration.objects.get(pk=ad.reward_decoration_id).name == "Tea lover"
    assert Notification.objects.get(recipient=ad.advertiser.user).kind == "ad_approved"
    assert AuditEvent.objects.get(verb="ads.approved").actor == staff


def test_an_ad_refunded_before_review_cannot_be_approved(staff):
    ad = running_ad(bought=0, status=AdStatus.AWAITING_PAYMENT)
    order = paid(ad)
    services.ad_order_reversed(purchase_metadata=services.ad_order_checkout_metadata(order), amount_minor=5000,
                               currency="usd", stripe_object_id="re_1")

    with pytest.raises(ApplicationError) as caught:
        services.ad_approve(actor=staff, ad=ad)

    assert caught.value.code == "ad_wrong_status" and caught.value.extra["remaining"] == 0


def test_staff_cannot_approve_their_own_ad():
    me = UserFactory(is_staff=True)
    ad = running_ad(advertiser(me), status=AdStatus.PENDING)

    with pytest.raises(ApplicationError) as caught:
        services.ad_approve(actor=me, ad=ad)

    assert (caught.value.code, caught.value.status) == ("ad_own_review", 403)
    ad.refresh_from_db()
    assert ad.status == AdStatus.PENDING and not AuditEvent.objects.exists()


def test_rejection_needs_a_reason_and_the_advertiser_reads_it(staff):
    ad = running_ad(status=AdStatus.PENDING)
    with pytest.raises(ApplicationError) as caught:
        services.ad_reject(actor=staff, ad=ad, reason="  ")
    assert caught.value.code == "ad_rejection_reason_required"

    services.ad_reject(actor=staff, ad=ad, reason="The sound is too loud")

    note = Notification.objects.get(recipient=ad.advertiser.user)
    assert note.kind == "ad_rejected" and note.data["reason"] == "The sound is too loud"
    assert AuditEvent.objects.get(verb="ads.rejected").details == {"reason": "The sound is too loud"}


def test_pause_and_resume_are_audited_and_only_fit_their_status(staff):
    ad = running_ad()
    services.ad_pause(actor=staff, ad=ad)
    with pytest.raises(ApplicationError) as caught:
        services.ad_pause(actor=staff, ad=ad)
    assert caught.value.code == "ad_wrong_status"
    services.ad_resume(actor=staff, ad=ad)

    ad.refresh_from_db()
    assert ad.status == AdStatus.ACTIVE
    assert list(AuditEvent.objects.order_by("id").values_list("verb", flat=True)) == ["ads.paused", "ads.resumed"]


def test_a_running_ad_sponsors_an_event_with_one_watch_task(staff):
    ad = running_ad()
    now = timezone.now()
    event = services.ad_sponsored_event_create(actor=staff, ad=ad, title="Tea week", starts_at=now,
                                               ends_at=now + timedelta(days=3))

    task = EventTask.objects.get(event=event)
    assert (task.kind, task.ref, event.kind, event.sponsor_name) == ("sponsored_video", str(ad.pk), "sponsored", "Acme Tea")
    assert Event.objects.get().is_published


# -- the admin ---------------------------------------------------------------------------------------------
def test_the_review_queue_lists_paid_pending_ads_with_the_video_inline(client, staff):
    waiting = running_ad(status=AdStatus.PENDING, title="Waiting one")
    running_ad(title="Running one")
    client.force_login(staff)

    page = client.get("/admin/monetization/adreview/").content.decode()

    assert "Waiting one" in page and "Running one" not in page
    assert f'data-ad-video="{waiting.pk}"' in page and "<video controls" in page


def test_approve_and_reject_from_the_admin_go_through_the_services(client, staff):
    first, second = running_ad(status=AdStatus.PENDING), running_ad(status=AdStatus.PENDING)
    mine = running_ad(advertiser(staff), status=AdStatus.PENDING, title="Staff's own")
    client.force_login(staff)

    client.post("/admin/monetization/adreview/", {"action": "approve", "_selected_action": [first.pk, mine.pk]})
    form = client.post("/admin/monetization/adreview/", {"action": "reject", "_selected_action": [second.pk]})
    assert "ad-reject-form" in form.content.decode()
    client.post("/admin/monetization/adreview/", {"action": "reject", "_selected_action": [second.pk],
                                                  "apply": "1", "reason": "Misleading"})

    for ad in (first, second, mine):
        ad.refresh_from_db()
    assert (first.status, second.status, mine.status) == (AdStatus.ACTIVE, AdStatus.REJECTED, AdStatus.PENDING)
    assert second.rejection_reason == "Misleading"
