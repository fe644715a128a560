"""Channels: Redis pub/sub layer when REDIS_URL is set, in-memory otherwise."""

from config.env import env

from .base import REDIS_URL

# The fast path (config/fanout.py, config/daphne_ws.py) writes group events straight to daphne's
# sockets and sends close reasons daphne would drop; it relies on private internals of daphne,
# autobahn, Twisted and channels_redis (pinned together in requirements.txt). Off, the platform
# runs on the stock RedisPubSubChannelLayer and stock daphne (close codes arrive, reasons do not).
WS_FAST_PATH = env.bool("WS_FAST_PATH", default=True)

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub, plus one-pass local fan-out on the fast path.
            "BACKEND": "config.fanout.FanoutChannelLayer" if WS_FAST_PATH
            else "channels_redis.pubsub.RedisPubSubChannelLayer",
            # The prefix of every Redis pub/sub channel name: pub/sub ignores the database number,
            # so processes sharing a Redis (parallel test workers) keep apart by prefix.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("CHANNEL_LAYER_PREFIX", default="asgi")},
        }
    }
else:
    # One process only (the embedded default runs a single daphne).
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}}

# WebSocket limits enforced by config.ws.BaseConsumer (see docs/realtime.md).
WS_MAX_MESSAGE_BYTES = env.int("WS_MAX_MESSAGE_BYTES", default=16 * 1024)
WS_RATE_BURST = env.int("WS_RATE_BURST", default=30)
WS_RATE_PER_SECOND = env.float("WS_RATE_PER_SECOND", default=10.0)
# A connection not heard from for this long no longer counts as presence.
PRESENCE_STALE_SECONDS = env.int("PRESENCE_STALE_SECONDS", default=90)
# A large audience's count (config/audience.py) is broadcast to its group at most this often.
AUDIENCE_BROADCAST_MS = env.int("AUDIENCE_BROADCAST_MS", default=2000)
