"""Writes about VODs: the recording's marks while live, the VOD at the stream's end, the host's edits,
deletion, retries and views. The renditions job is vods.processing."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError, ConflictError, ForbiddenError
from media_relay.hls_output import hls_sessions_of
from media_relay.models import HlsOutput
from streams.models import Stream
from streams.selectors import relay_room_name

from .audit_verbs import AuditVerb
from .clips.services import clips_hide_for_hidden_vod
from .errors import VodError
from .models import StreamMark, Vod, VodStatus, VodVisibility

TITLE_MAX, DESCRIPTION_MAX = 140, 5000
VOD_PREFIX = "vods"


def vod_directory(vod_id: int) -> str:
    return f"{VOD_PREFIX}/{vod_id}"


# ------------------------------------------------------------------ while live and at the end


def stream_mark_record(*, stream: Stream) -> StreamMark | None:
    """The stream's title and category now (its go-live, an edit): a chapter starts if either changed."""
    last = StreamMark.objects.filter(stream=stream).last()
    if last is not None and (last.title, last.category) == (stream.title, stream.category):
        return None
    return StreamMark.objects.create(stream=stream, at=timezone.now(), title=stream.title, category=stream.category)


def _chapters(stream: Stream) -> list[dict]:
    started = stream.started_at
    return [{"at": max(0, round((mark.at - started).total_seconds())), "title": mark.title,
             "category": mark.category} for mark in StreamMark.objects.filter(stream=stream)]


def vod_create_for_stream(*, stream: Stream) -> Vod | None:
    """A stream that went live and was recorded ended: its VOD, playable at once from its HLS sessions
    (the source rendition), with the renditions job queued after commit. Once per stream (one-to-one)."""
    room = relay_room_name(stream.pk)
    if stream.started_at is None or not HlsOutput.objects.filter(relay_room=room).exists():
        return None  # cancelled before going live, or not recorded (STREAMS_RECORD off, no HLS)
    vod, created = Vod.objects.get_or_create(stream=stream, defaults={
        "channel_id": stream.channel_id, "title": stream.title, "description": stream.description,
        "relay_room": room, "recorded_at": stream.started_at, "duration_seconds": stream.duration_seconds,
        "chapters": _chapters(stream),
    })
    if created:
        transaction.on_commit(partial(vod_process_later, vod.pk))
    return vod


def vod_process_later(vod_id: int, countdown: float = 0) -> None:
    from .tasks import process_vod

    process_vod.apply_async((vod_id,), countdown=countdown)


# ------------------------------------------------------------------ the host


def vod_owner_require(*, vod: Vod, actor: User) -> None:
    if vod.channel.owner_id != actor.pk:
        raise ForbiddenError(VodError.NOT_VOD_OWNER, "Only the channel's owner can do that.")


def vod_update(*, actor: User, vod: Vod, title: str | None = None, description: str | None = None,
               visibility: str | None = None) -> Vod:
    vod_owner_require(vod=vod, actor=actor)
    fields, problems = {}, {}
    if title is not None:
        title = title.strip()
        if not title or len(title) > TITLE_MAX:
            problems["title"] = f"Between 1 and {TITLE_MAX} characters."
        fields["title"] = title
    if description is not None:
        if len(description) > DESCRIPTION_MAX:
            problems["description"] = f"At most {DESCRIPTION_MAX} characters."
        fields["description"] = description
    if visibility is not None:
        if visibility not in VodVisibility.values:
            problems["visibility"] = f"One of {', '.join(VodVisibility.values)}."
        fields["visibility"] = visibility
    if problems:
        raise ApplicationError(VodError.VOD_INVALID, "Some fields are invalid.", {"fields": problems})
    for name, value in fields.items():
        setattr(vod, name, value)
    vod.save(update_fields=list(fields))
    return vod


def vod_hide_by_platform(*, vod: Vod) -> int:
    """Staff hide a reported VOD (moderation audits it): only its owner still sees it, with its clips."""
    hidden = Vod.objects.filter(pk=vod.pk, hidden_at__isnull=True).update(hidden_at=timezone.now())
    clips_hide_for_hidden_vod(vod=vod)
    return hidden


def vod_delete(*, actor: User, vod: Vod) -> None:
    """The VOD, its renditions and its recording (the stream's HLS sessions) are deleted; the files after commit."""
    vod_owner_require(vod=vod, actor=actor)
    directories = [vod_directory(vod.pk)] + [s.directory for s in hls_sessions_of(relay_room=vod.relay_room)]
    vod.delete()
    transaction.on_commit(partial(storage_tree_delete, directories))


def storage_tree_delete(directories: list[str]) -> None:
    """Every file under each of `directories` in the default storage (local files or S3)."""
    for directory in directories:
        try:
            folders, files = default_storage.listdir(directory)
        except FileNotFoundError:
            continue
        for name in files:
            default_storage.delete(f"{directory}/{name}")
        storage_tree_delete([f"{directory}/{folder}" for folder in folders])


def vod_retry(*, actor: User, vod: Vod) -> Vod:
    """Queue the renditions job again: a failed one, or one claimed longer ago than VODS_CLAIM_STALE_SECONDS
    (its worker died). The owner, or staff (from the admin: audited)."""
    if not actor.is_staff:
        vod_owner_require(vod=vod, actor=actor)
    with transaction.atomic():
        vod = Vod.objects.select_for_update().select_related("channel").get(pk=vod.pk)
        stale = timezone.now() - timezone.timedelta(seconds=settings.VODS_CLAIM_STALE_SECONDS)
        stuck = vod.status == VodStatus.PROCESSING and vod.claimed_at is not None and vod.claimed_at < stale
        if vod.status != VodStatus.FAILED and not stuck:
            raise ConflictError(VodError.NOT_RETRYABLE, "Only a failed VOD can be retried.", {"status": vod.status})
        vod.status, vod.progress, vod.failure_reason, vod.claimed_at = VodStatus.QUEUED, 0, "", None
        vod.save(update_fields=["status", "progress", "failure_reason", "claimed_at"])
        if actor.is_staff and vod.channel.owner_id != actor.pk:
            audit_record(actor=actor, verb=AuditVerb.VOD_RETRIED, target=vod)
        transaction.on_commit(partial(vod_process_later, vod.pk))
    return vod


def vod_view_record(*, vod: Vod) -> None:
    Vod.objects.filter(pk=vod.pk).update(views=F("views") + 1)
