#!/usr/bin/env python
"""A platform ban's reach: from the staff action to the banned user's sockets closing and the media
relay being told to drop them, against a bare WebSocket round trip.

One daphne serves config.asgi (a PostgreSQL bench database, Redis channel layer), as in stage_invite.
Per round a fresh bench user, signed in (a Django session and its DeviceSession) and a member of a
room, opens two sockets: /ws/me/ and /ws/rooms/<code>/. A listener stands in for the relay worker
hosting the room: it is subscribed to the room's relay group (media_relay.events.relay_group), where
the relay hears `media_relay.rights` `changed` and re-reads who may stay (media_relay.platform), dropping
the banned peer. Then, timed from the call:
  * the staff action: moderation.services.suspensions.user_suspend (what the queue's Ban (platform)
    and the User admin's Suspend call), committed;
  * each socket's close frame (4451 account_suspended), the slower of the two;
  * the relay group's `media_relay.rights` message.
Before each round, a ping's pong on the same socket (the bare round trip).
Medians and p95 over the rounds (goal: p95 < 100 ms for sockets and relay).

Run:
    .venv/bin/python bench/ban_propagation.py               # 100 rounds
    .venv/bin/python bench/ban_propagation.py --smoke       # does it still run? (5 rounds)
Bounded: every wait has a timeout, daphne is stopped on exit, only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chat_fanout  # noqa: E402
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


def new_banned_to_be(staff_id: int):
    """A fresh signed-in member of a fresh room: (user id, session key, room code, room id)."""
    from accounts.models import DeviceSession
    from rooms.models import Room, RoomMember, RoomRole

    [(user_id, session_key)] = make_users_and_sessions_fresh()
    DeviceSession.objects.create(user_id=user_id, session_key=session_key)
    room = Room.objects.create(name="Ban bench", created_by_id=staff_id, max_members=10)
    RoomMember.objects.create(room=room, user_id=staff_id, role=RoomRole.LEADER)
    RoomMember.objects.create(room=room, user_id=user_id)
    return user_id, session_key, room.code, room.pk


def make_users_and_sessions_fresh():
    """One new bench user (a new handle per round: a suspended user stays suspended)."""
    chat_fanout.USER_PREFIX = f"ban{secrets.token_hex(3)}_"
    return make_users_and_sessions(1)


async def recv_until(ws, predicate) -> float:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        if predicate(frame):
            return time.perf_counter()


async def closed_at(ws) -> tuple[float, int | None]:
    from websockets.exceptions import ConnectionClosed

    try:
        while True:
            await asyncio.wait_for(ws.recv(), WAIT)
    except ConnectionClosed:
        return time.perf_counter(), ws.close_code


async def one_round(port: int, staff, rounds: dict) -> None:
    from asgiref.sync import sync_to_async
    from channels.layers import get_channel_layer
    from websockets.asyncio.client import connect

    from accounts.models import User
    from media_relay.events import relay_group
    from moderation.services.suspensions import user_suspend

    user_id, session_key, code, room_id = await sync_to_async(new_banned_to_be)(staff.pk)
    headers = {"Cookie": f"sessionid={session_key}", "Origin": f"http://{HOST}:{port}"}
    layer = get_channel_layer()
    relay_channel = await layer.new_channel()
    await layer.group_add(relay_group(room_id), relay_channel)
    async with connect(f"ws://{HOST}:{port}/ws/me/", additional_headers=headers) as me, \
            connect(f"ws://{HOST}:{port}/ws/rooms/{code}/", additional_headers=headers) as room:
        await recv_until(me, lambda f: f.get("type") == "hello")
        await recv_until(room, lambda f: f.get("type") == "hello")
        t0 = time.perf_counter()
        await me.send(json.dumps({"type": "ping", "ref": "p"}))
        rounds["ping"].append(await recv_until(me, lambda f: f.get("type") == "pong") - t0)

        async def relay_told() -> float:
            while True:
                message = await asyncio.wait_for(layer.receive(relay_channel), WAIT)
                if message.get("text") and json.loads(message["text"]).get("type") == "media_relay.rights":
                    return time.perf_counter()

        user = await sync_to_async(User.objects.get)(pk=user_id)
        watchers = [asyncio.create_task(closed_at(me)), asyncio.create_task(closed_at(room)),
                    asyncio.create_task(relay_told())]
        t0 = time.perf_counter()
        await sync_to_async(user_suspend)(actor=staff, user=user, until=None, reason="bench")
        committed = time.perf_counter()
        rounds["action"].append(committed - t0)
        (me_at, me_code), (room_at, room_code), relay_at = await asyncio.gather(*watchers)
        if (me_code, room_code) != (4451, 4451):
            raise SystemExit(f"sockets closed with {me_code}, {room_code}, not 4451")
        rounds["sockets"].append(max(me_at, room_at) - t0)
        rounds["after_commit"].append(max(me_at, room_at) - committed)
        rounds["relay"].append(relay_at - t0)
    await layer.group_discard(relay_group(room_id), relay_channel)


async def run_rounds(port: int, count: int) -> dict:
    from asgiref.sync import sync_to_async

    from accounts.models import User

    staff, _ = await sync_to_async(User.objects.get_or_create)(
        handle="ban_bench_staff", defaults={"email": "ban-bench-staff@bench.invalid", "is_staff": True})
    rounds = {"ping": [], "action": [], "sockets": [], "after_commit": [], "relay": []}
    for _ in range(count):
        await one_round(port, staff, rounds)
    return rounds


def report(results: dict) -> None:
    ms = {name: sorted(v * 1000 for v in values) for name, values in results.items()}
    print(f"\nplatform ban propagation, {len(ms['ping'])} rounds (ms)")
    print(f"{'':44}{'median':>9}{'p95':>9}")
    rows = [("bare WebSocket round trip (ping/pong)", "ping"), ("staff action (service call, committed)", "action"),
            ("action -> both sockets closed (4451)", "sockets"), ("commit -> both sockets closed", "after_commit"),
            ("action -> relay told to drop (rights)", "relay")]
    for label, key in rows:
        print(f"{label:44}{statistics.median(ms[key]):9.2f}{percentile(ms[key], 95):9.2f}")
    print(f"ratio sockets closed / round trip (median): {statistics.median(ms['sockets']) / statistics.median(ms['ping']):.2f}x"
          f"  (goal: p95 < 100 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--database", default="wt_bench_ban")
    parser.add_argument("--fresh-db", action="store_true")
    parser.add_argument("--schema", choices=("auto", "migrate", "models"), default="migrate")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--settings", default="config.settings")
    parser.add_argument("--asgi", default="config.asgi:application")
    parser.add_argument("--smoke", action="store_true", help="5 rounds")
    args = parser.parse_args()
    if args.smoke:
        args.rounds = 5
    args.secret_key, args.stack_env, args.server_cpus = secrets.token_hex(32), {}, None
    env = stack_env(args)
    env["CHANNEL_LAYER_PREFIX"] = os.environ["CHANNEL_LAYER_PREFIX"] = "asgi-bench-ban"  # daphne's and ours
    prepare_database(args, env)
    setup_django(env)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(OUT.parent / "ban_propagation-daphne.log", "w") as log:
        daphne = start_daphne(args, env, port, log)
        try:
            results = asyncio.run(run_rounds(port, args.rounds))
        finally:
            stop_process(daphne)
    report(results)


if __name__ == "__main__":
    main()
