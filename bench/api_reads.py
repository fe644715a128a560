#!/usr/bin/env python
"""Public API reads under load, next to the framework's floor on the same server.

A daphne process (bench/api_reads_asgi.py: the platform plus an empty Django view) over a bench PostgreSQL
database (default wt_bench_api, created and migrated here) and Redis db 13, holding --rooms public rooms in
the hallway and --streams live streams. One client process keeps --connections keep-alive connections busy
for --seconds per target (after a short warm-up) and times every answer:

- floor: `GET /bench/empty/`, an empty Django view behind the same middleware;
- hallway: `GET /api/v1/rooms/` as an anonymous visitor (it is public, as on the landing page), the first page of 25;
- live streams: `GET /api/v1/streams/` as an anonymous viewer, the first page;
- the hallway again with a personal token (read scope): what a bot pays for token authentication.

Both lists are answered from a moment's memory (config/shared_reads.py); `--no-shared-reads` measures
them computed on every request instead (an environment switch read by the bench's ASGI module).

Every request goes through the real throttle (one Redis script per call) with the limits lifted high, so
the figures include it. Goal (issue 15): each read at least half the floor's throughput, p99 within 3x.
Prints the figures side by side with the floor as ratios and writes bench/out/api_reads-<time>.json.

Run (PostgreSQL and Redis on 127.0.0.1):
    .venv/bin/python bench/api_reads.py                 # 16 connections, 15 s per target
    .venv/bin/python bench/api_reads.py --smoke         # does it still run? (4 connections, 2 s, its own database)
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from leaderboards import prepare_database  # the bench database: create, migrate, or start over

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
HOST = "127.0.0.1"
PYTHON = sys.executable
# name: (path, sends the token?)
TARGETS = {"floor (empty Django view)": ("/bench/empty/", False), "hallway /api/v1/rooms/": ("/api/v1/rooms/", False),
           "live streams /api/v1/streams/": ("/api/v1/streams/", False),
           "hallway, with a token": ("/api/v1/rooms/", True)}


def bench_env(args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@{HOST}:5432/{args.database}",
        REDIS_URL=f"redis://{HOST}:6379/{args.redis_db}",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="bench-only-" + "x" * 50,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS=HOST,
        LOG_LEVEL="WARNING",
        CHANNEL_LAYER_PREFIX="asgi-bench-api",
        API_THROTTLE_ANON="100000000/min", API_THROTTLE_USER="100000000/min", API_THROTTLE_TOKEN="100000000/min",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(BENCH)]),
    )
    return env


def seed(args, env) -> str:
    """Public rooms with members and live streams (replacing the last run's); a personal token's key."""
    for key in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DJANGO_SECRET_KEY",
                "DJANGO_ALLOWED_HOSTS", "LOG_LEVEL", "CHANNEL_LAYER_PREFIX"):
        os.environ[key] = env[key]
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from accounts.models import User
    from accounts.services.tokens import api_token_create
    from tests.accounts.factories import UserFactory
    from tests.rooms.factories import RoomFactory, add_member
    from tests.streams.factories import ChannelFactory, live_stream

    User.objects.filter(handle__startswith="bench").delete()  # their rooms, channels and streams go with them
    for i in range(args.rooms):
        room = RoomFactory(created_by=UserFactory(handle=f"bench_r{i}"), name=f"Bench room {i}")
        add_member(room, UserFactory(handle=f"bench_m{i}"), connections=1)
    for i in range(args.streams):
        live_stream(ChannelFactory(owner=UserFactory(handle=f"bench_c{i}"), slug=f"bench-{i}"), title=f"Live {i}")
    return api_token_create(user=UserFactory(handle="bench_reader"), name="bench", scopes={"read"})[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_daphne(env, port: int, log) -> subprocess.Popen:
    proc = subprocess.Popen([PYTHON, "-m", "daphne", "-b", HOST, "-p", str(port), "api_reads_asgi:application"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return proc
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("daphne did not start")
        time.sleep(0.1)


async def load(url: str, headers: dict, connections: int, seconds: float, warmup: float) -> dict:
    """Keep `connections` requests in flight for `seconds` (after `warmup`); throughput and latency percentiles."""
    import aiohttp

    latencies: list[float] = []  # of every answer; `statuses` says how many were not 200 (a 503 under overload)
    statuses: dict[int, int] = {}
    measuring_from = time.perf_counter() + warmup
    ends = measuring_from + seconds

    async def worker(session):
        while (now := time.perf_counter()) < ends:
            async with session.get(url, headers=headers) as response:
                await response.read()
            if now >= measuring_from:
                latencies.append(time.perf_counter() - now)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    latencies.sort()

    def pick(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {"requests": len(latencies), "per_second": len(latencies) / seconds, "p50_ms": pick(0.5),
            "p99_ms": pick(0.99), "statuses": statuses}


def report(results: dict) -> None:
    floor = results["targets"]["floor (empty Django view)"]
    print(f"\n{'target':<32}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}   {'throughput vs floor':>20}{'p99 vs floor':>14}"
          f"{'not 200':>9}")
    for name, figures in results["targets"].items():
        failed = sum(n for status, n in figures["statuses"].items() if status != 200)
        print(f"{name:<32}{figures['per_second']:>9.0f}{figures['p50_ms']:>9.1f}{figures['p99_ms']:>9.1f}   "
              f"{figures['per_second'] / floor['per_second']:>19.2f}x{figures['p99_ms'] / floor['p99_ms']:>13.2f}x"
              f"{failed:>9}")
    print("goal: each read >= 0.50x the floor's throughput, p99 <= 3.00x the floor's")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="wt_bench_api")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--rooms", type=int, default=60)
    parser.add_argument("--streams", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--no-shared-reads", action="store_true", help="compute every list on every request")
    parser.add_argument("--smoke", action="store_true",
                        help="a check that the bench still runs: 4 connections, 2 s a target, database wt_bench_api_smoke")
    args = parser.parse_args()
    if args.smoke:
        args.rooms, args.streams, args.connections, args.seconds, args.warmup = 10, 5, 4, 2, 0.5
        if args.database == "wt_bench_api":
            args.database, args.redis_db = "wt_bench_api_smoke", 14

    env = bench_env(args)
    if args.no_shared_reads:
        env["BENCH_NO_SHARED_READS"] = "1"
    print(f"api reads bench: {args.connections} connections, {args.seconds:g} s a target; database {args.database}",
          flush=True)
    prepare_database(args, env)
    key = seed(args, env)
    port = free_port()
    OUT.mkdir(exist_ok=True)
    with (OUT / "api_reads-daphne.log").open("w") as log:
        server = start_daphne(env, port, log)
        try:
            headers = {"Authorization": f"Bearer {key}"}
            results = {"at": datetime.now(UTC).isoformat(), "connections": args.connections, "seconds": args.seconds,
                       "shared_reads": not args.no_shared_reads,
                       "rooms": args.rooms, "streams": args.streams, "targets": {}}
            for name, (path, with_token) in TARGETS.items():
                figures = asyncio.run(load(f"http://{HOST}:{port}{path}", headers if with_token else {},
                                           args.connections, args.seconds, args.warmup))
                if 200 not in figures["statuses"]:
                    raise RuntimeError(f"{name}: answers {figures['statuses']}")
                results["targets"][name] = figures
        finally:
            server.terminate()
            server.wait(timeout=10)
    report(results)
    path = OUT / f"api_reads-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
