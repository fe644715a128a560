"""Reads about clips: who may see one, one clip for a viewer, trending clips, a channel's clips."""

from __future__ import annotations

from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import ExpressionWrapper, RawSQL
from django.db.models.functions import Power

from config.errors import NotFoundError
from streams.models import Stream

from ..models import Clip, ClipLike, ClipSource, ClipStatus, Vod
from ..selectors import vod_watchable
from .errors import ClipError

# Trending: (views + LIKE_WEIGHT × likes + 1) / (age in hours + 2) ^ GRAVITY — Hacker News' ranking, with
# likes worth more than views; a clip's score halves in a few hours, so today's clips lead.
LIKE_WEIGHT = 5
GRAVITY = 1.5
TRENDING_CANDIDATES = 200  # ranked in SQL, then filtered by who may watch their VOD


def clip_vod(clip: Clip) -> Vod | None:
    """The VOD a clip belongs to: the one it was cut from, or its stream's once the stream ended."""
    if clip.vod_id is not None:
        return clip.vod
    stream = clip.stream
    return getattr(stream, "vod", None) if stream is not None else None


def clip_visible(*, user, clip: Clip) -> bool:
    """May ``user`` (possibly anonymous) see ``clip``? Never once its VOD is deleted; only where its VOD is
    watchable; never once staff hid it; before it is ready, only its creator (who waits for it)."""
    if clip.source_deleted_at is not None or clip.hidden_at is not None or (clip.source == ClipSource.VOD and clip.vod_id is None):
        return False
    vod = clip_vod(clip)
    if vod is not None and not vod_watchable(user=user, vod=vod):
        return False
    return clip.status == ClipStatus.READY or (user.is_authenticated and user.pk == clip.creator_id)


def _with_relations(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("channel", "creator", "vod__channel", "stream__vod__channel")


def clip_get_for_user(*, user, slug: str) -> Clip:
    clip = _with_relations(Clip.objects.filter(slug=slug)).first()
    if clip is None or not clip_visible(user=user, clip=clip):
        raise NotFoundError(ClipError.CLIP_NOT_FOUND, "No such clip.", {"slug": slug[:40]})
    return clip


def _age_hours() -> RawSQL:
    """Hours since a clip was made, in the database's own SQL (the embedded default runs on SQLite)."""
    if connection.vendor == "sqlite":
        return RawSQL("(julianday('now') - julianday(vods_clip.created_at)) * 24.0", [])
    return RawSQL("EXTRACT(EPOCH FROM (NOW() - vods_clip.created_at)) / 3600.0", [])


def clips_trending(*, user, limit: int = 24, channel_id: int | None = None) -> list[Clip]:
    """Ready clips by views and likes weighted by recency, those ``user`` may see."""
    age_hours = _age_hours()
    score = ExpressionWrapper((F("views") + LIKE_WEIGHT * F("likes") + 1.0) / Power(age_hours + 2.0, GRAVITY),
                              output_field=FloatField())
    queryset = Clip.objects.filter(status=ClipStatus.READY, source_deleted_at__isnull=True, hidden_at__isnull=True)
    if channel_id is not None:
        queryset = queryset.filter(channel_id=channel_id)
    ranked = _with_relations(queryset.annotate(score=score).order_by("-score", "-id"))[:TRENDING_CANDIDATES]
    return [clip for clip in ranked if clip_visible(user=user, clip=clip)][:limit]


def clip_liked(*, user, clip: Clip) -> bool:
    return user.is_authenticated and ClipLike.objects.filter(clip=clip, user=user).exists()


def vod_get_for_clipping(*, user, vod_id: int) -> Vod:
    """The VOD ``user`` wants to clip: 404 when there is none or they may not watch it."""
    vod = Vod.objects.select_related("channel").filter(pk=vod_id).first()
    if vod is None or not vod_watchable(user=user, vod=vod):
        raise NotFoundError(ClipError.VOD_NOT_FOUND, "No such VOD.", {"vod_id": vod_id})
    return vod


def stream_get_for_clipping(*, stream_id: int) -> Stream:
    stream = Stream.objects.select_related("channel").filter(pk=stream_id).first()
    if stream is None:
        raise NotFoundError(ClipError.STREAM_NOT_FOUND, "No such stream.", {"stream_id": stream_id})
    return stream
