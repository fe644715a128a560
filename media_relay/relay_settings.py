"""The relay core's settings, token secret and registry, read from Django settings (config/settings/webrtc.py).

The core (media_relay/sfu) never reads Django settings itself; run_relay and the platform side build
what it needs here. Without Django (the core's own tests, benchmarks) build ``RelayConfig(...)`` directly.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

import redis
from django.conf import settings

from .sfu.conf import RelayConfig
from .sfu.registry import Registry


def relay_config_from_settings(**overrides) -> RelayConfig:
    """The worker's settings from Django settings; ``overrides`` that are not None win (CLI options)."""
    values = {
        "host": settings.MEDIA_RELAY_HOST,
        "port": settings.MEDIA_RELAY_PORT,
        "ice_addresses": list(settings.MEDIA_RELAY_ICE_ADDRESSES),
        "media_timeout": settings.MEDIA_RELAY_MEDIA_TIMEOUT,
        "heartbeat_interval": settings.MEDIA_RELAY_HEARTBEAT,
        "max_room_peers": settings.MEDIA_RELAY_MAX_ROOM_PEERS,
        "allow_private_peers": settings.MEDIA_RELAY_ALLOW_PRIVATE_PEERS,
        "socket_buffer_bytes": settings.MEDIA_RELAY_SOCKET_BUFFER,
    }
    values.update({name: value for name, value in overrides.items() if value is not None})
    values["pipe_host"] = settings.MEDIA_RELAY_PIPE_HOST or (
        "127.0.0.1" if values["host"] in ("0.0.0.0", "::", "") else values["host"]
    )
    return RelayConfig(**values)


def relay_token_secret() -> bytes:
    """The secret shared by the platform (issuing tokens) and the relay (verifying them).

    settings.MEDIA_RELAY_TOKEN_SECRET, else a key derived from Django's SECRET_KEY (so a
    single-host deployment needs no extra setting).
    """
    if settings.MEDIA_RELAY_TOKEN_SECRET:
        return settings.MEDIA_RELAY_TOKEN_SECRET.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"media_relay.tokens", hashlib.sha256).digest()


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def registry_for_settings() -> Registry | None:
    """The registry the settings ask for: None in the embedded default (no REDIS_URL)."""
    if not settings.REDIS_URL:
        return None
    return Registry(_client(settings.REDIS_URL), prefix=settings.MEDIA_RELAY_REGISTRY_PREFIX)
