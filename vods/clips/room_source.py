"""Watch together, after the fact: a VOD (/v/<id>/) or a clip (/clip/<slug>/) of this site pasted in a
watch-party room plays there as an HLS item (seekable, synced like any direct HLS link; voice is the
room's). Registered in rooms.sources.live_source_resolvers by VodsConfig.ready, like streams' live links.

A room is shared with whoever joins it, so only what anyone may watch resolves: a public, ready VOD, a
visible clip. The VOD plays its source rendition (the stream's complete HLS session).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.contrib.auth.models import AnonymousUser

from config.errors import ConflictError, NotFoundError
from rooms.errors import PlaybackError
from rooms.sources import Source, SourceKind
from streams.room_source import is_this_site

from ..models import ClipStatus, Vod
from ..selectors import vod_watchable
from .selectors import clip_get_for_user
from .sources import clip_playlist_url, vod_playlist_url, vod_session

VOD_PATH = re.compile(r"^/v/(\d{1,12})/?$")
CLIP_PATH = re.compile(r"^/clip/([A-Za-z0-9]{1,16})/?$")


def _not_found(url: str) -> NotFoundError:
    return NotFoundError(PlaybackError.LIVE_SOURCE_NOT_FOUND, "No such VOD or clip, or it isn't public.",
                         {"url": url[:200]})


def vod_or_clip_source_resolve(url: str) -> Source | None:
    """A link to a VOD or clip of this site → an HLS Source; None for any other link."""
    if not is_this_site(url):
        return None
    path = urlsplit(url).path
    if match := VOD_PATH.match(path):
        vod = Vod.objects.select_related("channel").filter(pk=int(match.group(1))).first()
        if vod is None or not vod_watchable(user=AnonymousUser(), vod=vod):
            raise _not_found(url)
        session = vod_session(vod=vod)
        if session is None:
            raise ConflictError(PlaybackError.SOURCE_INVALID, "This VOD has no recording to play yet.",
                                {"url": url[:200]})
        return Source(SourceKind.HLS, vod_playlist_url(vod, session), f"vod:{vod.pk}", title=f"{vod.title} · {vod.channel.name}")
    if match := CLIP_PATH.match(path):
        try:
            clip = clip_get_for_user(user=AnonymousUser(), slug=match.group(1))
        except NotFoundError:
            raise _not_found(url) from None
        if clip.status != ClipStatus.READY:
            raise _not_found(url)
        return Source(SourceKind.HLS, clip_playlist_url(clip.slug), f"clip:{clip.slug}",
                      title=f"{clip.title} · {clip.channel.name}")
    return None
