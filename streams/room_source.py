"""Watch together: a live stream as the source of a watch-party room (docs/streams.md "Watch together").

``live_source_resolve`` is registered in rooms.sources.live_source_resolvers (StreamsConfig.ready): it
turns a pasted link to a stream (/s/<id>/) or a channel (/c/<slug>/, its live stream) on this site into a
rooms Source of kind ``live`` whose URL is the stream's stable playlist address (/s/<id>/live.m3u8, which
redirects to the relay's current HLS session). Asking for it turns HLS on for the stream if it was off.
``stream_rooms_end`` tells rooms the stream ended (stream_end calls it after commit).
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from config.errors import ApplicationError, GoneError, NotFoundError
from rooms.errors import PlaybackError
from rooms.services.playback import live_source_end
from rooms.sources import Source, SourceKind

from .models import Stream, StreamStatus
from .playback import stream_hls_on

STREAM_PATH = re.compile(r"^/s/(\d{1,12})/?$")
CHANNEL_PATH = re.compile(r"^/c/([A-Za-z0-9-]{1,40})/?$")
MEDIA_ID_PREFIX = "stream:"


def is_this_site(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return True  # a path: "/s/12/"
    host = (parts.hostname or "").lower()
    hosts = {h.lower() for h in settings.ALLOWED_HOSTS} | {(urlsplit(settings.SITE_URL).hostname or "").lower()}
    return parts.scheme in ("http", "https") and ("*" in hosts or host in hosts)


def _stream_of(path: str) -> Stream | None | bool:
    """The stream a path names; None: a path of ours naming nothing; False: not one of our paths."""
    if match := STREAM_PATH.match(path):
        return Stream.objects.select_related("channel").filter(pk=int(match.group(1))).first()
    if match := CHANNEL_PATH.match(path):
        stream = Stream.objects.select_related("channel").filter(channel__slug=match.group(1).lower(),
                                                                 status=StreamStatus.LIVE).first()
        if stream is None:
            raise ApplicationError(PlaybackError.LIVE_SOURCE_ENDED, "That channel isn't live right now.",
                                   {"channel": match.group(1).lower()})
        return stream
    return False


def live_source_resolve(url: str) -> Source | None:
    """A link to a stream or channel of this site → its live Source; None for any other link."""
    if not is_this_site(url):
        return None
    stream = _stream_of(urlsplit(url).path)
    if stream is False:
        return None
    if stream is None:
        raise NotFoundError(PlaybackError.LIVE_SOURCE_NOT_FOUND, "No such stream.", {"url": url[:200]})
    if stream.status != StreamStatus.LIVE:
        raise GoneError(PlaybackError.LIVE_SOURCE_ENDED,
                        "That stream has ended." if stream.status == StreamStatus.ENDED else "That stream isn't live yet.",
                        {"stream_id": stream.pk, "status": stream.status})
    stream_hls_on(stream_id=stream.pk)  # a watch-party room plays it with hls.js
    return Source(SourceKind.LIVE, reverse("stream-live-playlist", args=[stream.pk]), f"{MEDIA_ID_PREFIX}{stream.pk}",
                  title=f"{stream.title} · {stream.channel.name}")




def stream_rooms_end(stream_id: int) -> int:
    """The stream ended: rooms playing it say "Stream ended" and move on."""
    return live_source_end(media_id=f"{MEDIA_ID_PREFIX}{stream_id}")
