#!/usr/bin/env python
"""AutoMod's cost on a chat message, with 10,000 terms, against chat without it and a naive filter.

In a bench PostgreSQL database (default wt_bench_automod, created and migrated here) and Redis db 14:

1. stores N platform terms (default 10,000: random words of 5-10 letters) as staff would add them;
2. sends M chat messages into a room (rooms.services.chat.message_send, the code the site runs:
   the row lock, the rules, the INSERT, the event after commit) twice, interleaved in blocks:
   with settings.CHAT_FILTERS empty (the floor: chat without a filter) and with AutoMod
   (normalise once, one Aho-Corasick pass, the spam heuristics' one cache read and write);
3. times the filter alone on the same messages (ours), next to the naive design: one compiled
   regular expression per term, each searched in the message (and no normalising at all).

It prints milliseconds per message side by side, the added cost of AutoMod on a chat send as a
percentage (goal: < 10%) and naive / ours as a ratio, and writes bench/out/automod-<time>.json.

Run (PostgreSQL and Redis on 127.0.0.1):
    .venv/bin/python bench/automod.py                   # 10,000 terms, 600 messages
    .venv/bin/python bench/automod.py --smoke           # does it still run? (1,000 terms, 60 messages)
Bounded: it touches only its own database and its own Redis db's AutoMod keys, on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from leaderboards import OUT, bench_env, prepare_database, setup_django  # noqa: E402  (bench helpers)

WORDS = ("the movie was great tonight see you all at the next watch party what a scene that ending "
         "i did not expect it popcorn ready who is hosting friday we should pick a comedy next time").split()


def random_terms(rng: random.Random, count: int) -> list[str]:
    terms: set[str] = set()
    while len(terms) < count:
        terms.add("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 10))))
    return sorted(terms)


def messages(rng: random.Random, count: int) -> list[str]:
    # unique texts of about 60 characters, none on the list (a blocked message would not be sent)
    return [f"{' '.join(rng.choice(WORDS) for _ in range(11))} {n}" for n in range(count)]


def per_message_ms(seconds: float, count: int) -> float:
    return seconds * 1000 / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--terms", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--block", type=int, default=20, help="messages per block; blocks alternate filter off/on")
    parser.add_argument("--database", default="wt_bench_automod")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--smoke", action="store_true", help="1,000 terms, 60 messages")
    args = parser.parse_args()
    if args.smoke:
        args.terms, args.messages, args.block = 1_000, 60, 10
    env = bench_env(args)
    prepare_database(args, env)
    setup_django(env)

    from django.conf import settings
    from django.core.cache import cache

    from accounts.models import User
    from chat import filters as chat_filters
    from moderation.automod import forget_loaded_terms, terms_changed, text_level
    from moderation.filters import chat_filter
    from moderation.models import AutoModTerm, Case
    from moderation.normalize import normalize
    from rooms.models import ChatMessage, Room, RoomMember, RoomRole
    from rooms.services.chat import message_send

    rng = random.Random(15)
    settings.ROOM_CHAT_RATE_MAX_MESSAGES = 10**9  # the bench sends faster than people may
    AutoModTerm.objects.all().delete()
    Case.objects.all().delete()
    terms = random_terms(rng, args.terms)
    AutoModTerm.objects.bulk_create([AutoModTerm(term=t, normalized=normalize(t).strip()) for t in terms])
    terms_changed()
    forget_loaded_terms()
    author, _ = User.objects.get_or_create(handle="automod_bench", defaults={"email": "automod-bench@example.com"})
    room = Room.objects.filter(name="AutoMod bench", closed_at__isnull=True).first()
    if room is None:
        room = Room.objects.create(name="AutoMod bench", created_by=author, max_members=10)
        RoomMember.objects.create(room=room, user=author, role=RoomRole.LEADER)
    ChatMessage.objects.filter(room=room).delete()
    texts = messages(rng, args.messages * 2)

    def send(batch: list[str], with_filter: bool) -> float:
        settings.CHAT_FILTERS = ["moderation.filters.chat_filter"] if with_filter else []
        chat_filters._filters.cache_clear()
        cache.delete_many([f"automod:spam:{author.pk}"])
        started = time.perf_counter()
        for body in batch:
            message_send(author=author, room=room, body=body)
        return time.perf_counter() - started

    send(texts[:5], True)  # warm: the automaton is built once per process (and per change of the lists)
    send(texts[5:10], False)
    off = on = 0.0
    for start in range(0, args.messages, args.block):
        off += send(texts[start:start + args.block], False)
        on += send(texts[args.messages + start:args.messages + start + args.block], True)

    # the term matching alone: ours (normalise + one automaton pass) and the naive one (one regex per term,
    # searched in the message, not even normalised); then the whole filter (with the spam heuristics' cache)
    sample = texts[: min(200, len(texts))]
    started = time.perf_counter()
    for body in sample:
        text_level(body, community_kind="room", community_id=room.pk)
    ours = time.perf_counter() - started
    naive_patterns = [re.compile(rf"\b{re.escape(term)}\b", re.IGNORECASE) for term in terms]
    started = time.perf_counter()
    for body in sample:
        any(pattern.search(body) for pattern in naive_patterns)
    naive = time.perf_counter() - started
    started = time.perf_counter()
    for body in sample:
        chat_filter(body=body, kind="room", context=room, author=author)
    whole = time.perf_counter() - started
    settings.CHAT_FILTERS = ["moderation.filters.chat_filter"]

    floor_ms, on_ms = per_message_ms(off, args.messages), per_message_ms(on, args.messages)
    ours_ms, naive_ms = per_message_ms(ours, len(sample)), per_message_ms(naive, len(sample))
    whole_ms = per_message_ms(whole, len(sample))
    added = (on_ms - floor_ms) / floor_ms * 100
    print(f"terms {args.terms}, messages {args.messages} per side (blocks of {args.block}, interleaved)")
    print(f"{'':38} {'ms/message':>11}")
    print(f"{'chat send, no filter (floor)':38} {floor_ms:11.3f}")
    print(f"{'chat send, AutoMod':38} {on_ms:11.3f}")
    print(f"{'AutoMod filter alone (with spam checks)':38} {whole_ms:11.3f}")
    print(f"{'term matching, ours (Aho-Corasick)':38} {ours_ms:11.3f}")
    print(f"{'term matching, naive: regex per term':38} {naive_ms:11.3f}")
    print(f"AutoMod added to a chat send: {added:+.1f}% (goal < 10%)")
    print(f"naive / ours (term matching): {naive_ms / ours_ms:.1f}x")
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"terms": args.terms, "messages": args.messages, "floor_ms": floor_ms, "automod_ms": on_ms,
              "filter_ms": whole_ms, "matching_ms": ours_ms, "naive_ms": naive_ms, "added_percent": added,
              }
    (OUT / f"automod-{datetime.now(UTC):%Y%m%d-%H%M%S}.json").write_text(json.dumps(result, indent=2))
    ChatMessage.objects.filter(room=room).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
