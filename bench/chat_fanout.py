#!/usr/bin/env python
"""Chat fan-out: messages delivered per second to N room members, ours vs Socket.io.

For each N (10, 50, 500 by default) it:

1. starts our stack: one daphne serving config.asgi (PostgreSQL bench database,
   Redis pub/sub channel layer on a spare Redis db, chat/WS rate limits raised via env);
2. opens N member sockets of one room from separate load-generator processes
   (the `websockets` client, asyncio): the sender process holds member 0, worker
   processes hold members 1..N-1; every member, the sender included, receives;
3. sends M chat messages from the sender, as fast as possible with a bounded window
   (at most W messages whose copy has not yet come back to the sender), two ways:
     (a) "e2e": chat.send over the WebSocket -> rooms.services.chat.message_send
         (PostgreSQL write) -> publish_on_commit -> Redis -> daphne -> N sockets;
     (b) "fanout": a producer (in the sender process) calls channel_layer.group_send
         on the room group with a pre-encoded rooms.chat event, like
         config.realtime.send_now -> Redis -> daphne -> N sockets;
4. does the same against bench/socketio/server.js (Socket.io v4, Redis adapter,
   one node process): the sender emits "chat" {body}, the server broadcasts the
   same event shape to the room with io.to(room).emit;
5. prints delivered messages per second (N x M / (last receipt at any member -
   first send)), latency p50/p95 (send -> receipt, every delivery), and the CPU
   seconds of each server process, Redis and the generator, side by side.

(b) is the like-for-like comparison with Socket.io, which persists nothing; (a) is
what a user's chat message costs in our product.

Room size: rooms hold at most 50 members through the service (room_join checks the
count against Room.max_members, and a CHECK constraint caps max_members at 50). The
bench creates the room and its RoomMember rows directly with the ORM (bulk_create),
bypassing room_join, so N=500 is a real room of 500 members whose sockets all pass
the normal auth and membership checks of RoomConsumer.

Run (PostgreSQL and Redis on 127.0.0.1; `npm ci` once in bench/socketio):
    .venv/bin/python bench/chat_fanout.py
    .venv/bin/python bench/chat_fanout.py --sizes 10,50 --messages 10:2000,50:1000
    .venv/bin/python bench/chat_fanout.py --profile     # py-spy on daphne, bench/out/
    .venv/bin/python bench/chat_fanout.py --smoke       # does it still run? (N = 5, a few messages, 1 run)

Bounded: every wait has a timeout, every process it starts is stopped (also on
error or Ctrl-C), and it only talks to 127.0.0.1. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import json
import math
import multiprocessing as mp
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out" / "chat_fanout"  # run logs, results and profiles (git-ignored)
SOCKETIO_DIR = BENCH / "socketio"
HOST = "127.0.0.1"
PYTHON = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")

DEFAULT_SIZES = (10, 50, 500)
DEFAULT_MESSAGES = {10: 5000, 50: 2000, 500: 200}
DEFAULT_E2E_MESSAGES = {10: 400, 50: 200, 500: 60}
USER_PREFIX = "fanout"
# Rooms get ids far from any other database's, so that our groups (room.<id>) never
# meet another process's on the shared Redis (pub/sub channels ignore the db number).
ROOM_ID_FLOOR = 970_000_000

CONNECT_TIMEOUT = 60.0  # one socket: TCP + handshake + hello
CONNECT_PHASE_TIMEOUT = 600.0  # all sockets of one run
ECHO_TIMEOUT = 15.0  # the sender waits this long for its own copy before giving up on a slot
DRAIN_TIMEOUT = 120.0  # after the last send, for every member to receive everything
SETTLE_SECONDS = 1.0


# -- small helpers ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {HOST}:{port} after {timeout:.0f} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a whole process (all threads), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_by_pid_named(name: str) -> dict[int, float]:
    """CPU of every process called `name` on the machine (e.g. all PostgreSQL backends), by pid."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError, ValueError):
                text = (entry / "stat").read_text()
                if text[text.index("(") + 1 : text.rindex(")")] == name:
                    out[int(entry.name)] = cpu_seconds(int(entry.name))
    return out


def cpu_delta_named(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two snapshots by the processes alive at the end (new ones count whole)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items() if cpu == cpu)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def redis_cpu(redis_url: str) -> float:
    import redis

    with redis.Redis.from_url(redis_url, socket_timeout=5) as client:
        info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def pin(pid: int, cpus: set[int] | None) -> None:
    if cpus:
        with suppress(OSError):
            os.sched_setaffinity(pid, cpus)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def stop_process(proc: subprocess.Popen | None, timeout: float = 10.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


# -- our stack: database, fixtures, daphne ----------------------------------------------------
def stack_env(args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@{HOST}:5432/{args.database}",
        REDIS_URL=f"redis://{HOST}:6379/{args.redis_db}",
        DJANGO_SETTINGS_MODULE=args.settings,
        # production-like: no DEBUG query log; the key only signs our own bench sessions
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=args.secret_key,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # the bench sender is one user sending fast: lift the per-user and per-socket limits
        ROOM_CHAT_RATE_MAX_MESSAGES="1000000000",
        ROOM_CHAT_RATE_WINDOW_SECONDS="1",
        WS_RATE_BURST="1000000000",
        WS_RATE_PER_SECOND="1000000000",
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(BENCH)]),
        # The sender publishes to the group's Redis channel itself (FastPublisher): the default prefix,
        # whatever a parallel test worker that started this bench set for its own processes.
        CHANNEL_LAYER_PREFIX="asgi",
    )
    env.update(args.stack_env)
    return env


def prepare_database(args, env: dict[str, str]) -> None:
    """Create and migrate the bench database.

    --schema migrate: the project's migrations. --schema models: a fresh database whose
    tables come straight from the current models (bench/fanout_schema_settings.py), for
    when a teammate's model change has no migration yet. auto (default): models if
    `makemigrations --check` finds such changes, else migrate.
    """
    import psycopg

    schema = args.schema
    if schema == "auto":
        check = subprocess.run([PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT, env=env,
                               capture_output=True, timeout=300)
        schema = "migrate" if check.returncode == 0 else "models"
        if schema == "models":
            print("note: models have changes without migrations: building the bench database from the models",
                  flush=True)
    dsn = f"host={HOST} port=5432 user=postgres dbname="
    with psycopg.connect(dsn + "postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
    built_from_models = False
    if exists:
        with psycopg.connect(dsn + args.database, autocommit=True) as conn:
            has_table = conn.execute("SELECT to_regclass('django_migrations')").fetchone()[0]
            built_from_models = bool(has_table) and not conn.execute(
                "SELECT 1 FROM django_migrations WHERE app = 'rooms'").fetchone()
    fresh = args.fresh_db or schema == "models" or (exists and built_from_models)
    with psycopg.connect(dsn + "postgres", autocommit=True) as conn:
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{args.database}" WITH (FORCE)')
        if fresh or not exists:
            print(f"creating database {args.database}", flush=True)
            conn.execute(f'CREATE DATABASE "{args.database}"')
    if schema == "models":
        # auth first (the user model's groups/permissions point at it), then the models, then the rest
        steps = [["contenttypes"], ["auth"], ["--run-syncdb"]]
        cmds = [[PYTHON, "manage.py", "migrate", *step, "--noinput", "-v", "0", "--settings", "fanout_schema_settings"]
                for step in steps]
    else:
        print(f"migrating {args.database} (a no-op once done)", flush=True)
        cmds = [[PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"]]
    for cmd in cmds:
        if subprocess.run(cmd, cwd=ROOT, env=env, timeout=900).returncode == 0:
            continue
        if fresh:
            raise SystemExit(f"could not build {args.database}: {' '.join(cmd)} failed")
        # A database migrated by another branch's migrations (renamed or renumbered since): start over.
        print(f"recreating {args.database}: its migrations are not this checkout's", flush=True)
        args.fresh_db = True
        return prepare_database(args, env)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG",
                                           "DJANGO_SECRET_KEY", "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_ALLOWED_HOSTS")})
    for path in (str(ROOT), str(BENCH)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


def make_users_and_sessions(count: int) -> list[tuple[int, str]]:
    """`count` bench users, each signed in with a fresh Django session: [(user id, session key)]."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection

    from accounts.models import User

    handles = [f"{USER_PREFIX}{i:06d}" for i in range(count)]
    User.objects.bulk_create(
        [User(handle=h, email=f"{h}@bench.invalid", password="!bench-unusable") for h in handles],
        ignore_conflicts=True,
    )
    users = {u.handle: u for u in User.objects.filter(handle__in=handles)}
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    pairs = []
    for handle in handles:
        user = users[handle]
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        pairs.append((user.pk, store.session_key))
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('rooms_room', 'id'), "
                       "GREATEST((SELECT COALESCE(MAX(id), 0) FROM rooms_room), %s))", [ROOM_ID_FLOOR])
    return pairs


def drop_sessions(pairs: list[tuple[int, str]]) -> None:
    """Sign the bench users out again: their sessions leave the database and the cache."""
    from importlib import import_module

    from django.conf import settings
    from django.db import close_old_connections

    close_old_connections()
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    for _, key in pairs:
        with suppress(Exception):
            store_class().delete(key)


def make_room(user_ids: list[int]):
    """A room whose members are `user_ids` (the first leads), made with the ORM: see the module doc."""
    from rooms.models import Room, RoomMember, RoomRole, Visibility

    room = Room.objects.create(name=f"fan-out bench, {len(user_ids)} members", created_by_id=user_ids[0],
                               visibility=Visibility.PRIVATE, max_members=50)
    RoomMember.objects.bulk_create(
        [RoomMember(room=room, user_id=uid, role=RoomRole.LEADER if i == 0 else RoomRole.MEMBER)
         for i, uid in enumerate(user_ids)]
    )
    return room


def event_template(room, author_id: int) -> tuple[str, str]:
    """The encoded rooms.chat created event of a real message (config.realtime.encode), with a
    placeholder where the body goes, and the room group: what the fan-out-only producer sends."""
    from config.realtime import encode
    from rooms import events
    from rooms.models import ChatMessage

    placeholder = "@@BODY@@"
    message = ChatMessage.objects.create(room=room, author_id=author_id, body=placeholder)
    text = encode(events.chat_created(message))
    assert text.count(placeholder) == 1
    return text, events.room_group(room.pk)


def drop_room(room) -> None:
    from django.db import close_old_connections

    close_old_connections()
    room.delete()


def start_daphne(args, env: dict[str, str], port: int, log) -> subprocess.Popen:
    # A 500-member join storm queues handshakes behind the database thread: allow more than daphne's
    # default 5 s for a handshake (the connect phase is not what we measure).
    cmd = [PYTHON, "-m", "daphne", "-b", HOST, "-p", str(port), "--ping-interval", "600",
           "--websocket_connect_timeout", "120", args.asgi]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    pin(proc.pid, args.server_cpus)
    wait_port(port, proc, 60)
    return proc


def start_socketio(args, port: int, log, adapter_key: str = "") -> subprocess.Popen:
    if not (SOCKETIO_DIR / "node_modules" / "socket.io").exists():
        raise SystemExit("bench/socketio/node_modules missing: run `npm ci` (or `npm install`) in bench/socketio")
    cmd = ["node", "server.js", "--port", str(port), "--redis", f"redis://{HOST}:6379/{args.redis_db}"]
    if adapter_key:
        cmd += ["--key", adapter_key]
    proc = subprocess.Popen(cmd, cwd=SOCKETIO_DIR, stdout=log, stderr=subprocess.STDOUT)
    pin(proc.pid, args.server_cpus)
    wait_port(port, proc, 30)
    return proc


# -- load generator (runs in child processes) ---------------------------------------------------
def body_for(tag: int, seq: int, size: int) -> str:
    head = f"fo{tag}:{seq}|"
    return head + "x" * max(0, size - len(head))


class Member:
    """One WebSocket member: records when each marked chat message of the current run arrives."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.kind = spec["kind"]
        self.ws = None
        self.messages = 0
        self.times = array.array("d")
        self.count = 0
        self.pattern: re.Pattern | None = None
        self.done = asyncio.Event()
        self.on_receipt = None  # the sender's window

    def arm(self, tag: int, messages: int) -> None:
        self.messages = messages
        self.times = array.array("d", bytes(8 * messages))
        self.count = 0
        self.done.clear()
        self.pattern = re.compile(rb'"body":"fo%d:(\d+)\|' % tag)

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        spec = self.spec
        assert spec["url"].startswith(f"ws://{HOST}:"), spec["url"]
        self.ws = await asyncio.wait_for(
            connect(spec["url"], additional_headers=spec.get("headers") or {}, origin=spec.get("origin"),
                    compression=None, ping_interval=None, max_size=2**24, max_queue=64, open_timeout=CONNECT_TIMEOUT,
                    close_timeout=5, user_agent_header=None),
            CONNECT_TIMEOUT,
        )
        if self.kind == "django":
            while b'"type":"hello"' not in (await asyncio.wait_for(self.ws.recv(decode=False), CONNECT_TIMEOUT))[:40]:
                pass
        else:  # Engine.IO v4 open packet, then the Socket.IO connect of namespace "/"
            first = await asyncio.wait_for(self.ws.recv(decode=False), CONNECT_TIMEOUT)
            assert first[:1] == b"0", first[:80]
            await self.ws.send("40")
            while not (await asyncio.wait_for(self.ws.recv(decode=False), CONNECT_TIMEOUT)).startswith(b"40"):
                pass

    async def read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        ws, is_socketio = self.ws, self.kind == "socketio"
        with suppress(ConnectionClosed, asyncio.CancelledError):
            while True:
                data = await ws.recv(decode=False)
                now = time.monotonic()
                if is_socketio and data == b"2":  # Engine.IO ping
                    await ws.send("3")
                    continue
                if self.pattern is None:
                    continue
                match = self.pattern.search(data, 0, 400)
                if match is None:
                    continue
                seq = int(match.group(1))
                if seq < self.messages and self.times[seq] == 0.0:
                    self.times[seq] = now
                    self.count += 1
                    if self.on_receipt is not None:
                        self.on_receipt(seq)
                    if self.count == self.messages:
                        self.done.set()

    async def close(self) -> None:
        if self.ws is not None:
            with suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)


async def _open_all(members: list[Member], concurrency: int) -> tuple[list[asyncio.Task], float, float]:
    """Open every member, `concurrency` handshakes in flight: (readers, first start, last hello) (monotonic)."""
    gate = asyncio.Semaphore(concurrency)
    readers: list[asyncio.Task] = []
    started = time.monotonic()

    async def one(member: Member):
        async with gate:
            await member.open()
        readers.append(asyncio.ensure_future(member.read()))

    await asyncio.wait_for(asyncio.gather(*(one(m) for m in members)), CONNECT_PHASE_TIMEOUT)
    return readers, started, time.monotonic()


async def _generator_main(role: str, specs: list[dict], conn, settings_env: dict | None, concurrency: int,
                          barrier) -> None:
    """A generator process: opens its members, then obeys the parent's commands over `conn`.

    Commands: ("run", tag, job) -> arms every member for `tag`; a sender also sends (job);
    replies ("done", ...) when all its members have every message or the drain timeout passes.
    ("close",) -> closes the sockets and exits. ("armed",) is sent back as soon as the members are armed.
    """
    loop = asyncio.get_running_loop()
    members = [Member(spec) for spec in specs]
    await loop.run_in_executor(None, barrier.wait, 120)  # every process starts its handshakes at once
    readers, started, opened = await _open_all(members, concurrency)
    conn.send(("ready", (started, opened)))
    layer = None
    try:
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command[0] == "close":
                break
            _, tag, job = command
            for m in members:
                m.arm(tag, job["messages"])
            conn.send(("armed", None))
            sent_at = None
            if role == "sender":
                if job["mode"] == "fanout" and layer is None:
                    os.environ.update(settings_env or {})
                    layer = await RespPublisher.open(os.environ["REDIS_URL"])
                sent_at = await _send(members[0], tag, job, layer)
            deadline = time.monotonic() + job["drain_timeout"]
            for m in members:
                with suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(m.done.wait(), max(0.01, deadline - time.monotonic()))
            conn.send(("done", {
                "times": [m.times.tobytes() for m in members] if job.get("collect", True) else [],
                "counts": [m.count for m in members],
                "sent_at": sent_at.tobytes() if sent_at is not None else None,
            }))
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*(m.close() for m in members), return_exceptions=True)
        if layer is not None:
            layer.close()


class RespPublisher:
    """The fan-out sender's publisher: what channel_layer.group_send publishes (the same msgpack
    message on the same pub/sub channel), pipelined on one Redis connection without waiting
    for each reply. channels_redis's group_send (a lock, a pool checkout and a round trip per
    call, ~180 us of generator CPU) made the generator's core, not the server, the limit; the
    peer's sender costs one WebSocket frame per message. The server's side is unchanged."""

    @classmethod
    async def open(cls, url: str) -> RespPublisher:
        from channels.layers import get_channel_layer
        from redis.asyncio.connection import parse_url

        publisher = cls()
        from django.conf import settings

        publisher.layer = get_channel_layer()  # its serializer and group naming, as the platform publishes
        publisher.prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"].get("prefix", "asgi")
        address = parse_url(url)
        publisher.reader, publisher.writer = await asyncio.open_connection(address.get("host", HOST), address.get("port", 6379))
        publisher.replies = asyncio.ensure_future(publisher._discard_replies())
        return publisher

    async def _discard_replies(self) -> None:
        while await self.reader.read(65536):
            pass

    async def group_send(self, group: str, message: dict) -> None:
        channel = f"{self.prefix}__group__{group}".encode()  # channels_redis.pubsub's name for the group
        payload = self.layer.serialize(message)
        self.writer.write(b"*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(channel), channel, len(payload), payload))
        if self.writer.transport.get_write_buffer_size() > 1 << 20:
            await self.writer.drain()

    def close(self) -> None:
        self.replies.cancel()
        self.writer.close()


async def _send(member: Member, tag: int, job: dict, layer) -> array.array:
    """Send job["messages"] chat messages as fast as the window allows (or at job["rate"] per second)."""
    count, window, mode, size = job["messages"], job["window"], job["mode"], job["body_size"]
    sent_at = array.array("d", bytes(8 * count))
    slots = asyncio.Semaphore(window)
    outstanding: set[int] = set()

    def on_receipt(seq: int) -> None:
        if seq in outstanding:
            outstanding.discard(seq)
            slots.release()

    member.on_receipt = on_receipt
    ws = member.ws
    template, group = job.get("template"), job.get("group")
    start = time.monotonic()
    try:
        for seq in range(count):
            try:
                await asyncio.wait_for(slots.acquire(), ECHO_TIMEOUT)
            except TimeoutError:
                outstanding.clear()  # copies lost (the layer is at-most-once): go on with what is left of the window
            if job.get("rate"):
                await asyncio.sleep(max(0.0, start + seq / job["rate"] - time.monotonic()))
            body = body_for(tag, seq, size)
            outstanding.add(seq)
            sent_at[seq] = time.monotonic()
            if mode == "e2e":
                await ws.send(json.dumps({"type": "chat.send", "body": body}))
            elif mode == "fanout":
                await layer.group_send(group, {"type": "realtime.event", "text": template.replace("@@BODY@@", body)})
            else:  # socketio
                await ws.send('42["chat",' + json.dumps({"body": body}) + "]")
    finally:
        member.on_receipt = None
    return sent_at


def generator_process(role: str, specs: list[dict], conn, cpus: set[int] | None,
                      settings_env: dict | None, concurrency: int, barrier) -> None:
    pin(0, cpus)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and closes us
    try:
        asyncio.run(_generator_main(role, specs, conn, settings_env, concurrency, barrier))
    except Exception as exc:  # report to the parent instead of dying silently
        with suppress(Exception):
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        raise


class Generator:
    """The sender process (member 0) and `workers` processes holding members 1..N-1."""

    def __init__(self, specs: list[dict], workers: int, cpus, settings_env, connect_concurrency: int = 16):
        ctx = mp.get_context("spawn")
        self.procs, self.conns = [], []
        rest = specs[1:]
        shares = [rest[i::workers] for i in range(workers)] if rest else []
        roles = [("sender", specs[:1]), *[("worker", s) for s in shares if s]]
        self.barrier = barrier = ctx.Barrier(len(roles))  # held here: the children unpickle it at their start
        for role, share in roles:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=generator_process, args=(role, share, child, cpus, settings_env,
                                     max(1, connect_concurrency // max(1, workers)), barrier),
                               daemon=True)
            proc.start()
            self.procs.append(proc)
            self.conns.append(parent)

    def _expect(self, conn, kind: str, timeout: float):
        if not conn.poll(timeout):
            raise TimeoutError(f"generator: no '{kind}' within {timeout:.0f} s")
        reply = conn.recv()
        if reply[0] == "error":
            raise RuntimeError(f"generator failed: {reply[1]}")
        assert reply[0] == kind, reply[:1]
        return reply[1]

    def wait_ready(self) -> float:
        """Seconds from the first handshake started to the last member's hello, over every process
        (CLOCK_MONOTONIC is one clock for the whole machine)."""
        deadline = time.monotonic() + CONNECT_PHASE_TIMEOUT + 30
        spans = [self._expect(conn, "ready", max(1.0, deadline - time.monotonic())) for conn in self.conns]
        return max(end for _, end in spans) - min(start for start, _ in spans)

    def run(self, tag: int, job: dict) -> list[dict]:
        # every receiver is armed for this tag before the sender sends its first message
        for conn in self.conns[1:]:
            conn.send(("run", tag, job))
        for conn in self.conns[1:]:
            self._expect(conn, "armed", 60)
        self.conns[0].send(("run", tag, job))
        self._expect(self.conns[0], "armed", 60)
        timeout = min(job["messages"] * ECHO_TIMEOUT, 1200) + job["drain_timeout"] + 120
        deadline = time.monotonic() + timeout
        return [self._expect(conn, "done", max(1.0, deadline - time.monotonic())) for conn in self.conns]

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def close(self) -> None:
        for conn in self.conns:
            with suppress(Exception):
                conn.send(("close",))
        for proc in self.procs:
            proc.join(15)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)


# -- one measurement ------------------------------------------------------------------------
def measure(gen: Generator, label: str, n: int, tag: int, job: dict, server_pids: list[int], args) -> dict:
    """Run one job and turn the raw receipt times into figures (server CPU: all of `server_pids`)."""
    # warm-up: a few messages nobody counts (tag 0), then settle
    warm = dict(job, messages=min(50, job["messages"]), collect=False, drain_timeout=20.0)
    gen.run(0, warm)
    time.sleep(SETTLE_SECONDS)

    pg0 = cpu_by_pid_named("postgres")
    cpu0 = {"server": sum(cpu_seconds(pid) for pid in server_pids), "gen": sum(cpu_seconds(p) for p in gen.pids()),
            "redis": redis_cpu(args.redis_url)}
    busy0, total0 = machine_cpu()
    wall0 = time.monotonic()
    replies = gen.run(tag, job)
    wall1 = time.monotonic()
    busy1, total1 = machine_cpu()
    cpu1 = {"server": sum(cpu_seconds(pid) for pid in server_pids), "gen": sum(cpu_seconds(p) for p in gen.pids()),
            "redis": redis_cpu(args.redis_url)}
    pg1 = cpu_by_pid_named("postgres")

    m = job["messages"]
    sent_at = array.array("d")
    sent_at.frombytes(replies[0]["sent_at"])
    first_send = sent_at[0]
    last_receipt, delivered, latencies = first_send, 0, []
    for reply in replies:
        for raw in reply["times"]:
            times = array.array("d")
            times.frombytes(raw)
            for seq, t in enumerate(times):
                if t > 0.0:
                    delivered += 1
                    latencies.append(t - sent_at[seq])
                    if t > last_receipt:
                        last_receipt = t
    latencies.sort()
    elapsed = last_receipt - first_send
    cpu = {k: cpu1[k] - cpu0[k] for k in cpu0}
    cpu["postgres"] = cpu_delta_named(pg0, pg1)
    wall = wall1 - wall0
    # what the rest of the machine (other people's tests and benchmarks) used meanwhile, in cores
    machine_cores = (busy1 - busy0) / CLK_TCK / wall if wall > 0 else float("nan")
    ours_cores = sum(cpu.values()) / wall if wall > 0 else float("nan")
    result = {
        "label": label, "n": n, "messages": m, "window": job["window"], "expected": n * m, "delivered": delivered,
        "elapsed_s": elapsed, "msg_per_s": delivered / elapsed if elapsed > 0 else float("nan"),
        "sends_per_s": m / elapsed if elapsed > 0 else float("nan"),
        "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "server_cpu_s": cpu["server"], "redis_cpu_s": cpu["redis"], "gen_cpu_s": cpu["gen"],
        "postgres_cpu_s": cpu["postgres"], "wall_s": wall,
        "server_cpu_us_per_delivery": cpu["server"] / delivered * 1e6 if delivered else float("nan"),
        "machine_busy": (busy1 - busy0) / (total1 - total0) if total1 > total0 else float("nan"),
        "background_cores": max(0.0, machine_cores - ours_cores),
        "gen_processes": len(gen.procs),
    }
    lost = result["expected"] - delivered
    print(f"  {label:<16} N={n:<4} M={m:<5} {result['msg_per_s']:>9.0f} msg/s  p50 {result['p50_ms']:7.1f} ms  "
          f"p95 {result['p95_ms']:7.1f} ms  server CPU {cpu['server']:5.2f} s ({result['server_cpu_us_per_delivery']:.1f} "
          f"us/msg)  gen CPU {cpu['gen']:5.2f} s  pg CPU {cpu['postgres']:5.2f} s  / {wall:.2f} s wall  "
          f"machine {result['machine_busy']:.0%} (background {result['background_cores']:.2f} cores)"
          + (f"  LOST {lost}" if lost else ""), flush=True)
    return result


def workers_for(n: int, args) -> int:
    return args.workers or (1 if n <= 10 else 2 if n <= 50 else 4)


def window_for(n: int, args) -> int:
    return args.window or max(4, 4000 // n)


def env_subset(env: dict[str, str]) -> dict[str, str]:
    """What the sender process needs to build the channel layer exactly as daphne does."""
    keys = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DJANGO_SECRET_KEY",
            "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_ALLOWED_HOSTS", "PYTHONPATH", "CHANNEL_LAYER_PREFIX")
    subset = {k: env[k] for k in keys if k in env}
    subset.update({k: v for k, v in env.items() if k.startswith("BENCH_")})
    return subset


class Side:
    """One server under test with its N connected members: ours (daphne) or the peer (node)."""

    def __init__(self, name: str):
        self.name = name
        self.server: subprocess.Popen | None = None
        self.gen: Generator | None = None
        self.log = None
        self.room = None
        self.jobs: list[tuple[str, dict]] = []

    @classmethod
    def ours(cls, args, env: dict[str, str], n: int, pairs, modes: list[str]) -> Side:
        side = cls("ours")
        try:
            side.room = make_room([uid for uid, _ in pairs[:n]])
            template, group = event_template(side.room, pairs[0][0])
            port = free_port()
            side.log = open(OUT / f"daphne-{n}.log", "w")
            side.server = start_daphne(args, env, port, side.log)
            specs = [{"kind": "django", "url": f"ws://{HOST}:{port}/ws/rooms/{side.room.code}/",
                      "origin": f"http://{HOST}:{port}", "headers": {"Cookie": f"sessionid={key}"}}
                     for _, key in pairs[:n]]
            side._connect(specs, n, args, env_subset(env))
        except BaseException:
            side.close()  # never leave daphne running when the connect phase fails
            raise
        for mode in modes:
            m = args.e2e_messages[n] if mode == "e2e" else args.messages[n]
            side.jobs.append((f"ours ({'a' if mode == 'e2e' else 'b'}) {mode}", {
                "mode": mode, "messages": m, "window": window_for(n, args), "body_size": args.body_size,
                "rate": args.rate, "drain_timeout": DRAIN_TIMEOUT, "template": template, "group": group}))
        return side

    @classmethod
    def peer(cls, args, n: int) -> Side:
        side = cls("peer")
        try:
            port = free_port()
            side.log = open(OUT / f"socketio-{n}.log", "w")
            side.server = start_socketio(args, port, side.log)
            room = f"bench-{os.getpid()}-{n}"
            specs = [{"kind": "socketio",
                      "url": f"ws://{HOST}:{port}/socket.io/?EIO=4&transport=websocket&room={room}&user={i + 1}"}
                     for i in range(n)]
            side._connect(specs, n, args, None)
        except BaseException:
            side.close()
            raise
        side.jobs.append(("peer socket.io", {
            "mode": "socketio", "messages": args.messages[n], "window": window_for(n, args),
            "body_size": args.body_size, "rate": args.rate, "drain_timeout": DRAIN_TIMEOUT}))
        return side

    def _connect(self, specs: list[dict], n: int, args, settings_env) -> None:
        started = time.monotonic()
        self.gen = Generator(specs, workers_for(n, args), args.gen_cpus, settings_env, args.connect_concurrency)
        span = self.gen.wait_ready()
        print(f"  {self.name}: {n} members connected in {time.monotonic() - started:.1f} s "
              f"(handshakes {span:.2f} s, {n / span:.0f}/s; server pid {self.server.pid}, "
              f"{len(self.gen.procs)} generator processes)", flush=True)
        time.sleep(SETTLE_SECONDS * 2)  # let the join events (rooms.member) drain

    def close(self) -> None:
        try:
            if self.gen is not None:
                self.gen.close()
        finally:
            stop_process(self.server)
            if self.log is not None:
                self.log.close()
            if self.room is not None:
                drop_room(self.room)


def run_size(args, env: dict[str, str], n: int, pairs, modes: list[str], results: list[dict]) -> None:
    """Both servers up, both sets of N members connected; the runs interleave (ours, peer, ours, ...)
    so that background load on the machine falls on both sides alike."""
    sides: list[Side] = []
    try:
        if not args.no_ours:
            sides.append(Side.ours(args, env, n, pairs, modes))
        if not args.no_peer:
            sides.append(Side.peer(args, n))
        tag = 100
        for repeat in range(args.repeat):
            for side in sides:
                for label, job in side.jobs:
                    tag += 1
                    profiler = None
                    if args.profile and side.name == "ours" and repeat == 0:
                        variant = "" if args.asgi == "config.asgi:application" else "-" + args.asgi.split(":")[0]
                        profiler = start_profiler(side.server.pid, n, job["mode"], variant)
                    try:
                        result = measure(side.gen, label, n, tag, job, [side.server.pid], args)
                    finally:
                        if profiler is not None:
                            stop_profiler(profiler)
                    result["repeat"] = repeat
                    results.append(result)
    finally:
        for side in sides:
            side.close()


# -- profiling ----------------------------------------------------------------------------------
def start_profiler(pid: int, n: int, mode: str, variant: str = "") -> subprocess.Popen | None:
    spy = Path(PYTHON).with_name("py-spy")
    if not spy.exists():
        print("  (py-spy not installed in the venv: no profile)", flush=True)
        return None
    out = OUT / f"pyspy-{mode}-{n}{variant}.txt"
    proc = subprocess.Popen([str(spy), "record", "-p", str(pid), "-r", "250", "-f", "raw", "-o", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.profile_path = out  # type: ignore[attr-defined]
    time.sleep(1.0)
    return proc


def stop_profiler(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    path = proc.profile_path  # type: ignore[attr-defined]
    if path.exists():
        print(f"  profile: {path.relative_to(ROOT)} (summarise: .venv/bin/python bench/pyspy_summary.py <file>)", flush=True)


# -- report -------------------------------------------------------------------------------------
def summarise(results: list[dict]) -> list[dict]:
    """The median run (by msg/s) of each (N, side), with the spread of all its runs."""
    rows = []
    for n in sorted({r["n"] for r in results}):
        for label in dict.fromkeys(r["label"] for r in results if r["n"] == n):
            runs = sorted((r for r in results if r["n"] == n and r["label"] == label), key=lambda r: r["msg_per_s"])
            row = dict(runs[(len(runs) - 1) // 2])
            row["runs"] = len(runs)
            row["min_msg_per_s"], row["max_msg_per_s"] = runs[0]["msg_per_s"], runs[-1]["msg_per_s"]
            row["lost_total"] = sum(r["expected"] - r["delivered"] for r in runs)
            rows.append(row)
    for row in rows:
        peer = next((p for p in rows if p["n"] == row["n"] and p["label"].startswith("peer")), None)
        row["ratio"] = row["msg_per_s"] / peer["msg_per_s"] if peer else None
        # (a run too short for /proc's clock ticks reads 0 CPU: no ratio then)
        has_cpu = peer and row["server_cpu_us_per_delivery"] > 0
        row["cpu_ratio"] = peer["server_cpu_us_per_delivery"] / row["server_cpu_us_per_delivery"] if has_cpu else None
    return rows


def print_table(rows: list[dict]) -> None:
    print()
    print("Chat fan-out: delivered messages per second = N members x M messages / (first send -> last receipt)")
    print("median of the runs (min-max in brackets); latency and CPU are the median run's")
    head = (f"{'N':>4}  {'side':<16} {'M':>5} {'msg/s':>8} {'(min-max)':>15} {'ours/peer':>9} {'p50 ms':>8} "
            f"{'p95 ms':>8} {'srv CPU s':>9} {'us/msg':>7} {'eff.':>5} {'redis s':>7} {'pg s':>5} {'gen s':>6} "
            f"{'wall s':>6} {'bg':>4} {'lost':>5}")
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None and not r["label"].startswith("peer") else "-"
        eff = f"{r['cpu_ratio']:.2f}" if r["cpu_ratio"] is not None and not r["label"].startswith("peer") else "-"
        spread = f"({r['min_msg_per_s']:.0f}-{r['max_msg_per_s']:.0f})"
        print(f"{r['n']:>4}  {r['label']:<16} {r['messages']:>5} {r['msg_per_s']:>8.0f} {spread:>15} {ratio:>9} "
              f"{r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['server_cpu_s']:>9.2f} "
              f"{r['server_cpu_us_per_delivery']:>7.1f} {eff:>5} {r['redis_cpu_s']:>7.2f} {r['postgres_cpu_s']:>5.2f} "
              f"{r['gen_cpu_s']:>6.2f} {r['wall_s']:>6.2f} {r['background_cores']:>4.1f} {r['lost_total']:>5}")
    print("ours/peer = msg/s ratio (goal >= 1.0). (b) fanout is the like-for-like one: Socket.io persists nothing;")
    print("(a) e2e adds the PostgreSQL write of every message. us/msg = server CPU microseconds per delivered")
    print("message; eff. = peer us/msg / ours us/msg (CPU efficiency, independent of the generator). pg s = all")
    print("postgres processes on the machine; gen s = all load-generator processes; bg = CPU cores used by other")
    print("processes on the machine meanwhile (noise); lost = not received within the drain timeout (all runs).")


def parse_messages(text: str, defaults: dict[int, int]) -> dict[int, int]:
    out = dict(defaults)
    for part in filter(None, text.split(",")):
        n, m = part.split(":")
        out[int(n)] = int(m)
    return out


def parse_cpus(text: str) -> set[int] | None:
    return {int(c) for c in text.split(",")} if text else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="room sizes N")
    parser.add_argument("--messages", default="", help="M per N for fanout and the peer, e.g. 10:3000,50:1000,500:200")
    parser.add_argument("--e2e-messages", default="", help="M per N for e2e (slower: a DB write each), e.g. 10:400")
    parser.add_argument("--repeat", type=int, default=3, help="runs per (N, side), interleaved; the median is reported")
    parser.add_argument("--window", type=int, default=0, help="messages in flight (default max(4, 4000 // N))")
    parser.add_argument("--rate", type=float, default=0.0, help="offered sends per second (default: as fast as the window allows)")
    parser.add_argument("--body-size", type=int, default=100, help="chat body characters")
    parser.add_argument("--modes", default="e2e,fanout", help="ours: e2e (a), fanout (b)")
    parser.add_argument("--no-peer", action="store_true", help="skip Socket.io")
    parser.add_argument("--no-ours", action="store_true", help="skip daphne")
    parser.add_argument("--connect-concurrency", type=int, default=16, help="handshakes in flight, in all")
    parser.add_argument("--workers", type=int, default=0, help="receiver processes (default by N: 1, 2, 4)")
    parser.add_argument("--server-cpus", default="0", help="CPUs for the server process ('' = no pinning)")
    parser.add_argument("--gen-cpus", default="1", help="CPUs for the generator processes ('' = no pinning)")
    parser.add_argument("--database", default="wt_bench_fanout")
    parser.add_argument("--fresh-db", action="store_true", help="drop and re-create the bench database first "
                        "(after a migration was edited in place)")
    parser.add_argument("--schema", choices=("auto", "migrate", "models"), default="auto",
                        help="how to build the bench database (see prepare_database)")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--settings", default="config.settings", help="DJANGO_SETTINGS_MODULE for daphne")
    parser.add_argument("--asgi", default="config.asgi:application", help="ASGI application daphne serves")
    parser.add_argument("--env", action="append", default=[], help="extra KEY=VALUE for our stack (repeatable)")
    parser.add_argument("--profile", action="store_true", help="py-spy record daphne during each of our runs")
    parser.add_argument("--json", default="", help="also write the results here")
    parser.add_argument("--smoke", action="store_true", help="a check that the bench still runs (N = 5, 100 + 10 "
                        "messages, one run, its own database; the peer only if bench/socketio has node_modules)")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.messages, args.e2e_messages, args.repeat = "5", "5:100", "5:10", 1
        args.server_cpus = args.gen_cpus = ""
        if args.schema == "auto":
            args.schema = "migrate"  # skips a `makemigrations --check` run
        if args.database == "wt_bench_fanout":
            args.database = "wt_bench_fanout_smoke"
        if not (SOCKETIO_DIR / "node_modules" / "socket.io").exists():
            args.no_peer = True
            print("smoke: skipping the Socket.io peer (bench/socketio/node_modules missing: `npm ci` there)", flush=True)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.messages = parse_messages(args.messages, DEFAULT_MESSAGES)
    args.e2e_messages = parse_messages(args.e2e_messages, DEFAULT_E2E_MESSAGES)
    args.server_cpus = parse_cpus(args.server_cpus)
    args.gen_cpus = parse_cpus(args.gen_cpus)
    args.stack_env = dict(kv.split("=", 1) for kv in args.env)
    args.secret_key = "bench-" + secrets.token_urlsafe(48)
    args.redis_url = f"redis://{HOST}:6379/{args.redis_db}"
    modes = [m for m in args.modes.split(",") if m]
    OUT.mkdir(parents=True, exist_ok=True)

    env = stack_env(args)
    print(f"machine: {os.cpu_count()} CPUs; server pinned to {args.server_cpus or 'any'}, "
          f"generator to {args.gen_cpus or 'any'}; Redis db {args.redis_db}; database {args.database}", flush=True)
    results: list[dict] = []
    pairs: list[tuple[int, str]] = []
    interrupted = False
    try:
        if not args.no_ours:
            prepare_database(args, env)
            setup_django(env)
            pairs = make_users_and_sessions(max(args.sizes))
        else:
            pairs = []
        for n in args.sizes:
            print(f"N = {n}", flush=True)
            run_size(args, env, n, pairs, modes, results)
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted: stopping", flush=True)
    finally:
        if pairs:
            drop_sessions(pairs)
        if results:
            rows = summarise(results)
            print_table(rows)
            path = Path(args.json) if args.json else OUT / f"chat_fanout-{time.strftime('%Y%m%d-%H%M%S')}.json"
            path.write_text(json.dumps({"args": {k: v for k, v in vars(args).items() if k != "secret_key"},
                                        "summary": rows, "runs": results}, indent=1, default=str))
            print(f"results: {path}")
    if interrupted:
        sys.exit(130)


if __name__ == "__main__":
    main()
