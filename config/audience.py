"""Audiences: how many sockets watch one thing (a live stream), counted, and broadcast as one number.

A large audience's viewers never announce themselves to each other: that is one event to n
sockets per join, n² frames for a storm of n. Instead a socket joining or leaving only moves
its process's count for the group, in memory (no I/O on connect). Every `AUDIENCE_BROADCAST_MS`
each process that has sockets in the group (or a change not yet counted) writes its count to
the shared total, and the total goes to the group as one event built by the app
(`event(count)` from its events.py), at most once per interval for the whole group, whatever the
number of processes and joins. The last change of a burst is always broadcast (a process retries
until the total it saw has gone out). A new socket's hello carries `Audiences.count(group)`, the
last total this process knows, never a roster.

Besides the current total, each group keeps its **peak** (the largest total computed) and its
**unique** viewers (ids passed to `join(group, event, viewer=...)`, collected in memory and added
with the next periodic write, never one round trip per join). `figures(group)` reads the three
from plain (sync) code, e.g. a service persisting them when a stream ends; `forget(group)` drops them.

Where the total lives:
- Redis (REDIS_URL set): one hash per group, `audience:<group>`, with a field per process
  (`n:<process>`: its sockets, written as an absolute number, so a retry never counts twice;
  `t:<process>`: when it last wrote, Redis's clock) and the last broadcast (`last`, `last_at`).
  One Lua script writes a process's count, drops the counts of processes silent for
  PROCESS_TTL_MS (a process that died without a goodbye), sums the rest and decides, atomically,
  whether this call broadcasts; the same script raises `audience:<group>:peak` to the total and
  PFADDs the viewer ids joined since the last write to the HyperLogLog `audience:<group>:seen`
  (both kept FIGURES_TTL_MS). The calls of one flush go in one pipeline.
- Memory (the embedded default, one process): the same rules in a dict; peaks and viewer sets in
  one process-wide dict (`figures` is called from other threads than the sockets' loop).

The count is sockets, not people (two tabs count twice), like Socket.io's room sizes.
"""

import asyncio
import logging
import os
import socket
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable
from typing import NamedTuple

import redis
from channels.layers import get_channel_layer
from django.conf import settings
from redis import asyncio as aioredis

from config.realtime import EVENT_HANDLER, PUBLISH_ERRORS, encode

logger = logging.getLogger(__name__)

PROCESS_TTL_MS = 30_000  # a process that has not written its counts for this long is presumed dead
FIGURES_TTL_MS = 2 * 24 * 3600 * 1000  # a group's peak and unique viewers: longer than any stream
KEY_PREFIX = "audience:"


class Figures(NamedTuple):
    current: int
    peak: int
    unique: int


CountEvent = Callable[[Figures], dict]  # the app's event builder: figures -> event
Store = Callable[[Figures], Awaitable[None]]  # the app's optional keeper of the figures (e.g. a database row)
Publish = Callable[[str, dict], Awaitable[None]]  # (group, event)


def keys(group: str) -> list[str]:
    """The group's hash of process counts, its peak, its HyperLogLog of viewer ids."""
    return [KEY_PREFIX + group, f"{KEY_PREFIX}{group}:peak", f"{KEY_PREFIX}{group}:seen"]


# KEYS: keys(group); ARGV: process, its sockets, interval ms, process ttl ms, figures ttl ms, viewer ids...
# Returns {total, broadcast (1/0), unsent (1/0: the total differs from the last broadcast), peak, unique}.
APPLY_SCRIPT = """
local key, me, mine = KEYS[1], ARGV[1], tonumber(ARGV[2])
local keep = tonumber(ARGV[5])
local interval, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if mine > 0 then
  redis.call('HSET', key, 'n:' .. me, mine, 't:' .. me, now)
else
  redis.call('HDEL', key, 'n:' .. me, 't:' .. me)
end
local fields = redis.call('HGETALL', key)
local counts, seen = {}, {}
for i = 1, #fields, 2 do
  local kind, who = string.sub(fields[i], 1, 2), string.sub(fields[i], 3)
  if kind == 'n:' then counts[who] = tonumber(fields[i + 1]) elseif kind == 't:' then seen[who] = tonumber(fields[i + 1]) end
end
local total = 0
for who, n in pairs(counts) do
  if seen[who] and now - seen[who] < ttl then
    total = total + n
  else
    redis.call('HDEL', key, 'n:' .. who, 't:' .. who)
  end
end
local last = tonumber(redis.call('HGET', key, 'last') or '-1')
local last_at = tonumber(redis.call('HGET', key, 'last_at') or '0')
local broadcast = 0
if total ~= last and now - last_at >= interval then
  redis.call('HSET', key, 'last', total, 'last_at', now)
  last, broadcast = total, 1
end
redis.call('PEXPIRE', key, ttl * 2)
local unsent = 0
if total ~= last then unsent = 1 end
local peak = math.max(total, tonumber(redis.call('GET', KEYS[2]) or '0'))
redis.call('SET', KEYS[2], peak, 'PX', keep)
for i = 6, #ARGV, 500 do
  redis.call('PFADD', KEYS[3], unpack(ARGV, i, math.min(i + 499, #ARGV)))
end
if #ARGV >= 6 then redis.call('PEXPIRE', KEYS[3], keep) end
return {total, broadcast, unsent, peak, redis.call('PFCOUNT', KEYS[3])}
"""

Applied = tuple[Figures, bool, bool]  # (figures, broadcast now, still unsent)


class RedisCounts:
    """The shared totals in Redis (see the module doc)."""

    def __init__(self, url: str, process: str):
        self.redis = aioredis.Redis.from_url(url)
        self.script = self.redis.register_script(APPLY_SCRIPT)
        self.process = process

    async def apply(self, counts: dict[str, int], seen: dict[str, set[str]], interval_ms: int) -> dict[str, Applied]:
        """Write this process's socket count and newly seen viewers per group; what each group now is."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for group, mine in counts.items():
                await self.script(keys=keys(group), client=pipe, args=[
                    self.process, mine, interval_ms, PROCESS_TTL_MS, FIGURES_TTL_MS, *seen.get(group, ())])
            replies = await pipe.execute()
        return {group: (Figures(int(total), int(peak), int(unique)), bool(broadcast), bool(unsent))
                for group, (total, broadcast, unsent, peak, unique) in zip(counts, replies, strict=True)}


_memory_figures: dict[str, tuple[int, int, set[str]]] = {}  # the embedded default's group -> (total, peak, seen)


class MemoryCounts:
    """The embedded default's totals: one process, so its count is the total."""

    def __init__(self):
        self.last: dict[str, tuple[int, float]] = {}  # group -> (count, monotonic ms) of the last broadcast

    async def apply(self, counts: dict[str, int], seen: dict[str, set[str]], interval_ms: int) -> dict[str, Applied]:
        now, out = time.monotonic() * 1000, {}
        for group, total in counts.items():
            last, last_at = self.last.get(group, (-1, -float("inf")))
            broadcast = total != last and now - last_at >= interval_ms
            if broadcast:
                self.last[group], last = (total, now), total
            _, peak, viewers = _memory_figures.get(group, (0, 0, set()))
            viewers |= seen.get(group, set())
            _memory_figures[group] = (total, max(peak, total), viewers)
            out[group] = (Figures(total, max(peak, total), len(viewers)), broadcast, total != last)
        return out


def figures(group: str) -> Figures:
    """The group's figures as last written by any process (sync: for services and selectors)."""
    if not settings.REDIS_URL:
        total, peak, viewers = _memory_figures.get(group, (0, 0, set()))
        return Figures(total, peak, len(viewers))
    counts, peak, seen = keys(group)
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        with client.pipeline(transaction=False) as pipe:
            pipe.hgetall(counts).get(peak).pfcount(seen)
            fields, top, unique = pipe.execute()
    finally:
        client.close()
    current = sum(int(n) for field, n in fields.items() if field.startswith(b"n:"))
    return Figures(current, max(int(top or 0), current), unique)


def forget(group: str) -> None:
    """Drop the group's figures (its thing ended and they were kept elsewhere)."""
    if not settings.REDIS_URL:
        _memory_figures.pop(group, None)
        return
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.delete(*keys(group))
    finally:
        client.close()


async def publish_count(group: str, event: dict) -> None:
    """Send the count event to the group now (it follows no database write)."""
    try:
        await get_channel_layer().group_send(group, {"type": EVENT_HANDLER, "text": encode(event)})
    except PUBLISH_ERRORS:  # at most once, like every event: the next change sends the count again
        logger.warning("audience: could not publish the count of %s", group, exc_info=True)


class Audiences:
    """This process's audiences: its sockets per group, and the flusher that counts and broadcasts them."""

    def __init__(self, counts: RedisCounts | MemoryCounts, *, interval_ms: int, publish: Publish = publish_count):
        self.counts, self.interval_ms, self.publish = counts, interval_ms, publish
        self.local: dict[str, int] = {}  # group -> this process's sockets
        self.written: dict[str, int] = {}  # group -> what the last flush wrote of them
        self.total: dict[str, int] = {}  # group -> the total the last flush saw (all processes)
        self.unsent: set[str] = set()  # groups whose total has not been broadcast yet
        self.peaks: dict[str, int] = {}  # group -> the peak the last flush saw
        self.seen: dict[str, set[str]] = {}  # group -> viewer ids joined since the last flush
        self.events: dict[str, CountEvent] = {}
        self.stores: dict[str, Store] = {}
        self.flusher: asyncio.Task | None = None

    def join(self, group: str, event: CountEvent, *, viewer: str | None = None, store: Store | None = None) -> None:
        """A socket joined the audience of `group` (no I/O: counted at the next flush). `viewer` (an id)
        counts towards the unique viewers; `store`, if given, gets the figures with each broadcast."""
        self.events[group] = event
        if store is not None:
            self.stores[group] = store
        if viewer is not None:
            self.seen.setdefault(group, set()).add(viewer)
        self.local[group] = self.local.get(group, 0) + 1
        self._wake()

    def leave(self, group: str) -> None:
        self.local[group] = max(0, self.local.get(group, 0) - 1)
        self._wake()

    def count(self, group: str) -> int:
        """The audience as this process knows it now: the last total plus its own changes since."""
        return max(0, self.total.get(group, 0) + self.local.get(group, 0) - self.written.get(group, 0))

    def peak(self, group: str) -> int:
        """The peak as this process knows it now."""
        return max(self.peaks.get(group, 0), self.count(group))

    def _wake(self) -> None:
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self.local or self.unsent:
            await asyncio.sleep(self.interval_ms / 1000)
            await self.flush()

    async def flush(self) -> None:
        """Write every group this process has sockets in, or just left, or has not broadcast; send what is due."""
        counts = {group: self.local.get(group, 0) for group in {*self.local, *self.unsent}}
        seen, self.seen = self.seen, {}
        try:
            results = await self.counts.apply(counts, seen, self.interval_ms)
        except (OSError, aioredis.RedisError):  # Redis away: the counts are absolute, the next flush retries
            logger.warning("audience: could not write counts", exc_info=True)
            for group, viewers in seen.items():  # and the viewers seen go with it
                self.seen.setdefault(group, set()).update(viewers)
            return
        for group, (figures, broadcast, unsent) in results.items():
            self.total[group], self.written[group], self.peaks[group] = figures.current, counts[group], figures.peak
            if broadcast:
                await self._store(group, figures)
                await self.publish(group, self.events[group](figures))
            (self.unsent.add if unsent else self.unsent.discard)(group)
            if not self.local.get(group) and group not in self.unsent:  # nothing of ours left here
                for held in (self.local, self.written, self.total, self.peaks, self.events, self.stores):
                    held.pop(group, None)


    async def _store(self, group: str, figures: Figures) -> None:
        if group in self.stores:
            try:
                await self.stores[group](figures)
            except Exception:  # the app's keeper failed (its database away): the count still goes out
                logger.exception("audience: could not store the figures of %s", group)


_audiences: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Audiences]" = weakref.WeakKeyDictionary()


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def audiences() -> Audiences:
    """This process's audiences (one per event loop, like the channel layer's connections)."""
    loop = asyncio.get_running_loop()
    found = _audiences.get(loop)
    if found is None:
        counts = RedisCounts(settings.REDIS_URL, process_name()) if settings.REDIS_URL else MemoryCounts()
        found = _audiences[loop] = Audiences(counts, interval_ms=settings.AUDIENCE_BROADCAST_MS)
    return found
