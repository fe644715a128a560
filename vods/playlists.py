"""A VOD's HLS playlists, served by our own views (vods.views) so they work on S3 and behind a CDN.

Storage URLs are signed per object when S3's ``querystring_auth`` is on, so a playlist in storage naming
its segments relatively cannot be played from a signed URL. We serve every playlist ourselves (after the
viewer's right to watch is checked) and write each segment and init segment as its absolute storage URL
(media_relay.hls_output.hls_playlist_absolute): signed and expiring on a private bucket, or plain on a CDN
domain (AWS_S3_CUSTOM_DOMAIN) or local media. Segments themselves never go through Django.

* master: the source (the stream's HLS sessions, playable from the stream's end) and each built rendition;
* ``source``: every session's segments in order, a discontinuity (and its own init segment) per session;
* a rendition's: its index.m3u8 from storage, URIs made absolute.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.urls import reverse

from media_relay.hls_output import hls_playlist_absolute

from .models import Vod, VodRendition
from .sources import SourceSession

SOURCE = "source"
SOURCE_BANDWIDTH = 6_000_000  # a guess (the relay copies the publisher's H.264): ranks it above the ladder


def master_playlist(*, vod: Vod, renditions: list[VodRendition]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    bandwidth = 128_000 if vod.is_audio_only else SOURCE_BANDWIDTH
    lines += [f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},NAME="{SOURCE}"', reverse("vod-playlist", args=[vod.pk, SOURCE])]
    for rendition in renditions:
        info = f"#EXT-X-STREAM-INF:BANDWIDTH={rendition.bandwidth}"
        if rendition.height:
            info += f",RESOLUTION={rendition.width}x{rendition.height}"
        lines += [info + f',NAME="{rendition.name}"', reverse("vod-playlist", args=[vod.pk, rendition.name])]
    return "\n".join(lines) + "\n"


def source_playlist(sessions: list[SourceSession]) -> str:
    """The recording as one VOD playlist (always ENDLIST: the stream is over, whatever the relay still writes)."""
    target = max([duration for s in sessions for duration, _ in s.segments] + [1.0])
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{round(target + 0.5)}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for number, session in enumerate(sessions):
        if number:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f'#EXT-X-MAP:URI="{default_storage.url(f"{session.directory}/init.mp4")}"')
        for duration, name in session.segments:
            lines += [f"#EXTINF:{duration:.3f},", default_storage.url(f"{session.directory}/{name}")]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def rendition_playlist(rendition: VodRendition) -> str:
    with default_storage.open(f"{rendition.directory}/index.m3u8") as f:
        text = f.read().decode()
    return hls_playlist_absolute(text, directory=rendition.directory)
