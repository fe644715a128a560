#!/usr/bin/env python
"""Cascading cost: one publisher, viewers split over two relay workers joined by a pipe.

Processes (multiprocessing, spawn):
  * relay A, the room's origin: Relay + its WebSocket signalling; the publisher is here;
  * relay B, an edge: the same, with a Cascade whose registry lookup names A as the origin of
    the room (no Redis needed: the lookup is a function), so B pulls the room's producer from A
    through a pipe (media_relay.sfu.cascade: SRTP over UDP);
  * one load generator from bench/relay_capacity.py (aiortc peers; pre-encoded 20 ms Opus-sized
    packets carrying their send time and a counter, taken by the viewers without decoding) holding
    the publisher, the origin's viewers (on A) and the edge's viewers (on B): one process and one
    event loop, so on a busy machine a stall of the generator delays both kinds of viewers alike
    and the difference between them is the pipe's.

Two windows of ``--seconds``:
  1. origin only: the publisher and ``--viewers`` viewers on A; B idle;
  2. cascaded: the same, plus ``--viewers`` viewers on B fed through the pipe.

Reported:
  * **the pipe's latency between the relays**: when each audio packet reached A's producer and B's
    piped producer (stamped inside the relays, same clock): the origin's fan-out before the pipe
    consumer, the UDP hop and B's receive queue; the relays are lightly loaded, so a busy machine
    disturbs this figure least;
  * **the pipe's added latency at the viewers**: for each packet and each edge viewer, its one-way latency at
    that viewer minus the mean latency of the same packet at the origin's viewers; p50 / p95 /
    p99 (same machine, same clock);
  * **the CPU the pipe costs the origin**: A's CPU (from /proc) in window 2 minus window 1, as % of
    a core and in consumer-equivalents (A's CPU per forwarded packet in window 1); with A's packets
    out per second, so the pipe's one extra stream per producer is visible;
  * the edge's CPU, and loss per side.

Run:
    .venv/bin/python bench/relay_cascade.py                  # 100 + 100 viewers, 10 s windows
    .venv/bin/python bench/relay_cascade.py --viewers 200 --seconds 15
    .venv/bin/python bench/relay_cascade.py --smoke          # does it still run? (4 + 4 viewers, 2 s)
Bounded: every wait has a timeout, all processes are stopped on exit, only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from relay_capacity import OUT, PAYLOAD, SECRET, cpu_seconds, loadavg, percentile, worker_main  # noqa: E402

ROOM = "cascade-bench"


def relay_main(conn, origin_url: str | None) -> None:
    """One relay worker; with ``origin_url`` an edge whose rooms' origin is that worker."""
    import logging

    logging.basicConfig(level=logging.WARNING, format=f"relay {'B' if origin_url else 'A'}: %(levelname)s %(name)s: %(message)s")
    logging.getLogger("media_relay").setLevel(logging.INFO)
    from media_relay.sfu import cascade, hooks
    from media_relay.sfu import router as router_module
    from media_relay.sfu.cascade import Cascade
    from media_relay.sfu.conf import RelayConfig
    from media_relay.sfu.relay import Relay
    from media_relay.sfu.server import SignallingServer

    # the pipe's own cost inside the origin, timed where it is spent: the pipe consumers' rewriting
    # and the pipe socket's sendto (thread CPU time around each; the /proc difference below is noisier)
    pipe_time = {"seconds": 0.0, "packets": 0}
    original_pipe_producer = cascade.PipeOut.pipe_producer

    def timed(function):
        def call(*args):
            start = time.thread_time()  # CPU time: a busy machine's waits for a core are not counted
            result = function(*args)
            pipe_time["seconds"] += time.thread_time() - start
            return result
        return call

    def timed_pipe_producer(self, producer):
        description = original_pipe_producer(self, producer)
        consumer = self.by_ssrc[description["ssrc"]]
        consumer.audio_packet, consumer.video_packet = timed(consumer.audio_packet), timed(consumer.video_packet)
        if not getattr(self.sink, "timed", False):
            write = self.sink.write

            def counted_write(data):
                pipe_time["packets"] += 1
                write(data)

            self.sink.write, self.sink.timed = timed(counted_write), True
        return description

    cascade.PipeOut.pipe_producer = timed_pipe_producer

    # when each audio packet (its generator counter) reached this worker's producer: on A the
    # publisher's, on B the piped one; B - A is the pipe's latency between the two relays
    arrivals: dict[int, float] = {}
    original_on_rtp = router_module.Producer.on_rtp

    async def stamped_on_rtp(self, packet, arrival_time_ms=0):
        if self.kind == "audio" and len(packet.payload) >= 1 + PAYLOAD.size:
            arrivals.setdefault(PAYLOAD.unpack_from(packet.payload, 1)[1], time.time())
        await original_on_rtp(self, packet, arrival_time_ms)

    router_module.Producer.on_rtp = stamped_on_rtp

    async def main() -> None:
        hooks.restrict_host_addresses(["127.0.0.1"])
        config = RelayConfig(
            host="127.0.0.1", port=0, ice_addresses=["127.0.0.1"], pipe_host="127.0.0.1", max_room_peers=2000,
            media_timeout=60.0, messages_per_second=1000.0, message_burst=2000, outbound_queue=20_000,
            heartbeat_interval=5.0, heartbeat_timeout=30.0,
        )
        relay = Relay(config)
        if origin_url is not None:
            relay.cascade = Cascade(relay, worker_id="B", secret=SECRET, host="127.0.0.1",
                                    origin_of=lambda room: ("A", origin_url))
        server = SignallingServer(relay, secret=SECRET)
        port = await server.start()
        conn.send(("ready", port, os.getpid()))
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command[0] == "edge":  # open the room here (no viewer yet): the pipe comes up with it
                router = relay.router_for(command[1])
                deadline = time.monotonic() + 30
                while len(router.producers) < command[2] and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                conn.send(len(router.producers))
            elif command[0] == "stats":
                rooms = relay.stats()["rooms"]
                totals = {key: sum(room[key] for room in rooms) for key in ("packets_in", "packets_out", "consumers")}
                conn.send(totals | {"pipe_seconds": pipe_time["seconds"], "pipe_packets": pipe_time["packets"]})
            elif command[0] == "arrivals":
                conn.send(dict(arrivals))
                arrivals.clear()
            elif command[0] == "stop":
                await asyncio.wait_for(server.close(), 20)
                conn.send("stopped")
                return

    asyncio.run(main())


class Bench:
    def __init__(self, *, late: float) -> None:
        ctx = mp.get_context("spawn")
        self.late = late
        self.processes = []
        self.a_conn, self.a_pid, a_port = self._start(ctx, relay_main, None)
        self.a_url = f"ws://127.0.0.1:{a_port}/"
        self.b_conn, self.b_pid, b_port = self._start(ctx, relay_main, self.a_url)
        self.b_url = f"ws://127.0.0.1:{b_port}/"
        self.gen = self._generator(ctx, self.a_url)

    def _start(self, ctx, target, *args):
        parent, child = ctx.Pipe()
        process = ctx.Process(target=target, args=(child, *args), daemon=True)
        process.start()
        self.processes.append((parent, process))
        if not parent.poll(60):
            raise TimeoutError("relay did not start")
        _, port, pid = parent.recv()
        return parent, pid, port

    def _generator(self, ctx, url: str):
        parent, child = ctx.Pipe()
        process = ctx.Process(target=worker_main, args=(child, url, None), daemon=True)
        process.start()
        self.processes.append((parent, process))
        return parent

    @staticmethod
    def ask(conn, message, timeout: float = 600):
        conn.send(message)
        if not conn.poll(timeout):
            raise TimeoutError(f"no reply to {message[0]}")
        reply = conn.recv()
        if isinstance(reply, tuple) and reply and reply[0] == "error":
            raise RuntimeError(reply[1])
        return reply

    def window(self, seconds: float) -> dict:
        time.sleep(2.0)  # settle
        t0 = time.time() + 0.2
        t1 = t0 + seconds
        self.ask(self.gen, ("window", t0, t1))
        while time.time() < t0:
            time.sleep(0.01)
        for conn in (self.a_conn, self.b_conn):
            self.ask(conn, ("arrivals",))  # from now on
        cpu0 = {pid: cpu_seconds(pid) for pid in (self.a_pid, self.b_pid)}
        stats0 = self.ask(self.a_conn, ("stats",))
        time.sleep(max(0.0, t1 - time.time()))
        cpu = {pid: (cpu_seconds(pid) - cpu0[pid]) / seconds for pid in cpu0}
        stats1 = self.ask(self.a_conn, ("stats",))
        at_a, at_b = self.ask(self.a_conn, ("arrivals",)), self.ask(self.b_conn, ("arrivals",))
        between_relays = [(at_b[c] - at_a[c]) * 1000 for c in at_b if c in at_a]
        time.sleep(self.late)  # late packets of the window
        report = self.ask(self.gen, ("report", "by_packet"))
        reports = [split(report, "origin-viewer-"), split(report, "edge-viewer-")]
        packets_out = (stats1["packets_out"] - stats0["packets_out"]) / seconds
        return {"a_cpu": cpu[self.a_pid], "b_cpu": cpu[self.b_pid], "a_packets_out": packets_out,
                "between_relays_ms": between_relays,
                "pipe_cpu": (stats1["pipe_seconds"] - stats0["pipe_seconds"]) / seconds,
                "pipe_packets": (stats1["pipe_packets"] - stats0["pipe_packets"]) / seconds,
                "origin": reports[0], "edge": reports[1]}

    def close(self) -> None:
        for conn, process in reversed(self.processes):
            with suppress(Exception):
                conn.send(("stop",))
                conn.poll(30) and conn.recv()
            process.join(5)
            if process.is_alive():
                process.kill()


def split(report: dict, prefix: str) -> dict:
    """The generator's report for the viewers whose peer id starts with ``prefix``."""
    latencies = {key: values for key, values in report["by_packet"].items()}
    return {
        "sent": report["sent"],
        "received": {key: n for key, n in report["received"].items() if key.startswith(prefix)},
        "by_packet": {key: [lat for peer, lat in values if peer.startswith(prefix)] for key, values in latencies.items()},
        "latencies": [lat for values in latencies.values() for peer, lat in values if peer.startswith(prefix)],
    }


def loss(report: dict, sent: dict[str, int]) -> float:
    """1 - received / sent for the window's packets (``sent``: the publisher's generator's count)."""
    expected = sum(sent.get(key.split("|")[1], 0) for key in report["received"])
    got = sum(report["received"].values())
    return 1 - got / expected if expected else float("nan")


def added_latency_ms(origin: dict, edge: dict) -> list[float]:
    """Per packet and edge viewer: its latency minus the packet's mean latency at the origin's viewers."""
    added = []
    for key, latencies in edge["by_packet"].items():
        at_origin = origin["by_packet"].get(key)
        if at_origin:
            base = statistics.fmean(at_origin)
            added += [(latency - base) * 1000 for latency in latencies]
    return added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=100, help="viewers on each worker")
    parser.add_argument("--seconds", type=float, default=10.0, help="measurement window")
    parser.add_argument("--late", type=float, default=3.0,
                        help="seconds to wait after a window for its late packets (a busy machine delays them)")
    parser.add_argument("--smoke", action="store_true", help="a check that the bench still runs: 4 + 4 viewers, 2 s")
    args = parser.parse_args()
    if args.smoke:
        args.viewers, args.seconds = 4, 2.0
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"relay cascade bench — {os.cpu_count()} CPUs, load {loadavg()}, {args.viewers} viewers per worker, "
          f"{args.seconds:.0f}s windows")
    bench = Bench(late=args.late)
    try:
        producers = bench.ask(bench.gen, ("publish", ROOM, ["publisher"], {}))
        producer_ids = list(producers.values())
        specs = [(f"origin-viewer-{i}", producer_ids) for i in range(args.viewers)]
        bench.ask(bench.gen, ("subscribe", ROOM, specs, 4))
        alone = bench.window(args.seconds)

        assert bench.ask(bench.b_conn, ("edge", ROOM, len(producer_ids))) == len(producer_ids)
        specs = [(f"edge-viewer-{i}", producer_ids) for i in range(args.viewers)]
        bench.ask(bench.gen, ("subscribe", ROOM, specs, 4, bench.b_url))
        cascaded = bench.window(args.seconds)
    finally:
        bench.close()

    added = added_latency_ms(cascaded["origin"], cascaded["edge"])
    pipe_cpu = cascaded["a_cpu"] - alone["a_cpu"]
    per_packet = alone["a_cpu"] / alone["a_packets_out"] if alone["a_packets_out"] else float("nan")
    extra_packets = cascaded["a_packets_out"] - alone["a_packets_out"]
    origin_lat = sorted(x * 1000 for x in cascaded["origin"]["latencies"])
    edge_lat = sorted(x * 1000 for x in cascaded["edge"]["latencies"])
    print()
    print(f"{'window':<22} {'A cpu %':>8} {'B cpu %':>8} {'A pkts out/s':>13} {'loss A':>7} {'loss B':>7} "
          f"{'lat A p95':>10} {'lat B p95':>10}")
    for label, row in (("origin only", alone), ("cascaded (pipe)", cascaded)):
        sent = row["origin"]["sent"]
        lat_a = percentile([x * 1000 for x in row["origin"]["latencies"]], 0.95)
        lat_b = percentile([x * 1000 for x in row["edge"]["latencies"]], 0.95) if row["edge"]["latencies"] else float("nan")
        print(f"{label:<22} {row['a_cpu'] * 100:8.1f} {row['b_cpu'] * 100:8.1f} {row['a_packets_out']:13.0f} "
              f"{loss(row['origin'], sent) * 100:6.2f}% {loss(row['edge'], sent) * 100:6.2f}% {lat_a:10.2f} {lat_b:10.2f}")
    print()
    print(f"pipe added latency (edge viewer - origin viewers, same packet): "
          f"p50 {percentile(added, 0.5):.2f} ms, p95 {percentile(added, 0.95):.2f} ms, "
          f"p99 {percentile(added, 0.99):.2f} ms ({len(added)} samples)")
    viewer_cpu = per_packet * alone["a_packets_out"] / max(1, args.viewers)  # one origin viewer's share
    between = cascaded["between_relays_ms"]
    print(f"pipe latency between the relays (packet at A's producer -> at B's piped producer): "
          f"p50 {percentile(between, 0.5):.2f} ms, p95 {percentile(between, 0.95):.2f} ms, "
          f"p99 {percentile(between, 0.99):.2f} ms ({len(between)} packets)")
    print(f"pipe CPU on the origin, timed inside it: {cascaded['pipe_cpu'] * 100:.3f}% of a core for "
          f"{cascaded['pipe_packets']:.0f} piped packets/s "
          f"({cascaded['pipe_cpu'] / cascaded['pipe_packets'] * 1e6 if cascaded['pipe_packets'] else float('nan'):.1f} µs "
          f"per piped packet: rewrite + SRTP protect + sendto)")
    print(f"pipe CPU on the origin: {pipe_cpu * 100:+.2f}% of a core from /proc (window 2 - window 1, "
          f"{extra_packets:+.0f} packets/s out; A alone: {per_packet * 1e6:.1f} µs per forwarded packet, "
          f"{viewer_cpu * 100:.2f}% of a core per viewer: the pipe costs "
          f"{cascaded['pipe_cpu'] / viewer_cpu if viewer_cpu else float('nan'):.2f} viewers' worth, timed)")
    print(f"edge B: {cascaded['b_cpu'] * 100:.1f}% of a core for {args.viewers} viewers "
          f"(origin viewers' latency p50 {percentile(origin_lat, 0.5):.2f} ms, edge {percentile(edge_lat, 0.5):.2f} ms)")
    out = OUT / f"relay_cascade-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({
        "viewers_per_worker": args.viewers, "seconds": args.seconds, "load": loadavg(),
        "added_ms": {q: percentile(added, p) for q, p in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))},
        "between_relays_ms": {q: percentile(between, p) for q, p in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))},
        "pipe_cpu_percent_proc": pipe_cpu * 100, "pipe_cpu_percent_timed": cascaded["pipe_cpu"] * 100,
        "pipe_packets_per_s": cascaded["pipe_packets"], "a_cpu": [alone["a_cpu"], cascaded["a_cpu"]],
        "b_cpu": cascaded["b_cpu"], "a_packets_out": [alone["a_packets_out"], cascaded["a_packets_out"]],
    }, indent=2))
    print(f"results in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
