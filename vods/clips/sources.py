"""Where a clip is cut from: the HLS session of a live stream (the relay is writing it) or of a VOD
(the stream's session, complete), read from storage, and where a clip's own rendition is stored."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.urls import reverse

from media_relay.hls_output import (
    FULL_PLAYLIST,
    LIVE_PLAYLIST,
    hls_playlist_absolute,
    hls_session_live,
    hls_storage_signs,
)
from media_relay.models import HlsSession
from streams.models import Stream
from streams.selectors import relay_room_name

from ..models import Vod
from .cutter import PLAYLIST, SegmentRef, session_timeline

CLIPS_PREFIX = "clips"


def live_session(*, stream: Stream) -> HlsSession | None:
    return hls_session_live(relay_room=relay_room_name(stream.pk))


def vod_session(*, vod: Vod) -> HlsSession | None:
    """The VOD's source rendition: the newest complete HLS session of its stream."""
    if vod.stream_id is None:
        return None
    return (HlsSession.objects.filter(output__relay_room=relay_room_name(vod.stream_id), ended_at__isnull=False)
            .order_by("-started_at", "-id").first())


def read_file(directory: str, name: str) -> bytes:
    with default_storage.open(f"{directory}/{name}", "rb") as f:
        return f.read()


def timeline_of(directory: str) -> list[SegmentRef]:
    """Every segment stored so far: ``index.m3u8`` (rewritten every few segments) merged with the sliding
    ``live.m3u8`` (the newest ones)."""
    texts = []
    for name in (FULL_PLAYLIST, LIVE_PLAYLIST):
        try:
            texts.append(read_file(directory, name).decode())
        except (FileNotFoundError, OSError):
            continue
    return session_timeline(*texts)


def clip_directory(slug: str) -> str:
    return f"{CLIPS_PREFIX}/{slug}"


# Where storage signs each object's URL (S3 without a CDN domain) the stored playlists' relative names cannot be
# fetched next to their own signed URL: the platform serves them instead, every URI signed (hls_playlist_absolute).
def clip_playlist_url(slug: str) -> str:
    if hls_storage_signs():
        return reverse("clip-playlist", args=[slug])
    return default_storage.url(f"{clip_directory(slug)}/{PLAYLIST}")


def clip_playlist_read(slug: str) -> str:
    """The clip's playlist, its URIs made absolute storage URLs. FileNotFoundError before it was cut."""
    return hls_playlist_absolute(read_file(clip_directory(slug), PLAYLIST).decode(), directory=clip_directory(slug))


def vod_playlist_url(vod: Vod, session: HlsSession) -> str:
    """The VOD's source recording for a player: its master playlist (vods.views.vod_master) when storage signs."""
    if hls_storage_signs():
        return reverse("vod-master", args=[vod.pk])
    return default_storage.url(f"{session.directory}/{FULL_PLAYLIST}")
