"""Where rooms live when there are several relay workers: a small registry in Redis.

Keys (``prefix`` is ``settings.MEDIA_RELAY_REGISTRY_PREFIX``, ``"relay:"`` by default):

* ``<prefix>worker:<id>`` — JSON ``WorkerLoad`` (public URL, rooms, the rooms with a producer, peers, consumers, packets/s,
  CPU %, capacity, heartbeat time), written by the worker every ``HEARTBEAT_SECONDS`` with a
  ``WORKER_TTL`` expiry: a dead worker disappears within 5 s.
* ``<prefix>edges:<room>`` — the set of workers serving the room's viewers as edges (cascading,
  media_relay.sfu.cascade), added to by ``room_viewer_place``, expiring with the placement.
* ``<prefix>granted:<worker id>`` — viewers placed on a worker in the last ``GRANTED_TTL`` s, not yet
  in its heartbeat's peer count (so a burst of grants does not overfill one worker).
* ``<prefix>room:<room>`` — the id of the worker hosting the room. Set by the platform on the
  room's first grant (``SET NX``, on the least-loaded live worker), refreshed by the hosting
  worker's heartbeats, expiring ``PLACEMENT_TTL`` after the last grant or heartbeat. A grant
  that finds the room on a dead worker places it again (compare-and-set, so two grants agree).

The platform side (``room_worker_place``, ``worker_list``, ``placement_list``) uses a
synchronous client; the worker's ``WorkerHeartbeat`` takes its figures on the event loop and
writes them from a thread (``asyncio.to_thread``), so Redis never blocks forwarding.
Without ``REDIS_URL`` there is no registry: one worker per ``MEDIA_RELAY_URL`` entry
(``media_relay.services.relay_url_for``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field

import redis

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
WORKER_TTL = 5  # s: 2 missed heartbeats and a bit
PLACEMENT_TTL = 300  # s: at least a token's lifetime (MEDIA_RELAY_TOKEN_TTL), so a granted room stays put
DEFAULT_CAPACITY = 1000  # audio consumers per core (bench/README.md: ~930-1,370 by CPU)
TARGET_CPU_PERCENT = 80.0  # what the capacity estimate aims to fill
GRANTED_TTL = 2 * int(HEARTBEAT_SECONDS)  # s: a grant shows in the worker's heartbeat by then

# Set KEYS[1] to ARGV[2] (for ARGV[3] s) if it holds ARGV[1] ("" = absent); return what it holds after.
_COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return ARGV[2]
end
return current
"""
# A worker keeps its rooms: refresh the placement if it is ours or gone; leave another worker's alone.
_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0
"""


@dataclass
class WorkerLoad:
    id: str
    url: str
    http_url: str = ""  # its WHIP / WHEP endpoint (media_relay.sfu.whip)
    pipe_url: str = ""  # its signalling endpoint for other workers' pipes (media_relay.sfu.cascade)
    rooms: list[str] = field(default_factory=list)  # rooms it hosts as their origin
    edge_rooms: list[str] = field(default_factory=list)  # rooms it serves as an edge (pipes in)
    publishing: list[str] = field(default_factory=list)  # rooms it hosts that have a producer now
    pipes: int = 0  # pipes out: edges pulling its rooms' producers
    peers: int = 0
    consumers: int = 0
    packets_per_second: float = 0.0
    cpu_percent: float = 0.0
    capacity: int = DEFAULT_CAPACITY  # consumers this worker is estimated to hold
    heartbeat_at: float = 0.0  # unix time

    @property
    def load(self) -> float:
        return self.consumers / max(self.capacity, 1)

    @property
    def heartbeat_age(self) -> float:
        return max(0.0, time.time() - self.heartbeat_at)


@dataclass
class Placement:
    room: str
    worker_id: str
    worker_url: str | None  # None: the worker is gone (the next grant places the room again)


def estimate_capacity(*, consumers: int, cpu_percent: float, default: int = DEFAULT_CAPACITY) -> int:
    """Consumers this worker could hold at TARGET_CPU_PERCENT, extrapolated from what it carries
    now; the measured default while it carries too little to tell."""
    if consumers < 10 or cpu_percent < 5.0:
        return default
    return max(consumers, int(consumers * TARGET_CPU_PERCENT / cpu_percent))


def least_loaded(workers: list[WorkerLoad]) -> WorkerLoad:
    """Lowest consumers/capacity, then fewest peers and rooms (new rooms carry no consumers yet)."""
    return min(workers, key=lambda w: (round(w.load, 2), w.peers, len(w.rooms), w.id))


class Registry:
    def __init__(self, client: redis.Redis, *, prefix: str = "relay:") -> None:
        self.client = client
        self.prefix = prefix
        self._compare_and_set = client.register_script(_COMPARE_AND_SET)
        self._claim = client.register_script(_CLAIM)

    def worker_key(self, worker_id: str) -> str:
        return f"{self.prefix}worker:{worker_id}"

    def room_key(self, room: str) -> str:
        return f"{self.prefix}room:{room}"

    def edges_key(self, room: str) -> str:
        return f"{self.prefix}edges:{room}"

    def granted_key(self, worker_id: str) -> str:
        return f"{self.prefix}granted:{worker_id}"

    # ---------------------------------------------------------------- worker side

    def heartbeat(self, load: WorkerLoad) -> None:
        """Publish the worker's figures and keep its rooms placed on it."""
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self.worker_key(load.id), json.dumps(asdict(load)), ex=WORKER_TTL)
        for room in load.rooms:
            self._claim(keys=[self.room_key(room)], args=[load.id, PLACEMENT_TTL], client=pipe)
        pipe.execute()

    def worker_remove(self, worker_id: str) -> None:
        """A worker shutting down: grants stop sending rooms to it at once."""
        self.client.delete(self.worker_key(worker_id))

    # ---------------------------------------------------------------- platform side

    def worker_list(self) -> list[WorkerLoad]:
        keys = sorted(self.client.scan_iter(match=f"{self.prefix}worker:*", count=200))
        values = self.client.mget(keys) if keys else []
        return [WorkerLoad(**json.loads(value)) for value in values if value is not None]

    def placement_list(self) -> list[Placement]:
        keys = sorted(self.client.scan_iter(match=f"{self.prefix}room:*", count=200))
        worker_ids = self.client.mget(keys) if keys else []
        urls = {worker.id: worker.url for worker in self.worker_list()}
        start = len(self.room_key(""))
        return [
            Placement(room=key.decode()[start:], worker_id=worker_id.decode(), worker_url=urls.get(worker_id.decode()))
            for key, worker_id in zip(keys, worker_ids, strict=True)
            if worker_id is not None
        ]

    def room_worker_place(self, room: str) -> WorkerLoad | None:
        """The live worker hosting ``room``, placing it on the least-loaded one if it has none
        (or its worker is dead). None when no worker is alive."""
        key = self.room_key(room)
        placed = self.client.get(key)
        placed = placed.decode() if placed is not None else ""
        workers = {worker.id: worker for worker in self.worker_list()}
        if placed in workers:
            self.client.expire(key, PLACEMENT_TTL)  # the new token's holder must find the room here
            return workers[placed]
        if not workers:
            return None
        choice = least_loaded(list(workers.values()))
        winner = self._compare_and_set(keys=[key], args=[placed, choice.id, PLACEMENT_TTL]).decode()
        if winner in workers:
            return workers[winner]
        value = self.client.get(self.worker_key(winner))  # a worker that started after our read
        return WorkerLoad(**json.loads(value)) if value is not None else None

    def room_viewer_place(self, room: str, *, cap: int) -> WorkerLoad | None:
        """The worker a viewer of ``room`` (someone who does not publish) goes to: the room's origin
        while it holds fewer than ``cap`` peers; else the least-loaded of the room's edges under the
        cap; else a new edge, the least-loaded other live worker under the cap (its room pulls the
        room's producers from the origin through a pipe); every worker full, the least-loaded
        origin or edge. ``cap`` 0: always the origin (no cascading)."""
        origin = self.room_worker_place(room)
        if origin is None or cap <= 0:
            return origin
        workers = {worker.id: worker for worker in self.worker_list()}
        workers.setdefault(origin.id, origin)
        ids = sorted(workers)
        granted = dict(zip(ids, self.client.mget([self.granted_key(i) for i in ids]), strict=True))
        edge_ids = {e.decode() for e in self.client.smembers(self.edges_key(room))} - {origin.id}
        edges = [workers[e] for e in sorted(edge_ids) if e in workers]

        def under_cap(worker: WorkerLoad) -> bool:
            return worker.peers + int(granted[worker.id] or 0) < cap

        if under_cap(origin):
            choice = origin
        elif open_edges := [edge for edge in edges if under_cap(edge)]:
            choice = least_loaded(open_edges)
        elif others := [w for w in workers.values() if w.id != origin.id and w.id not in edge_ids and under_cap(w)]:
            choice = least_loaded(others)
        else:
            choice = least_loaded([origin, *edges])
        pipe = self.client.pipeline(transaction=False)
        if choice.id != origin.id:
            pipe.sadd(self.edges_key(room), choice.id)
            pipe.expire(self.edges_key(room), PLACEMENT_TTL)
        pipe.incr(self.granted_key(choice.id))
        pipe.expire(self.granted_key(choice.id), GRANTED_TTL)
        pipe.execute()
        return choice

    def room_origin(self, room: str) -> tuple[str, str] | None:
        """(id, pipe URL) of the live worker hosting ``room`` as its origin, without placing it; None if none."""
        placed = self.client.get(self.room_key(room))
        value = self.client.get(self.worker_key(placed.decode())) if placed is not None else None
        if value is None:
            return None
        worker = WorkerLoad(**json.loads(value))
        return (worker.id, worker.pipe_url or worker.url) if worker.pipe_url or worker.url else None




# ------------------------------------------------------------------ the worker's heartbeat


class CpuMeter:
    """This process's CPU use (user + system, % of one core) since the previous reading."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self._last = (self._cpu_seconds(), clock())

    @staticmethod
    def _cpu_seconds() -> float:
        times = os.times()
        return times.user + times.system

    def percent(self) -> float:
        cpu, now = self._cpu_seconds(), self.clock()
        last_cpu, last_now = self._last
        self._last = (cpu, now)
        return 100.0 * (cpu - last_cpu) / (now - last_now) if now > last_now else 0.0


class WorkerHeartbeat:
    """Run by ``run_relay`` next to the relay: every HEARTBEAT_SECONDS, the worker's figures to Redis."""

    def __init__(self, relay, registry: Registry, *, worker_id: str, url: str, http_url: str = "", pipe_url: str = "",
                 capacity: int = DEFAULT_CAPACITY, interval: float = HEARTBEAT_SECONDS) -> None:
        self.relay = relay
        self.registry = registry
        self.worker_id = worker_id
        self.url, self.http_url, self.pipe_url = url, http_url, pipe_url
        self.capacity = capacity
        self.interval = interval
        self.cpu = CpuMeter()
        self._packets: tuple[int, float] | None = None
        self._task: asyncio.Task | None = None

    def load(self) -> WorkerLoad:
        """The figures now (on the relay's event loop: reads its rooms)."""
        rooms = self.relay.stats()["rooms"]
        consumers = sum(room["consumers"] for room in rooms)
        packets, now = sum(room["packets_out"] for room in rooms), time.monotonic()
        rate = 0.0
        if self._packets is not None and now > self._packets[1]:
            # closed consumers take their counts with them: never report a negative rate
            rate = max(0.0, (packets - self._packets[0]) / (now - self._packets[1]))
        self._packets = (packets, now)
        cpu = self.cpu.percent()
        cascade = self.relay.cascade
        edge_rooms = sorted(cascade.pipes) if cascade is not None else []
        pipes = cascade.pipes_out if cascade is not None else 0  # hidden participants, not peers
        return WorkerLoad(
            id=self.worker_id, url=self.url, http_url=self.http_url, pipe_url=self.pipe_url,
            rooms=[room["room"] for room in rooms if room["room"] not in edge_rooms], edge_rooms=edge_rooms,
            publishing=[room["room"] for room in rooms if room["producers"] and room["room"] not in edge_rooms],
            pipes=pipes,
            peers=sum(room["peers"] for room in rooms) - pipes, consumers=consumers, packets_per_second=round(rate, 1),
            cpu_percent=round(cpu, 1), capacity=estimate_capacity(consumers=consumers, cpu_percent=cpu,
                                                                  default=self.capacity),
            heartbeat_at=time.time(),
        )

    async def beat(self) -> None:
        await asyncio.to_thread(self.registry.heartbeat, self.load())

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="relay-heartbeat")

    async def _run(self) -> None:
        while True:
            try:
                await self.beat()
            except redis.RedisError:  # Redis away for a moment: the worker keeps forwarding
                logger.warning("media relay: heartbeat to the registry failed", exc_info=True)
            await asyncio.sleep(self.interval)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            await asyncio.to_thread(self.registry.worker_remove, self.worker_id)
        except redis.RedisError:
            logger.warning("media relay: could not remove worker %s from the registry", self.worker_id)
