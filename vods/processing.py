"""The renditions job of one VOD (run by the ``process_vod`` Celery task): idempotent and safe to run twice.

1. **Claim**: one conditional UPDATE turns ``queued`` into ``processing`` (``claimed_at`` set); a second run
   finds nothing to claim and returns ``skipped``. ``one_rendition_per_name`` is the last line: a rendition
   is registered once whatever happens.
2. **Wait for the source**: the relay finalizes the last HLS session a moment after the stream ended; until
   every session is final (or ``VODS_SOURCE_WAIT_SECONDS`` passed) the claim is released and the task asks
   to run again (``waiting``).
3. **Build** (vods.renditions, PyAV) from the sessions downloaded to a scratch directory, reporting progress
   (``processing n %``, saved at most every ``PROGRESS_STEP`` %).
4. **Publish as it is ready** (``_Publisher``, called by the build): the thumbnail (shown at once), then each
   rendition, the lightest first, uploaded under ``vods/<id>/<attempt>/<name>/`` (every file tried up to
   ``VODS_UPLOAD_ATTEMPTS`` times) and registered: the master playlist lists a rendition only once its
   row exists, which is after all its files are stored, so a failing storage never shows half a rendition.
   When storage still fails the claim is released and ``StorageUnavailable`` tells the task to retry later.
5. **Ready**: status, duration, thumbnail, the host notified (``vod_ready``). A recording that cannot be built
   (not media, truncated, a missing segment) is ``failed`` with the reason and the host notified; the
   source stays, playable as it is. A VOD deleted meanwhile (its channel, the host) leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services.notifications import notification_create

from .models import Vod, VodRendition, VodStatus
from .notification_kinds import NotificationKind
from .renditions import Built, Callbacks, Output, RecordingError, renditions_build
from .services import storage_tree_delete, vod_directory
from .sources import source_download, source_sessions

logger = logging.getLogger(__name__)

PROGRESS_STEP = 5
SKIPPED, WAITING, READY, FAILED, GONE = "skipped", "waiting", "ready", "failed", "gone"


class StorageUnavailable(Exception):
    """Storage kept failing: the job is released (queued) for Celery to retry later."""


def vod_claim(*, vod_id: int) -> bool:
    return bool(Vod.objects.filter(pk=vod_id, status=VodStatus.QUEUED).update(
        status=VodStatus.PROCESSING, claimed_at=timezone.now(), progress=0))


def _release(vod_id: int) -> None:
    Vod.objects.filter(pk=vod_id, status=VodStatus.PROCESSING).update(status=VodStatus.QUEUED, claimed_at=None)


def vod_process(*, vod_id: int) -> str:
    if not vod_claim(vod_id=vod_id):
        return SKIPPED
    vod = Vod.objects.select_related("channel", "stream").get(pk=vod_id)
    sessions = source_sessions(vod=vod)
    ended = vod.stream.ended_at if vod.stream is not None else vod.created_at
    waited_enough = timezone.now() - (ended or vod.created_at) > timedelta(seconds=settings.VODS_SOURCE_WAIT_SECONDS)
    if not all(s.is_final for s in sessions) and not waited_enough:
        _release(vod_id)
        return WAITING
    attempt = f"{vod_directory(vod_id)}/{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix=f"vod-{vod_id}-") as scratch:
        try:
            if not sessions:
                raise RecordingError("Nothing was recorded.")
            duration = sum(s.duration for s in sessions)
            try:
                sources = source_download(sessions, scratch)
            except FileNotFoundError as err:
                raise RecordingError("The recording is truncated: a segment is missing from storage.") from err
            publisher = _Publisher(vod, attempt)
            built = renditions_build(sources, os.path.join(scratch, "out"), duration=duration, callbacks=Callbacks(
                progress=_progress_saver(vod_id), thumbnail_ready=publisher.thumbnail,
                rendition_ready=publisher.rendition))
        except RecordingError as err:
            return _fail(vod, str(err))
        except StorageUnavailable:
            _release(vod_id)
            raise
        except Vod.DoesNotExist:  # deleted while processing (the host, its channel): nothing may stay
            storage_tree_delete([vod_directory(vod.pk)])
            return GONE
        return publisher.finish(built)


def _progress_saver(vod_id: int):
    saved = [0]

    def save(fraction: float) -> None:
        percent = min(99, int(fraction * 100))
        if percent >= saved[0] + PROGRESS_STEP:
            saved[0] = percent
            Vod.objects.filter(pk=vod_id, status=VodStatus.PROCESSING).update(progress=percent)

    return save


def _upload(local: str, name: str) -> None:
    with open(local, "rb") as f:
        data = f.read()
    for attempt in range(settings.VODS_UPLOAD_ATTEMPTS):
        try:
            default_storage._save(name, ContentFile(data))  # _save: this exact name (an overwrite on a retry)
            return
        except Exception as err:  # noqa: BLE001 - local OSError, boto3 / botocore's own classes: all mean "try again"
            failure = err
        time.sleep(min(2.0, 0.2 * 2 ** attempt))
    raise StorageUnavailable(f"{name}: {failure}")


class _Publisher:
    """Stores and shows what the build hands out as it is ready: the thumbnail, then each rendition (its files
    uploaded, then its row: the master playlist lists it from then on), then the VOD ready."""

    def __init__(self, vod: Vod, attempt: str) -> None:
        self.vod, self.attempt, self.thumbnail_name = vod, attempt, ""

    def thumbnail(self, path: str) -> None:
        self.thumbnail_name = f"{self.attempt}/{os.path.basename(path)}"
        _upload(path, self.thumbnail_name)
        Vod.objects.filter(pk=self.vod.pk, status=VodStatus.PROCESSING).update(thumbnail=self.thumbnail_name)

    def rendition(self, output: Output) -> None:
        directory = f"{self.attempt}/{output.name}"
        for name in sorted(os.listdir(output.directory), key=lambda n: n.endswith(".m3u8")):  # the playlist last
            _upload(os.path.join(output.directory, name), f"{directory}/{name}")
        try:
            with transaction.atomic():
                if not Vod.objects.filter(pk=self.vod.pk).exists():
                    raise Vod.DoesNotExist
                VodRendition.objects.create(vod_id=self.vod.pk, name=output.name, width=output.width,
                                            height=output.height, bandwidth=output.bandwidth, directory=directory)
        except IntegrityError:  # already built (by a run that lost its claim): keep that one, drop ours
            storage_tree_delete([directory])

    def finish(self, built: Built) -> str:
        vod = self.vod
        updated = Vod.objects.filter(pk=vod.pk).update(
            status=VodStatus.READY, progress=100, failure_reason="", duration_seconds=round(built.duration),
            thumbnail=self.thumbnail_name, is_audio_only=built.is_audio_only, source_height=built.source_height,
            claimed_at=None)
        if not updated:
            storage_tree_delete([vod_directory(vod.pk)])
            return GONE
        _notify(vod, NotificationKind.VOD_READY)
        return READY


def _fail(vod: Vod, reason: str) -> str:
    logger.warning("vod %s failed: %s", vod.pk, reason)
    if not Vod.objects.filter(pk=vod.pk).update(status=VodStatus.FAILED, failure_reason=reason[:300], claimed_at=None):
        return GONE
    _notify(vod, NotificationKind.VOD_FAILED, reason=reason)
    return FAILED


def _notify(vod: Vod, kind: str, **extra) -> None:
    notification_create(recipient=vod.channel.owner, kind=kind,
                        data={"vod": vod.pk, "title": vod.title, **extra})
