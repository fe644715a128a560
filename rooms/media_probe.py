"""What a direct video file says about itself (title tag, duration, a frame for a thumbnail), read
with PyAV over HTTP: only the container's header and one keyframe are downloaded."""

import io
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import av
from django.conf import settings

THUMBNAIL_SIZE = (320, 180)
TIMEOUT_S = 15


class ProbeRefused(Exception):
    """Not a file we may fetch (a private address), or not a readable video: don't retry."""


class ProbeUnavailable(Exception):
    """The host didn't answer (in time): worth retrying later."""


@dataclass(frozen=True)
class MediaInfo:
    title: str
    duration: float | None
    thumbnail_jpeg: bytes | None


def _require_public_host(url: str) -> None:
    """Refuse addresses inside our network (SSRF), except this site's own (its /media/ files)."""
    host = urlsplit(url).hostname or ""
    if host == urlsplit(settings.SITE_URL).hostname:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError as exc:
        raise ProbeUnavailable(f"can't resolve {host}") from exc
    if any(not ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses):
        raise ProbeRefused(f"{host} is not a public address")


def _thumbnail(container, duration: float | None) -> bytes | None:
    if not container.streams.video:
        return None
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    at = min(duration * 0.1, 10.0) if duration else 0.0  # past a black first frame, without reading far
    if at:
        container.seek(int(at / stream.time_base), stream=stream, backward=True)
    for frame in container.decode(stream):
        image = frame.to_image()
        image.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=75)
        return out.getvalue()
    return None


def probe(url: str) -> MediaInfo:
    _require_public_host(url)
    try:
        with av.open(url, timeout=TIMEOUT_S, options={"user_agent": "WatchTogether"}) as container:
            duration = container.duration / av.time_base if container.duration and container.duration > 0 else None
            title = str(container.metadata.get("title", ""))[:200]
            return MediaInfo(title=title, duration=duration, thumbnail_jpeg=_thumbnail(container, duration))
    except (TimeoutError, ConnectionError) as exc:
        raise ProbeUnavailable(str(exc)) from exc
    except (av.FFmpegError, OSError, ValueError) as exc:  # not found, not a video, undecodable
        raise ProbeRefused(str(exc)) from exc
