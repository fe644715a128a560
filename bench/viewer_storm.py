#!/usr/bin/env python
"""Viewer storms: sockets accepted per second per daphne process, and chat fan-out to thousands of
viewers over two daphne processes, ours vs Socket.io (same machine, same client, same harness).

1. **Storm.** N viewers open their sockets at once (C handshakes in flight) to one daphne serving
   bench/viewer_asgi.py (config.asgi's routes plus a minimal viewer socket). `--target stream`
   (default): anonymous viewers of a live stream on the real stream socket, /ws/stream/<id>/
   (streams.consumers: the stream read from the database, one query per connect, the audience
   joined in memory, the hello); the stream is made in the bench database at setup.
   `--target minimal`: the platform's whole WebSocket stack and a minimal anonymous viewer
   consumer that joins one group and its audience (config/audience.py) and sends a hello with the
   audience count; no database work per connect. The peer: N Socket.io clients joining one room of
   one node process (bench/socketio/server.js). accepted/s = N / (first handshake started -> last
   hello / connect ack), over every generator process. Server CPU per accepted socket from /proc.
2. **Fan-out.** V viewers (5,000) split evenly over two daphne processes in one group, M chat
   messages published to the group (what config.realtime publishes: one Redis pub/sub message,
   each process frames it once for its sockets) vs two node processes with @socket.io/redis-adapter
   sharing one adapter key, the sender emitting "chat" on the first (io.to(room).emit reaches the
   second through Redis). Delivered msg/s = V x M / (first send -> last receipt), as in
   bench/chat_fanout.py, whose load generator, measurement and table this reuses.

    .venv/bin/python bench/viewer_storm.py                       # storm 2,000 x 3 runs, fan-out 5,000
    .venv/bin/python bench/viewer_storm.py --storm 1000 --viewers 2000 --repeat 1
    .venv/bin/python bench/viewer_storm.py --profile             # + py-spy on daphne during the storm
    .venv/bin/python bench/viewer_storm.py --smoke               # does it still run? (20 viewers)

Needs Redis on 127.0.0.1 (db 13 by default) and, for --target stream, PostgreSQL (database
wt_bench_viewers, created and migrated on first use).
Bounded like chat_fanout: every process it starts is stopped, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_fanout import (  # noqa: E402  (a sibling script, not a package)
    DRAIN_TIMEOUT,
    HOST,
    OUT,
    PYTHON,
    SOCKETIO_DIR,
    Generator,
    cpu_seconds,
    env_subset,
    free_port,
    measure,
    parse_cpus,
    prepare_database,
    print_table,
    stack_env,
    start_daphne,
    start_socketio,
    stop_process,
    summarise,
)

ASGI = "viewer_asgi:application"


def make_live_stream() -> int:
    """A live stream of a bench channel in the bench database (the last one, if any, ended): its id."""
    from django.utils import timezone

    from accounts.models import User
    from streams.models import Channel, Stream, StreamStatus

    owner, _ = User.objects.get_or_create(handle="benchstormhost",
                                          defaults={"email": "benchstormhost@bench.invalid", "password": "!bench"})
    channel, _ = Channel.objects.get_or_create(owner=owner, defaults={"name": "Bench storm", "slug": "bench-storm"})
    now = timezone.now()
    Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).update(status=StreamStatus.ENDED, ended_at=now)
    return Stream.objects.create(channel=channel, title="Viewer storm", status=StreamStatus.LIVE, started_at=now).pk


def viewer_path(args, name: str) -> str:
    return f"/ws/stream/{args.stream_id}/" if args.target == "stream" else f"/ws/bench/viewers/{name}/"


def viewer_group(args, name: str) -> str:
    return f"stream.{args.stream_id}" if args.target == "stream" else f"bench.viewers.{name}"


def viewer_specs(kind: str, ports: list[int], name: str, count: int, args) -> list[dict]:
    """`count` viewer sockets spread round-robin over the servers on `ports`."""
    if kind == "django":
        return [{"kind": "django", "url": f"ws://{HOST}:{ports[i % len(ports)]}{viewer_path(args, name)}",
                 "origin": f"http://{HOST}:{ports[i % len(ports)]}"} for i in range(count)]
    return [{"kind": "socketio",
             "url": f"ws://{HOST}:{ports[i % len(ports)]}/socket.io/?EIO=4&transport=websocket&room={name}&user={i + 1}"}
            for i in range(count)]


def chat_template() -> str:
    """The event the peer's server.js emits for a chat message, with a placeholder for the body."""
    from config.realtime import encode

    return encode({"type": "rooms.chat", "op": "created", "message": {
        "id": 1, "author": {"id": 1, "handle": "fanout000001", "display_name": "", "avatar_url": None},
        "body": "@@BODY@@", "mentions": [], "created_at": "2026-12-07T00:00:00.000000Z", "is_deleted": False}})


class Servers:
    """One or two servers of one side (daphne or node), started and stopped together."""

    def __init__(self, side: str, count: int, args, env: dict[str, str]):
        self.side, self.procs, self.ports, self.logs = side, [], [], []
        key = f"bench-viewers-{os.getpid()}"
        try:
            for i in range(count):
                port = free_port()
                log = open(OUT / f"viewer-storm-{side}-{i}.log", "w")
                self.logs.append(log)
                proc = start_daphne(args, env, port, log) if side == "ours" else start_socketio(args, port, log, key)
                self.procs.append(proc)
                self.ports.append(port)
        except BaseException:
            self.close()
            raise

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def close(self) -> None:
        for proc in self.procs:
            stop_process(proc)
        for log in self.logs:
            log.close()


def storm_once(servers: Servers, args, env, n: int, run: int) -> dict:
    kind = "django" if servers.side == "ours" else "socketio"
    specs = viewer_specs(kind, servers.ports, f"storm{os.getpid()}x{run}", n, args)
    cpu0 = sum(cpu_seconds(pid) for pid in servers.pids())
    gen = Generator(specs, args.workers, args.gen_cpus, env_subset(env), args.connect_concurrency)
    try:
        span = gen.wait_ready()
        cpu = sum(cpu_seconds(pid) for pid in servers.pids()) - cpu0
    finally:
        gen.close()
    time.sleep(1.0)  # the sockets' goodbyes
    result = {"side": servers.side, "n": n, "seconds": span, "accepted_per_s": n / span,
              "server_cpu_s": cpu, "server_cpu_us_per_socket": cpu / n * 1e6}
    print(f"  storm {servers.side:<4} N={n}: {span:6.2f} s, {result['accepted_per_s']:7.0f} sockets/s, "
          f"server CPU {cpu:5.2f} s ({result['server_cpu_us_per_socket']:.0f} us/socket)", flush=True)
    return result


def run_storm(args, env, sides: list[str]) -> list[dict]:
    servers = {side: Servers(side, 1, args, env) for side in sides}
    profiler = None
    try:
        for group in servers.values():  # warm-up: imports, first connections to Redis
            storm_once(group, args, env, min(20, args.storm), 0)
        results = []
        for run in range(1, args.repeat + 1):
            for side, group in servers.items():
                if args.profile and side == "ours" and run == 1:
                    profiler = start_profile(group.pids()[0])
                try:
                    results.append(storm_once(group, args, env, args.storm, run))
                finally:
                    if profiler is not None:
                        stop_profile(profiler)
                        profiler = None
        return results
    finally:
        for group in servers.values():
            group.close()


def start_profile(pid: int) -> subprocess.Popen | None:
    spy = Path(PYTHON).with_name("py-spy")
    if not spy.exists():
        print("  (py-spy not installed in the venv: no profile)", flush=True)
        return None
    out = OUT / "pyspy-viewer-storm.txt"
    proc = subprocess.Popen([str(spy), "record", "-p", str(pid), "-r", "250", "-f", "raw", "-o", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.out = out  # type: ignore[attr-defined]
    time.sleep(1.0)
    return proc


def stop_profile(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    print(f"  profile: {proc.out} (bench/pyspy_summary.py <file>)", flush=True)  # type: ignore[attr-defined]


def run_fanout(args, env, sides: list[str]) -> list[dict]:
    v, results = args.viewers, []
    name = f"fan{os.getpid()}"
    opened: list[tuple[str, Servers, Generator]] = []
    try:
        for side in sides:
            servers = Servers(side, 2, args, env)
            kind = "django" if side == "ours" else "socketio"
            gen = Generator(viewer_specs(kind, servers.ports, name, v, args), args.workers, args.gen_cpus, env_subset(env),
                            args.connect_concurrency)
            opened.append((side, servers, gen))
            span = gen.wait_ready()
            print(f"  fan-out {side}: {v} viewers over 2 processes connected (handshakes {span:.1f} s)", flush=True)
        time.sleep(2.0)  # the audience's count broadcasts settle
        template = chat_template()
        tag = 100
        for repeat in range(args.repeat):
            for side, servers, gen in opened:
                tag += 1
                if side == "ours":
                    label, job = "ours fanout 2 daphne", {"mode": "fanout", "template": template,
                                                          "group": viewer_group(args, name)}
                else:
                    label, job = "peer socket.io 2 node", {"mode": "socketio"}
                job.update(messages=args.messages, window=max(4, 4000 // v), body_size=100, rate=0.0,
                           drain_timeout=DRAIN_TIMEOUT)
                result = measure(gen, label, v, tag, job, servers.pids(), args)
                result["repeat"] = repeat
                results.append(result)
    finally:
        for _, servers, gen in opened:
            try:
                gen.close()
            finally:
                servers.close()
    return results


def print_storm(results: list[dict], target: str) -> list[dict]:
    rows = []
    for side in dict.fromkeys(r["side"] for r in results):
        runs = sorted((r for r in results if r["side"] == side), key=lambda r: r["accepted_per_s"])
        rows.append({**runs[(len(runs) - 1) // 2], "min": runs[0]["accepted_per_s"], "max": runs[-1]["accepted_per_s"]})
    peer = next((r for r in rows if r["side"] == "peer"), None)
    print()
    print("Viewer storm: N sockets opened at once; accepted/s = N / (first handshake -> last hello), one server process; "
          f"ours: {'the stream socket /ws/stream/<id>/' if target == 'stream' else 'the minimal viewer socket'}")
    print(f"{'':6}{'side':<6} {'N':>6} {'accepted/s':>10} {'(min-max)':>15} {'ours/peer':>9} {'us/socket':>9} {'eff.':>5}")
    for r in rows:
        ratio = f"{r['accepted_per_s'] / peer['accepted_per_s']:.2f}" if peer and r is not peer else "-"
        eff = (f"{peer['server_cpu_us_per_socket'] / r['server_cpu_us_per_socket']:.2f}"
               if peer and r is not peer and r["server_cpu_us_per_socket"] > 0 else "-")
        spread = f"({r['min']:.0f}-{r['max']:.0f})"
        print(f"storm {r['side']:<6} {r['n']:>6} {r['accepted_per_s']:>10.0f} {spread:>15} "
              f"{ratio:>9} {r['server_cpu_us_per_socket']:>9.0f} {eff:>5}")
    print("ours/peer: goal >= 0.5 (issue 12). us/socket = server CPU per accepted socket (median run); "
          "eff. = peer us/socket / ours.")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storm", type=int, default=2000, help="viewers in a storm (one server process)")
    parser.add_argument("--viewers", type=int, default=5000, help="viewers in the fan-out (two server processes)")
    parser.add_argument("--messages", type=int, default=100, help="messages in each fan-out run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side, interleaved; the median is reported")
    parser.add_argument("--parts", default="storm,fanout")
    parser.add_argument("--target", choices=("stream", "minimal"), default="stream",
                        help="our viewer socket: the real stream socket (a live stream made at setup) or the minimal one")
    parser.add_argument("--no-peer", action="store_true", help="skip Socket.io")
    parser.add_argument("--connect-concurrency", type=int, default=64, help="handshakes in flight, in all")
    parser.add_argument("--workers", type=int, default=4, help="receiver processes")
    parser.add_argument("--server-cpus", default="0", help="CPUs for the server processes ('' = no pinning)")
    parser.add_argument("--gen-cpus", default="1", help="CPUs for the generator processes ('' = no pinning)")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--env", action="append", default=[], help="extra KEY=VALUE for our stack (repeatable)")
    parser.add_argument("--profile", action="store_true", help="py-spy record daphne during the first storm")
    parser.add_argument("--smoke", action="store_true", help="a check that the bench still runs (20 viewers, 1 run; "
                        "the peer only if bench/socketio has node_modules)")
    args = parser.parse_args()
    if args.smoke:
        args.storm, args.viewers, args.messages, args.repeat, args.workers = 20, 20, 20, 1, 1
        args.server_cpus = args.gen_cpus = ""
        if not (SOCKETIO_DIR / "node_modules" / "socket.io").exists():
            args.no_peer = True
            print("smoke: skipping the Socket.io peer (bench/socketio/node_modules missing: `npm ci` there)", flush=True)
    args.server_cpus, args.gen_cpus = parse_cpus(args.server_cpus), parse_cpus(args.gen_cpus)
    # what chat_fanout.stack_env and prepare_database read
    args.database, args.settings, args.asgi = "wt_bench_viewers", "config.settings", ASGI
    args.schema, args.fresh_db = "migrate", False
    args.secret_key = "bench-" + secrets.token_urlsafe(48)
    args.stack_env = {"CHANNEL_LAYER_PREFIX": f"asgi-viewers{os.getpid()}", **dict(kv.split("=", 1) for kv in args.env)}
    args.redis_url = f"redis://{HOST}:6379/{args.redis_db}"
    OUT.mkdir(parents=True, exist_ok=True)
    env = stack_env(args)
    if args.target == "stream":
        prepare_database(args, env)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "CHANNEL_LAYER_PREFIX", "DATABASE_URL")})
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    args.stream_id = make_live_stream() if args.target == "stream" else None
    sides = ["ours"] + ([] if args.no_peer else ["peer"])
    parts = args.parts.split(",")
    print(f"machine: {os.cpu_count()} CPUs; servers pinned to {args.server_cpus or 'any'}, generator to "
          f"{args.gen_cpus or 'any'}; Redis db {args.redis_db}", flush=True)
    out: dict = {"args": {k: str(v) for k, v in vars(args).items() if k != "secret_key"}}
    if "storm" in parts:
        out["storm"] = print_storm(run_storm(args, env, sides), args.target)
    if "fanout" in parts:
        rows = summarise(run_fanout(args, env, sides))
        print_table(rows)
        out["fanout"] = rows
    path = OUT / f"viewer_storm-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(out, indent=1, default=str))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
