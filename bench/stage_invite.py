#!/usr/bin/env python
"""Stage invite delivery: the host's request to the prompt frame on the invited viewer's stream socket,
against a bare WebSocket round trip (a ping's pong) on the same connection.

One daphne serves config.asgi (a PostgreSQL bench database, Redis channel layer), as in chat_fanout.
A channel with a live stream; the viewer signs in (a Django session) and opens /ws/stream/<id>/; the host
has its studio's stream socket open (signed in too) and an API token over one kept-alive HTTP/1.1
connection (as a browser's fetch would). Per round:
  * ping: the viewer's socket sends `ping`, the time to its `pong` (the bare round trip);
  * invite over the host's socket (what the studio sends): `stage.invite` on the host's stream socket, the
    time from sending it to the `streams.stage_invite` `invited` frame on the viewer's socket;
  * invite over HTTP: POST /api/v1/streams/<id>/stage/invites/ by the host, the time from sending it to the
    same frame (and, apart, to the HTTP response);
  * after each invite the host cancels it (not timed) and the viewer's `closed` frame is awaited.
Medians and p95 over the rounds, and the ratios invite / ping (goal: < 2x and < 200 ms).

Accept-to-heard (Accept -> the guest's first audio packet at another viewer) needs browsers and the relay:
tests/e2e/test_stage_journey.py prints it (bench/README.md).

Run:
    .venv/bin/python bench/stage_invite.py               # 200 rounds
    .venv/bin/python bench/stage_invite.py --smoke       # does it still run? (10 rounds)
    .venv/bin/python bench/stage_invite.py --pool 0      # a PostgreSQL connection per request thread
Bounded: every wait has a timeout, daphne is stopped on exit, only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_fanout import (  # noqa: E402  (bench helpers: the database, daphne, processes)
    HOST,
    OUT,
    free_port,
    make_users_and_sessions,
    percentile,
    prepare_database,
    setup_django,
    stack_env,
    start_daphne,
    stop_process,
)

WAIT = 10.0


def make_stream(pairs):
    """A channel owned by the first bench user, with a live stream; the host's API token."""
    from django.utils import timezone

    from accounts.models import User
    from accounts.services.tokens import api_token_create
    from streams.models import Channel, Stream, StreamStatus

    host = User.objects.get(pk=pairs[0][0])
    channel, _ = Channel.objects.get_or_create(owner=host, defaults={"name": "Bench stage", "slug": f"bench-{host.pk}"})
    Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).update(status=StreamStatus.ENDED,
                                                                            ended_at=timezone.now())
    stream = Stream.objects.create(channel=channel, title="Bench stage", status=StreamStatus.LIVE,
                                   started_at=timezone.now())
    _, key = api_token_create(user=host, name=f"bench {secrets.token_hex(4)}")
    viewer = User.objects.get(pk=pairs[1][0])
    return stream.pk, key, viewer.handle


class Http:
    """One kept-alive HTTP/1.1 connection to daphne."""

    def __init__(self, port: int, key: str):
        self.port, self.key = port, key

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body or {}).encode()
        head = (f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {self.key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n")
        self.writer.write(head.encode() + data)
        await self.writer.drain()
        status_line = await asyncio.wait_for(self.reader.readline(), WAIT)
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), json.loads(payload) if payload else {}


async def next_frame(ws, kind: str, op: str | None = None) -> tuple[float, dict]:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        if frame.get("type") == kind and (op is None or frame.get("op") == op):
            return time.perf_counter(), frame


async def run_rounds(port: int, stream_id: int, key: str, handle: str, session_key: str, host_session_key: str,
                     rounds: int) -> dict:
    from websockets.asyncio.client import connect

    http = Http(port, key)
    await http.open()
    url, origin = f"ws://{HOST}:{port}/ws/stream/{stream_id}/", f"http://{HOST}:{port}"
    pings, invites, responses, socket_invites = [], [], [], []
    async with (connect(url, additional_headers={"Cookie": f"sessionid={session_key}", "Origin": origin}) as ws,
                connect(url, additional_headers={"Cookie": f"sessionid={host_session_key}", "Origin": origin}) as studio):
        await next_frame(ws, "hello")
        await next_frame(studio, "hello")
        for n in range(rounds):
            t0 = time.perf_counter()
            await ws.send(json.dumps({"type": "ping", "ref": f"p{n}"}))
            t1, _ = await next_frame(ws, "pong")
            pings.append(t1 - t0)

            t0 = time.perf_counter()
            await studio.send(json.dumps({"type": "stage.invite", "handle": handle, "ref": f"i{n}"}))
            t1, prompt = await next_frame(ws, "streams.stage_invite", "invited")
            socket_invites.append(t1 - t0)
            _, sent = await next_frame(studio, "invite_sent")
            status, body = await http.request("POST", f"/api/v1/streams/{stream_id}/stage/invites/{sent['invite']['id']}/cancel/")
            if status != 200:
                raise SystemExit(f"cancel refused: {status} {body}")
            await next_frame(ws, "streams.stage_invite", "closed")

            t0 = time.perf_counter()
            request = asyncio.create_task(http.request("POST", f"/api/v1/streams/{stream_id}/stage/invites/",
                                                       {"handle": handle}))
            t1, prompt = await next_frame(ws, "streams.stage_invite", "invited")
            status, body = await request
            responses.append(time.perf_counter() - t0)
            if status != 201:
                raise SystemExit(f"invite refused: {status} {body}")
            invites.append(t1 - t0)
            status, body = await http.request("POST", f"/api/v1/streams/{stream_id}/stage/invites/{body['id']}/cancel/")
            if status != 200:
                raise SystemExit(f"cancel refused: {status} {body}")
            await next_frame(ws, "streams.stage_invite", "closed")
    http.writer.close()
    return {"ping": pings, "socket": socket_invites, "invite": invites, "response": responses}


def report(results: dict) -> None:
    ms = {name: sorted(v * 1000 for v in values) for name, values in results.items()}
    print(f"\nstage invite delivery, {len(ms['ping'])} rounds (ms)")
    print(f"{'':38}{'median':>9}{'p95':>9}")
    print(f"{'bare WebSocket round trip (ping/pong)':38}{statistics.median(ms['ping']):9.2f}{percentile(ms['ping'], 95):9.2f}")
    rows = [("invite on the host's socket -> prompt", "socket"), ("invite over HTTP -> prompt frame", "invite"),
            ("invite over HTTP -> HTTP response", "response")]
    for label, name in rows:
        print(f"{label:38}{statistics.median(ms[name]):9.2f}{percentile(ms[name], 95):9.2f}")
    for label, name in rows[:2]:
        ratio = statistics.median(ms[name]) / statistics.median(ms["ping"])
        print(f"ratio {label.split(' ->')[0]} / round trip (median): {ratio:.2f}x  (goal < 2x and < 200 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database", default="wt_bench_stage")
    parser.add_argument("--fresh-db", action="store_true")
    parser.add_argument("--schema", choices=("auto", "migrate", "models"), default="migrate")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--settings", default="config.settings")
    parser.add_argument("--asgi", default="config.asgi:application")
    parser.add_argument("--pool", type=int, default=10,
                        help="daphne's DATABASE_POOL_MAX_SIZE: 10 as docker-compose's web runs; 0: none")
    parser.add_argument("--smoke", action="store_true", help="10 rounds")
    args = parser.parse_args()
    if args.smoke:
        args.rounds = 10
    args.secret_key, args.stack_env, args.server_cpus = secrets.token_hex(32), {}, None
    env = stack_env(args)
    env["CHANNEL_LAYER_PREFIX"] = "asgi-bench-stage"
    env["DATABASE_POOL_MAX_SIZE"] = str(args.pool)
    print(f"daphne's PostgreSQL connections: {f'a pool of {args.pool}' if args.pool else 'one per request thread'}")
    prepare_database(args, env)
    setup_django(env)
    pairs = make_users_and_sessions(2)
    stream_id, key, handle = make_stream(pairs)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(OUT.parent / "stage_invite-daphne.log", "w") as log:
        daphne = start_daphne(args, env, port, log)
        try:
            results = asyncio.run(run_rounds(port, stream_id, key, handle, pairs[1][1], pairs[0][1], args.rounds))
        finally:
            stop_process(daphne)
    report(results)


if __name__ == "__main__":
    main()
