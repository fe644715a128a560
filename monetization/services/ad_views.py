"""Serving ads and counting verified views.

An ad is served as a view row (one per user and ad) with a random token; the player reports how
far it got with that token. At 80 % or more, and only when the time since the token was issued
allows it, the view is completed once (a conditional UPDATE), the ad's views count up by one in
a conditional UPDATE that never passes the package (the ad turns "done" in the same statement),
and the viewer earns the ad's XP and title; a sponsored event task watching this ad counts it too.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from accounts.models import User
from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from config.locks import advisory_lock
from gamification.models import Decoration, UnlockSource
from gamification.rules import Reason, TaskKind
from gamification.services.collection import decoration_unlock
from gamification.services.event_tasks import event_task_progress
from gamification.services.xp import xp_award

from .. import ads_selectors as selectors
from ..errors import AdError
from ..models import Ad, AdPlacement, AdStatus, AdView
from .ads import ad_completed_notify

COMPLETION_PCT = 80
CLOCK_SLACK_SECONDS = 0.5  # the report's trip and the player's start, in the viewer's favour
ROOM_PLACEMENTS = (AdPlacement.PRE_ROOM, AdPlacement.POST_ROOM)


@dataclass(frozen=True)
class ViewReport:
    view: AdView
    counted: bool  # this report completed the view
    xp: int  # XP earned by this report


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def ad_next(*, user: User, placement: str, now: datetime | None = None) -> AdView | None:
    """The next ad for a room placement, as a fresh view, or None: premium, an ad shown in this placement
    within ADS_PLACEMENT_GAP_MINUTES, or nothing running that this user has not seen."""
    if placement not in ROOM_PLACEMENTS:
        raise ApplicationError(AdError.PLACEMENT_INVALID, "Placement is pre_room or post_room.",
                               {"choices": list(ROOM_PLACEMENTS)})
    if selectors.is_ad_free(user):
        return None
    now = now or timezone.now()
    with transaction.atomic():
        advisory_lock(f"ads:serve:{user.pk}:{placement}")  # two tabs at once still get one ad per gap
        if selectors.placement_recently_served(user=user, placement=placement, now=now):
            return None
        for ad in selectors.ad_candidates(user=user):
            try:
                with transaction.atomic():
                    view = AdView.objects.create(ad=ad, user=user, token=_new_token(), placement=placement,
                                                 issued_at=now)
            except IntegrityError:
                continue  # served to this user by a request of another placement just now
            Ad.objects.filter(pk=ad.pk).update(views=F("views") + 1)
            view.ad = ad
            return view
    return None


def ad_view_for_event(*, user: User, ad_id: int, now: datetime | None = None) -> AdView:
    """A view of a sponsored event's ad, asked for from the event (everyone may watch it, premium too).
    A view not yet completed gets a fresh token; a completed one is returned as it is."""
    ad = selectors.sponsored_ad_get(ad_id=ad_id)
    now = now or timezone.now()
    with transaction.atomic():
        view, created = AdView.objects.select_for_update().get_or_create(
            user=user, ad=ad, defaults={"token": _new_token(), "placement": AdPlacement.EVENT, "issued_at": now})
        if created:
            Ad.objects.filter(pk=ad.pk).update(views=F("views") + 1)
        elif view.completed_at is None:
            view.token, view.placement, view.issued_at = _new_token(), AdPlacement.EVENT, now
            view.save(update_fields=["token", "placement", "issued_at"])
    view.ad = ad
    return view


def ad_view_report(*, user: User, token: str, watched_pct: int, now: datetime | None = None) -> ViewReport:
    """The player's progress. At COMPLETION_PCT or more the view is verified and counted, once."""
    if not 0 <= watched_pct <= 100:
        raise ApplicationError(AdError.AD_INVALID, "watched_pct is 0–100.", {"fields": {"watched_pct": "0–100"}})
    now = now or timezone.now()
    view = AdView.objects.select_related("ad").filter(token=token).first()
    if view is None:
        raise NotFoundError(AdError.VIEW_NOT_FOUND, "That view token is not valid.")
    if view.user_id != user.pk:
        raise ForbiddenError(AdError.VIEW_NOT_YOURS, "That view token was issued to someone else.")
    if view.completed_at is not None:
        return ViewReport(view=view, counted=False, xp=0)
    if now - view.issued_at > timedelta(seconds=settings.ADS_VIEW_TOKEN_SECONDS):
        raise ApplicationError(AdError.VIEW_EXPIRED, "That view token has expired.")
    if watched_pct < COMPLETION_PCT:
        AdView.objects.filter(pk=view.pk, watched_pct__lt=watched_pct).update(watched_pct=watched_pct)
        view.watched_pct = max(view.watched_pct, watched_pct)
        return ViewReport(view=view, counted=False, xp=0)
    needed = view.ad.duration_ms / 1000 * watched_pct / 100 - CLOCK_SLACK_SECONDS
    elapsed = (now - view.issued_at).total_seconds()
    if elapsed < needed:
        raise ApplicationError(AdError.TOO_FAST, f"{watched_pct} % of this ad takes {needed:.1f} s to watch.",
                               {"wait_seconds": round(needed - elapsed, 1)})
    return _complete(user=user, view=view, watched_pct=watched_pct, now=now)


def _complete(*, user: User, view: AdView, watched_pct: int, now: datetime) -> ViewReport:
    ad = view.ad
    with transaction.atomic():
        claimed = AdView.objects.filter(pk=view.pk, completed_at__isnull=True).update(
            completed_at=now, watched_pct=watched_pct)
        if not claimed:  # a concurrent or replayed report completed it first
            return ViewReport(view=AdView.objects.get(pk=view.pk), counted=False, xp=0)
        counted = Ad.objects.filter(pk=ad.pk, status=AdStatus.ACTIVE, impressions__lt=F("impressions_bought")).update(
            impressions=F("impressions") + 1,
            status=Case(When(impressions__gte=F("impressions_bought") - 1, then=Value(AdStatus.DONE)),
                        default=F("status")),
        )
        status = Ad.objects.values_list("status", flat=True).get(pk=ad.pk)
        if not counted:  # raising rolls the view's completion back: a later report is refused the same way
            if status == AdStatus.DONE:
                raise ConflictError(AdError.BUDGET_USED_UP, "This ad has reached its views; thanks for watching.")
            raise ConflictError(AdError.NOT_RUNNING, "This ad is not running any more.", {"status": status})
        if status == AdStatus.DONE:
            ad_completed_notify(ad_id=ad.pk)
        entry = xp_award(user=user, reason=Reason.AD, key=f"ad:{ad.pk}", details={"ad_id": ad.pk},
                         now=now) if ad.offers_xp else None
        if ad.reward_decoration_id:
            decoration = Decoration.objects.filter(pk=ad.reward_decoration_id, is_active=True).first()
            if decoration:
                decoration_unlock(user=user, decoration=decoration, source=UnlockSource.AD)
        event_task_progress(user=user, kind=TaskKind.SPONSORED_VIDEO, ref=str(ad.pk), now=now)
    view.completed_at, view.watched_pct = now, watched_pct
    return ViewReport(view=view, counted=True, xp=entry.amount if entry else 0)
