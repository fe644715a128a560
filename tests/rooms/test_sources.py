"""rooms.sources.parse_source: a pasted link → a playable source, or a refusal (source_invalid)."""

import pytest

from config.errors import ApplicationError
from rooms.sources import MAX_URL_LENGTH, Source, SourceKind, parse_source

YT = "dQw4w9WgXcQ"
YT_CANONICAL = f"https://www.youtube.com/watch?v={YT}"
DRIVE_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz012345"
SPOTIFY_ID = "4uLU6hMCjMI75M1A2tKUQC"


# -- YouTube ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={YT}",
        f"https://youtube.com/watch?v={YT}&list=PL123&index=2",
        f"http://www.youtube.com/watch?feature=share&v={YT}",
        f"https://youtu.be/{YT}",
        f"https://youtu.be/{YT}?si=abc",
        f"https://www.youtube.com/shorts/{YT}",
        f"https://www.youtube.com/embed/{YT}?autoplay=1",
        f"https://www.youtube-nocookie.com/embed/{YT}",
        f"https://www.youtube.com/live/{YT}?feature=share",
        f"https://m.youtube.com/watch?v={YT}",
        f"https://music.youtube.com/watch?v={YT}&feature=share",
        f"  https://www.youtube.com/watch?v={YT}  ",
        f"HTTPS://WWW.YOUTUBE.COM/watch?v={YT}",
    ],
)
def test_youtube_links(url):
    assert parse_source(url) == Source(SourceKind.YOUTUBE, YT_CANONICAL, YT, 0.0)


@pytest.mark.parametrize(
    "url, start",
    [
        (f"https://youtu.be/{YT}?t=65", 65.0),
        (f"https://youtu.be/{YT}?t=65s", 65.0),
        (f"https://www.youtube.com/watch?v={YT}&t=1m5s", 65.0),
        (f"https://www.youtube.com/watch?v={YT}&t=1h2m3s", 3723.0),
        (f"https://www.youtube.com/embed/{YT}?start=30", 30.0),
        (f"https://www.youtube.com/watch?v={YT}&t=soon", 0.0),
    ],
)
def test_youtube_start_time(url, start):
    source = parse_source(url)
    assert (source.kind, source.media_id, source.start) == (SourceKind.YOUTUBE, YT, start)


# -- Google Drive -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        f"https://drive.google.com/file/d/{DRIVE_ID}/view",
        f"https://drive.google.com/file/d/{DRIVE_ID}/view?usp=sharing",
        f"https://drive.google.com/file/d/{DRIVE_ID}/preview",
        f"https://drive.google.com/open?id={DRIVE_ID}",
        f"https://docs.google.com/file/d/{DRIVE_ID}/edit",
    ],
)
def test_drive_links(url):
    assert parse_source(url) == Source(SourceKind.DRIVE, f"https://drive.google.com/file/d/{DRIVE_ID}/view", DRIVE_ID)


# -- Spotify ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["track", "album", "playlist", "episode", "show"])
@pytest.mark.parametrize("prefix", ["", "intl-de/", "intl-pt/"])
def test_spotify_links(kind, prefix):
    source = parse_source(f"https://open.spotify.com/{prefix}{kind}/{SPOTIFY_ID}?si=xyz")
    assert source == Source(SourceKind.SPOTIFY, f"https://open.spotify.com/{kind}/{SPOTIFY_ID}", f"{kind}/{SPOTIFY_ID}")
    assert source.is_synced


@pytest.mark.parametrize("kind", ["track", "album", "playlist", "episode"])
def test_spotify_uris(kind):
    assert parse_source(f"spotify:{kind}:{SPOTIFY_ID}") == Source(
        SourceKind.SPOTIFY, f"https://open.spotify.com/{kind}/{SPOTIFY_ID}", f"{kind}/{SPOTIFY_ID}"
    )


# -- files, streams, pages -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url, kind",
    [
        ("https://cdn.example.com/films/short.mp4", SourceKind.VIDEO),
        ("https://cdn.example.com/films/SHORT.MP4?token=abc", SourceKind.VIDEO),
        ("https://cdn.example.com/clip.webm", SourceKind.VIDEO),
        ("http://media.example.org/a/b/c.mov", SourceKind.VIDEO),
        ("https://live.example.com/stream/index.m3u8", SourceKind.HLS),
        ("https://live.example.com/stream/master.M3U8?sig=1", SourceKind.HLS),
        ("https://example.com/", SourceKind.WEB),
        ("https://example.com/articles/42", SourceKind.WEB),
        ("https://vimeo.com/76979871", SourceKind.WEB),
    ],
)
def test_files_streams_and_pages(url, kind):
    source = parse_source(url)
    assert (source.kind, source.url, source.media_id, source.start) == (kind, url, "", 0.0)
    assert source.is_synced is (kind != SourceKind.WEB)


@pytest.mark.parametrize(
    "url",
    [f"https://notyoutube.com/watch?v={YT}", "https://myyoutube.com/page", "https://evilyoutu.be/abc"],
)
def test_lookalike_hosts_are_not_youtube(url):
    # Only youtube.com (and its subdomains) and youtu.be are YouTube; other hosts are web pages.
    assert parse_source(url).kind == SourceKind.WEB


# -- refusals ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://files.example.com/film.mp4",
        "",
        "   ",
        None,
        "https://" + "a" * MAX_URL_LENGTH + ".mp4",
        "https://user:secret@example.com/film.mp4",
        "https://user@example.com/film.mp4",
        "https:///film.mp4",
        "example.com/film.mp4",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch",
        f"https://youtu.be/{YT}x",
        "https://youtu.be/",
        "https://www.youtube.com/embed/<script>",
        "https://drive.google.com/file/d/short/view",
        "https://drive.google.com/open",
        "https://open.spotify.com/artist/4uLU6hMCjMI75M1A2tKUQC",
        "https://open.spotify.com/track/",
        "spotify:track:not-an-id!",
        "spotify:user:someone",
        f"spotify:track:{SPOTIFY_ID}:extra",
    ],
)
def test_refusals(url):
    with pytest.raises(ApplicationError) as info:
        parse_source(url)
    err = info.value
    assert err.code == "source_invalid"
    assert err.message
    assert set(err.extra) == {"url"}
    assert len(err.extra["url"]) <= 200


def test_a_url_of_exactly_the_limit_is_fine():
    url = "https://example.com/" + "a" * (MAX_URL_LENGTH - len("https://example.com/"))
    assert len(url) == MAX_URL_LENGTH
    assert parse_source(url).kind == SourceKind.WEB
    with pytest.raises(ApplicationError):
        parse_source(url + "a")
