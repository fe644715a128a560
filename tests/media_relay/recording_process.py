"""A relay worker that records, in its own process with codec auditing:
``python -m tests.media_relay.recording_process SECRET DIRECTORY PRODUCERS``.

Prints ``READY <port>``; records room "tone" into DIRECTORY from the moment it has PRODUCERS producers
until SIGTERM, then prints one JSON line: the codec audit of *this* process and the recording
(its parts as handed off, seconds between start and stop).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
import sys

from tests.media_relay import codec_audit

AUDIT = codec_audit.install()  # before aiortc creates anything

from media_relay.sfu.conf import RelayConfig  # noqa: E402
from media_relay.sfu.relay import Relay  # noqa: E402
from media_relay.sfu.server import SignallingServer  # noqa: E402


async def main(secret: bytes, directory: str, producers: int) -> None:
    relay = Relay(RelayConfig(host="127.0.0.1", port=0, ice_addresses=["127.0.0.1"]))
    parts = []
    relay.on_recording_part = lambda room, tag, part: parts.append(dataclasses.asdict(part) | {"tag": tag})
    server = SignallingServer(relay, secret=secret)
    print(f"READY {await server.start()}", flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    started = None
    while not stop.is_set():
        router = relay.rooms.get("tone")
        if started is None and router is not None and len(router.producers) >= producers:
            relay.start_recording("tone", directory=directory, tag="7")
            started = loop.time()
        try:
            await asyncio.wait_for(stop.wait(), 0.05)
        except TimeoutError:
            pass
    recording = {}
    if started is not None:
        await relay.stop_recording("tone")
        recording = {"parts": parts, "seconds": loop.time() - started}
    await server.close()
    print(json.dumps({"audit": dict(AUDIT), "recording": recording}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1].encode(), sys.argv[2], int(sys.argv[3])))
