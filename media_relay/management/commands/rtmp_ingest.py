"""``manage.py rtmp_ingest``: RTMP ingest (``rtmp://<host>/live/<stream key>``) into the media relay.

    python manage.py rtmp_ingest --host 0.0.0.0 --port 1935

Each publisher's stream key is checked as WHIP checks it (media_relay.platform.platform_rtmp_whip_url)
and its stream is published over WHIP to the relay worker hosting its room (media_relay.sfu.rtmp:
H.264 passed through when WebRTC can carry it, AAC made Opus). One process serves up to
``--max-publishers`` publishers (one demuxing thread each); run more behind a TCP load balancer.
``--ice-address`` limits the ICE host candidates this process offers the relay (127.0.0.1 when the
relay runs on the same host with loopback ICE, as in Procfile.dev).
"""

from __future__ import annotations

import asyncio
import signal

from django.core.management.base import BaseCommand

from media_relay.platform import platform_rtmp_whip_url
from media_relay.sfu import hooks
from media_relay.sfu.rtmp import MAX_PUBLISHERS, RtmpIngest


class Command(BaseCommand):
    help = "Receive RTMP publishers (OBS) and publish them into the media relay."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="0.0.0.0", help="bind address (default 0.0.0.0)")
        parser.add_argument("--port", type=int, default=1935, help="RTMP port (default 1935)")
        parser.add_argument("--max-publishers", type=int, default=MAX_PUBLISHERS)
        parser.add_argument("--ice-address", action="append", dest="ice_addresses",
                            help="ICE host candidate address offered to the relay; repeat for several")

    def handle(self, *args, **options) -> None:
        if options["ice_addresses"]:
            hooks.restrict_host_addresses(options["ice_addresses"])
        asyncio.run(self._run(options["host"], options["port"], options["max_publishers"]))

    async def _run(self, host: str, port: int, max_publishers: int) -> None:
        ingest = RtmpIngest(authenticate=platform_rtmp_whip_url, host=host, port=port, max_publishers=max_publishers)
        bound = await ingest.start()
        self.stdout.write(f"rtmp ingest listening on rtmp://{host}:{bound}/live/<stream key>", ending="\n")
        self.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await ingest.close()
