"""Helpers for the browser-side tests and the sync bench: a static file server that answers
Range requests (Chromium can only seek in media served with ranges; Python's http.server and
django.views.static.serve don't do ranges) and small generated media files (PyAV, no network).
"""

import functools
import http.server
import mimetypes
import os
import re
import threading
from fractions import Fraction
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
TYPES = {
    ".js": "text/javascript", ".mjs": "text/javascript", ".html": "text/html; charset=utf-8",
    ".mp4": "video/mp4", ".webm": "video/webm", ".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t",
    ".css": "text/css",
}


class MountHandler(http.server.SimpleHTTPRequestHandler):
    """GET/HEAD from several folders by URL prefix, with single byte ranges."""

    mounts: dict[str, Path] = {}

    def log_message(self, *args):
        pass

    def translate_path(self, path):
        path = path.split("?", 1)[0].split("#", 1)[0]
        for prefix, folder in self.mounts.items():
            if path.startswith(prefix):
                relative = Path(os.path.normpath("/" + path[len(prefix):])).relative_to("/")
                return str(folder / relative)
        return str(Path("/nonexistent") / "x")

    def guess_type(self, path):
        return TYPES.get(Path(path).suffix, None) or mimetypes.guess_type(path)[0] or "application/octet-stream"

    def end_headers(self):
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def send_head(self):
        path = self.translate_path(self.path)
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        if not match or not os.path.isfile(path):
            self._remaining = None
            return super().send_head()
        size = os.path.getsize(path)
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:  # suffix range: the last N bytes
            start, end = max(0, size - int(match.group(2) or 0)), size - 1
        if start >= size:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return None
        handle = open(path, "rb")  # noqa: SIM115 - closed by the base class after copyfile
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._remaining = end - start + 1
        return handle

    def copyfile(self, source, outputfile):
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            return super().copyfile(source, outputfile)
        while remaining > 0:
            chunk = source.read(min(64 * 1024, remaining))
            if not chunk:
                break
            try:
                outputfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            remaining -= len(chunk)


class StaticServer:
    """serve({"/static/": path, ...}) on 127.0.0.1 in a daemon thread; .url, .stop()."""

    def __init__(self, mounts: dict[str, Path]):
        handler = type("Handler", (MountHandler,), {"mounts": {k: Path(v) for k, v in mounts.items()}})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _video_frame(av, index: int, width: int, height: int, shade: int):
    """A flat frame with a white bar that moves 4 px per frame (so frames differ)."""
    frame = av.VideoFrame(width, height, "yuv420p")
    luma = frame.planes[0]
    row = bytearray([shade]) * luma.line_size
    x = (index * 4) % (width - 8)
    row[x:x + 8] = b"\xff" * 8
    luma.update(bytes(row) * height)
    for plane in frame.planes[1:]:
        plane.update(bytes([128]) * (plane.line_size * plane.height))
    frame.pts = index
    return frame


def _encode(output, *, seconds: float, width: int, height: int, fps: int, shade: int, audio: bool):
    import av

    video = output.add_stream("libx264", rate=fps)
    video.width, video.height, video.pix_fmt = width, height, "yuv420p"
    video.gop_size = fps  # a keyframe a second keeps seeks cheap
    video.options = {"preset": "ultrafast"}
    sound = None
    if audio:
        # A silent AAC track: with audio, Chromium's media clock is the audio clock, as for real films.
        sound = output.add_stream("aac", rate=48000)
        sound.layout = "mono"
    for index in range(int(seconds * fps)):
        for packet in video.encode(_video_frame(av, index, width, height, shade)):
            output.mux(packet)
    for packet in video.encode():
        output.mux(packet)
    if sound is not None:
        samples, total = 1024, int(seconds * 48000)
        silence = bytes(4 * samples)
        for start in range(0, total, samples):
            frame = av.AudioFrame(format="fltp", layout="mono", samples=samples)
            frame.planes[0].update(silence)
            frame.sample_rate = 48000
            frame.pts = start
            frame.time_base = Fraction(1, 48000)
            for packet in sound.encode(frame):
                output.mux(packet)
        for packet in sound.encode():
            output.mux(packet)


def make_video(path: Path, *, seconds: float = 30, width: int = 320, height: int = 240, fps: int = 25,
               shade: int = 60, audio: bool = True, title: str = "") -> Path:
    """An H.264 (+ silent AAC) MP4, faststart so playback starts before the whole file arrived."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as output:
        if title:
            output.metadata["title"] = title
        _encode(output, seconds=seconds, width=width, height=height, fps=fps, shade=shade, audio=audio)
    return path


def make_hls(folder: Path, *, seconds: float = 8, segment: int = 2) -> Path:
    """A VOD HLS stream (H.264 + AAC in MPEG-TS segments); returns the playlist path."""
    import av

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    playlist = folder / "index.m3u8"
    options = {"hls_time": str(segment), "hls_playlist_type": "vod",
               "hls_segment_filename": str(folder / "seg%03d.ts")}
    with av.open(str(playlist), "w", format="hls", options=options) as output:
        _encode(output, seconds=seconds, width=320, height=240, fps=25, shade=90, audio=True)
    return playlist


# -- the browser -------------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # as tests/e2e/conftest.py
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
JS_TESTS_DIR = Path(__file__).resolve().parent


def js_test_server(media_dir: Path | None = None) -> StaticServer:
    """/static/ (the real static folder), /js-tests/ (this folder) and optionally /media/."""
    mounts = {"/static/": BASE_DIR / "static", "/js-tests/": JS_TESTS_DIR}
    if media_dir is not None:
        mounts["/media/"] = Path(media_dir)
    return StaticServer(mounts)


def js_test_names(suite: str) -> list[str]:
    """The test names a suite registers, read from its source (for pytest parametrization)."""
    source = (JS_TESTS_DIR / suite).read_text()
    return re.findall(r'^test\("((?:[^"\\]|\\.)*)"', source, flags=re.MULTILINE)


def run_js_suite(page, server: StaticServer, suite: str, timeout_ms: int = 60_000) -> dict:
    """Load runner.html?suite=… and return {name: {ok, error?}}."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}/js-tests/runner.html?suite={suite}")
    try:
        page.wait_for_function("window.__results !== undefined", timeout=timeout_ms)
    except Exception as exc:  # noqa: BLE001 - say why the suite never finished
        raise AssertionError(f"{suite} did not finish; page errors: {errors}") from exc
    return page.evaluate("window.__results")


def js_suite_results(suite: str, *, media_dir: Path | None = None, timeout_ms: int = 60_000) -> dict:
    """Run one suite in Debian's headless chromium: {name: {ok, error?}}."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (scripts/ensure-chromium).")
    from playwright.sync_api import sync_playwright

    server = js_test_server(media_dir)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return run_js_suite(browser.new_page(), server, suite, timeout_ms)
            finally:
                browser.close()
    finally:
        server.stop()
