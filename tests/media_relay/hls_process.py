"""A relay worker writing HLS into Django's default storage, in its own process:
``python -m tests.media_relay.hls_process SECRET ROOM`` (MEDIA_ROOT from the environment).

Prints ``READY <port>``; writes room ROOM as HLS (media_relay.platform.hls_write: storage under
``live/<room>/<session>/``) from the room's first join until SIGTERM, then stops the egress (the
playlists are finalized) and prints one JSON line: the sessions' events, in order.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import django

django.setup()

from media_relay.platform import hls_write  # noqa: E402
from media_relay.sfu.conf import RelayConfig  # noqa: E402
from media_relay.sfu.relay import Relay  # noqa: E402
from media_relay.sfu.server import SignallingServer  # noqa: E402


async def main(secret: bytes, room: str) -> None:
    relay = Relay(RelayConfig(host="127.0.0.1", port=0, ice_addresses=["127.0.0.1"]))
    events = []
    relay.on_hls_write = hls_write
    relay.on_hls_event = lambda **event: events.append(event)
    server = SignallingServer(relay, secret=secret)
    print(f"READY {await server.start()}", flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    while not stop.is_set():
        if room in relay.rooms and room not in relay.hls:
            relay.start_hls(room, tag="1")
        try:
            await asyncio.wait_for(stop.wait(), 0.05)
        except TimeoutError:
            pass
    await relay.stop_hls(room)
    await server.close()
    print(json.dumps({"events": events}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1].encode(), sys.argv[2]))
