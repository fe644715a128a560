"""The ad marketplace's reads: who sees ads, "next ad" candidates, the advertiser's ads and figures.

"Next ad" never scans the view rows. Each process keeps the weighted pool of running ads (id and
remaining views, one query every ADS_POOL_SECONDS) and draws a few candidates from it by remaining
budget (a binary search over the cumulative weights); one query then keeps those still running that
this user has not seen, probing the unique (user, ad) index once per candidate.
"""

import bisect
import csv
import io
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.signing import BadSignature, TimestampSigner
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from config.errors import ForbiddenError, NotFoundError
from gamification.rules import TaskKind
from gamification.services.event_tasks import schedule

from .errors import AdError
from .models import Ad, AdPackage, AdStatus, Advertiser, AdView

CANDIDATES = 8  # drawn per "next ad"; when every one was seen, the user's seen ads are read and left out


def is_ad_free(user: User) -> bool:
    """Premium users (accounts' premium_until, bought or won on the leaderboards) never see room ads."""
    return user.is_premium


def shows_room_ads(user: User) -> bool:
    return user.is_authenticated and not is_ad_free(user)


# -- the weighted pool -------------------------------------------------------------------------------------
@dataclass
class Pool:
    ids: list[int] = field(default_factory=list)
    cumulative: list[int] = field(default_factory=list)  # running sum of remaining views
    loaded_at: float = float("-inf")

    def draw(self, k: int, rng: random.Random) -> list[int]:
        """Up to k distinct ad ids, each draw weighted by the ad's remaining views."""
        if not self.ids:
            return []
        total, picked = self.cumulative[-1], []
        for _ in range(k * 2):
            ad_id = self.ids[bisect.bisect_right(self.cumulative, rng.randrange(total))]
            if ad_id not in picked:
                picked.append(ad_id)
                if len(picked) == k:
                    break
        return picked


_pool = Pool()
_pool_lock = threading.Lock()
_rng = random.Random()


def ad_pool() -> Pool:
    """The running ads with their remaining views, reloaded every ADS_POOL_SECONDS (a stale pool only
    proposes candidates: ads_unseen_running checks each against the database)."""
    global _pool
    if time.monotonic() - _pool.loaded_at < settings.ADS_POOL_SECONDS:
        return _pool
    with _pool_lock:
        if time.monotonic() - _pool.loaded_at >= settings.ADS_POOL_SECONDS:
            rows = Ad.objects.filter(status=AdStatus.ACTIVE).values_list("pk", "impressions_bought", "impressions")
            ids, cumulative, total = [], [], 0
            for ad_id, bought, delivered in rows:
                total += bought - delivered
                ids.append(ad_id)
                cumulative.append(total)
            _pool = Pool(ids=ids, cumulative=cumulative, loaded_at=time.monotonic())
    return _pool


def ad_pool_reset() -> None:
    """Forget the pool (tests; an approval in this process is seen at once instead of within seconds)."""
    global _pool
    _pool = Pool()


# IN with a placeholder per id rather than = ANY(array): SQLite (the embedded default) has no arrays, and
# PostgreSQL plans a list of constants as = ANY anyway.
UNSEEN_RUNNING_SQL = f"""
SELECT a.* FROM {Ad._meta.db_table} a
WHERE a.id IN ({{ids}}) AND a.status = '{AdStatus.ACTIVE}' AND a.impressions < a.impressions_bought
  AND NOT EXISTS (SELECT 1 FROM {AdView._meta.db_table} v WHERE v.user_id = %s AND v.ad_id = a.id)
"""


def ads_unseen_running(*, user_id: int, ad_ids: list[int]):
    """Of these ads, those still running with views left that this user was never served: the bare indexed
    query "next ad" is built on (the ads' primary keys, and the views' unique (user, ad) index).

    Raw SQL on purpose: the ORM's form of it (IN, an EXISTS with LIMIT 1, the model's ordering) measured
    8 times slower at 10,000 ads and 10,000,000 views (bench/next_ad.py)."""
    if not ad_ids:
        return []
    return Ad.objects.raw(UNSEEN_RUNNING_SQL.format(ids=", ".join(["%s"] * len(ad_ids))), [*ad_ids, user_id])


def ad_candidates(*, user: User, rng: random.Random | None = None) -> list[Ad]:
    """Running ads this user has not seen, in the order to offer them (weighted by remaining views)."""
    drawn = ad_pool().draw(CANDIDATES, rng or _rng)
    if not drawn:
        return []
    found = {ad.pk: ad for ad in ads_unseen_running(user_id=user.pk, ad_ids=drawn)}
    if found:
        return [found[ad_id] for ad_id in drawn if ad_id in found]
    # Every candidate was seen: read what this user saw (their own index range) and draw among the rest.
    pool = ad_pool()
    seen = set(AdView.objects.filter(user=user).values_list("ad_id", flat=True))
    rest = [(ad_id, weight) for ad_id, weight in _weights(pool) if ad_id not in seen]
    if not rest:
        return []
    ids, weights = zip(*rest, strict=True)
    chosen = list(dict.fromkeys((rng or _rng).choices(ids, weights=weights, k=CANDIDATES)))
    found = {ad.pk: ad for ad in ads_unseen_running(user_id=user.pk, ad_ids=chosen)}
    return [found[ad_id] for ad_id in chosen if ad_id in found]


def _weights(pool: Pool):
    previous = 0
    for ad_id, running in zip(pool.ids, pool.cumulative, strict=True):
        yield ad_id, running - previous
        previous = running


def placement_recently_served(*, user: User, placement: str, now: datetime) -> bool:
    """At most one ad per placement per ADS_PLACEMENT_GAP_MINUTES (the (user, placement, issued_at) index)."""
    since = now - timedelta(minutes=settings.ADS_PLACEMENT_GAP_MINUTES)
    return AdView.objects.filter(user=user, placement=placement, issued_at__gte=since).exists()


def sponsored_ad_get(*, ad_id: int) -> Ad:
    """A running ad that is the task of a running sponsored event (gamification's cached schedule)."""
    now = timezone.now()
    if not any(task.ref == str(ad_id) and task.counts(kind=TaskKind.SPONSORED_VIDEO, ref=task.ref, now=now)
               for task in schedule()):
        raise NotFoundError(AdError.NOT_SPONSORED, "That ad is in no running sponsored event.")
    ad = Ad.objects.filter(pk=ad_id).first()
    if ad is None or ad.status != AdStatus.ACTIVE:
        raise NotFoundError(AdError.NOT_RUNNING, "That ad is not running.", {"status": ad.status if ad else None})
    return ad


# -- advertisers -----------------------------------------------------------------------------------------------
def advertiser_for(*, user: User) -> Advertiser | None:
    return Advertiser.objects.filter(user=user).first()


def packages_offered():
    return AdPackage.objects.filter(is_active=True)


def ads_of(*, advertiser: Advertiser):
    return Ad.objects.filter(advertiser=advertiser)


def ads_of_user(*, user: User):
    """The ads of the user's advertiser profile (none without one), newest first."""
    return Ad.objects.filter(advertiser__user=user)


def ad_get_for_owner(*, user: User, ad_id: int) -> Ad:
    ad = Ad.objects.select_related("advertiser").filter(pk=ad_id).first()
    if ad is None:
        raise NotFoundError(AdError.AD_NOT_FOUND, "No such ad.")
    if ad.advertiser.user_id != user.pk:
        raise ForbiddenError(AdError.NOT_AD_OWNER, "That is not your ad.")
    return ad


def review_queue():
    """Paid ads waiting for a staff decision, oldest first."""
    return Ad.objects.filter(status=AdStatus.PENDING).select_related("advertiser__user").order_by("created_at", "id")


@dataclass(frozen=True)
class DayFigures:
    day: date
    served: int
    completed: int


def ad_daily_figures(*, ad: Ad) -> list[DayFigures]:
    """Views served and completed (watched to 80 %, counted) per day: one grouped query per figure."""
    served = dict(AdView.objects.filter(ad=ad).annotate(day=TruncDate("issued_at"))
                  .values("day").annotate(n=Count("id")).values_list("day", "n"))
    completed = dict(AdView.objects.filter(ad=ad, completed_at__isnull=False).annotate(day=TruncDate("completed_at"))
                     .values("day").annotate(n=Count("id")).values_list("day", "n"))
    return [DayFigures(day=day, served=served.get(day, 0), completed=completed.get(day, 0))
            for day in sorted(served.keys() | completed.keys())]


def ad_summary(*, ad: Ad) -> dict:
    """The dashboard's headline figures, from the ad's denormalized counters (no query)."""
    spend = ad.paid_minor * ad.impressions // ad.impressions_bought if ad.impressions_bought else 0
    return {
        "served": ad.views, "completed": ad.impressions, "bought": ad.impressions_bought, "remaining": ad.remaining,
        "completion_rate": round(ad.impressions * 100 / ad.views, 1) if ad.views else None,
        "paid_minor": ad.paid_minor, "spend_minor": spend, "currency": ad.currency,
    }


def ad_report_csv(*, ad: Ad) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "served", "completed", "completion_rate_pct"])
    for row in ad_daily_figures(ad=ad):
        rate = f"{row.completed * 100 / row.served:.1f}" if row.served else ""
        writer.writerow([row.day.isoformat(), row.served, row.completed, rate])
    return out.getvalue()



# -- signed video URLs -----------------------------------------------------------------------------------------
_video_signer = TimestampSigner(salt="monetization.ads.video")


def ad_video_url(*, ad: Ad) -> str:
    """A short-lived URL of the ad's video (ADS_URL_SECONDS): our path with a signed ad id."""
    return reverse("ads-video", kwargs={"signed": _video_signer.sign(str(ad.pk))})


def ad_video_from_signed(*, signed: str) -> Ad:
    try:
        ad_id = int(_video_signer.unsign(signed, max_age=settings.ADS_URL_SECONDS))
    except (BadSignature, ValueError) as exc:  # SignatureExpired is a BadSignature
        raise NotFoundError(AdError.AD_NOT_FOUND, "That video link is not valid or has expired.") from exc
    ad = Ad.objects.filter(pk=ad_id).first()
    if ad is None:
        raise NotFoundError(AdError.AD_NOT_FOUND, "No such ad.")
    return ad
