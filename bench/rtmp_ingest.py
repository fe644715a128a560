#!/usr/bin/env python
"""RTMP ingest (media_relay.sfu.rtmp): its CPU per stream and the time from RTMP connect to the first frame
at a viewer, next to FFmpeg doing the same media work alone.

Processes (all on 127.0.0.1):
  * the publisher: tests/media_relay/rtmp_publisher.py (PyAV's flv muxer over RTMP, libx264 + AAC, real time);
  * ours: the ingest (RtmpIngest) in its own process, publishing into a relay over WHIP;
  * the relay (its WHIP/WHEP endpoint, a fixed stream key) and a WHEP viewer that decodes the video, here;
  * the peer: FFmpeg alone (PyAV in its own process): the same RTMP listener and demuxer, video passed
    through h264_mp4toannexb or decoded and encoded again with libx264, AAC decoded and encoded as Opus,
    nothing sent anywhere: the media work without the WebRTC leg (packetizing, SRTP, pacing, Python).

Per mode (baseline H.264 passed through; main profile with B-frames, re-encoded) it prints the CPU of
ours and of the peer (% of one core, from /proc/<pid>/stat over the publisher's run), their ratio, and
ours' time from the publisher's connect to the viewer's first decoded frame.

    .venv/bin/python bench/rtmp_ingest.py                 # 1280x720, 10 s per mode
    .venv/bin/python bench/rtmp_ingest.py --smoke         # does it still run? (320x180, 2 s, passed through)
Bounded: every wait has a timeout, every process is stopped on exit. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
KEY = "wtsk_bench"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def run_ours(whip_url: str, ports: mp.Queue) -> None:
    """The ingest, as manage.py rtmp_ingest runs it, with a fixed key instead of the database."""
    from media_relay.errors import RelayError, RelayErrorCode
    from media_relay.sfu import hooks
    from media_relay.sfu.rtmp import RtmpIngest

    hooks.restrict_host_addresses(["127.0.0.1"])

    async def authenticate(key: str) -> str:
        if key != KEY:
            raise RelayError(RelayErrorCode.UNAUTHORIZED, "Invalid stream key.")
        return whip_url

    async def main() -> None:
        ingest = RtmpIngest(authenticate=authenticate, host="127.0.0.1", port=0)
        ports.put(await ingest.start())
        await asyncio.Event().wait()

    asyncio.run(main())


def run_peer(port: int, reencode: bool, ready: mp.Queue) -> None:
    """FFmpeg alone: the same listener, demuxer and codec work as the ingest, for one publisher."""
    import av

    ready.put(port)
    container = av.open(f"rtmp://127.0.0.1:{port}/live/{KEY}", options={"listen": "1"}, timeout=(30, 10))
    video, audio = container.streams.video[0], container.streams.audio[0]
    annexb = av.bitstream.BitStreamFilterContext("h264_mp4toannexb", video)
    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height, encoder.pix_fmt = video.width, video.height, "yuv420p"
    encoder.options = {"preset": "ultrafast", "tune": "zerolatency", "profile": "baseline"}
    encoder.time_base = video.time_base
    opus = av.CodecContext.create("libopus", "w")
    opus.sample_rate, opus.layout, opus.format = 48000, "stereo", "s16"
    resampler = av.AudioResampler(format="s16", layout="stereo", rate=48000, frame_size=960)
    try:
        for packet in container.demux(video, audio):
            if packet.size == 0:
                continue
            if packet.stream is video and not reencode:
                annexb.filter(packet)
            elif packet.stream is video:
                for frame in packet.decode():
                    frame.pict_type = av.video.frame.PictureType.NONE
                    encoder.encode(frame)
            else:
                for decoded in packet.decode():
                    decoded.pts = None
                    for frame in resampler.resample(decoded):
                        opus.encode(frame)
    except (av.error.FFmpegError, OSError):
        pass


async def published(proc: asyncio.subprocess.Process, timeout: float) -> int:
    """Wait for the publisher to end: the frames it sent (it may fall behind real time on a busy machine)."""
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    return next((int(line.split()[1]) for line in out.decode().splitlines() if line.startswith("PUBLISHED")), 0)


async def publish(port: int, seconds: float, size: str, bframes: bool) -> tuple[asyncio.subprocess.Process, float]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.media_relay.rtmp_publisher", f"rtmp://127.0.0.1:{port}/live/{KEY}", str(seconds),
        size, *(["--bframes"] if bframes else []), cwd=str(ROOT), stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().split()
    return proc, float(line[1])


async def measure(args, bframes: bool) -> dict:
    import django

    django.setup()
    import aiohttp
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    from media_relay.errors import RelayError, RelayErrorCode
    from media_relay.sfu import hooks
    from media_relay.sfu.conf import RelayConfig
    from media_relay.sfu.relay import Relay
    from media_relay.sfu.signalling import PeerInfo
    from media_relay.sfu.tokens import issue_token
    from media_relay.sfu.whip import WhipServer

    hooks.restrict_host_addresses(["127.0.0.1"])
    relay = Relay(RelayConfig(host="127.0.0.1", port=0, ice_addresses=["127.0.0.1"]))

    async def check(key: str) -> PeerInfo:
        if key != KEY:
            raise RelayError(RelayErrorCode.UNAUTHORIZED, "Invalid stream key.")
        return PeerInfo(peer_id="obs~whip", room="bench", name="OBS", permissions=frozenset({"join", "publish_audio"}))

    secret = b"bench-secret"
    whip = WhipServer(relay, secret=secret, stream_key_peer=check, host="127.0.0.1")
    base = f"http://127.0.0.1:{await whip.start()}"
    spawn = mp.get_context("spawn")
    queue = spawn.Queue()
    ours = spawn.Process(target=run_ours, args=(f"{base}/whip/bench", queue), daemon=True)
    ours.start()
    ingest_port = await asyncio.to_thread(queue.get, True, 60)

    viewer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    viewer.addTransceiver("audio", direction="recvonly")
    viewer.addTransceiver("video", direction="recvonly")
    first_frame: list[float] = []
    frames = [0]
    tasks = []

    @viewer.on("track")
    def on_track(track) -> None:
        async def read() -> None:
            while True:
                await track.recv()
                if track.kind == "video":
                    frames[0] += 1
                    if not first_frame:
                        first_frame.append(time.monotonic())

        tasks.append(asyncio.ensure_future(read()))

    await viewer.setLocalDescription(await viewer.createOffer())
    token = issue_token(secret=secret, room="bench", peer="viewer", perms=["join", "subscribe"])
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/whep/bench", data=viewer.localDescription.sdp,
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/sdp"}) as r:
            answer = await r.text()
    await viewer.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    result = {}
    try:
        before = cpu_seconds(ours.pid)
        publisher, connecting_at = await publish(ingest_port, args.seconds, args.size, bframes)
        started = time.monotonic()
        result["ours_sent"] = await published(publisher, args.seconds + 30)
        result["ours_cpu"] = 100 * (cpu_seconds(ours.pid) - before) / (time.monotonic() - started)
        result["ours_ms"] = 1000 * (cpu_seconds(ours.pid) - before) / max(result["ours_sent"], 1)
        result["first_frame"] = first_frame[0] - connecting_at if first_frame else float("nan")
        result["frames"] = frames[0]
    finally:
        for task in tasks:
            task.cancel()
        await viewer.close()
        ours.kill()
        await whip.close()

    peer_port = free_port()
    peer = spawn.Process(target=run_peer, args=(peer_port, bframes, queue), daemon=True)
    peer.start()
    await asyncio.to_thread(queue.get, True, 60)
    await asyncio.sleep(1.0)  # its listener is up once PyAV is imported and av.open waits
    before = cpu_seconds(peer.pid)
    publisher, _ = await publish(peer_port, args.seconds, args.size, bframes)
    started = time.monotonic()
    result["peer_sent"] = await published(publisher, args.seconds + 30)
    result["peer_cpu"] = 100 * (cpu_seconds(peer.pid) - before) / (time.monotonic() - started)
    result["peer_ms"] = 1000 * (cpu_seconds(peer.pid) - before) / max(result["peer_sent"], 1)
    peer.join(10)
    peer.kill()
    return result


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--smoke", action="store_true", help="320x180, 2 s, passed through only")
    args = parser.parse_args()
    modes = [("passed through (baseline)", False), ("re-encoded (main, B-frames)", True)]
    if args.smoke:
        args.seconds, args.size, modes = 2.0, "320x180", modes[:1]
    print(f"RTMP ingest, {args.size} at 30 fps + AAC stereo, {args.seconds:.0f} s per mode; load {os.getloadavg()[0]:.1f}")
    print("CPU: % of one core over the publisher's run, and ms per video frame the publisher sent (sent / viewed:")
    print("the publisher's frames, ours then the peer's run, and the frames ours' viewer decoded)")
    print(f"{'mode':30} {'ours CPU %':>10} {'FFmpeg alone %':>14} {'ratio':>6} {'ours ms/fr':>10} {'peer ms/fr':>10} "
          f"{'ratio':>6} {'connect→1st frame s':>20} {'sent/sent/viewed':>17}")
    for name, bframes in modes:
        r = asyncio.run(measure(args, bframes))
        ratio = r["ours_cpu"] / r["peer_cpu"] if r["peer_cpu"] else float("nan")
        per_frame = r["ours_ms"] / r["peer_ms"] if r["peer_ms"] else float("nan")
        counts = f"{r['ours_sent']}/{r['peer_sent']}/{r['frames']}"
        print(f"{name:30} {r['ours_cpu']:10.1f} {r['peer_cpu']:14.1f} {ratio:6.2f} {r['ours_ms']:10.2f} "
              f"{r['peer_ms']:10.2f} {per_frame:6.2f} {r['first_frame']:20.2f} {counts:>17}")


if __name__ == "__main__":
    main()
