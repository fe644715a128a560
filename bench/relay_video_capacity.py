#!/usr/bin/env python
"""Video viewers per relay core: one 720p publisher (VP8 + Opus), ours vs Janus VideoRoom, with
LiveKit's published figure.

One publisher sends a pre-encoded 720p VP8 clip (30 fps, ~2.4 Mbit/s, a keyframe every 2 s,
encoded once with PyAV and cached in bench/out/) and 20 ms Opus-sized audio packets, through an
aiortc peer connection (pre-encoded packets: no encoder CPU on the generator). Viewers are aiortc
peers in a second process that take the packets with media_relay.sfu.hooks.intercept_rtp (no
decoding) and count them. The same publisher and viewer code drives both servers; only the
signalling differs:

  * ours: media_relay.sfu (Relay + its WebSocket signalling) in its own process, as in
    bench/relay_capacity.py (its relay process is reused);
  * Janus: Debian's ``janus`` (apt-get install -y janus), VideoRoom plugin, REST API over HTTP,
    started by this bench with its own configuration (only the VideoRoom plugin and the HTTP
    transport); skipped with a message when it is not installed.

Per step (viewer count) it reports the server's CPU from /proc (Janus: every thread), packets
out per second, loss (the viewers' video packets in the window against the publisher's, from its
sender's statistics) and
the CPU per viewer, and the datagrams the kernel dropped for a full socket receive buffer (machine-wide:
on a busy machine the generators' sockets overflow first); "viewers per core" comes from a line fitted through the steps with < 1 % loss
(CPU = fixed + per viewer × viewers, the fixed part being the publisher's stream): the viewers that
fill 0.8 of a core. LiveKit: 1 publisher -> 3,000 subscribers on 16 cores (docs.livekit.io, Self-hosting
› Benchmarks), i.e. 187.5 per core, quoted.

Run:
    .venv/bin/python bench/relay_video_capacity.py                   # steps 5,10,20 viewers, 8 s each
    .venv/bin/python bench/relay_video_capacity.py --steps 10,20,40 --seconds 10
    .venv/bin/python bench/relay_video_capacity.py --smoke           # does it still run? (2 viewers, 2 s)
Bounded: every wait has a timeout, all processes are stopped on exit, only local addresses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import pickle
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from relay_capacity import OUT, SECRET, cpu_seconds, loadavg, relay_main  # noqa: E402

WIDTH, HEIGHT, FPS, BITRATE, GOP = 1280, 720, 30, 1_500_000, 60
CLIP = OUT / "clip-720p-vp8.pickle"
LIVEKIT_SUBSCRIBERS, LIVEKIT_CORES = 3000, 16
JANUS_ROOM = 4242
TARGET_CPU = 0.8


def local_address() -> str:
    """A non-loopback local address (Janus gathers ICE candidates on real interfaces)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        with suppress(OSError):
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            return probe.getsockname()[0]
    return "127.0.0.1"


def make_clip() -> list[tuple[bytes, bool]]:
    """GOP frames of 720p VP8 (moving texture), encoded once and cached."""
    if CLIP.exists():
        return pickle.loads(CLIP.read_bytes())
    import random

    import av

    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    codec.bit_rate, codec.framerate, codec.gop_size = BITRATE, FPS, GOP
    codec.time_base = Fraction(1, FPS)
    rate = str(BITRATE)
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0", "minrate": rate,
                     "maxrate": rate, "bufsize": str(BITRATE // 2), "undershoot-pct": "0"}
    rng = random.Random(7)
    # a diagonal gradient with some grain, moving 8 rows a frame: compressible like a camera picture
    row = bytes((x // 5 + rng.randrange(0, 24)) & 0xFF for x in range(WIDTH + 256))
    texture = b"".join(row[y % 256:y % 256 + WIDTH] for y in range(HEIGHT + 64))
    packets = []
    for n in range(GOP):
        frame = av.VideoFrame(width=WIDTH, height=HEIGHT, format="yuv420p")
        offset = (n * 8 % 64) * WIDTH
        frame.planes[0].update(texture[offset:offset + frame.planes[0].buffer_size])
        for plane in frame.planes[1:]:
            plane.update(bytes([128]) * plane.buffer_size)
        frame.pts = n
        packets += [(bytes(p), p.is_keyframe) for p in codec.encode(frame)]
    packets += [(bytes(p), p.is_keyframe) for p in codec.encode(None)]
    OUT.mkdir(parents=True, exist_ok=True)
    CLIP.write_bytes(pickle.dumps(packets))
    return packets


# --------------------------------------------------------------------------- generator processes


def generator_main(conn, backend: str, url: str, address: str) -> None:
    """The publisher (command "publish") or the viewers (command "viewers"), for either backend."""
    import logging

    logging.basicConfig(level=logging.ERROR)
    import aiohttp
    import av
    from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
    from aiortc.mediastreams import MediaStreamError
    from websockets.asyncio.client import connect

    from media_relay.sfu import hooks
    from media_relay.sfu.tokens import issue_token

    hooks.restrict_host_addresses([address])
    counts: dict[tuple[int, str], int] = {}
    window = {"t0": float("inf"), "t1": float("-inf")}

    class PacedTrack(MediaStreamTrack):
        """Pre-encoded packets at their real rate (video: the clip, looped; audio: Opus-sized)."""

        def __init__(self, kind: str, packets: list[bytes], interval: float, clock_rate: int) -> None:
            super().__init__()
            self.kind = kind
            self.packets, self.interval, self.clock_rate = packets, interval, clock_rate
            self.n, self.start = 0, None

        async def recv(self):
            if self.readyState != "live":
                raise MediaStreamError
            if self.start is None:
                self.start = time.monotonic()
            delay = self.start + self.n * self.interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            packet = av.Packet(self.packets[self.n % len(self.packets)])
            packet.pts = int(self.n * self.interval * self.clock_rate)
            packet.time_base = Fraction(1, self.clock_rate)
            self.n += 1
            return packet

    # ---------------------------------------------------------------- signalling: ours

    class Ours:
        def __init__(self, peer: str) -> None:
            self.peer, self.ws, self.refs, self.replies = peer, None, 0, {}
            self.offers: asyncio.Queue = asyncio.Queue()

        async def open(self) -> None:
            token = issue_token(secret=SECRET, room="video", peer=self.peer, ttl=3600,
                                perms=["join", "publish_audio", "publish_video", "subscribe"])
            self.ws = await connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None,
                                    open_timeout=60)
            asyncio.get_running_loop().create_task(self._read())
            assert (await self.request({"type": "join", "room": "video"}))["type"] == "joined"

        async def _read(self) -> None:
            with suppress(Exception):
                async for text in self.ws:
                    message = json.loads(text)
                    if message.get("type") == "offer":
                        await self.offers.put(message)
                    future = self.replies.pop(message.get("ref"), None)
                    if future is not None:
                        future.set_result(message)

        async def request(self, message: dict) -> dict:
            self.refs += 1
            future = self.replies[self.refs] = asyncio.get_running_loop().create_future()
            await self.ws.send(json.dumps(message | {"ref": self.refs}))
            return await asyncio.wait_for(future, 60)

        async def publish(self, offer: str) -> tuple[str, object]:
            reply = await self.request({"type": "produce", "sdp": offer})
            assert reply["type"] == "answer", reply
            return reply["sdp"], [p["producer_id"] for p in reply["producers"]]

        async def subscribe(self, feed) -> str:
            assert (await self.request({"type": "consume", "producer_ids": feed}))["type"] == "ok"
            return (await asyncio.wait_for(self.offers.get(), 60))["sdp"]

        async def answer(self, sdp: str) -> None:
            await self.ws.send(json.dumps({"type": "answer", "sdp": sdp}))

    # ---------------------------------------------------------------- signalling: Janus (REST)

    class Janus:
        def __init__(self, peer: str) -> None:
            self.peer, self.http, self.session, self.handle = peer, None, None, None
            self.events: asyncio.Queue = asyncio.Queue()

        async def call(self, path: str, body: dict) -> dict:
            body = {"transaction": os.urandom(6).hex(), **body}
            async with self.http.post(url + path, json=body) as response:
                return await response.json()

        async def open(self) -> None:
            self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=90))
            sessions.append(self.http)
            self.session = (await self.call("", {"janus": "create"}))["data"]["id"]
            self.handle = (await self.call(f"/{self.session}", {"janus": "attach",
                                                                "plugin": "janus.plugin.videoroom"}))["data"]["id"]
            asyncio.get_running_loop().create_task(self._poll())

        async def _poll(self) -> None:  # long poll: events, and the session's keepalive
            with suppress(Exception):
                while True:
                    async with self.http.get(f"{url}/{self.session}?maxev=5") as response:
                        batch = await response.json()
                    for event in batch if isinstance(batch, list) else [batch]:
                        if event.get("janus") == "event":
                            await self.events.put(event)

        async def message(self, body: dict, jsep: dict | None = None) -> dict:
            await self.call(f"/{self.session}/{self.handle}", {"janus": "message", "body": body,
                                                              **({"jsep": jsep} if jsep else {})})
            while True:
                event = await asyncio.wait_for(self.events.get(), 60)
                data = event.get("plugindata", {}).get("data", {})
                if "error" in data:
                    raise RuntimeError(data)
                if data.get("videoroom") in ("joined", "attached", "event") and (
                        "jsep" in event or data.get("videoroom") == "joined"):
                    return event

        async def publish(self, offer: str) -> tuple[str, object]:
            await self.call(f"/{self.session}/{self.handle}", {"janus": "message", "body": {
                "request": "create", "room": JANUS_ROOM, "publishers": 1, "bitrate": 0, "videocodec": "vp8",
                "audiocodec": "opus", "fir_freq": 0}})
            joined = await self.message({"request": "join", "ptype": "publisher", "room": JANUS_ROOM})
            feed = joined["plugindata"]["data"]["id"]
            event = await self.message({"request": "publish", "audio": True, "video": True},
                                       {"type": "offer", "sdp": offer})
            return event["jsep"]["sdp"], feed

        async def subscribe(self, feed) -> str:
            event = await self.message({"request": "join", "ptype": "subscriber", "room": JANUS_ROOM,
                                        "streams": [{"feed": feed}]})
            return event["jsep"]["sdp"]

        async def answer(self, sdp: str) -> None:
            await self.call(f"/{self.session}/{self.handle}", {"janus": "message", "body": {"request": "start"},
                                                              "jsep": {"type": "answer", "sdp": sdp}})

    Signalling = Ours if backend == "ours" else Janus
    pcs: list = []
    sessions: list = []  # Janus's HTTP sessions, closed on stop

    async def publish() -> object:
        clip = make_clip()
        signalling = Signalling("publisher")
        await signalling.open()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pcs.append(pc)
        pc.addTransceiver(PacedTrack("audio", [b"\xfc" + b"\x00" * 79], 0.02, 48000), direction="sendonly")
        pc.addTransceiver(PacedTrack("video", [data for data, _ in clip], 1 / FPS, 90000), direction="sendonly")
        for transceiver in pc.getTransceivers():
            if transceiver.kind == "video":
                transceiver.setCodecPreferences(
                    [c for c in RTCRtpSender.getCapabilities("video").codecs if c.name == "VP8"])
        await pc.setLocalDescription(await pc.createOffer())
        answer, feed = await signalling.publish(pc.localDescription.sdp)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        deadline = time.monotonic() + 60
        while pc.connectionState != "connected" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # the server lists the feed once media flows (Janus: "No such feed" before)
        return feed

    async def view(n: int, feed) -> None:
        signalling = Signalling(f"viewer-{n}")
        await signalling.open()
        offer = await signalling.subscribe(feed)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pcs.append(pc)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        for transceiver in pc.getTransceivers():
            key = (n, transceiver.kind)
            counts[key] = 0

            async def count(packet, arrival_time_ms, key=key) -> None:
                if window["t0"] <= time.time() < window["t1"]:
                    counts[key] += 1

            hooks.intercept_rtp(transceiver.receiver, count)
        await pc.setLocalDescription(await pc.createAnswer())
        await signalling.answer(pc.localDescription.sdp)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        viewers = 0
        while True:
            command, *args = await loop.run_in_executor(None, conn.recv)
            try:
                if command == "publish":
                    conn.send(await publish())
                elif command == "viewers":
                    feed, total = args
                    semaphore = asyncio.Semaphore(4)

                    async def one(n: int, feed=feed, semaphore=semaphore) -> None:
                        async with semaphore:
                            await view(n, feed)

                    await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(viewers, total))), 600)
                    viewers = total
                    conn.send("ok")
                elif command == "window":
                    window["t0"], window["t1"] = args
                    for key in counts:
                        counts[key] = 0
                    conn.send("ok")
                elif command == "sent":  # the publisher's RTP packets sent so far, per kind
                    sent = {}
                    for pc in pcs[:1]:
                        for transceiver in pc.getTransceivers():
                            report = await transceiver.sender.getStats()
                            sent[transceiver.kind] = sum(getattr(stat, "packetsSent", 0) for stat in report.values()
                                                         if stat.type == "outbound-rtp")
                    conn.send(sent)
                elif command == "report":
                    conn.send({f"{n}|{kind}": value for (n, kind), value in counts.items()})
                elif command == "stop":
                    await asyncio.gather(*(pc.close() for pc in pcs), return_exceptions=True)
                    await asyncio.gather(*(http.close() for http in sessions), return_exceptions=True)
                    conn.send("stopped")
                    return
            except Exception as exc:  # noqa: BLE001 - reported to the driver
                conn.send(("error", repr(exc)))

    asyncio.run(main())


# --------------------------------------------------------------------------- servers


class Janus:
    """Debian's janus with a configuration of its own: the VideoRoom plugin and the HTTP transport only."""

    def __init__(self, address: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="janus-bench-"))
        self.port = free_port()
        plugins = [p.name for p in Path("/usr/lib/x86_64-linux-gnu/janus/plugins").glob("libjanus_*.so")]
        transports = [p.name for p in Path("/usr/lib/x86_64-linux-gnu/janus/transports").glob("libjanus_*.so")]
        (self.folder / "janus.jcfg").write_text(
            "general: { debug_level = 2 }\n"
            f"plugins: {{ disable = \"{','.join(p for p in plugins if p != 'libjanus_videoroom.so')}\" }}\n"
            f"transports: {{ disable = \"{','.join(t for t in transports if t != 'libjanus_http.so')}\" }}\n"
            f"nat: {{ ice_enforce_list = \"{address}\" }}\n"
            "media: { rtp_port_range = \"20000-40000\" }\n"
        )
        (self.folder / "janus.plugin.videoroom.jcfg").write_text("general: { }\n")
        (self.folder / "janus.transport.http.jcfg").write_text(
            f"general: {{ base_path = \"/janus\" http = true port = {self.port} ip = \"{address}\" https = false }}\n"
            "admin: { admin_http = false }\n"
        )
        self.process = subprocess.Popen(["janus", "-F", str(self.folder), "-N", "-L", str(self.folder / "janus.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://{address}:{self.port}/janus"
        self.pid = self.process.pid
        deadline = time.monotonic() + 30
        while True:
            with suppress(OSError), socket.create_connection((address, self.port), timeout=1):
                break
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"janus did not start (log: {self.folder / 'janus.log'})")
            time.sleep(0.2)

    def stats(self) -> dict:
        return {}

    def close(self) -> None:
        self.process.terminate()
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        if self.process.poll() is None:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class Ours:
    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=relay_main, args=(child, None, str(OUT / "relay_video_capacity-relay.log")),
                                   daemon=True)
        self.process.start()
        if not self.conn.poll(60):
            raise TimeoutError("relay did not start")
        _, port, self.pid = self.conn.recv()
        self.url = f"ws://127.0.0.1:{port}/"

    def stats(self) -> dict:
        self.conn.send(("stats",))
        return self.conn.recv() if self.conn.poll(30) else {}

    def close(self) -> None:
        with suppress(Exception):
            self.conn.send(("stop",))
            self.conn.poll(30) and self.conn.recv()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


def udp_receive_buffer_errors() -> int:
    """Datagrams the kernel dropped (machine-wide) because a socket's receive buffer was full."""
    rows = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines() if line.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ask(conn, message, timeout: float = 900):
    conn.send(message)
    if not conn.poll(timeout):
        raise TimeoutError(f"no reply to {message[0]}")
    reply = conn.recv()
    if isinstance(reply, tuple) and reply and reply[0] == "error":
        raise RuntimeError(reply[1])
    return reply


def run(backend: str, steps: list[int], seconds: float) -> list[dict]:
    address = "127.0.0.1" if backend == "ours" else local_address()
    server = Ours() if backend == "ours" else Janus(address)
    ctx = mp.get_context("spawn")
    generators = []
    for _ in range(2):  # the publisher, the viewers
        parent, child = ctx.Pipe()
        process = ctx.Process(target=generator_main, args=(child, backend, server.url, address), daemon=True)
        process.start()
        generators.append((parent, process))
    (publisher, _), (viewers, _) = generators
    rows = []
    try:
        feed = ask(publisher, ("publish",))
        for step in steps:
            ask(viewers, ("viewers", feed, step))
            time.sleep(3.0)  # every viewer past its first keyframe
            t0 = time.time() + 0.2
            t1 = t0 + seconds
            ask(viewers, ("window", t0, t1))
            while time.time() < t0:
                time.sleep(0.01)
            cpu0, stats0, drops0 = cpu_seconds(server.pid), server.stats(), udp_receive_buffer_errors()
            sent0 = ask(publisher, ("sent",))
            time.sleep(max(0.0, t1 - time.time()))
            sent = ask(publisher, ("sent",))["video"] - sent0["video"]
            cpu = (cpu_seconds(server.pid) - cpu0) / seconds
            drops = (udp_receive_buffer_errors() - drops0) / seconds
            stats1 = server.stats()
            time.sleep(1.0)
            counts = ask(viewers, ("report",))
            video = [v for k, v in counts.items() if k.endswith("|video")]
            loss = max(0.0, 1 - sum(video) / (sent * len(video))) if sent and video else float("nan")
            received = sum(counts.values()) / seconds
            rows.append({
                "backend": backend, "viewers": step, "cpu": cpu, "packets_out_per_s": received,
                "relay_packets_out_per_s": (stats1.get("packets_out", 0) - stats0.get("packets_out", 0)) / seconds
                if stats1 else None,
                "relay_packets_in_per_s": (stats1.get("packets_in", 0) - stats0.get("packets_in", 0)) / seconds
                if stats1 else None,
                "loss": loss, "cpu_per_viewer": cpu / step, "load": loadavg(), "kernel_drops_per_s": drops,
            })
            print_row(rows[-1])
    finally:
        for conn, process in generators:
            with suppress(Exception):
                conn.send(("stop",))
                conn.poll(30) and conn.recv()
            process.join(5)
            if process.is_alive():
                process.kill()
        server.close()
    return rows


def print_row(row: dict) -> None:
    print(f"{row['backend']:<6} {row['viewers']:>7} {row['cpu'] * 100:9.1f} {row['packets_out_per_s']:14.0f} "
          f"{row['loss'] * 100:7.2f}% {row['cpu_per_viewer'] * 100:12.3f} {row['kernel_drops_per_s']:9.0f}   "
          f"{row['load']}", flush=True)


def per_core(rows: list[dict]) -> float:
    """Viewers at TARGET_CPU of one core: a least-squares line CPU = fixed + per viewer × viewers through
    the steps with < 1 % loss (the publisher's own stream is the fixed part); one step: CPU ÷ viewers."""
    usable = [r for r in rows if r["loss"] < 0.01 and r["cpu"] > 0]
    if len(usable) < 2:
        return TARGET_CPU / usable[0]["cpu_per_viewer"] if usable else float("nan")
    xs, ys = [r["viewers"] for r in usable], [r["cpu"] for r in usable]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    fixed = my - slope * mx
    return (TARGET_CPU - max(fixed, 0.0)) / slope if slope > 0 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="5,10,20", help="viewer counts")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--servers", default="ours,janus", choices=("ours,janus", "ours"))
    parser.add_argument("--smoke", action="store_true", help="a check that the bench still runs: 2 viewers, 2 s")
    args = parser.parse_args()
    if args.smoke:
        args.steps, args.seconds = "2", 2.0
    steps = [int(s) for s in args.steps.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    clip = make_clip()
    kbits = sum(len(data) for data, _ in clip) * 8 * FPS / len(clip) / 1000
    print(f"video relay capacity — {os.cpu_count()} CPUs, load {loadavg()}, 720p VP8 {kbits:.0f} kbit/s "
          f"{FPS} fps + Opus, {args.seconds:.0f}s per step")
    print(f"{'server':<6} {'viewers':>7} {'CPU %':>9} {'pkts recv/s':>14} {'loss':>8} {'CPU %/viewer':>12} {'drops/s':>9}   load")
    results = {"ours": run("ours", steps, args.seconds)}
    if args.servers == "ours":
        pass
    elif shutil.which("janus"):
        results["janus"] = run("janus", steps, args.seconds)
    else:
        print("janus: not installed, skipped (apt-get install -y janus)")
    ours = per_core(results["ours"])
    print(f"\nvideo viewers per core at {TARGET_CPU:.0%} CPU: ours {ours:.0f}", end="")
    if "janus" in results:
        janus = per_core(results["janus"])
        print(f", Janus {janus:.0f} (ours / Janus = {ours / janus:.2f}×)", end="")
    livekit = LIVEKIT_SUBSCRIBERS / LIVEKIT_CORES
    print(f", LiveKit (published: {LIVEKIT_SUBSCRIBERS:,} subscribers on {LIVEKIT_CORES} cores) {livekit:.1f} "
          f"(ours / LiveKit = {ours / livekit:.2f}×)")
    out = OUT / f"relay_video_capacity-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"results in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
