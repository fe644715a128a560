"""config/audience.py: a large audience is counted per process and broadcast as one throttled number.

The Redis tests use the suite's Redis (REDIS_URL) with a group name of their own; two Audiences
with different process names stand for two daphne processes sharing it.
"""

import asyncio
import time
import uuid

import pytest
import redis
from django.conf import settings

from config.audience import (
    KEY_PREFIX,
    PROCESS_TTL_MS,
    Audiences,
    Figures,
    MemoryCounts,
    RedisCounts,
    figures,
    forget,
    keys,
)

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
WAIT = 5.0


def counted(figures: Figures) -> dict:
    return {"type": "test.viewers", "op": "counted", "count": figures.current}


class Sent(list):
    async def __call__(self, group, event):
        self.append((group, event["count"]))


async def until(predicate, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.fixture
def group():
    return f"test.audience.{uuid.uuid4().hex}"


@pytest.fixture
def sync_redis(group):
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.delete(*keys(group))
    client.close()


def stop(audience: Audiences) -> None:
    if audience.flusher is not None:
        audience.flusher.cancel()


@pytest.mark.asyncio
async def test_a_storm_of_joins_is_one_broadcast_of_the_total(group):
    sent = Sent()
    audience = Audiences(MemoryCounts(), interval_ms=50, publish=sent)

    for _ in range(1000):
        audience.join(group, counted)

    assert audience.count(group) == 1000  # a new socket's hello knows at once, before any flush
    await until(lambda: sent)
    await asyncio.sleep(0.15)  # a few more flushes: nothing changed, nothing more is sent
    assert sent == [(group, 1000)]
    stop(audience)


@pytest.mark.asyncio
async def test_changes_within_the_interval_wait_and_the_last_one_is_always_sent(group):
    sent = Sent()
    audience = Audiences(MemoryCounts(), interval_ms=60_000, publish=sent)
    audience.join(group, counted)
    stop(audience)  # flushed by hand below

    await audience.flush()
    audience.join(group, counted)
    audience.join(group, counted)
    stop(audience)
    await audience.flush()  # within the interval: held back
    assert sent == [(group, 1)]
    assert group in audience.unsent

    audience.counts.last[group] = (1, -float("inf"))  # the interval has passed
    await audience.flush()
    assert sent == [(group, 1), (group, 3)]
    assert group not in audience.unsent


@pytest.mark.asyncio
async def test_the_last_socket_leaving_sends_zero_and_forgets_the_group(group):
    sent = Sent()
    audience = Audiences(MemoryCounts(), interval_ms=20, publish=sent)
    audience.join(group, counted)
    await until(lambda: sent == [(group, 1)])

    audience.leave(group)
    await until(lambda: sent == [(group, 1), (group, 0)])
    await until(lambda: audience.flusher.done())  # nothing left to count: the flusher ends
    assert group not in audience.local and group not in audience.events


@needs_redis
@pytest.mark.asyncio
async def test_two_processes_share_one_total_and_one_broadcast_per_interval(group, sync_redis):
    sent = Sent()
    first = Audiences(RedisCounts(settings.REDIS_URL, "first"), interval_ms=60_000, publish=sent)
    second = Audiences(RedisCounts(settings.REDIS_URL, "second"), interval_ms=60_000, publish=sent)
    for _ in range(3):
        first.join(group, counted)
    for _ in range(2):
        second.join(group, counted)
    stop(first), stop(second)

    await first.flush()
    await second.flush()

    assert sent == [(group, 3)]  # the second's change is within the interval: held back
    assert second.count(group) == 5 and group in second.unsent
    sync_redis.hset(KEY_PREFIX + group, "last_at", 0)  # the interval has passed
    await second.flush()
    await first.flush()  # sees the total already sent: nothing more
    assert sent == [(group, 3), (group, 5)]
    assert first.count(group) == 5


@needs_redis
@pytest.mark.asyncio
async def test_a_process_that_stopped_writing_no_longer_counts(group, sync_redis):
    sent = Sent()
    now_ms = int(time.time() * 1000)
    sync_redis.hset(KEY_PREFIX + group, mapping={"n:dead": 40, "t:dead": now_ms - PROCESS_TTL_MS - 1000,
                                                 "n:alive": 7, "t:alive": now_ms})
    audience = Audiences(RedisCounts(settings.REDIS_URL, "me"), interval_ms=60_000, publish=sent)
    audience.join(group, counted)
    stop(audience)

    await audience.flush()

    assert sent == [(group, 8)]
    assert not sync_redis.hexists(KEY_PREFIX + group, "n:dead")


@needs_redis
@pytest.mark.asyncio
async def test_a_flush_writes_absolute_counts_so_a_retry_never_counts_twice(group, sync_redis):
    audience = Audiences(RedisCounts(settings.REDIS_URL, "me"), interval_ms=60_000, publish=Sent())
    audience.join(group, counted)
    audience.join(group, counted)
    stop(audience)

    await audience.flush()
    await audience.flush()

    assert int(sync_redis.hget(KEY_PREFIX + group, "n:me")) == 2
    audience.leave(group)
    audience.leave(group)
    stop(audience)
    await audience.flush()
    assert not sync_redis.hexists(KEY_PREFIX + group, "n:me")


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ["redis", "memory"])
async def test_the_peak_is_the_largest_total_and_viewers_seen_are_counted_once(group, request, settings, backend):
    if backend == "redis" and not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL)")
    if backend == "redis":
        request.getfixturevalue("sync_redis")  # deletes the group's keys afterwards
    else:
        settings.REDIS_URL = ""
    counts = RedisCounts(settings.REDIS_URL, "me") if backend == "redis" else MemoryCounts()
    audience = Audiences(counts, interval_ms=0, publish=Sent())
    for viewer in ("a", "b", "a"):
        audience.join(group, counted, viewer=viewer)
    stop(audience)
    await audience.flush()
    assert audience.seen == {}  # sent with the write, not kept
    audience.leave(group)
    audience.join(group, counted, viewer="c")
    audience.leave(group)
    stop(audience)
    await audience.flush()

    assert figures(group) == (2, 3, 3) and audience.peak(group) == 3
    forget(group)
    assert figures(group) == (0, 0, 0)
