#!/usr/bin/env python
"""Live HLS latency, glass to hls.js player: the relay's HLS egress vs FFmpeg writing HLS directly.

The time is burned into the picture: every source frame carries its capture time (unix ms, 44 bits
as black/white 24 px blocks), and a Chromium page (static/js/hls_player.js + the vendored hls.js,
served with the HLS files by a small aiohttp server, playlists with Cache-Control: no-cache) reads
it back from each displayed frame (requestVideoFrameCallback → canvas) and records now − capture
time. Same machine, same clock. The page also records the player's own readout (program-date-time
based, what "HLS · 3.1 s behind live" shows) to check it against the burned truth.

Sources:
  ours h264  an aiortc publisher (H.264: the OBS / WHIP case) → a relay worker process (Relay +
             signalling, HLS on: media_relay.sfu.hls, files through media_relay.platform.hls_write
             into a temporary MEDIA_ROOT) → stream copy;
  ours vp8   the same with VP8 (a browser's camera): transcoded to H.264 in the relay;
  floor      PyAV in its own process encoding the same burned frames (libx264 ultrafast/zerolatency,
             a key frame a second) straight into FFmpeg's hls muxer with the same segment settings:
             no WebRTC, no relay, no depacketizing — what HLS itself costs with 1 s segments.

For each source: median and p95 of glass → player over the measuring window, the player's readout
median, and (ours) the relay process's CPU. Ratios ours / floor in the last column.

Run:
    .venv/bin/python bench/hls_latency.py             # 30 s per source after a 10 s warm-up
    .venv/bin/python bench/hls_latency.py --smoke     # does it still run? (4 s per source)
Bounded: every wait has a timeout; child processes are stopped on exit; only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

WIDTH, HEIGHT, FPS = 320, 240, 30
BLOCK, COLUMNS, ROWS = 24, 11, 4  # 44 bits of unix milliseconds
ROOM = "bench-hls"
CHROMIUM = "/usr/bin/chromium"


# ------------------------------------------------------------------ the burned clock


def clock_frame(ms: int):
    import av

    frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
    luma = bytearray(b"\x50" * (WIDTH * HEIGHT))
    for bit in range(COLUMNS * ROWS):
        value = 235 if ms >> bit & 1 else 16
        x, y = bit % COLUMNS * BLOCK, bit // COLUMNS * BLOCK
        for row in range(y, y + BLOCK):
            luma[row * WIDTH + x: row * WIDTH + x + BLOCK] = bytes([value]) * BLOCK
    frame.planes[0].update(bytes(luma))
    frame.planes[1].update(b"\x80" * frame.planes[1].buffer_size)
    frame.planes[2].update(b"\x80" * frame.planes[2].buffer_size)
    return frame


def clock_track():
    from aiortc import VideoStreamTrack

    class ClockTrack(VideoStreamTrack):
        async def recv(self):
            pts, time_base = await self.next_timestamp()
            frame = clock_frame(int(time.time() * 1000))
            frame.pts, frame.time_base = pts, time_base
            return frame

    return ClockTrack()


PAGE = """<!doctype html><html><body>
<figure data-hls-player data-src="{src}" data-hls-script="/static/vendor/hls.js/hls.min.js">
<video playsinline muted autoplay></video><figcaption data-hls-readout></figcaption></figure>
<canvas width="{w}" height="{h}" hidden></canvas>
<script type="module">
import "/static/js/hls_player.js";
window.samples = []; window.readouts = [];
const figure = document.querySelector("figure");
setInterval(() => {{ if (figure.dataset.state === "playing" && figure.dataset.latencyMs) window.readouts.push(+figure.dataset.latencyMs); }}, 500);
const video = document.querySelector("video"), ctx = document.querySelector("canvas").getContext("2d", {{ willReadFrequently: true }});
const onFrame = () => {{
  if (video.videoWidth === {w}) {{
    ctx.drawImage(video, 0, 0);
    const pixels = ctx.getImageData(0, 0, {w}, {h}).data;
    let ms = 0;
    for (let bit = {bits} - 1; bit >= 0; bit--) {{
      const x = (bit % {cols}) * {b} + {b} / 2, y = Math.floor(bit / {cols}) * {b} + {b} / 2;
      ms = ms * 2 + (pixels[(y * {w} + x) * 4] > 128 ? 1 : 0);
    }}
    window.samples.push(Date.now() - ms);
  }}
  video.requestVideoFrameCallback(onFrame);
}};
video.requestVideoFrameCallback(onFrame);
</script></body></html>"""


# ------------------------------------------------------------------ children


async def relay_child(secret: str) -> None:
    """A relay worker writing room ROOM as HLS through the platform's storage writer."""
    import django

    django.setup()
    from media_relay.platform import hls_write
    from media_relay.sfu.conf import RelayConfig
    from media_relay.sfu.relay import Relay
    from media_relay.sfu.server import SignallingServer

    relay = Relay(RelayConfig(host="127.0.0.1", port=0, ice_addresses=["127.0.0.1"]))
    relay.on_hls_write = hls_write
    server = SignallingServer(relay, secret=secret.encode())
    print(f"READY {await server.start()}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    while not stop.is_set():
        if ROOM in relay.rooms and ROOM not in relay.hls:
            relay.start_hls(ROOM)
        try:
            await asyncio.wait_for(stop.wait(), 0.05)
        except TimeoutError:
            pass
    await relay.stop_hls(ROOM)
    await server.close()


def floor_child(directory: str) -> None:
    """FFmpeg's hls muxer fed straight from PyAV: burned frames, x264 ultrafast/zerolatency, 1 s segments."""
    import av

    os.makedirs(directory, exist_ok=True)
    out = av.open(os.path.join(directory, "live.m3u8"), "w", format="hls", options={
        "hls_time": "1", "hls_list_size": "6", "hls_segment_type": "fmp4", "hls_flags":
        "independent_segments+program_date_time+temp_file+delete_segments",
        "hls_segment_filename": os.path.join(directory, "seg%05d.m4s")})
    stream = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "tune": "zerolatency",
                                                          "threads": "1", "g": str(FPS)})
    stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    running = True
    signal.signal(signal.SIGTERM, lambda *_: globals().__setitem__("_floor_stop", True))
    start, n = time.monotonic(), 0
    while running and not globals().get("_floor_stop"):
        wait = start + n / FPS - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        frame = clock_frame(int(time.time() * 1000))
        frame.pts, frame.time_base = n, fractions.Fraction(1, FPS)
        out.mux(stream.encode(frame))
        n += 1
    out.mux(stream.encode(None))
    out.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ measuring


async def serve(media: Path) -> tuple[object, int]:
    from aiohttp import web

    @web.middleware
    async def no_cache(request, handler):
        response = await handler(request)
        if request.path.endswith(".m3u8"):
            response.headers["Cache-Control"] = "no-cache"
        return response

    app = web.Application(middlewares=[no_cache])
    app.router.add_get("/page", lambda request: web.Response(text=PAGE.format(
        src=request.query["src"], w=WIDTH, h=HEIGHT, bits=COLUMNS * ROWS, cols=COLUMNS, b=BLOCK),
        content_type="text/html"))
    app.router.add_static("/static/", ROOT / "static")
    app.router.add_static("/media/", media)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


async def wait_for_playlist(media: Path, pattern: str, timeout: float = 30.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for playlist in media.glob(pattern):
            if playlist.read_text().count(".m4s") >= 2:
                return playlist
        await asyncio.sleep(0.2)
    raise TimeoutError(f"no playlist {pattern}")


async def play(browser, port: int, src: str, *, warmup: float, seconds: float) -> tuple[list, list]:
    page = await browser.new_page()
    if os.environ.get("BENCH_DEBUG"):
        page.on("console", lambda message: print("console:", message.text, flush=True))
        page.on("requestfailed", lambda request: print("failed:", request.url, flush=True))
    try:
        await page.goto(f"http://127.0.0.1:{port}/page?src={src}")
        try:
            await page.wait_for_function("window.samples && window.samples.length > 0", timeout=30_000)
        except Exception:
            state = await page.evaluate("[document.querySelector('figure').dataset.state, "
                                        "document.querySelector('video').videoWidth, "
                                        "document.querySelector('video').currentTime]")
            raise TimeoutError(f"no frame read from {src}: player {state}") from None
        await asyncio.sleep(warmup)
        await page.evaluate("window.samples = []; window.readouts = []")
        await asyncio.sleep(seconds)
        return await page.evaluate("window.samples"), await page.evaluate("window.readouts")
    finally:
        await page.close()


async def ours(browser, port: int, root: Path, codec: str, *, warmup: float, seconds: float) -> dict:
    from aiortc import RTCRtpSender

    from media_relay.sfu.tokens import issue_token
    from tests.media_relay.peers import RelayClient, ToneTrack

    secret = secrets.token_hex(8)
    media = root / f"ours-{codec.lower()}"  # the relay's MEDIA_ROOT: one per source
    env = {**os.environ, "MEDIA_ROOT": str(media), "PYTHONPATH": str(ROOT)}
    child = await asyncio.create_subprocess_exec(sys.executable, __file__, "--relay-child", secret, env=env,
                                                 stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    client = None
    try:
        line = (await asyncio.wait_for(child.stdout.readline(), 30)).decode()
        token = issue_token(secret=secret.encode(), room=ROOM, peer="host", perms=["join", "publish_audio",
                                                                                    "publish_video"])
        client = await RelayClient(f"ws://127.0.0.1:{line.split()[1]}/", token, name="host").connect()
        await client.join(ROOM)
        from aiortc import RTCConfiguration, RTCPeerConnection

        client.pub_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        client.pub_pc.addTransceiver(ToneTrack(440), direction="sendonly")
        video = client.pub_pc.addTransceiver(clock_track(), direction="sendonly")
        video.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs
                                   if c.name in (codec, "rtx")])
        reply = await client.request({"type": "produce", "sdp": (await _offer(client.pub_pc)).sdp})
        from aiortc import RTCSessionDescription

        await client.pub_pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
        playlist = await wait_for_playlist(media, f"live/{ROOM}/*/live.m3u8")
        cpu_before, wall_before = cpu_seconds(child.pid), time.monotonic()
        samples, readouts = await play(browser, port, f"/media/{playlist.relative_to(root)}", warmup=warmup,
                                       seconds=seconds)
        cpu = (cpu_seconds(child.pid) - cpu_before) / (time.monotonic() - wall_before) * 100
        segments = playlist.read_text().count(".m4s")
        return {"samples": samples, "readouts": readouts, "cpu": cpu, "segments": segments}
    finally:
        if client is not None:
            await client.close()
        if child.returncode is None:
            child.send_signal(signal.SIGTERM)
            await asyncio.wait_for(child.wait(), 30)


async def _offer(pc):
    await pc.setLocalDescription(await pc.createOffer())
    return pc.localDescription


async def floor(browser, port: int, media: Path, *, warmup: float, seconds: float) -> dict:
    child = subprocess.Popen([sys.executable, __file__, "--floor-child", str(media / "floor")])
    try:
        await wait_for_playlist(media, "floor/live.m3u8")
        samples, readouts = await play(browser, port, "/media/floor/live.m3u8", warmup=warmup, seconds=seconds)
        return {"samples": samples, "readouts": readouts, "cpu": None}
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(30)


def pct(values: list, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args) -> None:
    from playwright.async_api import async_playwright

    warmup, seconds = (2.0, 4.0) if args.smoke else (10.0, args.seconds)
    with tempfile.TemporaryDirectory(prefix="bench-hls-") as tmp:
        media = Path(tmp)
        runner, port = await serve(media)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--autoplay-policy=no-user-gesture-required"])
            results = {}
            results["floor (PyAV → hls muxer)"] = await floor(browser, port, media, warmup=warmup, seconds=seconds)
            for codec in ("H264", "VP8"):
                label = f"ours {codec.lower()} ({'copy' if codec == 'H264' else 'VP8 → H.264'})"
                results[label] = await ours(browser, port, media, codec, warmup=warmup, seconds=seconds)
            await browser.close()
        await runner.cleanup()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"hls_latency-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results))
    floor_median = statistics.median(results["floor (PyAV → hls muxer)"]["samples"])
    print(f"glass → hls.js player, {seconds:.0f} s per source after {warmup:.0f} s warm-up, 1 s segments, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"{'source':32} {'frames':>7} {'median ms':>10} {'p95 ms':>8} {'readout ms':>11} {'relay CPU %':>12} "
          f"{'× floor':>8}")
    for label, result in results.items():
        samples = result["samples"]
        median = statistics.median(samples)
        readout = statistics.median(result["readouts"]) if result["readouts"] else float("nan")
        cpu = f"{result['cpu']:.1f}" if result["cpu"] is not None else "-"
        print(f"{label:32} {len(samples):>7} {median:>10.0f} {pct(samples, 0.95):>8.0f} {readout:>11.0f} {cpu:>12} "
              f"{median / floor_median:>8.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--relay-child":
        asyncio.run(relay_child(sys.argv[2]))
    elif len(sys.argv) > 2 and sys.argv[1] == "--floor-child":
        floor_child(sys.argv[2])
    else:
        parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--smoke", action="store_true", help="4 s per source: does it still run?")
        parser.add_argument("--seconds", type=float, default=30.0, help="measuring window per source")
        asyncio.run(main(parser.parse_args()))
