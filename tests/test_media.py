"""/media/ on the embedded default (config.media): single byte ranges, conditional GET, no traversal."""

import os
from pathlib import Path

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.db import connections
from django.http import Http404
from django.test import AsyncRequestFactory, RequestFactory
from django.urls import resolve
from django.utils.http import http_date

from config.media import CHUNK, serve_media

SIZE = 200_000  # a little over three chunks
BODY = bytes(range(256)) * (SIZE // 256) + bytes(SIZE % 256)


@pytest.fixture(autouse=True)
def no_open_connection(django_db_blocker):
    """response.close() sends request_finished, which checks any open database connection: one a
    database test run before in the same (xdist) worker left open must not fail these."""
    with django_db_blocker.unblock():
        connections.close_all()


@pytest.fixture
def root(tmp_path):
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "clip.mp4").write_bytes(BODY)
    (tmp_path / "empty.webm").write_bytes(b"")
    (tmp_path.parent / "secret.txt").write_text("not media")
    return tmp_path


def get(root, path="videos/clip.mp4", **headers):
    request = RequestFactory().get(f"/media/{path}", headers=headers)
    return serve_media(request, path, document_root=str(root))


def body_of(response) -> bytes:
    chunks = list(response)
    assert all(len(chunk) <= CHUNK for chunk in chunks)  # streamed in bounded chunks
    response.close()
    return b"".join(chunks)


def test_media_urls_use_the_range_aware_view():
    assert resolve("/media/videos/clip.mp4").func is serve_media


def test_whole_file_advertises_ranges(root):
    response = get(root)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(SIZE)
    assert "Content-Range" not in response
    assert response["Last-Modified"] == http_date(os.stat(root / "videos" / "clip.mp4").st_mtime)
    assert body_of(response) == BODY


@pytest.mark.parametrize("header, start, end", [
    ("bytes=0-0", 0, 0),
    ("bytes=100-70000", 100, 70000),  # across chunk boundaries
    ("bytes=150000-", 150000, SIZE - 1),
    ("bytes=150000-999999999", 150000, SIZE - 1),  # the end is clamped to the file
    ("bytes=-500", SIZE - 500, SIZE - 1),
    ("bytes=-999999999", 0, SIZE - 1),  # a suffix longer than the file is the whole file
])
def test_single_range_gets_206(root, header, start, end):
    response = get(root, Range=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Content-Type"] == "video/mp4"
    assert body_of(response) == BODY[start:end + 1]


@pytest.mark.parametrize("header", ["bytes=200000-", "bytes=300000-300010", "bytes=-0"])
def test_unsatisfiable_range_gets_416(root, header):
    response = get(root, Range=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert response.content == b""


def test_any_range_of_an_empty_file_is_unsatisfiable(root):
    response = get(root, "empty.webm", Range="bytes=-10")
    assert (response.status_code, response["Content-Range"]) == (416, "bytes */0")
    assert get(root, "empty.webm").status_code == 200


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=5-1", "bytes=-", "items=0-1", "bytes=a-b"])
def test_multi_range_or_invalid_range_gets_the_whole_file(root, header):
    response = get(root, Range=header)
    assert response.status_code == 200
    assert response["Content-Length"] == str(SIZE)
    assert body_of(response) == BODY


def test_if_range_with_an_old_date_gets_the_whole_file(root):
    mtime = os.stat(root / "videos" / "clip.mp4").st_mtime
    assert get(root, Range="bytes=0-9", If_Range=http_date(mtime)).status_code == 206
    response = get(root, Range="bytes=0-9", If_Range=http_date(mtime - 3600))
    assert (response.status_code, response["Content-Length"]) == (200, str(SIZE))


def test_if_modified_since(root):
    mtime = os.stat(root / "videos" / "clip.mp4").st_mtime
    assert get(root, If_Modified_Since=http_date(mtime)).status_code == 304
    assert get(root, If_Modified_Since=http_date(mtime - 3600)).status_code == 200


@pytest.mark.parametrize("path", ["../secret.txt", "videos/../../secret.txt", "/etc/passwd", "videos/%2e%2e/../secret.txt"])
def test_paths_outside_the_root_are_refused(root, path):
    try:
        response = get(root, path)
    except (SuspiciousFileOperation, Http404):
        return  # SuspiciousFileOperation becomes a 400
    raise AssertionError(f"served {path}: {response.status_code}")


@pytest.mark.parametrize("path", ["videos", "videos/", "missing.mp4"])
def test_folders_and_missing_files_are_not_found(root, path):
    with pytest.raises(Http404):
        get(root, path)


def test_outside_the_root_over_http_is_a_400(client, settings):
    assert client.get("/media/../../etc/passwd").status_code in (400, 404)
    assert client.get("/media/%2e%2e/%2e%2e/etc/passwd").status_code == 400


@pytest.mark.asyncio
async def test_asgi_streams_chunk_by_chunk(root):
    # Django's ASGI handler reads a sync iterator whole; the view hands it an async one instead.
    request = AsyncRequestFactory().get("/media/videos/clip.mp4", headers={"Range": "bytes=10-"})
    response = serve_media(request, "videos/clip.mp4", document_root=str(root))
    assert response.is_async and response.status_code == 206
    chunks = [chunk async for chunk in response]
    response.close()
    assert [len(chunk) for chunk in chunks] == [CHUNK, CHUNK, CHUNK, SIZE - 10 - 3 * CHUNK]
    assert b"".join(chunks) == BODY[10:]


@pytest.mark.parametrize("name", ["page.html", "page.htm", "drawing.svg", "feed.xml", "app.js", "notes.txt", "noext"])
def test_an_upload_that_could_act_as_a_page_is_a_sandboxed_download(root, name, client):
    (root / name).write_text("<html><script>alert(document.cookie)</script></html>")
    response = get(root, name)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment"
    assert response["Content-Security-Policy"].endswith("sandbox")
    body_of(response)


@pytest.mark.parametrize(("name", "content_type"), [("a.png", "image/png"), ("a.webp", "image/webp"),
                                                     ("a.webm", "video/webm"), ("a.m3u8", "application/vnd.apple.mpegurl")])
def test_media_is_served_inline_with_its_type(root, name, content_type):
    (root / name).write_bytes(b"\x00" * 10)
    response = get(root, name)
    assert (response["Content-Type"], response.has_header("Content-Disposition")) == (content_type, False)
    body_of(response)


def test_uploads_are_nosniff_through_the_whole_stack(client, settings):
    upload = Path(settings.MEDIA_ROOT) / f"test-{os.getpid()}-page.html"  # where the URL conf serves from
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_text("<script>alert(1)</script>")
    try:
        response = client.get(f"/media/{upload.name}")
    finally:
        upload.unlink()
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].endswith("sandbox")  # ours, not the site's policy
    assert response["Content-Type"] == "application/octet-stream"
    b"".join(response.streaming_content)
    response.close()
