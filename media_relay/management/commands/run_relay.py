"""``manage.py run_relay``: one media relay worker (one asyncio loop, one core).

    python manage.py run_relay --host 127.0.0.1 --port 8765 --ice-address 203.0.113.7

Run one per core (see docs/media_relay.md). Settings come from config/settings/webrtc.py
(MEDIA_RELAY_*); the options below override them. Bearer tokens are verified with
media_relay.conf.relay_token_secret(); the platform issues them (POST
/api/v1/rooms/<code>/media-token/, media_relay.services.relay_grant). Rights are answered
from the live rooms and room events are applied at once (media_relay.platform.RoomLink);
``--standalone`` leaves rights to the tokens alone (no database: tests, benchmarks).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from django.core.management.base import BaseCommand

from media_relay.conf import RelayConfig, relay_token_secret
from media_relay.platform import RoomLink
from media_relay.relay import Relay
from media_relay.server import SignallingServer


class Command(BaseCommand):
    help = "Run a media relay worker (SFU) with its WebSocket signalling endpoint."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", help="signalling bind address (MEDIA_RELAY_HOST, default 127.0.0.1)")
        parser.add_argument("--port", type=int, help="signalling port, 0 for any (MEDIA_RELAY_PORT, default 8765)")
        parser.add_argument(
            "--ice-address",
            action="append",
            dest="ice_addresses",
            help="address announced as ICE host candidate; repeat for several (MEDIA_RELAY_ICE_ADDRESSES)",
        )
        parser.add_argument("--media-timeout", type=float, help="seconds of media silence after which a peer is gone")
        parser.add_argument(
            "--standalone", action="store_true", help="rights from the tokens only: no rooms database, no room events"
        )

    def handle(self, *args, **options) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        config = RelayConfig.from_settings(
            host=options["host"],
            port=options["port"],
            ice_addresses=options["ice_addresses"],
            media_timeout=options["media_timeout"],
        )
        asyncio.run(self._run(config, standalone=options["standalone"]))

    async def _run(self, config: RelayConfig, *, standalone: bool) -> None:
        relay = Relay(config)
        link = None if standalone else RoomLink.for_this_process(relay)
        if link is not None:
            link.start()
        server = SignallingServer(relay, secret=relay_token_secret())
        port = await server.start()
        # machine-readable line for supervisors and tests
        self.stdout.write(f"media relay listening on ws://{server.host}:{port}/", ending="\n")
        self.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        if link is not None:
            await link.close()
        await server.close()
