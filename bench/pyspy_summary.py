#!/usr/bin/env python
"""Where daphne's time went: summarise a py-spy raw profile (collapsed stacks) written by
`bench/chat_fanout.py --profile` (bench/out/pyspy-<mode>-<N>.txt).

    .venv/bin/python bench/pyspy_summary.py bench/out/pyspy-fanout-500.txt [--top 25]
    .venv/bin/python bench/pyspy_summary.py --smoke     # does it still run? (a two-stack profile of its own)

Prints: the share of samples per component (by the innermost frame that belongs to a
known component, so time is counted once), the share of samples *inside* each component
(inclusive), and the top functions by own time.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter
from pathlib import Path

# (component, regex on the frame's file path); the first match wins for the innermost frame.
COMPONENTS = [
    ("JSON encode/decode", r"(^|/)json/|rest_framework/utils/encoders|DjangoJSONEncoder"),
    ("msgpack (channel layer serializer)", r"msgpack|channels_redis/serializers"),
    ("redis-py (pub/sub client)", r"(^|/)redis/"),
    ("channels_redis (layer)", r"channels_redis/"),
    ("DB: psycopg", r"psycopg"),
    ("DB: Django ORM/transactions", r"django/db/"),
    ("DRF serializers/validation", r"rest_framework/"),
    ("app code (rooms, accounts, config)", r"(^|/)(rooms|accounts|config|gamification|moderation)/"),
    ("Django other", r"django/"),
    ("asgiref sync_to_async / async_to_sync", r"asgiref/"),
    ("channels (consumer, dispatch, db)", r"channels/"),
    ("autobahn (WebSocket framing)", r"autobahn/"),
    ("daphne (ASGI server glue)", r"daphne/"),
    ("Twisted (reactor, transport)", r"twisted/"),
    ("asyncio event loop", r"asyncio/"),
    ("threading/concurrent.futures", r"threading\.py|concurrent/futures|queue\.py"),
]
# Named call paths worth seeing on their own (inclusive: samples with the function on the stack).
HOTSPOTS = [
    ("channels dispatch: aclose_old_connections (sync_to_async hop per message)", ("aclose_old_connections",)),
    ("db thread: close_old_connections", ("close_old_connections",)),
    ("sync_to_async machinery (any)", ("SyncToAsync.__call__", "SyncToAsync.thread_handler")),
    ("BaseConsumer.realtime_event (forward one event)", ("BaseConsumer.realtime_event",)),
    ("channels await_many_dispatch (per-message task + asyncio.wait)", ("await_many_dispatch",)),
    ("channels_redis receive + msgpack deserialize", ("RedisPubSubLoopLayer.receive",)),
    ("channels_redis _receive_message (put into every member's queue)", ("_receive_message",)),
    ("daphne handle_reply -> autobahn sendMessage (framing + write)", ("WebSocketProtocol.handle_reply",)),
    ("autobahn sendMessage", ("WebSocketProtocol.sendMessage",)),
    ("Twisted transport write (syscall)", ("untilConcludes",)),
    ("chat.message_send (the service, DB)", ("message_send",)),
    ("psycopg connect (new connection)", ("Connection.connect",)),
    ("json encode/decode", ("JSONEncoder.encode", "JSONDecoder.decode", "dumps", "loads")),
]
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]*):(?P<line>\d+)\)$")


SMOKE_PROFILE = """\
_run_once (asyncio/base_events.py:1);dispatch (config/ws.py:210);send (channels/generic/websocket.py:1) 3
Thread._bootstrap (threading.py:1);execute (django/db/backends/utils.py:1);execute (psycopg/cursor.py:1) 2
"""


def parse(path: Path):
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for raw in stack.split(";"):
            m = FRAME.match(raw)
            frames.append((m["func"], m["file"]) if m else (raw, ""))
        yield frames, int(count)


def component(file: str, func: str) -> str | None:
    text = f"{file} {func}"
    for name, pattern in COMPONENTS:
        if re.search(pattern, text):
            return name
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile", type=Path, nargs="?")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="summarise a tiny built-in profile (a check that it still runs)")
    args = parser.parse_args()
    if args.smoke:
        args.profile = Path(tempfile.mkdtemp(prefix="wt-pyspy-")) / "smoke.txt"
        args.profile.write_text(SMOKE_PROFILE)
    elif args.profile is None:
        parser.error("give a profile (or --smoke)")

    total = 0
    exclusive, inclusive, own, hot = Counter(), Counter(), Counter(), Counter()
    threads = Counter()
    for frames, count in parse(args.profile):
        total += count
        threads["main thread (event loop)" if not frames or "Thread._bootstrap" not in frames[0][0]
                else "worker threads (sync_to_async)"] += count
        names = {func for func, _ in frames}
        for label, funcs in HOTSPOTS:
            if any(f == n or n.endswith("." + f) or n.startswith(f) for n in names for f in funcs):
                hot[label] += count
        leaf = frames[-1]
        own[f"{leaf[0]} ({leaf[1]})"] += count
        seen = set()
        first = None
        for func, file in reversed(frames):
            name = component(file, func)
            if name and first is None:
                first = name
            if name and name not in seen:
                seen.add(name)
                inclusive[name] += count
        exclusive[first or "other (C, interpreter)"] += count

    print(f"{args.profile}: {total} samples")
    print("\nby thread:")
    for name, n in threads.most_common():
        print(f"  {n / total:6.1%}  {name}")
    print("\nown time by component (innermost known frame):")
    for name, n in exclusive.most_common():
        print(f"  {n / total:6.1%}  {name}")
    print("\ninclusive (samples with the component anywhere on the stack):")
    for name, n in inclusive.most_common():
        print(f"  {n / total:6.1%}  {name}")
    print("\nnamed call paths (inclusive):")
    for label, _ in HOTSPOTS:
        print(f"  {hot[label] / total:6.1%}  {label}")
    print(f"\ntop {args.top} functions by own time:")
    for name, n in own.most_common(args.top):
        print(f"  {n / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
