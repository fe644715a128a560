"""How a viewer watches a live stream: WebRTC through the relay, or HLS written by the relay
(media_relay.hls_output), and the stream's HLS switch.

**The decision** (``stream_playback``, a read): WebRTC while the stream's current audience
(config.audience, streams.selectors.stream_viewers) is under ``STREAMS_WEBRTC_VIEWER_CAP``, HLS past it. The page and the API get it as
data; the player only adds what it alone can see: its WebRTC transport not connecting within
``STREAMS_WEBRTC_TIMEOUT_SECONDS`` (UDP blocked, ICE or DTLS timing out) makes it ask for HLS
(``stream_hls_request``).

**Back to WebRTC** when seats free up: the audience counts every viewer, HLS ones too, so once it fits
under the cap again (``webrtc_seats``: with a margin of ``RETURN_MARGIN`` of the cap, so a stream hovering
at the cap does not move people back and forth) every ``streams.viewers`` event says ``webrtc.open`` and
over how long the HLS viewers should spread their asks (``spread_ms``: the audience at ``RETURNS_PER_SECOND``).
Each HLS page asks at a random moment of that window (``stream_webrtc_return``), and the server admits at
most ``RETURNS_PER_SECOND`` moves a second per stream (each is a DTLS handshake and a keyframe request on
the relay); the others are told when to ask again. A viewer whose own WebRTC failed asks only after a
back-off (the page's), and keeps playing HLS until its new WebRTC connection shows a frame.

**The switch** (writes, called by streams.services): with ``STREAMS_HLS = "always"`` (the default) a
stream's relay room is written as HLS from its go-live; with ``"on_demand"`` from the first viewer who
needs it, unless ``STREAMS_RECORD`` (the default) records every stream: then from its go-live too, since
that HLS session is the recording (vods). Either way it is switched off when the stream ends.
"""

from __future__ import annotations

import random
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from config.errors import ConflictError, GoneError
from media_relay.hls_output import (
    LIVE_PLAYLIST,
    hls_output_start,
    hls_output_stop,
    hls_playlist_read,
    hls_playlist_url,
    hls_session_live,
    hls_storage_signs,
)

from .errors import StreamError
from .events import WebrtcSeats
from .models import Stream, StreamStatus
from .selectors import relay_room_name, stream_viewers

WEBRTC, HLS = "webrtc", "hls"
ALWAYS, ON_DEMAND = "always", "on_demand"


def stream_hls_url(*, stream_id: int) -> str | None:
    """The live playlist of the stream's HLS, once the relay wrote its first segment; else None. On storage that
    signs its URLs (S3) it is our /s/<id>/live.m3u8, which serves the playlist with signed segment URLs."""
    session = hls_session_live(relay_room=relay_room_name(stream_id))
    if session is None:
        return None
    return reverse("stream-live-playlist", args=[stream_id]) if hls_storage_signs() else hls_playlist_url(session)


LIVE_PLAYLIST_CACHE_SECONDS = 2.0  # a new HLS session (the publisher reconnected) shows this much later


def _live_playlist_key(stream_id: int) -> str:
    return f"streams:{stream_id}:live-session"


def _live_session_directory(stream_id: int) -> str | None:
    """The storage directory of the stream's live HLS session, for the stable /s/<id>/live.m3u8, which every
    player reloads each segment: once found, read from the cache for LIVE_PLAYLIST_CACHE_SECONDS (no query
    per reload), forgotten when the stream ends (``stream_hls_ended``). Not found (no segment yet) is not
    cached: the first playlist shows as soon as the relay wrote it."""
    key = _live_playlist_key(stream_id)
    directory = cache.get(key)
    if directory is None:
        session = hls_session_live(relay_room=relay_room_name(stream_id))
        if session is not None:
            directory = session.directory
            cache.set(key, directory, LIVE_PLAYLIST_CACHE_SECONDS)
    return directory


def stream_live_playlist_answer(*, stream_id: int) -> tuple[str | None, str | None]:
    """What /s/<id>/live.m3u8 answers: (a URL to redirect to, None) where storage serves playlists as they are
    (local media, a CDN domain); (None, the playlist text) where it signs each URL (S3: the segments' URLs
    signed in the text); (None, None) until the relay wrote a playlist, or once the stream ended."""
    directory = _live_session_directory(stream_id)
    if directory is None:
        return None, None
    if not hls_storage_signs():
        return default_storage.url(f"{directory}/{LIVE_PLAYLIST}"), None
    try:
        return None, hls_playlist_read(directory)
    except FileNotFoundError:
        return None, None


def stream_playback(*, stream: Stream) -> dict:
    """How a new viewer of `stream` watches: ``mode`` (webrtc / hls), ``hls_url`` (None until there is one),
    ``webrtc_timeout_ms`` (the player's fallback)."""
    live = stream.status == StreamStatus.LIVE
    cap = settings.STREAMS_WEBRTC_VIEWER_CAP
    current = stream_viewers(stream=stream).current if live and cap else 0
    return {
        "mode": HLS if cap and current >= cap else WEBRTC,
        "hls_url": stream_hls_url(stream_id=stream.pk) if live else None,
        "webrtc_timeout_ms": settings.STREAMS_WEBRTC_TIMEOUT_SECONDS * 1000,
    }


RETURN_MARGIN = 0.1  # of the cap: HLS viewers are offered WebRTC once the audience is this far under it
RETURNS_PER_SECOND = 20  # per stream: HLS viewers moved back to WebRTC (each costs the relay a handshake)
RETURN_SPREAD_MAX_MS = 30_000


def webrtc_seats(*, current: int) -> WebrtcSeats:
    """Whether an audience of `current` (HLS viewers included) fits on WebRTC again, and over how long its
    HLS viewers should spread their asks to move back (at RETURNS_PER_SECOND)."""
    cap = settings.STREAMS_WEBRTC_VIEWER_CAP
    return {
        "open": not cap or current <= cap - int(cap * RETURN_MARGIN),
        "spread_ms": min(RETURN_SPREAD_MAX_MS, current * 1000 // RETURNS_PER_SECOND),
    }


def stream_webrtc_return(*, stream: Stream) -> dict:
    """An HLS viewer asks to move back to WebRTC (offered by ``webrtc_seats``): the playback with ``mode``
    webrtc if the audience still fits and this second's moves for the stream are not all taken; else hls,
    with ``retry_after_ms`` when only the moment was wrong (null: wait for the next offer)."""
    if stream.status == StreamStatus.ENDED:
        raise GoneError(StreamError.STREAM_ENDED, "This stream has ended.")
    if stream.status != StreamStatus.LIVE:
        raise ConflictError(StreamError.NOT_LIVE, "This stream is not live yet.")
    playback = stream_playback(stream=stream)
    seats = webrtc_seats(current=stream_viewers(stream=stream).current)
    if not seats["open"]:
        return {**playback, "mode": HLS, "retry_after_ms": None}
    key = f"streams:{stream.pk}:webrtc-returns:{int(time.time())}"
    cache.add(key, 0, timeout=5)
    if cache.incr(key) > RETURNS_PER_SECOND:
        return {**playback, "mode": HLS, "retry_after_ms": 1000 + random.randrange(max(1000, seats["spread_ms"]))}
    return {**playback, "mode": WEBRTC, "retry_after_ms": None}


def stream_hls_request(*, stream: Stream) -> dict:
    """A viewer needs HLS (over the cap, or its WebRTC failed): switched on if it is not (on_demand; idempotent),
    then the playback with ``mode`` hls. ``hls_url`` stays None for the first second or two of a new output:
    the player asks again."""
    if stream.status == StreamStatus.ENDED:
        raise GoneError(StreamError.STREAM_ENDED, "This stream has ended.")
    if stream.status != StreamStatus.LIVE:
        raise ConflictError(StreamError.NOT_LIVE, "This stream is not live yet.")
    stream_hls_on(stream_id=stream.pk)
    return {**stream_playback(stream=stream), "mode": HLS}


def stream_hls_on(*, stream_id: int) -> None:
    """The stream's relay room written as HLS (a viewer or a watch-party room needs it); already on: nothing changes."""
    hls_output_start(relay_room=relay_room_name(stream_id))


def stream_hls_went_live(*, stream: Stream) -> None:
    """Called by stream_go_live in its transaction: HLS on from the start when STREAMS_HLS says always, or
    when streams are recorded (STREAMS_RECORD, the default: the HLS session is the recording, vods)."""
    if settings.STREAMS_HLS == ALWAYS or settings.STREAMS_RECORD:
        stream_hls_on(stream_id=stream.pk)


def stream_hls_ended(*, stream: Stream) -> None:
    """Called by stream_end in its transaction: HLS off (the relay finalizes the playlists); nothing if off.
    The live playlist's redirect stops at once (its cached address is forgotten on commit)."""
    hls_output_stop(relay_room=relay_room_name(stream.pk))
    key = _live_playlist_key(stream.pk)
    transaction.on_commit(lambda: cache.delete(key))
