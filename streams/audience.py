"""A stream's audience as numbers, in the cache (Redis when REDIS_URL is set: shared by every daphne
process; the embedded default is one process, its local memory is enough).

Each stream socket counts itself in on connect and out on disconnect: no per-viewer event goes to
anyone. The current count, the viewers seen (once each, by a viewer id) and a one-second "tick" claim
that lets exactly one socket per second publish the count (streams.services.stream_viewers_publish).
"""

from django.core.cache import cache

KEEP_SECONDS = 2 * 24 * 3600  # longer than any stream
TICK_SECONDS = 1


def _key(stream_id: int, what: str) -> str:
    return f"streams:{stream_id}:{what}"


def _incr(key: str, delta: int) -> int:
    cache.add(key, 0, timeout=KEEP_SECONDS)
    return cache.incr(key, delta)


def audience_enter(*, stream_id: int, viewer: str) -> None:
    """`viewer` (a user id, a session, a connection) opened a socket on the stream. The peak is kept here
    too, so a crowd that comes and goes between two published counts still shows in it (two sockets
    arriving at once may each see the other's count: the peak may lag by one until the next arrival)."""
    current = _incr(_key(stream_id, "current"), 1)
    if current > (cache.get(_key(stream_id, "peak")) or 0):
        cache.set(_key(stream_id, "peak"), current, timeout=KEEP_SECONDS)
    if cache.add(_key(stream_id, f"seen:{viewer}"), 1, timeout=KEEP_SECONDS):
        _incr(_key(stream_id, "unique"), 1)


def audience_leave(*, stream_id: int) -> None:
    _incr(_key(stream_id, "current"), -1)


def audience_counts(*, stream_id: int) -> tuple[int, int, int]:
    """(current, unique, peak) viewers."""
    keys = [_key(stream_id, what) for what in ("current", "unique", "peak")]
    found = cache.get_many(keys)
    current, unique, peak = (found.get(key, 0) for key in keys)
    return max(0, current), unique, max(peak, current)


def audience_tick_claim(*, stream_id: int) -> bool:
    """True for the first caller in each second: it publishes the count a second later."""
    return cache.add(_key(stream_id, "tick"), 1, timeout=TICK_SECONDS)
