"""How a viewer watches a live stream: WebRTC through the relay, or HLS written by the relay
(media_relay.hls_output), and the stream's HLS switch.

**The decision** (``stream_playback``, a read): WebRTC while the stream's current audience
(config.audience, streams.selectors.stream_viewers) is under ``STREAMS_WEBRTC_VIEWER_CAP``, HLS past it. The page and the API get it as
data; the player only adds what it alone can see: its WebRTC transport not connecting within
``STREAMS_WEBRTC_TIMEOUT_SECONDS`` (UDP blocked, ICE or DTLS timing out) makes it ask for HLS
(``stream_hls_request``).

**The switch** (writes, called by streams.services): with ``STREAMS_HLS = "always"`` (the default) a
stream's relay room is written as HLS from its go-live; with ``"on_demand"`` from the first viewer who
needs it. Either way it is switched off when the stream ends.
"""

from __future__ import annotations

from django.conf import settings

from config.errors import ConflictError, GoneError
from media_relay.hls_output import hls_output_start, hls_output_stop, hls_playlist_url, hls_session_live

from .errors import StreamError
from .models import Stream, StreamStatus
from .selectors import relay_room_name, stream_viewers

WEBRTC, HLS = "webrtc", "hls"
ALWAYS, ON_DEMAND = "always", "on_demand"


def stream_hls_url(*, stream_id: int) -> str | None:
    """The live playlist of the stream's HLS, once the relay wrote its first segment; else None."""
    session = hls_session_live(relay_room=relay_room_name(stream_id))
    return hls_playlist_url(session) if session is not None else None


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
    """Called by stream_go_live in its transaction: HLS on from the start when STREAMS_HLS says always."""
    if settings.STREAMS_HLS == ALWAYS:
        stream_hls_on(stream_id=stream.pk)


def stream_hls_ended(*, stream: Stream) -> None:
    """Called by stream_end in its transaction: HLS off (the relay finalizes the playlists); nothing if off."""
    hls_output_stop(relay_room=relay_room_name(stream.pk))
