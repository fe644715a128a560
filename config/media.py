"""/media/ on the embedded default: django.views.static.serve plus single byte ranges.

Chromium seeks a <video> only in media answered with 206 Partial Content, and Django's serve()
ignores Range. No maintained library fits: whitenoise serves only the files it found at start-up
(uploads come later), django-sendfile needs a front server. Multi-range requests get the whole
file with 200, which RFC 9110 allows.
"""

import mimetypes
import posixpath
import re
from pathlib import Path

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.static import was_modified_since

CHUNK = 64 * 1024
SINGLE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# Uploads are served inline only as media: images (never SVG, which runs scripts), video, audio, playlists and
# captions. Anything else (HTML, SVG, XML, scripts...) is a download, and every answer is sandboxed, so an
# upload can never act as a page of this site.
INLINE_PREFIXES = ("image/", "video/", "audio/")
INLINE_TYPES = {"application/vnd.apple.mpegurl", "application/x-mpegurl", "text/vtt"}
NEVER_INLINE = {"image/svg+xml"}
SANDBOX = "default-src 'none'; media-src 'self'; img-src 'self'; sandbox"


def served_type(guessed: str | None) -> tuple[str, bool]:
    """(Content-Type, inline?) for a file whose extension suggests `guessed`."""
    if guessed and guessed not in NEVER_INLINE and (guessed.startswith(INLINE_PREFIXES) or guessed in INLINE_TYPES):
        return guessed, True
    return "application/octet-stream", False


class RangeNotSatisfiable(Exception):
    pass


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte, inclusive, of a single `bytes=` range; None to send the whole file.

    Raises RangeNotSatisfiable when the range lies past the end (or the file is empty).
    """
    match = SINGLE_RANGE.fullmatch(header.strip())
    if match is None:  # absent, malformed, another unit or several ranges
        return None
    first, last = match.groups()
    if first:
        start = int(first)
        if last and int(last) < start:
            return None  # invalid, so ignored
        if start >= size:
            raise RangeNotSatisfiable
        return start, min(int(last), size - 1) if last else size - 1
    if not last:
        return None  # "bytes=-"
    length = int(last)
    if length == 0 or size == 0:
        raise RangeNotSatisfiable
    return max(0, size - length), size - 1


class FileWindow:
    """Bytes start..end (inclusive) of a file, read in chunks. No fileno(), so no server sends past end."""

    def __init__(self, path: Path, start: int, end: int):
        self.file = path.open("rb")
        self.file.seek(start)
        self.remaining = end - start + 1

    def read(self, size: int = -1) -> bytes:
        size = self.remaining if size < 0 else min(size, self.remaining)
        data = self.file.read(size)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.file.close()


async def read_async(window: FileWindow):
    # Django's ASGI handler would read a sync iterator whole into memory before sending a byte.
    read = sync_to_async(window.read, thread_sensitive=False)
    while chunk := await read(CHUNK):
        yield chunk


def serve_media(request, path: str, document_root: str):
    path = posixpath.normpath(path).lstrip("/")  # as django.views.static.serve
    fullpath = Path(safe_join(document_root, path))  # SuspiciousFileOperation (400) outside the root
    if not fullpath.is_file():
        raise Http404("No such file.")
    stat = fullpath.stat()
    last_modified = http_date(stat.st_mtime)
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), stat.st_mtime):
        return HttpResponseNotModified()

    size = stat.st_size
    header = request.headers.get("Range", "")
    if request.headers.get("If-Range", last_modified) != last_modified:
        header = ""  # the file changed since the client's copy: send all of it
    try:
        window = byte_range(header, size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response.headers["Content-Range"] = f"bytes */{size}"
        return response

    guessed, encoding = mimetypes.guess_type(str(fullpath))
    content_type, inline = served_type(guessed)
    start, end = window or (0, size - 1)
    body = FileWindow(fullpath, start, end)
    response = FileResponse(body, status=206 if window else 200, content_type=content_type)
    response.headers["Content-Security-Policy"] = SANDBOX  # /media/ is outside django-csp (EXCLUDE_URL_PREFIXES)
    if not inline:
        response.headers["Content-Disposition"] = "attachment"
    response.block_size = CHUNK
    if isinstance(request, ASGIRequest):
        response.streaming_content = read_async(body)
    response.headers["Content-Length"] = str(end - start + 1)
    if window:
        response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Last-Modified"] = last_modified
    if encoding:
        response.headers["Content-Encoding"] = encoding
    return response
