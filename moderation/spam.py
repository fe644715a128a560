"""Spam heuristics on chat: repeated messages, link floods and mention floods time the sender out.

One cache entry per sender holds their last messages (a digest, when, how many links) and the end of
their AutoMod timeout: one read and at most one write per message.
"""

import hashlib
import re
import time

from django.core.cache import cache

from config.outages import REDIS_DOWN

WINDOW_SECONDS = 30
REPEATS_ALLOWED = 2  # the same text a third time within the window is spam
LINKS_PER_MESSAGE = 4
LINKS_PER_WINDOW = 8
MENTIONS_PER_MESSAGE = 5
TIMEOUT_SECONDS = 300
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")


def _key(user_id: int) -> str:
    return f"automod:spam:{user_id}"


def _state(user_id: int) -> dict | None:
    try:
        return cache.get(_key(user_id))
    except REDIS_DOWN:  # the cache is away: no heuristics meanwhile, chat goes on (RELIABILITY.md)
        return None


def _remember(user_id: int, state: dict, seconds: int) -> None:
    try:
        cache.set(_key(user_id), state, timeout=seconds)
    except REDIS_DOWN:
        pass


def timed_out_until(user_id: int) -> float | None:
    """When the sender's AutoMod timeout ends (epoch seconds), None when not timed out."""
    state = _state(user_id)
    until = state["until"] if state else None
    return until if until and until > time.time() else None


def spam_verdict(*, user_id: int, body: str) -> tuple[str | None, float | None]:
    """(why the message is spam or None, the sender's current timeout end or None); remembers the message."""
    now = time.time()
    state = _state(user_id) or {"until": None, "recent": []}
    if state["until"] and state["until"] > now:
        return None, state["until"]
    links = len(_LINK.findall(body))
    digest = hashlib.blake2b(" ".join(body.casefold().split()).encode(), digest_size=8).hexdigest()
    recent = [entry for entry in state["recent"] if now - entry[1] < WINDOW_SECONDS]
    reason = None
    if links > LINKS_PER_MESSAGE or links + sum(entry[2] for entry in recent) > LINKS_PER_WINDOW:
        reason = "link_flood"
    elif len(_MENTION.findall(body)) > MENTIONS_PER_MESSAGE:
        reason = "mention_flood"
    elif sum(1 for entry in recent if entry[0] == digest) >= REPEATS_ALLOWED:
        reason = "repeated_messages"
    recent.append((digest, now, links))
    state = {"until": now + TIMEOUT_SECONDS if reason else None, "recent": recent[-10:]}
    _remember(user_id, state, max(WINDOW_SECONDS, TIMEOUT_SECONDS if reason else 0))
    return reason, state["until"]


def chat_timeout_set(*, user_id: int, until) -> None:
    """Silence the user in every chat until `until` (a staff timeout from the queue)."""
    seconds = max(1, int(until.timestamp() - time.time()))
    state = cache.get(_key(user_id)) or {"until": None, "recent": []}
    state["until"] = until.timestamp()
    cache.set(_key(user_id), state, timeout=seconds)
