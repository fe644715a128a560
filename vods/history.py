"""Watch history: where each user is in each stream, VOD and clip they watched (the resume point, on any
device), and the watch time it credits to gamification with the rooms' rules and caps.

The player reports every few seconds (``watch_progress_record``) with its position and whether it is
playing. Time between two reports counts when the first said "playing" and the gap is at most the rooms'
``MAX_GAP`` (rooms.services.watch): a closed laptop stops reporting, so its time never counts. Credited
seconds go to ``gamification.services.activity.watch_time_record`` with no room (the same hourly XP steps
and daily cap as watching in a room, the same weekly watch-time score); the first report of a new entry
counts as the day's first watch, like a room's first heartbeat.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from config.errors import ApplicationError, NotFoundError
from gamification.services import activity
from rooms.services.watch import MAX_GAP
from streams.models import Stream

from .clips.errors import ClipError
from .clips.selectors import clip_visible
from .models import Clip, Vod, WatchKind, WatchProgress
from .selectors import vod_watchable

HISTORY_MAX = 100


def _target(kind: str, *, user, stream: Stream | None, vod: Vod | None, clip: Clip | None) -> dict:
    """The one target of ``kind`` as model fields, refused unless ``user`` may watch it."""
    target = {WatchKind.STREAM: stream, WatchKind.VOD: vod, WatchKind.CLIP: clip}.get(kind)
    others = [t for t in (stream, vod, clip) if t is not None and t is not target]
    allowed = target is not None and not others and (
        kind == WatchKind.STREAM
        or (kind == WatchKind.VOD and vod_watchable(user=user, vod=vod))
        or (kind == WatchKind.CLIP and clip_visible(user=user, clip=clip)))
    if not allowed:
        raise ApplicationError(ClipError.WATCH_TARGET_INVALID, "Nothing you can watch has that id.", {"kind": kind})
    return {kind: target}


def watch_progress_record(*, user: User, kind: str, position_seconds: float, is_playing: bool,
                          stream: Stream | None = None, vod: Vod | None = None, clip: Clip | None = None,
                          duration_seconds: float | None = None, now=None) -> WatchProgress:
    """Save where ``user`` is in a stream, VOD or clip and credit the time since their last report."""
    target = _target(kind, user=user, stream=stream, vod=vod, clip=clip)
    now = now or timezone.now()
    position = max(0.0, float(position_seconds))
    with transaction.atomic():
        row = WatchProgress.objects.select_for_update().filter(user=user, kind=kind, **target).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = WatchProgress.objects.create(user=user, kind=kind, position_seconds=position,
                                                       duration_seconds=duration_seconds, is_playing=is_playing,
                                                       updated_at=now, **target)
            except IntegrityError:  # a report from another device created it at the same moment
                row = WatchProgress.objects.select_for_update().get(user=user, kind=kind, **target)
            else:
                activity.first_watch_of_day(user=user, now=now)
                return row
        gap = now - row.updated_at
        if row.is_playing and gap.total_seconds() >= 1 and gap <= MAX_GAP:
            seconds = int(gap.total_seconds())
            row.watched_seconds += seconds
            activity.watch_time_record(user=user, room=None, seconds=seconds, now=now)
        row.position_seconds, row.is_playing, row.updated_at = position, is_playing, now
        if duration_seconds is not None:
            row.duration_seconds = duration_seconds
        row.save(update_fields=["position_seconds", "is_playing", "updated_at", "duration_seconds",
                                "watched_seconds"])
    return row


def watch_progress_get(*, user, kind: str, stream: Stream | None = None, vod: Vod | None = None,
                       clip: Clip | None = None) -> WatchProgress | None:
    """The resume point of ``user`` in a stream, VOD or clip (None: never watched, or anonymous)."""
    if not user.is_authenticated:
        return None
    target = {WatchKind.STREAM: {"stream": stream}, WatchKind.VOD: {"vod": vod}, WatchKind.CLIP: {"clip": clip}}[kind]
    return WatchProgress.objects.filter(user=user, kind=kind, **target).first()


def watch_progress_require(*, user: User, **target) -> WatchProgress:
    """The resume point for the API: 404 when ``user`` never watched it."""
    kind = next(iter(target))
    row = watch_progress_get(user=user, kind=kind, **target)
    if row is None:
        raise NotFoundError(ClipError.NOT_WATCHED, "You haven't watched this yet.", {"kind": kind})
    return row


def watch_history_list(*, user: User) -> list[WatchProgress]:
    """What ``user`` watched, newest first (streams, VODs, clips)."""
    return list(WatchProgress.objects.filter(user=user)
                .select_related("stream__channel", "vod__channel", "clip__channel")[:HISTORY_MAX])


def watch_target_get(*, kind: str, target_id: str) -> dict:
    """A (kind, id) from a player → the keyword naming its stream, VOD or clip; 404 when there is none."""
    found = None
    if kind == WatchKind.CLIP:
        found = Clip.objects.select_related("channel", "vod__channel", "stream__vod__channel").filter(
            slug=target_id[:16]).first()
    elif target_id.isdigit():
        model = Stream if kind == WatchKind.STREAM else Vod
        found = model.objects.select_related("channel").filter(pk=int(target_id)).first()
    if found is None:
        raise NotFoundError(ClipError.WATCH_TARGET_INVALID, "Nothing you can watch has that id.",
                            {"kind": kind, "target_id": target_id[:40]})
    return {kind: found}
