#!/usr/bin/env python
"""Media relay forwarding capacity: audio consumers per relay core, ours vs mediasoup.

Processes (multiprocessing, spawn):
  * the relay: media_relay.sfu.relay.Relay + its WebSocket signalling, in its own process
    (pinned to CPU 0 with --pin); its CPU is read from /proc/<pid>/stat;
  * load generators ("peer workers", pinned to the other CPUs with --pin): aiortc
    peers that join over WebSocket and speak the relay's protocol; the publishers in
    one process, the subscribers in another (--workers 3+ spreads them over more; on
    a busy 2-core machine more processes only add scheduling delay). Publishers send
    pre-encoded 20 ms Opus-sized packets (a track returning av.Packet, so no encoder
    CPU on the generator) whose payload carries the send time and a counter;
    subscribers consume through their own aiortc connections and take the packets
    with media_relay.sfu.hooks.intercept_rtp (no decoding), recording per consumer which
    counters arrived and the one-way latency (same machine, same clock).

Per step it reports: consumers, relay packets in/out per second, relay CPU (% of one
core), relay CPU per forwarded packet (µs), loss (1 - received / sent, per consumer,
for packets sent in the window), one-way latency p50/p95/p99, "added" latency (p95
minus the idle baseline p50), the relay's own fan-out time per incoming packet
(measured inside the relay), the generators' CPU, and the machine load.

Scenarios:
  ramp   4 publishers; subscribers consuming all 4, added step by step until loss > 1%,
         added p95 latency > 20 ms, or the generators saturate (then capacity is
         extrapolated from the relay's CPU per packet, and the table says so);
  room12 a full 12-person voice room: everyone publishes and consumes the 11 others
         (132 consumers; each member's subscribe side joins from the subscriber
         process as "<member>-ears");
  stage  1 host + 3 guests publishing (they also hear each other) and 200 listeners
         consuming all 4: 812 consumers.

--profile runs py-spy (nonblocking) on the relay during one ramp step and breaks the
relay's CPU down by where it goes.

Run:
    .venv/bin/python bench/relay_capacity.py                       # all scenarios
    .venv/bin/python bench/relay_capacity.py --scenarios ramp --steps 40,120,240 --profile-at 240
    .venv/bin/python bench/relay_capacity.py --smoke               # does it still run? (one 2 s step)
Bounded: every wait has a timeout, all processes are stopped on exit, only 127.0.0.1.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import multiprocessing as mp
import os
import signal
import struct
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

CLK_TCK = os.sysconf("SC_CLK_TCK")
SECRET = b"bench-relay-secret"
PACKET_BYTES = 80  # a 20 ms Opus frame at ~32 kbit/s (typical WebRTC voice)
PAYLOAD = struct.Struct("!dI")  # send time (time.time()), counter; after one TOC-like byte
MEDIASOUP_CONSUMERS_PER_CORE = 500
MEDIASOUP_PACKETS_PER_CORE = 25_000
LOSS_LIMIT = 0.01
ADDED_LATENCY_LIMIT_MS = 20.0
GENERATOR_SATURATED = 0.90  # of the generator CPUs


# --------------------------------------------------------------------------- /proc helpers


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# --------------------------------------------------------------------------- relay process


def relay_main(conn, cpu: int | None, log_path: str) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    import logging

    logging.basicConfig(
        level=logging.WARNING, filename=log_path, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("media_relay").setLevel(logging.INFO)
    from media_relay.sfu import router as router_module
    from media_relay.sfu.conf import RelayConfig
    from media_relay.sfu.relay import Relay
    from media_relay.sfu.server import SignallingServer

    # fan-out time per incoming packet, measured inside the relay (perf_counter around on_rtp)
    fanout: list[float] = []
    original = router_module.Producer.on_rtp

    async def timed_on_rtp(self, packet, arrival_time_ms=0):
        start = time.perf_counter()
        await original(self, packet, arrival_time_ms)
        if len(fanout) < 200_000:
            fanout.append(time.perf_counter() - start)

    router_module.Producer.on_rtp = timed_on_rtp

    async def main() -> None:
        config = RelayConfig(
            host="127.0.0.1",
            port=0,
            ice_addresses=["127.0.0.1"],
            max_room_peers=2000,
            max_consumers_per_peer=64,
            media_timeout=60.0,
            messages_per_second=1000.0,
            message_burst=2000,
            outbound_queue=20_000,
            # generators starved of CPU on a shared machine must not be dropped as vanished
            heartbeat_interval=5.0,
            heartbeat_timeout=30.0,
        )
        relay = Relay(config)
        server = SignallingServer(relay, secret=SECRET)
        port = await server.start()
        conn.send(("ready", port, os.getpid()))
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command[0] == "stats":
                totals = collections.Counter()
                for room in relay.stats()["rooms"]:
                    totals.update({k: v for k, v in room.items() if isinstance(v, int)})
                conn.send(dict(totals))
            elif command[0] == "fanout_reset":
                fanout.clear()
                conn.send("ok")
            elif command[0] == "fanout":
                conn.send(list(fanout))
            elif command[0] == "stop":
                await asyncio.wait_for(server.close(), 20)
                conn.send("stopped")
                return

    asyncio.run(main())


# --------------------------------------------------------------------------- peer worker process


def worker_main(conn, url: str, cpus: set[int] | None) -> None:
    if cpus:
        os.sched_setaffinity(0, cpus)
    import logging

    logging.basicConfig(level=logging.ERROR)
    from fractions import Fraction

    import av
    from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import MediaStreamError
    from websockets.asyncio.client import connect

    from media_relay.sfu import hooks
    from media_relay.sfu.tokens import issue_token

    hooks.restrict_host_addresses(["127.0.0.1"])
    window = {"t0": float("inf"), "t1": float("-inf")}
    sent_times: dict[str, list[float]] = collections.defaultdict(list)  # producer -> send times
    received: dict[tuple[str, str], set[int]] = collections.defaultdict(set)  # (peer, producer) -> counters
    latencies: list[float] = []
    by_packet: dict[str, list] = collections.defaultdict(list)  # "producer|counter" -> [(peer, latency)]
    time_base = Fraction(1, 48000)

    class PacketTrack(MediaStreamTrack):
        """Pre-encoded audio: av.Packet with (send time, counter) in the payload."""

        kind = "audio"

        def __init__(self, interval: float = 0.02) -> None:
            super().__init__()
            self.counter = 0
            self.interval = interval  # 0.02: talking; 0.4: Opus DTX while silent
            self.start: float | None = None
            self.producer_id: str | None = None
            size = PACKET_BYTES if interval <= 0.02 else 16  # DTX frames are a few bytes
            self.pad = b"\x00" * max(0, size - 1 - PAYLOAD.size)

        async def recv(self):
            if self.readyState != "live":
                raise MediaStreamError
            if self.start is None:
                self.start = time.monotonic()
            delay = self.start + self.counter * self.interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.counter += 1
            now = time.time()
            if self.producer_id is not None and window["t0"] <= now < window["t1"]:
                sent_times[self.producer_id].append(now)
            packet = av.Packet(b"\xfc" + PAYLOAD.pack(now, self.counter) + self.pad)
            packet.pts = int(self.counter * self.interval * 48000)
            packet.time_base = time_base
            return packet

    class Peer:
        def __init__(self, peer_id: str, room: str, server: str = url) -> None:
            self.peer_id, self.room, self.server = peer_id, room, server
            self.ws = None
            self.pub_pc = self.sub_pc = None
            self.replies: dict[int, asyncio.Future] = {}
            self.refs = 0
            self.offers: asyncio.Queue = asyncio.Queue()
            self.reader = None

        async def connect(self) -> None:
            token = issue_token(
                secret=SECRET, room=self.room, peer=self.peer_id, perms=["join", "publish_audio", "subscribe"], ttl=3600
            )
            self.ws = await connect(
                self.server, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None, open_timeout=60
            )
            self.reader = asyncio.get_running_loop().create_task(self.read())
            reply = await self.request({"type": "join", "room": self.room})
            assert reply["type"] == "joined", reply

        async def read(self) -> None:
            with suppress(Exception):
                async for text in self.ws:
                    message = json.loads(text)
                    if message.get("type") == "offer":
                        await self.answer(message)
                    future = self.replies.pop(message.get("ref"), None) if "ref" in message else None
                    if future is not None and not future.done():
                        future.set_result(message)

        async def request(self, message: dict, timeout: float = 60) -> dict:
            self.refs += 1
            future = asyncio.get_running_loop().create_future()
            self.replies[self.refs] = future
            await self.ws.send(json.dumps(message | {"ref": self.refs}))
            return await asyncio.wait_for(future, timeout)

        async def publish(self, interval: float = 0.02) -> str:
            self.pub_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            track = PacketTrack(interval)
            self.pub_pc.addTransceiver(track, direction="sendonly")
            await self.pub_pc.setLocalDescription(await self.pub_pc.createOffer())
            reply = await self.request({"type": "produce", "sdp": self.pub_pc.localDescription.sdp})
            assert reply["type"] == "answer", reply
            await self.pub_pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
            track.producer_id = reply["producers"][0]["producer_id"]
            return track.producer_id

        async def answer(self, message: dict) -> None:
            if self.sub_pc is None:
                self.sub_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            await self.sub_pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
            by_mid = {c["mid"]: c["producer_id"] for c in message["consumers"]}
            for transceiver in self.sub_pc.getTransceivers():
                producer_id = by_mid.get(transceiver.mid)
                if producer_id is not None:
                    hooks.intercept_rtp(transceiver.receiver, self.counter_for(producer_id))
            await self.sub_pc.setLocalDescription(await self.sub_pc.createAnswer())
            await self.ws.send(json.dumps({"type": "answer", "sdp": self.sub_pc.localDescription.sdp}))
            await self.offers.put(message)

        def counter_for(self, producer_id: str):
            got = received[(self.peer_id, producer_id)]
            unpack = PAYLOAD.unpack_from

            async def on_packet(packet, arrival_time_ms) -> None:
                sent, counter = unpack(packet.payload, 1)
                if window["t0"] <= sent < window["t1"]:
                    got.add(counter)
                    latency = time.time() - sent
                    latencies.append(latency)
                    by_packet[f"{producer_id}|{counter}"].append((self.peer_id, latency))  # relay_cascade.py

            return on_packet

        async def consume(self, producer_ids: list[str]) -> None:
            reply = await self.request({"type": "consume", "producer_ids": producer_ids})
            assert reply["type"] == "ok", reply
            await asyncio.wait_for(self.offers.get(), 60)

        async def close(self) -> None:
            with suppress(Exception):
                await self.ws.close()
            for pc in (self.pub_pc, self.sub_pc):
                if pc is not None:
                    with suppress(Exception):
                        await pc.close()

    peers: dict[str, Peer] = {}

    async def main() -> None:
        loop = asyncio.get_running_loop()
        while True:
            command, *args = await loop.run_in_executor(None, conn.recv)
            try:
                if command == "publish":
                    room, peer_ids, intervals = args
                    result = {}
                    for peer_id in peer_ids:
                        peer = peers.get(peer_id) or Peer(peer_id, room)
                        if peer.ws is None:
                            await peer.connect()
                        peers[peer_id] = peer
                        result[peer_id] = await peer.publish(intervals.get(peer_id, 0.02))
                    conn.send(result)
                elif command == "subscribe":
                    room, specs, concurrency, *server = args  # server: another relay's URL (relay_cascade.py)
                    semaphore = asyncio.Semaphore(concurrency)

                    async def one(peer_id, producer_ids, room=room, semaphore=semaphore, server=server or [url]):
                        async with semaphore:
                            peer = peers.get(peer_id) or Peer(peer_id, room, server[0])
                            peers[peer_id] = peer
                            if peer.ws is None:
                                await peer.connect()
                            await peer.consume(producer_ids)

                    await asyncio.wait_for(asyncio.gather(*(one(p, ids) for p, ids in specs)), 600)
                    conn.send("ok")
                elif command == "window":
                    window["t0"], window["t1"] = args
                    sent_times.clear()
                    for counters in received.values():  # cleared in place: handlers hold them
                        counters.clear()
                    latencies.clear()
                    by_packet.clear()
                    conn.send("ok")
                elif command == "report":
                    conn.send(
                        {
                            "sent": {p: len(v) for p, v in sent_times.items()},
                            "received": {f"{k[0]}|{k[1]}": len(v) for k, v in received.items() if v},
                            "latencies": latencies[:: max(1, len(latencies) // 50_000)],
                            "by_packet": dict(by_packet) if args and args[0] == "by_packet" else {},
                        }
                    )
                elif command == "stop":
                    await asyncio.wait_for(
                        asyncio.gather(*(p.close() for p in peers.values()), return_exceptions=True), 60
                    )
                    conn.send("stopped")
                    return
            except Exception as exc:  # noqa: BLE001 - report any failure to the driver
                conn.send(("error", repr(exc)))

    asyncio.run(main())


# --------------------------------------------------------------------------- driver


class Cluster:
    def __init__(self, *, workers: int, pin: bool) -> None:
        ctx = mp.get_context("spawn")
        ncpu = os.cpu_count() or 1
        relay_cpu = 0 if pin and ncpu > 1 else None
        worker_cpus = set(range(1, ncpu)) if pin and ncpu > 1 else None
        self.relay_conn, child = ctx.Pipe()
        self.log_path = OUT / f"relay_capacity-relay-{time.strftime('%Y%m%d-%H%M%S')}.log"
        self.relay = ctx.Process(target=relay_main, args=(child, relay_cpu, str(self.log_path)), daemon=True)
        self.relay.start()
        if not self.relay_conn.poll(60):
            raise TimeoutError("relay did not start")
        _, port, self.relay_pid = self.relay_conn.recv()
        self.url = f"ws://127.0.0.1:{port}/"
        self.workers = []
        for _ in range(workers):
            parent, child = ctx.Pipe()
            process = ctx.Process(target=worker_main, args=(child, self.url, worker_cpus), daemon=True)
            process.start()
            self.workers.append((parent, process))
        self.pin = pin

    def ask(self, conn, message, timeout: float = 600):
        conn.send(message)
        if not conn.poll(timeout):
            raise TimeoutError(f"no reply to {message[0]}")
        reply = conn.recv()
        if isinstance(reply, tuple) and reply and reply[0] == "error":
            raise RuntimeError(reply[1])
        return reply

    def ask_all(self, messages: list, timeout: float = 600):
        for (conn, _), message in zip(self.workers, messages, strict=False):
            conn.send(message)
        replies = []
        for conn, _ in self.workers:
            if not conn.poll(timeout):
                raise TimeoutError("worker did not reply")
            reply = conn.recv()
            if isinstance(reply, tuple) and reply and reply[0] == "error":
                raise RuntimeError(reply[1])
            replies.append(reply)
        return replies

    def publish(self, room: str, peer_ids: list[str], intervals: dict[str, float] | None = None) -> dict[str, str]:
        """Publishers all live in worker 0 (light: no encoding, 50 packets/s each, or one
        packet per ``intervals[peer]`` seconds: 0.4 s is Opus DTX while silent)."""
        return self.ask(self.workers[0][0], ("publish", room, peer_ids, intervals or {}))

    def subscribe(self, room: str, specs: list[tuple[str, list[str]]]) -> None:
        """Subscribers are spread over the other workers (all of them if there is one)."""
        targets = self.workers[1:] or self.workers
        per_worker: list[list] = [[] for _ in targets]
        for i, spec in enumerate(specs):
            per_worker[i % len(targets)].append(spec)
        for (conn, _), specs_ in zip(targets, per_worker, strict=True):
            conn.send(("subscribe", room, specs_, 4))
        for conn, _ in targets:
            if not conn.poll(900):
                raise TimeoutError("worker did not finish subscribing")
            reply = conn.recv()
            if isinstance(reply, tuple) and reply and reply[0] == "error":
                raise RuntimeError(reply[1])

    def measure(self, seconds: float, *, consumers: int, label: str, profile: Path | None = None) -> dict:
        time.sleep(2.0)  # settle
        t0 = time.time() + 0.2
        t1 = t0 + seconds
        self.ask_all([("window", t0, t1)] * len(self.workers))
        self.ask(self.relay_conn, ("fanout_reset",))
        while time.time() < t0:
            time.sleep(0.01)
        load_before = loadavg()
        relay_cpu0 = cpu_seconds(self.relay_pid)
        gen_cpu0 = sum(cpu_seconds(p.pid) for _, p in self.workers)
        stats0 = self.ask(self.relay_conn, ("stats",))
        profiler = None
        if profile is not None:
            profiler = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(self.relay_pid),
                    "--duration",
                    str(int(seconds)),
                    "--rate",
                    "200",
                    "--nonblocking",
                    "--format",
                    "raw",
                    "--output",
                    str(profile),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        while time.time() < t1:
            time.sleep(0.05)
        relay_cpu = cpu_seconds(self.relay_pid) - relay_cpu0
        gen_cpu = sum(cpu_seconds(p.pid) for _, p in self.workers) - gen_cpu0
        stats1 = self.ask(self.relay_conn, ("stats",))
        publishers_lost = stats1.get("producers", 0) < stats0.get("producers", 0)
        load_after = loadavg()
        fanout = self.ask(self.relay_conn, ("fanout",))
        if profiler is not None:
            with suppress(subprocess.TimeoutExpired):
                profiler.wait(timeout=30)
        time.sleep(1.0)  # late packets of the window
        reports = self.ask_all([("report",)] * len(self.workers))
        if os.environ.get("BENCH_DEBUG"):
            for r in reports:
                lat = sorted(x * 1000 for x in r["latencies"])
                if lat:
                    print(
                        "worker",
                        len(r["received"]),
                        "consumers; latency p50/p95/max",
                        round(lat[len(lat) // 2], 1),
                        round(lat[int(len(lat) * 0.95)], 1),
                        round(lat[-1], 1),
                    )
        sent: dict[str, int] = {}
        received: dict[str, int] = {}
        latencies: list[float] = []
        for report in reports:
            sent.update(report["sent"])
            received.update(report["received"])
            latencies += report["latencies"]
        expected = sum(sent.get(key.split("|")[1], 0) for key in received)
        got = sum(received.values())
        missing_consumers = consumers - len(received)
        loss = 1 - got / expected if expected else float("nan")
        packets_out = stats1.get("packets_out", 0) - stats0.get("packets_out", 0)
        packets_in = stats1.get("packets_in", 0) - stats0.get("packets_in", 0)
        if packets_out < 0 or packets_in < 0:  # the room was emptied and re-created: peers were dropped
            packets_out = packets_in = 0
        lat_ms = [x * 1000 for x in latencies]
        generator_cores = len(os.sched_getaffinity(0)) - 1 if self.pin else len(os.sched_getaffinity(0))
        return {
            "label": label,
            "consumers": consumers,
            "consumers_seen": len(received),
            "missing_consumers": missing_consumers,
            "seconds": seconds,
            "packets_in_per_s": packets_in / seconds,
            "packets_out_per_s": packets_out / seconds,
            "relay_cpu": relay_cpu / seconds,
            "relay_us_per_packet_out": relay_cpu / packets_out * 1e6 if packets_out else float("nan"),
            "loss": loss,
            "latency_ms": {q: percentile(lat_ms, p) for q, p in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))},
            "fanout_ms": {q: percentile([x * 1000 for x in fanout], p) for q, p in (("p50", 0.5), ("p99", 0.99))},
            "generator_cpu": gen_cpu / seconds,
            "generator_cores": max(1, generator_cores),
            "load": f"{load_before} -> {load_after}",
            "producers": stats1.get("producers", 0),
            "publishers_lost": publishers_lost,
        }

    def close(self) -> None:
        for conn, process in self.workers:
            with suppress(Exception):
                conn.send(("stop",))
                conn.poll(60) and conn.recv()
            process.join(5)
            if process.is_alive():
                process.kill()
        with suppress(Exception):
            self.relay_conn.send(("stop",))
            self.relay_conn.poll(30) and self.relay_conn.recv()
        self.relay.join(5)
        if self.relay.is_alive():
            self.relay.kill()


# --------------------------------------------------------------------------- scenarios


def verdict(row: dict, baseline_ms: float) -> str:
    added = row["latency_ms"]["p95"] - baseline_ms
    row["added_p95_ms"] = added
    generator_busy = row["generator_cpu"] / row["generator_cores"]
    row["generator_saturated"] = generator_busy > GENERATOR_SATURATED
    if row["missing_consumers"] > 0 or row["loss"] > LOSS_LIMIT or added > ADDED_LATENCY_LIMIT_MS:
        return "FAIL"
    return "ok"


def wait_for_quiet(args) -> None:
    """Bounded wait for the machine's 1-minute load to drop below --quiet-load."""
    if not args.quiet_load:
        return
    deadline = time.monotonic() + args.quiet_wait
    while float(loadavg().split()[0]) > args.quiet_load and time.monotonic() < deadline:
        time.sleep(5)


def run_ramp(args, results: list) -> dict:
    wait_for_quiet(args)
    cluster = Cluster(workers=args.workers, pin=args.pin)
    summary: dict = {"scenario": "ramp", "steps": []}
    try:
        producers = list(cluster.publish("ramp", [f"pub{i}" for i in range(4)]).values())
        subscribed = 0
        baseline = None
        for step in args.steps:
            subs_needed = max(1, step // len(producers))
            new = [(f"sub{i}", producers) for i in range(subscribed, subs_needed)]
            if new:
                try:
                    cluster.subscribe("ramp", new)
                except (RuntimeError, TimeoutError) as exc:
                    print(
                        f"ramp stopped: could not add subscribers ({exc}); relay log: {cluster.log_path.relative_to(ROOT)}"
                    )
                    summary["stopped"] = repr(exc)
                    break
                subscribed = subs_needed
            consumers = subscribed * len(producers)
            profile = None
            if args.profile_at and consumers >= args.profile_at and "profile" not in summary:
                profile = OUT / f"relay_capacity-profile-{time.strftime('%Y%m%d-%H%M%S')}.txt"
                summary["profile"] = str(profile)
            row = cluster.measure(args.seconds, consumers=consumers, label=f"ramp {consumers}", profile=profile)
            if baseline is None:
                baseline = row["latency_ms"]["p50"]
            row["verdict"] = verdict(row, baseline)
            summary["steps"].append(row)
            results.append(row)
            print_row(row)
            if consumers > 20 and (row["verdict"] == "FAIL" or row["generator_saturated"]) and not args.keep_going:
                break
    finally:
        cluster.close()
    return summary


def run_room12(args, results: list) -> dict:
    wait_for_quiet(args)
    cluster = Cluster(workers=args.workers, pin=args.pin)
    try:
        peers = [f"p{i}" for i in range(12)]
        producers = cluster.publish("room12", peers)
        # each member's subscribe side joins as "<member>-ears" from the subscriber worker
        cluster.subscribe("room12", [(f"{p}-ears", [producers[q] for q in peers if q != p]) for p in peers])
        row = cluster.measure(args.seconds, consumers=132, label="12-person room")
        row["verdict"] = verdict(row, row["latency_ms"]["p50"] if not results else results[0]["latency_ms"]["p50"])
        results.append(row)
        print_row(row)
        return {"scenario": "room12", "row": row}
    finally:
        cluster.close()


def run_stage(args, results: list) -> dict:
    wait_for_quiet(args)
    cluster = Cluster(workers=args.workers, pin=args.pin)
    try:
        stage = ["host", "guest1", "guest2", "guest3"]
        # --stage-dtx: the host talks, the guests are silent with Opus DTX (a packet per 400 ms)
        intervals = {g: 0.4 for g in stage[1:]} if args.stage_dtx else {}
        producers = cluster.publish("stage", stage, intervals)
        cluster.subscribe("stage", [(f"{p}-ears", [producers[q] for q in stage if q != p]) for p in stage])
        listeners = [(f"listener{i}", list(producers.values())) for i in range(args.listeners)]
        for start in range(0, len(listeners), 25):  # a join storm in chunks, as a real audience arrives
            cluster.subscribe("stage", listeners[start : start + 25])
            time.sleep(1.0)
        consumers = 4 * 3 + 4 * args.listeners
        label = f"stage 1+3, {args.listeners} listeners" + (", DTX" if args.stage_dtx else "")
        row = cluster.measure(args.seconds, consumers=consumers, label=label)
        row["verdict"] = verdict(row, row["latency_ms"]["p50"] if not results else results[0]["latency_ms"]["p50"])
        results.append(row)
        print_row(row)
        return {"scenario": "stage", "row": row}
    finally:
        cluster.close()


# --------------------------------------------------------------------------- output


HEADER = (
    f"{'run':<28} {'cons':>5} {'pkt in/s':>8} {'pkt out/s':>9} {'relay CPU':>9} {'µs/pkt':>7} {'loss':>7} "
    f"{'lat p50':>7} {'p95':>6} {'p99':>6} {'added':>6} {'fan-out p99':>11} {'gen CPU':>8} {'verdict':>7}  load"
)


def print_row(row: dict) -> None:
    if not getattr(print_row, "header", False):
        print(HEADER)
        print_row.header = True
    lat = row["latency_ms"]
    print(
        f"{row['label']:<28} {row['consumers']:>5} {row['packets_in_per_s']:>8.0f} {row['packets_out_per_s']:>9.0f} "
        f"{row['relay_cpu'] * 100:>8.1f}% {row['relay_us_per_packet_out']:>7.1f} {row['loss'] * 100:>6.2f}% "
        f"{lat['p50']:>7.1f} {lat['p95']:>6.1f} {lat['p99']:>6.1f} {row.get('added_p95_ms', float('nan')):>6.1f} "
        f"{row['fanout_ms']['p99']:>9.2f}ms {row['generator_cpu'] * 100:>7.0f}% {row['verdict']:>7}  {row['load']}"
        + ("  [generators saturated]" if row.get("generator_saturated") else "")
        + (
            "  [publishers dropped: ICE consent expired]"
            if row.get("publishers_lost") or not row.get("producers")
            else ""
        ),
        flush=True,
    )


def fit_cost(steps: list[dict]) -> tuple[float, float] | None:
    """Least squares: relay CPU (cores) = fixed + per_packet * packets_out/s. Returns
    (fixed cores, µs per forwarded packet), or None with fewer than two distinct loads."""
    points = [(r["packets_out_per_s"], r["relay_cpu"]) for r in steps if r["packets_out_per_s"] > 0]
    if len({round(x) for x, _ in points}) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    return my - slope * mx, slope * 1e6


def capacity_summary(ramp: dict) -> None:
    steps = ramp.get("steps", [])
    if not steps:
        return
    passing = [r for r in steps if r["verdict"] == "ok" and not r.get("generator_saturated")]
    best = max(passing, key=lambda r: r["consumers"]) if passing else None
    fit = fit_cost(steps)
    ramp["cost_fit"] = {"fixed_cores": fit[0], "us_per_packet": fit[1]} if fit else None
    print()
    print(f"{'Forwarding capacity, Opus audio, one relay core':<58} {'ours':>8} {'mediasoup':>10} {'ratio':>7}")
    if best:
        measured = best["consumers"] / max(best["relay_cpu"], 1e-9)
        print(
            f"{'  largest passing step: ' + str(best['consumers']) + ' consumers at ' + format(best['relay_cpu'] * 100, '.0f') + '% CPU, scaled':<58}"
            f" {measured:>8.0f} {MEDIASOUP_CONSUMERS_PER_CORE:>10} {measured / MEDIASOUP_CONSUMERS_PER_CORE:>6.2f}x"
        )
    if fit:
        fixed, per_packet = fit
        packets_per_core = (1 - max(fixed, 0.0)) / per_packet * 1e6
        consumers_per_core = packets_per_core / 50  # 50 packets/s per Opus consumer
        print(
            f"{'  from the CPU fit (' + format(per_packet, '.1f') + ' µs/packet + ' + format(fixed * 100, '.1f') + '% fixed): consumers/core':<58}"
            f" {consumers_per_core:>8.0f} {MEDIASOUP_CONSUMERS_PER_CORE:>10} {consumers_per_core / MEDIASOUP_CONSUMERS_PER_CORE:>6.2f}x"
        )
        print(
            f"{'  packets/s per core':<58} {packets_per_core:>8.0f} {MEDIASOUP_PACKETS_PER_CORE:>10} {packets_per_core / MEDIASOUP_PACKETS_PER_CORE:>6.2f}x"
        )
        ramp["capacity"] = {"consumers_per_core": consumers_per_core, "packets_per_core": packets_per_core}


def summarize_profile(path: Path, top: int = 25) -> dict:
    """Break py-spy raw (collapsed) stacks of the relay into where the CPU goes."""
    # (name, frame substrings); a sample goes to the first category found, searching its
    # stack from the leaf up (so a sendto under on_rtp counts as sendto, not as on_rtp)
    categories = [
        (
            "UDP sendto (syscall; on loopback it includes the receiver's kernel path)",
            ("sendto (asyncio/selector_events.py",),
        ),
        ("SRTP protect (libsrtp)", ("protect (pylibsrtp",)),
        ("SRTP unprotect (libsrtp)", ("unprotect (pylibsrtp", "unprotect_rtcp (pylibsrtp")),
        (
            "send wrapper (hooks write / aiortc _send_rtp / aioice chain)",
            ("write (media_relay/sfu/hooks.py", "_send_rtp (aiortc", "send (aioice", "send_data (aioice"),
        ),
        (
            "rewrite + header build (Consumer.audio_packet, RtpRewriter, extensions)",
            ("audio_packet (media_relay", "video_packet (media_relay", "rewrite (media_relay", "ConsumerHeaderWriter"),
        ),
        ("RTP parse (aiortc RtpPacket.parse, header extensions)", ("parse (aiortc/rtp.py", "HeaderExtensionsMap")),
        (
            "producer per-packet work (Producer.on_rtp: stats, speaker level, loop)",
            ("on_rtp (media_relay", "timed_on_rtp", "StreamStatistics", "observe (media_relay"),
        ),
        (
            "receive: aioice datagram + queue + DTLS demux",
            ("datagram_received (aioice", "_recv_next (aiortc", "recv (aioice", "recvfrom (aioice", "_handle_rtp_data"),
        ),
        ("ICE consent / STUN", ("StunProtocol.request", "query_consent", "stun.py")),
        (
            "RTCP (sender reports, receiver reports, feedback)",
            ("_run_rtcp", "_handle_rtcp", "_send_rtcp", "update_sender_report", "rtp.py:"),
        ),
        ("signalling / websockets", ("websockets",)),
        (
            "asyncio event loop (select, scheduling)",
            ("select (selectors.py", "_run_once", "Handle._run", "call_later", "sleep (asyncio"),
        ),
    ]
    self_time: collections.Counter = collections.Counter()
    buckets: collections.Counter = collections.Counter()
    total = idle = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if "select (selectors.py" in frames[-1]:
            idle += n  # waiting in epoll (py-spy counts it when the process is descheduled there)
            continue
        total += n
        self_time[frames[-1]] += n
        chosen = "other"
        for frame in reversed(frames):
            found = next((name for name, needles in categories if any(needle in frame for needle in needles)), None)
            if found is not None:
                chosen = found
                break
        buckets[chosen] += n
    return {
        "samples": total,
        "idle_samples": idle,
        "by_category": {k: v / total for k, v in buckets.most_common()} if total else {},
        "top_self": [(k, v / total) for k, v in self_time.most_common(top)] if total else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default="ramp,room12,stage")
    parser.add_argument("--steps", default="8,100,200,300,400,500,600,800", help="consumer counts for the ramp")
    parser.add_argument("--seconds", type=float, default=8.0, help="measurement window per step")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="load-generator processes: one for the publishers, the rest for subscribers",
    )
    parser.add_argument("--listeners", type=int, default=200)
    parser.add_argument(
        "--quiet-load", type=float, default=0.0, help="before each scenario wait for the 1-min load to drop below this"
    )
    parser.add_argument("--quiet-wait", type=float, default=300.0, help="... but at most this many seconds")
    parser.add_argument("--stage-dtx", action="store_true", help="stage guests silent with Opus DTX (host talking)")
    parser.add_argument(
        "--keep-going", action="store_true", help="measure every ramp step even after one fails (CPU fit)"
    )
    parser.add_argument(
        "--pin", action="store_true", help="pin the relay to CPU 0 and the generators to the other CPUs"
    )
    parser.add_argument(
        "--profile-at",
        type=int,
        default=200,
        help="py-spy the relay at the first ramp step with this many consumers (0: off)",
    )
    parser.add_argument("--smoke", action="store_true",
                        help="a check that the bench still runs: one ramp step of 8 consumers for 2 s, no profile")
    args = parser.parse_args()
    if args.smoke:
        args.scenarios, args.steps, args.seconds, args.profile_at, args.quiet_load = "ramp", "8", 2.0, 0, 0.0
    if args.profile_at and not (Path(sys.executable).parent / "py-spy").exists():
        parser.error("--profile-at needs py-spy: `.venv/bin/pip install py-spy` (bench only), or --profile-at 0")
    args.steps = [int(s) for s in args.steps.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    print(
        f"media relay capacity bench — {os.cpu_count()} CPUs, load {loadavg()}, pin={args.pin}, window {args.seconds:.0f}s/step"
    )
    if os.cpu_count() and float(loadavg().split()[0]) > os.cpu_count():
        print(
            f"note: the machine is busy (load {loadavg()} on {os.cpu_count()} CPUs): loss and latency include waiting for a CPU;"
            " relay CPU per packet (from /proc) does not"
        )
    results: list = []
    report: dict = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "load_at_start": loadavg(),
        "cpus": os.cpu_count(),
        "scenarios": {},
    }
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    scenarios = args.scenarios.split(",")
    if "ramp" in scenarios:
        report["scenarios"]["ramp"] = ramp = run_ramp(args, results)
        capacity_summary(ramp)
        if ramp.get("profile") and Path(ramp["profile"]).exists():
            profile = summarize_profile(Path(ramp["profile"]))
            ramp["profile_summary"] = profile
            step = next((r for r in ramp["steps"] if r["consumers"] >= args.profile_at), None)
            per_packet = step["relay_us_per_packet_out"] if step else float("nan")
            print(
                f"\nWhere the relay's CPU goes ({profile['samples']} py-spy samples at {step['consumers'] if step else '?'} consumers, "
                f"{per_packet:.1f} µs per forwarded packet; {profile['idle_samples']} samples waiting in epoll left out):"
            )
            for name, share in profile["by_category"].items():
                print(f"  {share * 100:5.1f}%  ~{share * per_packet:5.1f} µs  {name}")
            print("  top functions (self time):")
            for name, share in profile["top_self"][:12]:
                print(f"  {share * 100:5.1f}%  {name}")
    if "room12" in scenarios:
        report["scenarios"]["room12"] = run_room12(args, results)
    if "stage" in scenarios:
        report["scenarios"]["stage"] = run_stage(args, results)
    report["load_at_end"] = loadavg()
    out = OUT / f"relay_capacity-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(
        f"\nload at start {report['load_at_start']}, at end {report['load_at_end']}; results in {out.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
