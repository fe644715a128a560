"""A live stream's thumbnail from its video, when the host uploaded none: a frame of the newest HLS segment
the relay wrote (media_relay.hls_output), refreshed every few minutes while live (the beat task
``streams-refresh-live-thumbnails``; docs/streams.md, "Thumbnails").

The segment is fMP4 and starts with an IDR (the relay writes independent segments), so decoding its first
key frame with PyAV (``init.mp4`` + the segment; FFmpeg's decoder, non-key frames skipped) gives a clean
picture without decoding the rest. It is stored like an upload (streams.images: 1280x720 WebP, a fresh name
so caches never serve a stale one) and marked ``thumbnail_from_video``; a host's upload is never replaced.
"""

from __future__ import annotations

import io
import logging

import av
from django.core.files.storage import default_storage
from django.db import transaction

from media_relay.hls_output import LIVE_PLAYLIST, hls_session_live

from .images import image_as_webp
from .models import Stream, StreamStatus
from .selectors import relay_room_name

logger = logging.getLogger(__name__)


def _newest_segment(directory: str) -> str | None:
    with default_storage.open(f"{directory}/{LIVE_PLAYLIST}") as playlist:
        names = [line.strip() for line in playlist.read().decode().splitlines() if line and not line.startswith("#")]
    return names[-1] if names else None


def segment_key_frame(*, init: bytes, segment: bytes):
    """The first key frame of an fMP4 segment (with its init segment) as a PIL image; None if it has none."""
    with av.open(io.BytesIO(init + segment), format="mp4") as container:
        if not container.streams.video:
            return None
        video = container.streams.video[0]
        video.codec_context.skip_frame = "NONKEY"
        for frame in container.decode(video):
            return frame.to_image()
    return None


def stream_thumbnail_from_video(*, stream_id: int) -> bool:
    """Take the live stream's thumbnail from its newest HLS segment, unless the host uploaded one. False when
    there is nothing to take (not live, an upload, no HLS segment yet, no video)."""
    stream = Stream.objects.filter(pk=stream_id).only("pk", "status", "thumbnail", "thumbnail_from_video",
                                                      "channel_id").first()
    if stream is None or stream.status != StreamStatus.LIVE or (stream.thumbnail and not stream.thumbnail_from_video):
        return False
    session = hls_session_live(relay_room=relay_room_name(stream_id))
    if session is None:
        return False
    try:
        segment = _newest_segment(session.directory)
        if segment is None:
            return False
        with default_storage.open(f"{session.directory}/init.mp4") as f:
            init = f.read()
        with default_storage.open(f"{session.directory}/{segment}") as f:
            data = f.read()
        image = segment_key_frame(init=init, segment=data)
    except (OSError, av.FFmpegError):
        logger.warning("stream %s: no frame from its HLS session %s", stream_id, session.directory, exc_info=True)
        return False
    if image is None:
        return False
    content = image_as_webp(image, purpose="thumbnail")
    name = stream.thumbnail.field.generate_filename(stream, content.name)
    stored = default_storage.save(name, content)
    with transaction.atomic():
        current = Stream.objects.select_for_update().only("thumbnail", "thumbnail_from_video").get(pk=stream_id)
        if current.thumbnail and not current.thumbnail_from_video:  # the host uploaded one meanwhile
            default_storage.delete(stored)
            return False
        old = current.thumbnail.name
        Stream.objects.filter(pk=stream_id).update(thumbnail=stored, thumbnail_from_video=True)
    if old:
        transaction.on_commit(lambda: default_storage.delete(old))
    return True


def live_thumbnails_refresh() -> int:
    """Every live stream without an uploaded thumbnail gets a fresh frame; returns how many did."""
    ids = Stream.objects.filter(status=StreamStatus.LIVE).exclude(thumbnail_from_video=False, thumbnail__gt="")
    return sum(stream_thumbnail_from_video(stream_id=pk) for pk in ids.values_list("pk", flat=True))
