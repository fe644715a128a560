"""Every write about clips: create one (from the live edge or a VOD range), cut it (the Celery task's
service), like, count a view, delete; hide the clips of a deleted VOD."""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from accounts.services.notifications import notification_create
from config.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError, RateLimitedError
from streams.models import Stream, StreamStatus

from ..models import Clip, ClipLike, ClipSource, ClipStatus, Vod
from ..selectors import vod_watchable
from .cutter import MP4, CutError, clip_cut, clip_mp4, timeline_end
from .errors import ClipError
from .notification_kinds import NotificationKind
from .sources import clip_directory, live_session, read_file, timeline_of, vod_session

MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 5, 90, 30
TITLE_MAX = 100
CLIPS_PER_MINUTE = 10  # per viewer, both doors (API and pages): each clip is a cut on a worker


def _check_duration(seconds: float) -> None:
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise ApplicationError(ClipError.DURATION_INVALID, f"A clip is {MIN_SECONDS} to {MAX_SECONDS} seconds long.",
                               {"min": MIN_SECONDS, "max": MAX_SECONDS, "seconds": seconds})


def _check_rate(actor: User) -> None:
    recent = Clip.objects.filter(creator=actor, created_at__gte=timezone.now() - timedelta(minutes=1)).count()
    if recent >= CLIPS_PER_MINUTE:
        raise RateLimitedError(ClipError.RATE_LIMITED, f"At most {CLIPS_PER_MINUTE} clips a minute; try again shortly.",
                               {"retry_after": 60})


def _title(title: str, default: str) -> str:
    title = (title or "").strip() or default[:TITLE_MAX]
    if len(title) > TITLE_MAX:
        raise ApplicationError(ClipError.TITLE_INVALID, f"A clip's title is at most {TITLE_MAX} characters.")
    return title


def _enqueue(clip: Clip) -> None:
    from .tasks import cut_clip

    transaction.on_commit(lambda: cut_clip.delay(clip.pk))


def _slug() -> str:
    return secrets.token_urlsafe(8).replace("_", "x").replace("-", "y")[:11]


def clip_create_live(*, actor: User, stream: Stream, seconds: float = DEFAULT_SECONDS, title: str = "") -> Clip:
    """Clip the last ``seconds`` of a live stream (as far as the relay has stored it at the click)."""
    _check_duration(seconds)
    _check_rate(actor)
    title = _title(title, stream.title)
    if stream.status != StreamStatus.LIVE:
        raise ConflictError(ClipError.NOT_LIVE, "Only a live stream can be clipped from its live edge.",
                            {"status": stream.status})
    session = live_session(stream=stream)
    if session is None:
        raise ConflictError(ClipError.NO_RECORDING, "This stream has no recording to clip yet; try in a few seconds.")
    end = timeline_end(timeline_of(session.directory))
    if end < MIN_SECONDS:
        raise ConflictError(ClipError.TOO_SHORT_SO_FAR, f"Only {end:.0f} s are recorded so far.", {"recorded": end})
    duration = min(float(seconds), end)
    clip = Clip.objects.create(slug=_slug(), creator=actor, channel_id=stream.channel_id, stream=stream,
                               source=ClipSource.LIVE, source_directory=session.directory, title=title,
                               start_seconds=end - duration, duration_seconds=duration)
    _enqueue(clip)
    return clip


def clip_create_from_vod(*, actor: User, vod: Vod, start: float, end: float, title: str = "") -> Clip:
    """Clip [start, end) seconds of a VOD ``actor`` may watch."""
    if not vod_watchable(user=actor, vod=vod):
        raise NotFoundError(ClipError.VOD_NOT_FOUND, "No such VOD.", {"vod_id": vod.pk})
    _check_duration(end - start)
    _check_rate(actor)
    title = _title(title, vod.title)
    session = vod_session(vod=vod)
    if session is None:
        raise ConflictError(ClipError.NO_RECORDING, "This VOD has no recording to clip.")
    recorded = timeline_end(timeline_of(session.directory))
    if start < 0 or end > recorded + 0.05:
        raise ApplicationError(ClipError.RANGE_OUTSIDE, f"The VOD is {recorded:.1f} s long.",
                               {"duration": recorded, "start": start, "end": end})
    clip = Clip.objects.create(slug=_slug(), creator=actor, channel_id=vod.channel_id, stream_id=vod.stream_id,
                               vod=vod, source=ClipSource.VOD, source_directory=session.directory, title=title,
                               start_seconds=start, duration_seconds=min(end, recorded) - start)
    _enqueue(clip)
    return clip


def clip_cut_run(*, clip_id: int) -> Clip | None:
    """Cut a queued clip and store its rendition; ready or failed with a reason. Safe to run twice, even at
    once: the run holding the row cuts, any other finds it locked or done and returns."""
    with transaction.atomic():
        clip = Clip.objects.select_for_update(skip_locked=True).filter(pk=clip_id, status=ClipStatus.QUEUED).first()
        if clip is None:
            return None
        try:
            _cut_and_store(clip)
        except CutError as err:
            clip.status, clip.failure_reason = ClipStatus.FAILED, str(err)[:300]
            clip.save(update_fields=["status", "failure_reason"])
            return clip
        clip.status, clip.ready_at = ClipStatus.READY, timezone.now()
        clip.save(update_fields=["status", "ready_at", "start_seconds", "duration_seconds"])
        _notify_channel_owner(clip)
    return clip


def _notify_channel_owner(clip: Clip) -> None:
    """The channel's owner hears that a viewer clipped their stream (not of their own clips)."""
    owner = clip.channel.owner
    if owner.pk != clip.creator_id:
        notification_create(recipient=owner, kind=NotificationKind.CLIP_CREATED, actor=clip.creator,
                            data={"clip": clip.slug, "title": clip.title, "creator": clip.creator.handle})


def _cut_and_store(clip: Clip) -> None:
    timeline = timeline_of(clip.source_directory)
    with tempfile.TemporaryDirectory() as out_dir:
        result = clip_cut(read=lambda name: read_file(clip.source_directory, name), timeline=timeline,
                          start=clip.start_seconds, end=clip.start_seconds + clip.duration_seconds, out_dir=out_dir)
        for name in result.files:
            stored = f"{clip_directory(clip.slug)}/{name}"
            default_storage.delete(stored)  # a second run replaces the first's files under the same names
            with open(os.path.join(out_dir, name), "rb") as f:
                default_storage.save(stored, ContentFile(f.read()))
    # the copy starts at the key frame at or before the asked start: the clip says what it holds
    clip.start_seconds = max(0.0, result.start)
    clip.duration_seconds = min(float(MAX_SECONDS), max(float(MIN_SECONDS), round(result.duration, 3)))


def clip_like(*, actor: User, clip: Clip) -> bool:
    """Like ``clip`` once; True if this call added the like. Concurrent calls by one user add one."""
    with transaction.atomic():
        _, created = ClipLike.objects.get_or_create(clip=clip, user=actor)
        if created:
            Clip.objects.filter(pk=clip.pk).update(likes=F("likes") + 1)
    return created


def clip_unlike(*, actor: User, clip: Clip) -> bool:
    with transaction.atomic():
        deleted, _ = ClipLike.objects.filter(clip=clip, user=actor).delete()
        if deleted:
            Clip.objects.filter(pk=clip.pk).update(likes=F("likes") - 1)
    return bool(deleted)


def clip_view_count(*, clip: Clip) -> None:
    Clip.objects.filter(pk=clip.pk).update(views=F("views") + 1)


def clip_mp4_name(*, clip: Clip) -> str:
    """The clip as one MP4 in storage, beside its HLS rendition (deleted with it): made on its first download
    (a stream copy, milliseconds), then kept. The caller checked the viewer may see the clip."""
    if clip.status != ClipStatus.READY:
        raise ConflictError(ClipError.NOT_READY, "This clip is not ready to download.")
    directory = clip_directory(clip.slug)
    name = f"{directory}/{MP4}"
    if default_storage.exists(name):
        return name
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, MP4)
        try:
            clip_mp4(read=lambda file: read_file(directory, file), out_path=path)
        except CutError as err:
            raise ConflictError(ClipError.MEDIA_UNREADABLE, str(err)[:300]) from err
        with open(path, "rb") as f:
            default_storage._save(name, ContentFile(f.read()))  # _save: this exact name, as the cut's files
    return name


def clip_delete(*, actor: User, clip: Clip) -> None:
    """Its creator or the channel's owner deletes a clip (its files too, after commit)."""
    if actor.pk not in (clip.creator_id, clip.channel.owner_id):
        raise ForbiddenError(ClipError.NOT_CLIP_OWNER, "Only the clip's creator or the channel's owner can delete it.")
    directory = clip_directory(clip.slug)
    clip.delete()
    transaction.on_commit(lambda: _delete_files(directory))


def _delete_files(directory: str) -> None:
    try:
        _, names = default_storage.listdir(directory)
    except (FileNotFoundError, OSError):
        return
    for name in names:
        default_storage.delete(f"{directory}/{name}")


def clip_hide_by_platform(*, clip: Clip) -> int:
    """Staff hide a reported clip (moderation audits it): nobody sees it any more, its creator included."""
    return Clip.objects.filter(pk=clip.pk, hidden_at__isnull=True).update(hidden_at=timezone.now())


def _of_vod(vod: Vod) -> Q:
    """Its clips, and those cut from its stream while live."""
    return Q(vod_id=vod.pk) | (Q(stream_id=vod.stream_id) if vod.stream_id else Q(pk__in=[]))


def clips_hide_for_hidden_vod(*, vod: Vod) -> int:
    return Clip.objects.filter(_of_vod(vod), hidden_at__isnull=True).update(hidden_at=timezone.now())


def clips_hide_for_deleted_vod(*, vod: Vod) -> int:
    """The VOD is being deleted: its clips, and those cut from its stream while live, stop being visible."""
    return Clip.objects.filter(_of_vod(vod), source_deleted_at__isnull=True).update(source_deleted_at=timezone.now())
