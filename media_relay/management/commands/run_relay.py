"""``manage.py run_relay``: one media relay worker (one asyncio loop, one core).

    python manage.py run_relay --host 127.0.0.1 --port 8765 --ice-address 203.0.113.7

Run one per core (see docs/media_relay.md). Settings come from config/settings/webrtc.py
(MEDIA_RELAY_*); the options below override them. Bearer tokens are verified with
media_relay.relay_settings.relay_token_secret(); the platform issues them (POST
/api/v1/rooms/<code>/media-token/, media_relay.services.relay_grant). Rights are answered
from the live rooms and room events are applied at once (media_relay.platform.RoomLink);
``--standalone`` leaves rights to the tokens alone (no database: tests, benchmarks).
With REDIS_URL the worker heartbeats its load to the registry (media_relay.sfu.registry) under
``<hostname>:<port>``, advertising ``--public-url`` (MEDIA_RELAY_PUBLIC_URL, default ws://<host>:<port>/);
each finished recording part goes to media_relay.platform.recording_hand_off (storage + a RecordingPart),
and HLS files to media_relay.platform.hls_write (storage, live/<room>/<session>/).
With the registry the worker also cascades (media_relay.sfu.cascade): a room it opens whose origin is another
live worker becomes an edge room pulling that worker's producers through a pipe; other workers reach its
pipes at MEDIA_RELAY_PIPE_HOST.
WHIP / WHEP (media_relay.sfu.whip) are served on a second port, ``--http-port`` (MEDIA_RELAY_HTTP_PORT,
default 8780; any free port when ``--port 0``); standalone, WHIP refuses every stream key.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket

from django.conf import settings
from django.core.management.base import BaseCommand

from media_relay.platform import (
    RoomLink,
    hls_session_event,
    hls_write,
    platform_stream_key_peer,
    recording_hand_off,
)
from media_relay.relay_metrics import relay_metrics_handler
from media_relay.relay_settings import registry_for_settings, relay_config_from_settings, relay_token_secret
from media_relay.sfu.cascade import Cascade
from media_relay.sfu.conf import RelayConfig
from media_relay.sfu.dtls import p224_certificate_accepted
from media_relay.sfu.registry import WorkerHeartbeat
from media_relay.sfu.relay import Relay
from media_relay.sfu.server import SignallingServer
from media_relay.sfu.whip import WhipServer, no_stream_keys

logger = logging.getLogger(__name__)


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
        parser.add_argument("--http-port", type=int, help="WHIP / WHEP port, 0 for any (MEDIA_RELAY_HTTP_PORT)")
        parser.add_argument("--media-timeout", type=float, help="seconds of media silence after which a peer is gone")
        parser.add_argument("--public-url", help="URL browsers reach this worker at, for the registry (MEDIA_RELAY_PUBLIC_URL)")
        parser.add_argument("--public-http-url",
                            help="URL WHIP/WHEP clients reach this worker at, for the registry (MEDIA_RELAY_PUBLIC_HTTP_URL)")
        parser.add_argument(
            "--standalone", action="store_true", help="rights from the tokens only: no rooms database, no room events"
        )

    def handle(self, *args, **options) -> None:
        config = relay_config_from_settings(
            host=options["host"],
            port=options["port"],
            ice_addresses=options["ice_addresses"],
            media_timeout=options["media_timeout"],
        )
        public_url = options["public_url"] or settings.MEDIA_RELAY_PUBLIC_URL
        public_http_url = options["public_http_url"] or settings.MEDIA_RELAY_PUBLIC_HTTP_URL
        http_port = options["http_port"]
        if http_port is None:
            http_port = 0 if config.port == 0 else settings.MEDIA_RELAY_HTTP_PORT
        asyncio.run(self._run(config, standalone=options["standalone"], public_url=public_url,
                              public_http_url=public_http_url, http_port=http_port))

    async def _run(self, config: RelayConfig, *, standalone: bool, public_url: str, public_http_url: str,
                   http_port: int) -> None:
        if not p224_certificate_accepted():
            logger.error("media relay: OpenSSL refuses P-224 DTLS certificates, so FFmpeg's WHIP muxer cannot "
                         "publish: start the worker with manage.py run_relay, or put the Groups line of "
                         "media_relay/sfu/dtls_groups.cnf in your OPENSSL_CONF (media_relay/sfu/dtls.py)")
        relay = Relay(config)
        relay.on_recording_part = recording_hand_off
        relay.on_hls_write, relay.on_hls_event = hls_write, hls_session_event
        link = None if standalone else RoomLink.for_this_process(relay)
        if link is not None:
            link.start()
        server = SignallingServer(relay, secret=relay_token_secret())
        port = await server.start()
        whip = WhipServer(relay, secret=relay_token_secret(), port=http_port,
                          stream_key_peer=no_stream_keys if standalone else platform_stream_key_peer,
                          metrics=relay_metrics_handler(relay))
        whip_port = await whip.start()
        # machine-readable line for supervisors and tests
        self.stdout.write(f"media relay listening on ws://{server.host}:{port}/", ending="\n")
        self.stdout.write(f"media relay WHIP/WHEP on http://{whip.host}:{whip_port}/", ending="\n")
        self.stdout.flush()
        registry = registry_for_settings()
        heartbeat = None
        if registry is not None:
            worker_id = f"{socket.gethostname()}:{port}"
            relay.cascade = Cascade(relay, worker_id=worker_id, secret=relay_token_secret(),
                                    origin_of=registry.room_origin, host=config.pipe_host)
            heartbeat = WorkerHeartbeat(relay, registry, worker_id=worker_id,
                                        url=public_url or f"ws://{server.host}:{port}/",
                                        http_url=public_http_url or f"http://{whip.host}:{whip_port}/",
                                        pipe_url=f"ws://{config.pipe_host}:{port}/")
            heartbeat.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        if heartbeat is not None:
            await heartbeat.close()
        if link is not None:
            await link.close()
        await whip.close()
        await server.close()
