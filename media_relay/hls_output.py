"""HLS output of relay rooms on the platform: the switch other apps flip, the files the relay writes.

**The switch.** ``hls_output_start(relay_room=...)`` turns HLS on for a relay room (the streams app
calls it when a stream goes live, or when its WebRTC audience passes the configured size);
``hls_output_stop(relay_room=...)`` turns it off (the stream ended). Both publish ``media_relay.hls``
to ``media_relay.hls.<relay room>`` after commit: the relay worker hosting the room
(media_relay.platform.RoomLink) starts or stops its HLS egress at once; on the embedded default (no
Redis) it reads the switch at its next 2 s re-check. Starting twice keeps the one output (a partial
unique constraint, no error): the caller need not know whether it is already on.

**The files** (called by the relay worker, on its HLS writer thread): ``hls_file_store`` puts each
file under ``live/<relay room>/<session>/`` in Django's default storage — segments once,
playlists replaced (atomically on local files; a PUT on S3); ``hls_session_record`` keeps an
``HlsSession`` row per session, ``ended_at`` set once its ``index.m3u8`` is final (EXT-X-ENDLIST):
from then on it is a complete VOD rendition (issue 13).

**Reading**: ``hls_session_live`` (the session a player should open), ``hls_playlist_url``; when storage
signs its URLs (S3), ``hls_playlist_read``: the playlist with absolute signed URIs, served by the platform.
Services and selectors of two small models, kept apart from services.py like recordings.py.
"""

from __future__ import annotations

import os
import re

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.realtime import publish_on_commit

from .events import hls_group, hls_switched
from .models import HlsOutput, HlsSession

LIVE_PREFIX = "live"
LIVE_PLAYLIST = "live.m3u8"
FULL_PLAYLIST = "index.m3u8"


def session_directory(*, relay_room: str, session: str) -> str:
    return f"{LIVE_PREFIX}/{relay_room}/{session}"


# ------------------------------------------------------------------ the switch


def hls_output_start(*, relay_room: str) -> HlsOutput:
    """Turn HLS on for ``relay_room``; the output already on if there is one."""
    going = hls_output_on(relay_room=relay_room)
    if going is not None:
        return going
    try:
        with transaction.atomic():
            output = HlsOutput.objects.create(relay_room=relay_room)
            publish_on_commit(hls_group(relay_room), hls_switched(relay_room=relay_room, op="on"))
    except IntegrityError:  # another start won the race: that one is on
        return HlsOutput.objects.get(relay_room=relay_room, stopped_at__isnull=True)
    return output


def hls_output_stop(*, relay_room: str) -> HlsOutput | None:
    """Turn HLS off for ``relay_room`` (None if it was off); the relay finalizes the playlists."""
    with transaction.atomic():
        output = HlsOutput.objects.select_for_update().filter(relay_room=relay_room, stopped_at__isnull=True).first()
        if output is None:
            return None
        output.stopped_at = timezone.now()
        output.save(update_fields=["stopped_at"])
        publish_on_commit(hls_group(relay_room), hls_switched(relay_room=relay_room, op="off"))
    return output


def hls_output_on(*, relay_room: str) -> HlsOutput | None:
    return HlsOutput.objects.filter(relay_room=relay_room, stopped_at__isnull=True).first()


# ------------------------------------------------------------------ from the relay worker


def hls_file_store(*, relay_room: str, session: str, name: str, data: bytes) -> str:
    """Write one file of a session to default storage under its fixed name, replacing it (playlists):
    readers see the old or the new file, never half of one. Returns the stored name."""
    stored = f"{session_directory(relay_room=relay_room, session=session)}/{name}"
    try:
        path = default_storage.path(stored)
    except NotImplementedError:  # a remote storage (S3): one PUT replaces the object whole
        default_storage._save(stored, ContentFile(data))  # _save: the fixed name, never an "available" one
        return stored
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(f"{path}.tmp", "wb") as f:
        f.write(data)
    os.replace(f"{path}.tmp", path)
    return stored


def hls_session_record(*, output_id: int, relay_room: str, session: str, op: str) -> HlsSession | None:
    """The relay started (``started``) or finalized (``ended``) a session of output ``output_id``."""
    directory = session_directory(relay_room=relay_room, session=session)
    if op == "started":
        if not HlsOutput.objects.filter(pk=output_id).exists():
            return None
        row, _ = HlsSession.objects.get_or_create(directory=directory,
                                                  defaults={"output_id": output_id, "name": session})
        return row
    HlsSession.objects.filter(directory=directory, ended_at__isnull=True).update(ended_at=timezone.now())
    return HlsSession.objects.filter(directory=directory).first()


# ------------------------------------------------------------------ reading


def hls_session_live(*, relay_room: str) -> HlsSession | None:
    """The newest session of the output on for ``relay_room`` that is still being written."""
    return (HlsSession.objects.filter(output__relay_room=relay_room, output__stopped_at__isnull=True,
                                      ended_at__isnull=True).order_by("-started_at", "-id").first())


def hls_sessions_of(*, relay_room: str) -> list[HlsSession]:
    """Every session written for ``relay_room``, oldest first: a stream's recording (a reconnecting publisher
    starts another session)."""
    return list(HlsSession.objects.filter(output__relay_room=relay_room).order_by("started_at", "id"))


_URI_ATTRIBUTE = re.compile(r'URI="([^"]+)"')


def hls_playlist_absolute(text: str, *, directory: str) -> str:
    """A media playlist whose relative URIs (segments, ``EXT-X-MAP``) are made storage URLs of the files
    under ``directory``: signed ones when the storage signs (S3 ``querystring_auth``: a signature is per
    object, so a relative name next to a signed playlist URL would be refused), or the CDN's absolute ones."""

    def absolute(name: str) -> str:
        return name if "://" in name or name.startswith("/") else default_storage.url(f"{directory}/{name}")

    lines = []
    for line in text.splitlines():
        if line.startswith("#EXT-X-MAP:"):
            line = _URI_ATTRIBUTE.sub(lambda m: f'URI="{absolute(m.group(1))}"', line)
        elif line and not line.startswith("#"):
            line = absolute(line.strip())
        lines.append(line)
    return "\n".join(lines) + "\n"


def hls_storage_signs() -> bool:
    """Whether storage URLs are signed per object (S3 ``querystring_auth`` without a CDN domain): a playlist's
    relative URIs cannot then be fetched next to its own signed URL, so players must get it from the platform
    (``hls_playlist_read``) rather than from storage."""
    return "?" in default_storage.url(f"{LIVE_PREFIX}/{LIVE_PLAYLIST}")


def hls_playlist_read(directory: str, *, live: bool = True) -> str:
    """A session's sliding (``live``) or complete playlist as written, its URIs made absolute storage URLs
    (``hls_playlist_absolute``). FileNotFoundError before the relay wrote it."""
    with default_storage.open(f"{directory}/{LIVE_PLAYLIST if live else FULL_PLAYLIST}") as f:
        return hls_playlist_absolute(f.read().decode(), directory=directory)


def hls_playlist_url(session: HlsSession, *, live: bool = True) -> str:
    """The URL of a session's sliding (``live``) or complete playlist, from the default storage."""
    return default_storage.url(f"{session.directory}/{LIVE_PLAYLIST if live else FULL_PLAYLIST}")
