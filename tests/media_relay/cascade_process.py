"""A cascading relay worker in its own process, registered in Redis like ``run_relay`` (without Django):
``python -m tests.media_relay.cascade_process SECRET REDIS_URL PREFIX``.

Prints ``READY <port> <worker id>`` once listening and heartbeating (every 0.2 s); on SIGTERM it
prints one JSON line with the codec audit (objects created, decode/encode calls in *this*
process) and exits.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from tests.media_relay import codec_audit

AUDIT = codec_audit.install()  # before aiortc creates anything

import redis  # noqa: E402

from media_relay.sfu import hooks  # noqa: E402
from media_relay.sfu.cascade import Cascade  # noqa: E402
from media_relay.sfu.conf import RelayConfig  # noqa: E402
from media_relay.sfu.registry import Registry, WorkerHeartbeat  # noqa: E402
from media_relay.sfu.relay import Relay  # noqa: E402
from media_relay.sfu.server import SignallingServer  # noqa: E402


async def main(secret: bytes, redis_url: str, prefix: str) -> None:
    hooks.restrict_host_addresses(["127.0.0.1"])
    config = RelayConfig(host="127.0.0.1", port=0, ice_addresses=["127.0.0.1"], speaker_interval=0.1,
                         pipe_host="127.0.0.1")
    relay = Relay(config)
    server = SignallingServer(relay, secret=secret)
    port = await server.start()
    worker_id = f"test-worker:{port}"
    registry = Registry(redis.Redis.from_url(redis_url), prefix=prefix)
    relay.cascade = Cascade(relay, worker_id=worker_id, secret=secret, origin_of=registry.room_origin,
                            host=config.pipe_host)
    url = f"ws://127.0.0.1:{port}/"
    heartbeat = WorkerHeartbeat(relay, registry, worker_id=worker_id, url=url, pipe_url=url, interval=0.2)
    await heartbeat.beat()
    heartbeat.start()
    print(f"READY {port} {worker_id}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await heartbeat.close()
    await server.close()
    print(json.dumps({"audit": dict(AUDIT)}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1].encode(), sys.argv[2], sys.argv[3]))
