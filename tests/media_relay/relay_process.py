"""A relay worker in its own process, with codec auditing: ``python -m tests.media_relay.relay_process SECRET [KEY]``.

Prints ``READY <port>`` once listening; with a stream KEY it also serves WHIP / WHEP
(media_relay.sfu.whip; KEY publishes as peer ``whip`` in room ``tone``) and prints
``HTTP <port>`` first. On SIGTERM it prints one JSON line with the
codec audit (objects created, decode/encode/pack calls in *this* process) and the
most packets it had forwarded, then exits.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from media_relay.sfu.dtls import use_dtls_groups

use_dtls_groups()  # as manage.py run_relay does, before aiortc loads OpenSSL

from tests.media_relay import codec_audit  # noqa: E402

AUDIT = codec_audit.install()  # before aiortc creates anything

from media_relay.sfu.conf import RelayConfig  # noqa: E402
from media_relay.sfu.relay import Relay  # noqa: E402
from media_relay.sfu.server import SignallingServer  # noqa: E402


async def main(secret: bytes, stream_key: str | None = None) -> None:
    config = RelayConfig(host="127.0.0.1", port=0, ice_addresses=["127.0.0.1"], speaker_interval=0.1)
    relay = Relay(config)
    server = SignallingServer(relay, secret=secret)
    port = await server.start()
    whip = await start_whip(relay, secret, stream_key) if stream_key else None
    print(f"READY {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    peak = {"packets_in": 0, "packets_out": 0}
    while not stop.is_set():
        for room in relay.stats()["rooms"]:
            for key in peak:
                peak[key] = max(peak[key], room[key])
        try:
            await asyncio.wait_for(stop.wait(), 0.1)
        except TimeoutError:
            pass
    if whip is not None:
        await whip.close()
    await server.close()
    print(json.dumps({"audit": dict(AUDIT), "forwarded": peak}), flush=True)


async def start_whip(relay, secret: bytes, stream_key: str):
    import django

    django.setup()  # media_relay.sfu.whip imports the stream-key models (the key check below needs no database)
    from media_relay.errors import RelayError, RelayErrorCode
    from media_relay.sfu.signalling import PeerInfo
    from media_relay.sfu.whip import WhipServer

    async def check(key: str) -> PeerInfo:
        if key != stream_key:
            raise RelayError(RelayErrorCode.UNAUTHORIZED, "Invalid stream key.")
        return PeerInfo(peer_id="whip", room="tone", name="OBS", permissions=frozenset({"join", "publish_audio"}))

    whip = WhipServer(relay, secret=secret, stream_key_peer=check, host="127.0.0.1")
    print(f"HTTP {await whip.start()}", flush=True)
    return whip


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1].encode(), *sys.argv[2:]))
