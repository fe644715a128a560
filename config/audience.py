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

Where the total lives:
- Redis (REDIS_URL set): one hash per group, `audience:<group>`, with a field per process
  (`n:<process>`: its sockets, written as an absolute number, so a retry never counts twice;
  `t:<process>`: when it last wrote, Redis's clock) and the last broadcast (`last`, `last_at`).
  One Lua script writes a process's count, drops the counts of processes silent for
  PROCESS_TTL_MS (a process that died without a goodbye), sums the rest and decides, atomically,
  whether this call broadcasts. The calls of one flush go in one pipeline.
- Memory (the embedded default, one process): the same rules in a dict.

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

from channels.layers import get_channel_layer
from django.conf import settings
from redis import asyncio as aioredis

from config.realtime import EVENT_HANDLER, PUBLISH_ERRORS, encode

logger = logging.getLogger(__name__)

PROCESS_TTL_MS = 30_000  # a process that has not written its counts for this long is presumed dead
KEY_PREFIX = "audience:"

CountEvent = Callable[[int], dict]  # the app's event builder: count -> event
Publish = Callable[[str, dict], Awaitable[None]]  # (group, event)

# KEYS[1] the group's hash; ARGV: process, its sockets, interval ms, process ttl ms.
# Returns {total, broadcast (1/0), unsent (1/0: the total differs from the last broadcast)}.
APPLY_SCRIPT = """
local key, me, mine = KEYS[1], ARGV[1], tonumber(ARGV[2])
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
return {total, broadcast, unsent}
"""


class RedisCounts:
    """The shared totals in Redis (see the module doc)."""

    def __init__(self, url: str, process: str):
        self.redis = aioredis.Redis.from_url(url)
        self.script = self.redis.register_script(APPLY_SCRIPT)
        self.process = process

    async def apply(self, counts: dict[str, int], interval_ms: int) -> dict[str, tuple[int, bool, bool]]:
        """Write this process's socket count per group; (total, broadcast now, still unsent) per group."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for group, mine in counts.items():
                await self.script(keys=[KEY_PREFIX + group], args=[self.process, mine, interval_ms, PROCESS_TTL_MS],
                                  client=pipe)
            replies = await pipe.execute()
        return {group: (int(total), bool(broadcast), bool(unsent))
                for group, (total, broadcast, unsent) in zip(counts, replies, strict=True)}


class MemoryCounts:
    """The embedded default's totals: one process, so its count is the total."""

    def __init__(self):
        self.last: dict[str, tuple[int, float]] = {}  # group -> (count, monotonic ms) of the last broadcast

    async def apply(self, counts: dict[str, int], interval_ms: int) -> dict[str, tuple[int, bool, bool]]:
        now, out = time.monotonic() * 1000, {}
        for group, total in counts.items():
            last, last_at = self.last.get(group, (-1, -float("inf")))
            broadcast = total != last and now - last_at >= interval_ms
            if broadcast:
                self.last[group], last = (total, now), total
            out[group] = (total, broadcast, total != last)
        return out


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
        self.events: dict[str, CountEvent] = {}
        self.flusher: asyncio.Task | None = None

    def join(self, group: str, event: CountEvent) -> None:
        """A socket joined the audience of `group` (no I/O: counted at the next flush)."""
        self.events[group] = event
        self.local[group] = self.local.get(group, 0) + 1
        self._wake()

    def leave(self, group: str) -> None:
        self.local[group] = max(0, self.local.get(group, 0) - 1)
        self._wake()

    def count(self, group: str) -> int:
        """The audience as this process knows it now: the last total plus its own changes since."""
        return max(0, self.total.get(group, 0) + self.local.get(group, 0) - self.written.get(group, 0))

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
        try:
            results = await self.counts.apply(counts, self.interval_ms)
        except (OSError, aioredis.RedisError):  # Redis away: the counts are absolute, the next flush retries
            logger.warning("audience: could not write counts", exc_info=True)
            return
        for group, (total, broadcast, unsent) in results.items():
            self.total[group], self.written[group] = total, counts[group]
            if broadcast:
                await self.publish(group, self.events[group](total))
            (self.unsent.add if unsent else self.unsent.discard)(group)
            if not self.local.get(group) and group not in self.unsent:  # nothing of ours left here
                for held in (self.local, self.written, self.total, self.events):
                    held.pop(group, None)


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
