#!/usr/bin/env python
"""Direct message delivery: the sender's request to the message frame on the recipient's personal socket
(/ws/me/), against a bare WebSocket round trip (a ping's pong) on that socket; and the header's unread
counts for a user with 500 conversations (one query), against a bare `SELECT 1` on the same connection.

One daphne serves config.asgi (a PostgreSQL bench database, Redis channel layer), as in stage_invite.
Two friends in a one-to-one conversation; the recipient signs in (a Django session) and opens /ws/me/;
the sender uses an API token over one kept-alive HTTP/1.1 connection (as a browser's fetch would).
Per round:
  * ping: the recipient's socket sends `ping`, the time to its `pong` (the bare round trip);
  * message: POST /api/v1/dms/<id>/messages/ by the sender, the time from sending it to the `dms.message`
    `created` frame on the recipient's socket (and, apart, to the HTTP response).
Then, in this process: `dms.selectors.unread_summary` for a user in 500 conversations (a third of them
with unread messages), timed per call, with the plan PostgreSQL chose.

Run:
    .venv/bin/python bench/dm_delivery.py               # 200 rounds, 500 timed unread reads
    .venv/bin/python bench/dm_delivery.py --smoke       # does it still run? (10 rounds, 50 reads)
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
from stage_invite import Http, next_frame  # noqa: E402

CONVERSATIONS = 500


def make_conversation(pairs):
    """The two bench users as friends in one conversation; the sender's API token."""
    from accounts.models import Friendship, User
    from accounts.services.tokens import api_token_create
    from dms.services.conversations import direct_open

    sender, recipient = User.objects.get(pk=pairs[0][0]), User.objects.get(pk=pairs[1][0])
    Friendship.objects.bulk_create([Friendship(user=sender, friend=recipient), Friendship(user=recipient, friend=sender)],
                                   ignore_conflicts=True)
    conversation, _ = direct_open(user=sender, other=recipient)
    _, key = api_token_create(user=sender, name=f"bench {secrets.token_hex(4)}")
    return conversation.pk, key


async def run_rounds(port: int, conversation_id: int, key: str, session_key: str, rounds: int) -> dict:
    from websockets.asyncio.client import connect

    http = Http(port, key)
    await http.open()
    headers = {"Cookie": f"sessionid={session_key}", "Origin": f"http://{HOST}:{port}"}
    pings, messages, responses = [], [], []
    async with connect(f"ws://{HOST}:{port}/ws/me/", additional_headers=headers) as ws:
        await next_frame(ws, "hello")
        for n in range(rounds):
            t0 = time.perf_counter()
            await ws.send(json.dumps({"type": "ping", "ref": f"p{n}"}))
            t1, _ = await next_frame(ws, "pong")
            pings.append(t1 - t0)

            t0 = time.perf_counter()
            request = asyncio.create_task(http.request("POST", f"/api/v1/dms/{conversation_id}/messages/",
                                                       {"body": f"bench message {n}"}))
            t1, _ = await next_frame(ws, "dms.message", "created")
            status, body = await request
            responses.append(time.perf_counter() - t0)
            if status != 201:
                raise SystemExit(f"message refused: {status} {body}")
            messages.append(t1 - t0)
    http.writer.close()
    return {"ping": pings, "message": messages, "response": responses}


def time_unread(reads: int) -> dict:
    """A user in 500 conversations; unread_summary and SELECT 1, each timed `reads` times (warm)."""
    from django.db import connection

    from accounts.models import User
    from dms.models import Conversation, ConversationKind, ConversationMember
    from dms.selectors import unread_summary

    reader, _ = User.objects.get_or_create(handle="bench_dm_reader", defaults={"email": "bench_dm_reader@bench.invalid"})
    have = ConversationMember.objects.filter(user=reader).count()
    if have < CONVERSATIONS:
        others = [User.objects.get_or_create(handle=f"bench_dm_peer{i}", defaults={"email": f"bench_dm_peer{i}@bench.invalid"})[0]
                  for i in range(20)]
        made = Conversation.objects.bulk_create(
            [Conversation(kind=ConversationKind.GROUP, name=f"bench {i}") for i in range(CONVERSATIONS - have)])
        ConversationMember.objects.bulk_create(
            [ConversationMember(conversation=c, user=reader, unread_count=(i % 3) * 2) for i, c in enumerate(made)]
            + [ConversationMember(conversation=c, user=others[i % 20], unread_count=i % 5) for i, c in enumerate(made)])
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE dms_conversationmember")  # the visibility map: an index-only scan
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) SELECT conversation_id, unread_count FROM dms_conversationmember "
                       "WHERE user_id = %s AND unread_count > 0", [reader.pk])
        plan = [row[0] for row in cursor.fetchall()]
    unread, bare = [], []
    for _ in range(reads):
        t0 = time.perf_counter()
        summary = unread_summary(user_id=reader.pk)
        unread.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        bare.append(time.perf_counter() - t0)
    return {"unread": unread, "bare": bare, "plan": plan, "conversations": len(summary["conversations"]),
            "total": summary["total"]}


def row(label: str, values: list[float]) -> str:
    return f"{label:44}{statistics.median(values):9.2f}{percentile(values, 95):9.2f}"


def report(results: dict, unread: dict) -> None:
    ms = {name: sorted(v * 1000 for v in values) for name, values in results.items()}
    print(f"\ndirect message delivery, {len(ms['ping'])} rounds (ms)")
    print(f"{'':44}{'median':>9}{'p95':>9}")
    print(row("bare WebSocket round trip (ping/pong)", ms["ping"]))
    print(row("message: send -> frame on recipient socket", ms["message"]))
    print(row("message: send -> HTTP response", ms["response"]))
    print(f"ratio message / round trip (p95): {percentile(ms['message'], 95) / percentile(ms['ping'], 95):.2f}x")
    reads = {name: sorted(v * 1000 for v in unread[name]) for name in ("unread", "bare")}
    print(f"\nunread counts, a user in {CONVERSATIONS} conversations ({unread['conversations']} with unread,"
          f" {unread['total']} messages), {len(reads['unread'])} reads (ms)")
    print(f"{'':44}{'median':>9}{'p95':>9}")
    print(row("bare SELECT 1 (same connection)", reads["bare"]))
    print(row("unread counts (one query)", reads["unread"]))
    print(f"unread counts p95 vs the 5 ms goal: {percentile(reads['unread'], 95):.2f} ms;"
          f" ratio to SELECT 1 (median): {statistics.median(reads['unread']) / statistics.median(reads['bare']):.2f}x")
    print("plan: " + " / ".join(line.strip() for line in unread["plan"] if "Scan" in line or "Execution" in line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--database", default="wt_bench_dm")
    parser.add_argument("--fresh-db", action="store_true")
    parser.add_argument("--schema", choices=("auto", "migrate", "models"), default="migrate")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--settings", default="config.settings")
    parser.add_argument("--asgi", default="config.asgi:application")
    parser.add_argument("--smoke", action="store_true", help="10 rounds, 50 reads")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.reads = 10, 50
    # the sender is one user sending fast: lift the per-author limit
    args.secret_key, args.server_cpus = secrets.token_hex(32), None
    args.stack_env = {"DM_RATE_MAX_MESSAGES": "1000000000", "DM_RATE_WINDOW_SECONDS": "1"}
    env = stack_env(args)
    env["CHANNEL_LAYER_PREFIX"] = "asgi-bench-dm"
    prepare_database(args, env)
    setup_django(env)
    pairs = make_users_and_sessions(2)
    conversation_id, key = make_conversation(pairs)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(OUT.parent / "dm_delivery-daphne.log", "w") as log:
        daphne = start_daphne(args, env, port, log)
        try:
            results = asyncio.run(run_rounds(port, conversation_id, key, pairs[1][1], args.rounds))
        finally:
            stop_process(daphne)
    report(results, time_unread(args.reads))


if __name__ == "__main__":
    main()
