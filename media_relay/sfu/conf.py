"""Relay settings: one dataclass. Inside the project media_relay.relay_settings fills it from Django
settings (config/settings/webrtc.py):

Django settings (each read from the environment variable of the same name, see .env.example):

  MEDIA_RELAY_HOST               signalling bind address            127.0.0.1
  MEDIA_RELAY_PORT               signalling port                    8765
  MEDIA_RELAY_ICE_ADDRESSES      comma-separated ICE host addresses  (every interface but loopback)
  MEDIA_RELAY_TOKEN_SECRET       HMAC secret for bearer tokens       derived from Django's SECRET_KEY
  MEDIA_RELAY_MEDIA_TIMEOUT      seconds of media silence = vanished 10
  MEDIA_RELAY_HEARTBEAT          signalling ping interval (s)        1
  MEDIA_RELAY_MAX_ROOM_PEERS     peers per room                      300
  MEDIA_RELAY_PIPE_HOST          address other workers pipe to       MEDIA_RELAY_HOST (127.0.0.1 for 0.0.0.0)
  MEDIA_RELAY_SOCKET_BUFFER      receive buffer per ICE socket (B)   4194304 (capped by net.core.rmem_max)

``run_relay``'s command-line options override them. Without Django (the relay core's own
tests, benchmarks) build ``RelayConfig(...)`` directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RelayConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    # cascading (media_relay.sfu.cascade): the address other workers reach this one's pipes at
    pipe_host: str = "127.0.0.1"
    # ICE host candidates the relay announces; empty = aioice's default (all but loopback)
    ice_addresses: list[str] = field(default_factory=list)
    # False in production: peers' private candidates are ignored (media_relay.sfu.candidates)
    allow_private_peers: bool = True
    # kernel receive buffer of each ICE socket (hooks.enlarge_socket_buffers; capped by net.core.rmem_max)
    socket_buffer_bytes: int = 4 * 1024 * 1024
    # signalling
    max_message_bytes: int = 128 * 1024  # bigger: an error frame, the connection stays
    max_frame_bytes: int = 1024 * 1024  # bigger: the WebSocket closes (1009), that peer only
    max_sdp_chars: int = 100_000
    messages_per_second: float = 30.0
    message_burst: int = 60
    heartbeat_interval: float = 1.0  # WebSocket ping; a peer that stops answering is gone
    heartbeat_timeout: float = 2.0  # after interval + timeout + close_timeout seconds
    close_timeout: float = 1.0
    outbound_queue: int = 512  # events waiting for a slow peer before it is dropped
    # room limits
    max_room_peers: int = 300
    max_producers_per_peer: int = 4
    max_consumers_per_peer: int = 64
    # media
    media_timeout: float = 10.0  # a transport that carried media and then went silent this long
    speaker_interval: float = 0.3
    keyframe_request_interval: float = 0.3  # at most one PLI per producer per interval (PLI storms)
    video_history_packets: int = 1024
    video_history_seconds: float = 1.0
