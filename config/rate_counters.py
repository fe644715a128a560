"""Atomic fixed-window counters for the API throttles (RELIABILITY figure 15).

DRF's SimpleRateThrottle reads the cache, appends, and writes back: under concurrency two requests read
the same history and one update is lost (16 parallel clients got 74 requests through a 60/min limit).
Here each hit is one Redis round trip running a Lua script, so INCR and the window's expiry happen
together and no update is lost: at most the limit passes per window. Without Redis (development with
one process) a lock around a dictionary does the same.

The script can read one more key in that round trip (`read`): a personal token's request reads its kept
token row there, so it costs one Redis round trip in all (accounts/services/token_cache.py).

A window starts at a caller's first request and lasts the rate's duration; a caller can therefore get
up to twice the limit across the boundary of two windows, never more than the limit within one.
"""

import threading
import time
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings

KEY_PREFIX = "throttle:"

HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if KEYS[2] then
  return {count, ttl, redis.call('GET', KEYS[2])}
end
return {count, ttl}
"""

# a refund only within the window the hit was counted in (DECR on an expired key would start one without expiry)
REFUND_SCRIPT = """
if redis.call('PTTL', KEYS[1]) > 0 then
  redis.call('DECR', KEYS[1])
end
"""


@dataclass(frozen=True)
class Window:
    count: int  # hits in this window, this one included
    seconds_left: float  # until the window ends and the count starts again
    read: bytes | None = None  # the raw value of window_hit's `read` key (None: no such key)


@cache
def _client():
    return redis.Redis.from_url(settings.REDIS_URL)


@cache
def _script():
    return _client().register_script(HIT_SCRIPT)


@cache
def _refund_script():
    return _client().register_script(REFUND_SCRIPT)


_memory: dict[str, tuple[int, float]] = {}
_memory_lock = threading.Lock()


def window_hit(key: str, duration: float, *, read: str | None = None) -> Window:
    """Count one hit on `key`'s window of `duration` seconds (started by its first hit); with `read`, a key
    of the same Redis (only with REDIS_URL), also GET it in the same round trip (Window.read)."""
    if settings.REDIS_URL:
        keys = [KEY_PREFIX + key] if read is None else [KEY_PREFIX + key, read]
        count, ttl_ms, *value = _script()(keys=keys, args=[int(duration * 1000)])
        return Window(int(count), int(ttl_ms) / 1000, value[0] if value else None)
    if read is not None:
        raise ValueError("Nothing to read a key from without Redis (REDIS_URL).")
    now = time.monotonic()
    with _memory_lock:
        count, ends = _memory.get(key, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + duration
        _memory[key] = (count + 1, ends)
    return Window(count + 1, ends - now)


def window_refund(key: str) -> None:
    """Take back one hit on `key`'s window, if that window is still running."""
    if settings.REDIS_URL:
        _refund_script()(keys=[KEY_PREFIX + key])
        return
    with _memory_lock:
        count, ends = _memory.get(key, (0, 0.0))
        if count > 0 and ends > time.monotonic():
            _memory[key] = (count - 1, ends)


def forget_memory_windows() -> None:
    """Tests without Redis: start every window again (with Redis, clearing the cache's database does)."""
    with _memory_lock:
        _memory.clear()
