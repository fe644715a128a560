"""The ad marketplace's writes: advertisers, uploads, orders and their payment, staff review, sponsored events.

Delivery (view tokens, verified views) is in services/ad_views.py.
"""

import uuid
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.services.notifications import notification_create
from audit.services import audit_record
from config.errors import ApplicationError, ForbiddenError, NotFoundError
from gamification.models import Decoration, DecorationKind, Event, EventKind, EventTask
from gamification.rules import TaskKind

from ..ad_videos import ad_video_probe
from ..ads_audit_verbs import AdAuditVerb
from ..ads_notification_kinds import AdNotificationKind
from ..errors import AdError
from ..models import Ad, AdOrder, AdOrderStatus, AdPackage, AdStatus, Advertiser
from .checkout import CheckoutStart, checkout_session_start

AD_ORDER_KIND = "ad_order"  # metadata["kind"] of an ad order's Checkout session
REASON_MAX = 300


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(AdError.AD_INVALID, message, {"fields": {field: message}})


def advertiser_create(*, actor: User, company_name: str, website: str = "") -> Advertiser:
    company_name = company_name.strip()
    if not 1 <= len(company_name) <= 80:
        raise _invalid("company_name", "Give your company's name (at most 80 characters).")
    if Advertiser.objects.filter(user=actor).exists():
        raise ApplicationError(AdError.ADVERTISER_EXISTS, "You already have an advertiser profile.")
    return Advertiser.objects.create(user=actor, company_name=company_name, website=website)


def ad_create(*, actor: User, title: str, video: UploadedFile, offers_xp: bool = True, reward_title: str = "") -> Ad:
    """Upload an ad: the video is probed (PyAV) and stored under a name of ours, with its poster frame."""
    advertiser = Advertiser.objects.filter(user=actor).first()
    if advertiser is None:
        raise ApplicationError(AdError.NOT_ADVERTISER, "Create your advertiser profile first.")
    title, reward_title = title.strip(), reward_title.strip()
    if not 1 <= len(title) <= 80:
        raise _invalid("title", "Give the ad a title (at most 80 characters).")
    if len(reward_title) > 40:
        raise _invalid("reward_title", "A reward title is at most 40 characters.")
    probed = ad_video_probe(video)
    name = uuid.uuid4().hex
    ad = Ad(advertiser=advertiser, title=title, offers_xp=offers_xp, reward_title=reward_title,
            duration_ms=probed.duration_ms, width=probed.width, height=probed.height, size_bytes=probed.size_bytes)
    ad.video.save(f"{name}.{probed.extension}", video, save=False)
    ad.poster.save(f"{name}.jpg", ContentFile(probed.poster_jpeg), save=False)
    ad.save()
    return ad


def _owned(actor: User, ad: Ad) -> None:
    if ad.advertiser.user_id != actor.pk:
        raise ForbiddenError(AdError.NOT_AD_OWNER, "That is not your ad.")


def ad_order_create(*, actor: User, ad: Ad, package_id: int) -> AdOrder:
    """An open order for a package; its Checkout session carries ad_order_checkout_metadata(order)."""
    _owned(actor, ad)
    if ad.status == AdStatus.REJECTED:
        raise ApplicationError(AdError.NOT_PAYABLE, "A rejected ad can't be ordered.", {"status": ad.status})
    package = AdPackage.objects.filter(pk=package_id, is_active=True).first()
    if package is None:
        raise NotFoundError(AdError.PACKAGE_NOT_FOUND, "No such package.")
    return AdOrder.objects.create(ad=ad, package=package, amount_minor=package.price_minor, currency=package.currency,
                                  impressions=package.impressions)


def ad_order_checkout_metadata(order: AdOrder) -> dict[str, str]:
    """What the order's Checkout session carries (Stripe metadata: strings only)."""
    return {"kind": AD_ORDER_KIND, "order_id": str(order.pk), "ad_id": str(order.ad_id)}


def ad_order_checkout_start(*, order: AdOrder, success_url: str, cancel_url: str) -> CheckoutStart:
    """Stripe Checkout for the order (raises PaymentsNotConfigured without Stripe keys)."""
    metadata = {k: v for k, v in ad_order_checkout_metadata(order).items() if k != "kind"}
    return checkout_session_start(user=order.ad.advertiser.user, kind=AD_ORDER_KIND,
                                  product_name=f"{order.package.name} ad package", amount_minor=order.amount_minor,
                                  currency=order.currency, metadata=metadata, success_url=success_url,
                                  cancel_url=cancel_url)


def ad_order_paid(*, purchase_metadata: dict, amount_minor: int, currency: str, stripe_object_id: str) -> AdOrder:
    """A paid Checkout session of kind "ad_order" (the payments pipeline calls this once per session).

    The ad gets the package's views; an unpaid ad joins the review queue, a used-up one runs again."""
    with transaction.atomic():
        order = AdOrder.objects.select_for_update().select_related("ad").get(pk=int(purchase_metadata["order_id"]))
        if order.status != AdOrderStatus.OPEN:
            return order  # paid already (or refunded): once per order
        now = timezone.now()
        order.status, order.checkout_id, order.paid_at = AdOrderStatus.PAID, stripe_object_id, now
        order.save(update_fields=["status", "checkout_id", "paid_at"])
        ad = Ad.objects.select_for_update().get(pk=order.ad_id)
        ad.impressions_bought += order.impressions
        ad.paid_minor += amount_minor  # what Checkout took (a coupon may have lowered the package's price)
        ad.currency = currency.lower()
        if ad.status == AdStatus.AWAITING_PAYMENT:
            ad.status = AdStatus.PENDING
        elif ad.status == AdStatus.DONE:
            ad.status = AdStatus.ACTIVE
        ad.save(update_fields=["impressions_bought", "paid_minor", "currency", "status"])
        audit_record(actor=ad.advertiser.user, verb=AdAuditVerb.ORDER_PAID, target=order, details={
            "ad_id": ad.pk, "amount_minor": amount_minor, "currency": ad.currency, "impressions": order.impressions,
            "checkout": stripe_object_id,
        })
    return order


def ad_order_reversed(*, purchase_metadata: dict, amount_minor: int, currency: str, stripe_object_id: str) -> AdOrder:
    """A refund or dispute of (part of) an ad order, once per refund / dispute: the same share of the order's
    views is taken back, as far as they are not delivered yet."""
    with transaction.atomic():
        order = AdOrder.objects.select_for_update().get(pk=int(purchase_metadata["order_id"]))
        refund = min(amount_minor, order.amount_minor - order.refunded_minor)
        if order.status != AdOrderStatus.PAID or refund <= 0:
            return order
        taken_before = order.impressions * order.refunded_minor // order.amount_minor
        order.refunded_minor += refund
        taken_back = order.impressions * order.refunded_minor // order.amount_minor - taken_before
        if order.refunded_minor >= order.amount_minor:
            order.status = AdOrderStatus.REFUNDED
        order.save(update_fields=["refunded_minor", "status"])
        ad = Ad.objects.select_for_update().get(pk=order.ad_id)
        ad.impressions_bought = max(ad.impressions, ad.impressions_bought - taken_back)
        ad.paid_minor = max(0, ad.paid_minor - refund)
        if ad.status in (AdStatus.ACTIVE, AdStatus.PAUSED) and ad.remaining == 0:
            ad.status = AdStatus.DONE
        ad.save(update_fields=["impressions_bought", "paid_minor", "status"])
        audit_record(actor=None, verb=AdAuditVerb.ORDER_REFUNDED, target=order, details={
            "ad_id": ad.pk, "amount_minor": refund, "currency": currency.lower(), "views_taken_back": taken_back,
            "stripe_object": stripe_object_id,
        })
    return order


# -- staff review ----------------------------------------------------------------------------------------
def _locked_for_review(actor: User, ad: Ad, allowed: tuple[str, ...]) -> Ad:
    if not actor.is_staff:
        raise ForbiddenError(AdError.WRONG_STATUS, "Only staff review ads.")
    ad = Ad.objects.select_for_update().select_related("advertiser").get(pk=ad.pk)
    if ad.advertiser.user_id == actor.pk:
        raise ForbiddenError(AdError.OWN_AD, "You can't review your own ad; another staff member has to.")
    if ad.status not in allowed:
        raise ApplicationError(AdError.WRONG_STATUS, f"The ad is {ad.get_status_display().lower()}.",
                               {"status": ad.status})
    return ad


def _reward_decoration(ad: Ad) -> Decoration | None:
    if not ad.reward_title:
        return None
    return Decoration.objects.get_or_create(slug=f"ad-{ad.pk}-title", defaults={
        "kind": DecorationKind.TITLE, "name": ad.reward_title, "description": f"Watched “{ad.title}”",
    })[0]


def ad_approve(*, actor: User, ad: Ad, now: datetime | None = None) -> Ad:
    with transaction.atomic():
        ad = _locked_for_review(actor, ad, (AdStatus.PENDING,))
        if ad.remaining == 0:  # its order was refunded before anyone reviewed it
            raise ApplicationError(AdError.WRONG_STATUS, "The ad has no paid views left to run.",
                                   {"status": ad.status, "remaining": 0})
        ad.status, ad.reviewed_by, ad.reviewed_at = AdStatus.ACTIVE, actor, now or timezone.now()
        ad.reward_decoration = _reward_decoration(ad)
        ad.save(update_fields=["status", "reviewed_by", "reviewed_at", "reward_decoration"])
        audit_record(actor=actor, verb=AdAuditVerb.APPROVED, target=ad, details={"impressions": ad.impressions_bought})
        notification_create(recipient=ad.advertiser.user, kind=AdNotificationKind.AD_APPROVED, actor=actor,
                            data={"ad_id": ad.pk, "title": ad.title})
    return ad


def ad_reject(*, actor: User, ad: Ad, reason: str, now: datetime | None = None) -> Ad:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(AdError.REASON_REQUIRED, "Say why the ad is rejected; the advertiser reads it.")
    if len(reason) > REASON_MAX:
        raise _invalid("reason", f"At most {REASON_MAX} characters.")
    with transaction.atomic():
        ad = _locked_for_review(actor, ad, (AdStatus.PENDING, AdStatus.ACTIVE, AdStatus.PAUSED))
        ad.status, ad.rejection_reason = AdStatus.REJECTED, reason
        ad.reviewed_by, ad.reviewed_at = actor, now or timezone.now()
        ad.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
        audit_record(actor=actor, verb=AdAuditVerb.REJECTED, target=ad, details={"reason": reason})
        notification_create(recipient=ad.advertiser.user, kind=AdNotificationKind.AD_REJECTED, actor=actor,
                            data={"ad_id": ad.pk, "title": ad.title, "reason": reason})
    return ad


def ad_pause(*, actor: User, ad: Ad) -> Ad:
    with transaction.atomic():
        ad = _locked_for_review(actor, ad, (AdStatus.ACTIVE,))
        ad.status = AdStatus.PAUSED
        ad.save(update_fields=["status"])
        audit_record(actor=actor, verb=AdAuditVerb.PAUSED, target=ad)
    return ad


def ad_resume(*, actor: User, ad: Ad) -> Ad:
    with transaction.atomic():
        ad = _locked_for_review(actor, ad, (AdStatus.PAUSED,))
        ad.status = AdStatus.ACTIVE if ad.remaining > 0 else AdStatus.DONE
        ad.save(update_fields=["status"])
        audit_record(actor=actor, verb=AdAuditVerb.RESUMED, target=ad, details={"status": ad.status})
    return ad


def ad_completed_notify(*, ad_id: int) -> None:
    """The last view of the package was counted: tell the advertiser (inside the counting transaction)."""
    ad = Ad.objects.select_related("advertiser__user").get(pk=ad_id)
    notification_create(recipient=ad.advertiser.user, kind=AdNotificationKind.AD_COMPLETED,
                        data={"ad_id": ad.pk, "title": ad.title, "impressions": ad.impressions})


# -- sponsored events ------------------------------------------------------------------------------------
def ad_sponsored_event_create(*, actor: User, ad: Ad, title: str, starts_at: datetime, ends_at: datetime,
                              xp_reward: int = 100) -> Event:
    """A published sponsored event whose one task is watching this (approved, running) ad."""
    if not actor.is_staff:
        raise ForbiddenError(AdError.WRONG_STATUS, "Only staff make sponsored events.")
    if ad.status != AdStatus.ACTIVE:
        raise ApplicationError(AdError.NOT_RUNNING, "Only a running (approved) ad can sponsor an event.",
                               {"status": ad.status})
    if ends_at <= starts_at:
        raise _invalid("ends_at", "The event ends after it starts.")
    with transaction.atomic():
        event = Event.objects.create(
            kind=EventKind.SPONSORED, title=title, slug=f"{slugify(title)[:60]}-{uuid.uuid4().hex[:8]}",
            sponsor_name=ad.advertiser.company_name, starts_at=starts_at, ends_at=ends_at, is_published=True,
            created_by=actor, description=f"Watch “{ad.title}” from {ad.advertiser.company_name}.",
        )
        EventTask.objects.create(event=event, kind=TaskKind.SPONSORED_VIDEO, title=f"Watch “{ad.title}”",
                                 target=1, ref=str(ad.pk), xp_reward=xp_reward)
        audit_record(actor=actor, verb=AdAuditVerb.SPONSORED_EVENT_CREATED, target=ad, details={"event_id": event.pk})
    return event
