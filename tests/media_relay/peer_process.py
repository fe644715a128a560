"""A publishing peer in its own process (so a test can freeze or kill it):
``python -m tests.media_relay.peer_process URL TOKEN ROOM``. Prints ``READY <producer_id>``."""

from __future__ import annotations

import asyncio
import sys

from media_relay.sfu import hooks
from tests.media_relay.peers import RelayClient, ToneTrack


async def main(url: str, token: str, room: str) -> None:
    hooks.restrict_host_addresses(["127.0.0.1"])
    client = RelayClient(url, token, name="child")
    await client.connect()
    await client.join(room)
    reply = await client.publish(ToneTrack(440))
    print(f"READY {reply['producers'][0]['producer_id']}", flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
