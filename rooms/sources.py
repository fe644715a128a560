"""A pasted link → a playable source, or a clear refusal.

Kinds: youtube, drive (embed; sync what it allows), spotify (audio-only listen-along,
each listener on their own account), video (direct file), hls (.m3u8), web (any page in a
sandboxed iframe, chat-only sync), live (a live stream of this site, played at its live edge:
see docs/streams.md "Watch together"). Only http(s) links; never javascript:, data: or file:.

Live sources come from the apps above rooms: each fills ``live_source_resolvers`` in its
AppConfig.ready (streams: streams.room_source), the way guilds fills selectors.insider_checks.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from config.errors import ApplicationError
from config.hooks import Hook

from .errors import PlaybackError

MAX_URL_LENGTH = 2000
VIDEO_EXTENSIONS = (".mp4", ".webm", ".ogv", ".ogg", ".mov", ".m4v")
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
DRIVE_ID = re.compile(r"^[A-Za-z0-9_-]{10,200}$")
SPOTIFY_ID = re.compile(r"^[A-Za-z0-9]{10,40}$")
SPOTIFY_TYPES = ("track", "album", "playlist", "episode", "show")


class SourceKind(StrEnum):
    YOUTUBE = "youtube"
    DRIVE = "drive"
    SPOTIFY = "spotify"
    VIDEO = "video"
    HLS = "hls"
    WEB = "web"
    LIVE = "live"


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    url: str
    media_id: str = ""
    start: float = 0.0
    title: str = ""  # what the link says it is (a live stream's title), when the adder gave none

    @property
    def is_synced(self) -> bool:
        """Web pages are shown side by side, not synced; everything else follows the room state."""
        return self.kind != SourceKind.WEB


# Each takes a pasted link and returns the live Source it names, None when the link isn't one of its
# own, or raises ApplicationError (an ended or unknown stream).
live_source_resolvers = Hook("(url) -> the Source a live link stands for, or None")


def invalid(message: str, url: str) -> ApplicationError:
    return ApplicationError(PlaybackError.SOURCE_INVALID, message, {"url": url[:200]})


def _youtube_start(query: dict) -> float:
    raw = (query.get("t") or query.get("start") or ["0"])[0]
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", raw)
    if not match:
        return 0.0
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def _youtube(host: str, path: str, query: dict) -> str | None:
    if host == "youtu.be":
        return path.strip("/").split("/")[0]
    if host in ("youtube.com", "youtube-nocookie.com") or host.endswith((".youtube.com", ".youtube-nocookie.com")):
        if path == "/watch":
            return (query.get("v") or [""])[0]
        match = re.match(r"^/(?:embed|shorts|live|v)/([^/?#]+)", path)
        return match.group(1) if match else None
    return None


def parse_source(raw: str) -> Source:
    url = (raw or "").strip()
    if not url:
        raise invalid("Paste a link to a video, song or page.", url)
    if len(url) > MAX_URL_LENGTH:
        raise invalid(f"Links are at most {MAX_URL_LENGTH} characters.", url)
    if (live := live_source_resolvers.first(url=url)) is not None:
        return live
    if url.startswith("spotify:"):
        parts = url.split(":")
        if len(parts) == 3 and parts[1] in SPOTIFY_TYPES and SPOTIFY_ID.match(parts[2]):
            return Source(SourceKind.SPOTIFY, f"https://open.spotify.com/{parts[1]}/{parts[2]}", f"{parts[1]}/{parts[2]}")
        raise invalid("That Spotify link isn't one we can play.", url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise invalid("Only http and https links can be played.", url)
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        raise invalid("That link has no host, or carries a password.", url)
    host = host.removeprefix("www.").removeprefix("m.").removeprefix("music.")
    path, query = parts.path, parse_qs(parts.query)

    youtube_id = _youtube(host, path, query)
    if youtube_id is not None:
        if not YOUTUBE_ID.match(youtube_id):
            raise invalid("That YouTube link has no valid video id.", url)
        return Source(SourceKind.YOUTUBE, f"https://www.youtube.com/watch?v={youtube_id}", youtube_id, _youtube_start(query))

    if host in ("drive.google.com", "docs.google.com"):
        match = re.match(r"^/file/d/([^/]+)", path)
        drive_id = match.group(1) if match else (query.get("id") or [""])[0]
        if not DRIVE_ID.match(drive_id):
            raise invalid("That Google Drive link has no file id.", url)
        return Source(SourceKind.DRIVE, f"https://drive.google.com/file/d/{drive_id}/view", drive_id)

    if host == "open.spotify.com":
        match = re.match(r"^/(?:intl-[a-z-]+/)?(track|album|playlist|episode|show)/([A-Za-z0-9]+)", path)
        if not match or not SPOTIFY_ID.match(match.group(2)):
            raise invalid("That Spotify link isn't a track, album, playlist, episode or show.", url)
        kind, spotify_id = match.groups()
        return Source(SourceKind.SPOTIFY, f"https://open.spotify.com/{kind}/{spotify_id}", f"{kind}/{spotify_id}")

    lowered = path.lower()
    if lowered.endswith(".m3u8"):
        return Source(SourceKind.HLS, url)
    if lowered.endswith(VIDEO_EXTENSIONS):
        return Source(SourceKind.VIDEO, url)
    return Source(SourceKind.WEB, url)
