"""WebRTC: the media relay (manage.py run_relay, docs/media_relay.md) and the ICE servers browsers get."""

from config.env import VAR_DIR, env

from .base import DEBUG

# The public ws:// or wss:// URL browsers use to reach the relay's signalling endpoint. Several workers
# (one per core): their URLs, comma-separated, in the same order everywhere; a room always goes to
# the same worker (room id modulo the number of URLs).
MEDIA_RELAY_URL = env("MEDIA_RELAY_URL", default="ws://127.0.0.1:8765/")
# Signs the relay's bearer tokens (platform issues, relay verifies); empty: derived from SECRET_KEY.
MEDIA_RELAY_TOKEN_SECRET = env("MEDIA_RELAY_TOKEN_SECRET", default="")
MEDIA_RELAY_TOKEN_TTL = env.int("MEDIA_RELAY_TOKEN_TTL", default=300)
# WHIP (publish) / WHEP (play) HTTP endpoints of the same workers, in the same order (docs/media_relay.md).
MEDIA_RELAY_HTTP_URL = env("MEDIA_RELAY_HTTP_URL", default="http://127.0.0.1:8780/")

# The worker (run_relay; its command-line options override these).
MEDIA_RELAY_HOST = env("MEDIA_RELAY_HOST", default="127.0.0.1")
MEDIA_RELAY_PORT = env.int("MEDIA_RELAY_PORT", default=8765)
MEDIA_RELAY_HTTP_PORT = env.int("MEDIA_RELAY_HTTP_PORT", default=8780)  # WHIP / WHEP (aiohttp), same host
# Addresses announced as ICE host candidates (e.g. the public IP); empty: every interface but loopback.
MEDIA_RELAY_ICE_ADDRESSES = env.list("MEDIA_RELAY_ICE_ADDRESSES", default=[])
MEDIA_RELAY_MEDIA_TIMEOUT = env.float("MEDIA_RELAY_MEDIA_TIMEOUT", default=10.0)
MEDIA_RELAY_HEARTBEAT = env.float("MEDIA_RELAY_HEARTBEAT", default=1.0)
MEDIA_RELAY_MAX_ROOM_PEERS = env.int("MEDIA_RELAY_MAX_ROOM_PEERS", default=300)
# Whether the relay may send to peers' private addresses (LAN, loopback): development only.
MEDIA_RELAY_ALLOW_PRIVATE_PEERS = env.bool("MEDIA_RELAY_ALLOW_PRIVATE_PEERS", default=DEBUG)
# Kernel receive buffer asked for on each ICE socket (Linux caps it at net.core.rmem_max: raise that
# sysctl to match on relay hosts; docs/operations.md).
MEDIA_RELAY_SOCKET_BUFFER = env.int("MEDIA_RELAY_SOCKET_BUFFER", default=4 * 1024 * 1024)
# With REDIS_URL: workers register in Redis and rooms are placed on the least-loaded one
# (media_relay.sfu.registry). The URL a worker advertises there (default ws://<host>:<port>/) and the key prefix.
MEDIA_RELAY_PUBLIC_URL = env("MEDIA_RELAY_PUBLIC_URL", default="")
MEDIA_RELAY_PUBLIC_HTTP_URL = env("MEDIA_RELAY_PUBLIC_HTTP_URL", default="")  # its WHIP / WHEP (default http://<host>:<http port>/)
MEDIA_RELAY_REGISTRY_PREFIX = env("MEDIA_RELAY_REGISTRY_PREFIX", default="relay:")
# Cascading (with REDIS_URL; docs/media_relay.md, "Cascading"): a viewer (no publish right) goes to the room's
# origin worker while it holds fewer peers than this, then to edge workers that pull the room's producers
# through a pipe; 0: no cascading (every peer on the origin).
MEDIA_RELAY_VIEWERS_PER_WORKER = env.int("MEDIA_RELAY_VIEWERS_PER_WORKER", default=0)
# The address other workers reach this worker's pipes at (its signalling port over TCP, pipe RTP over UDP);
# empty: MEDIA_RELAY_HOST (127.0.0.1 when that is 0.0.0.0). A private-network address across hosts.
MEDIA_RELAY_PIPE_HOST = env("MEDIA_RELAY_PIPE_HOST", default="")
# Where a worker writes recording parts before handing them to storage (media_relay.sfu.egress); local disk.
MEDIA_RELAY_RECORDING_DIR = env("MEDIA_RELAY_RECORDING_DIR", default=str(VAR_DIR / "recordings"))

# Live streams' viewers (streams.playback; docs/streams.md, "Watching: WebRTC and HLS").
# STREAMS_HLS: "always" writes every live stream as HLS from its go-live (stream copy for H.264 publishers:
# OBS, WHIP, RTMP; a VP8 browser publisher costs a libx264 transcode, about a core at most), so viewers whose
# network blocks WebRTC, viewers past the cap and thumbnails have it at once; "on_demand" starts it when
# a first viewer needs it (past the cap, or a WebRTC failure), a few seconds later for that viewer.
STREAMS_HLS = env("STREAMS_HLS", default="always")
# STREAMS_RECORD: every live stream is recorded from its first packet (its HLS output on from the go-live,
# whatever STREAMS_HLS says): the HLS session is the VOD's source rendition (vods, docs/vods.md).
STREAMS_RECORD = env.bool("STREAMS_RECORD", default=True)
# VODs' renditions job (vods.processing): how long it waits for the relay to finalize the recording's last
# HLS session after the stream ended, how many times one file's upload is tried before the job is retried
# by Celery, and after how long a job whose worker vanished may be retried (admin, the host's dashboard).
VODS_SOURCE_WAIT_SECONDS = env.int("VODS_SOURCE_WAIT_SECONDS", default=120)
VODS_UPLOAD_ATTEMPTS = env.int("VODS_UPLOAD_ATTEMPTS", default=4)
VODS_CLAIM_STALE_SECONDS = env.int("VODS_CLAIM_STALE_SECONDS", default=3600)
# Past this many current viewers, further viewers get HLS instead of WebRTC; 0: no cap.
STREAMS_WEBRTC_VIEWER_CAP = env.int("STREAMS_WEBRTC_VIEWER_CAP", default=500)
# A viewer whose WebRTC transport has not connected after this many seconds falls back to HLS.
STREAMS_WEBRTC_TIMEOUT_SECONDS = env.int("STREAMS_WEBRTC_TIMEOUT_SECONDS", default=8)
# A live stream whose publisher (browser, WHIP, RTMP) has been gone this long ends (needs the relay registry).
STREAMS_PUBLISHER_GRACE_SECONDS = env.int("STREAMS_PUBLISHER_GRACE_SECONDS", default=60)

# ICE servers handed to browsers with each relay token. The relay itself needs none (public address).
WEBRTC_STUN_URLS = env.list("WEBRTC_STUN_URLS", default=[])
# coturn with `use-auth-secret` + `static-auth-secret=<WEBRTC_TURN_SECRET>` (REST API credentials);
# TURN is offered only when both the URLs and the secret are set.
WEBRTC_TURN_URLS = env.list("WEBRTC_TURN_URLS", default=[])
WEBRTC_TURN_SECRET = env("WEBRTC_TURN_SECRET", default="")
# Lifetime of a TURN credential (s). coturn re-checks it on every allocation refresh, so it bounds a call's length
# through TURN unless the client fetches a new token and restarts ICE.
WEBRTC_TURN_TTL = env.int("WEBRTC_TURN_TTL", default=3600)
