"""What the platform hands a browser so it can talk through the relay: a token, the URL, ICE servers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime

from django.conf import settings

from accounts.models import User
from rooms.models import Room

from .conf import relay_token_secret
from .registry import registry_for_settings
from .selectors import media_permissions, relay_room_name, voice_member_get
from .tokens import issue_token


def turn_credentials(*, user_id: int, secret: str, ttl: int, now: float) -> dict[str, str]:
    """coturn's REST-API scheme (`use-auth-secret`): username "<unix expiry>:<user id>",
    credential base64(HMAC-SHA1(secret, username))."""
    username = f"{int(now) + ttl}:{user_id}"
    credential = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    return {"username": username, "credential": credential}


def ice_servers_for(*, user: User, now: float) -> list[dict]:
    """RTCPeerConnection's iceServers: STUN as configured, TURN (with this user's short-lived
    credentials) only when both its URLs and its secret are set."""
    servers: list[dict] = []
    if settings.WEBRTC_STUN_URLS:
        servers.append({"urls": list(settings.WEBRTC_STUN_URLS)})
    if settings.WEBRTC_TURN_URLS and settings.WEBRTC_TURN_SECRET:
        servers.append({
            "urls": list(settings.WEBRTC_TURN_URLS),
            **turn_credentials(user_id=user.pk, secret=settings.WEBRTC_TURN_SECRET, ttl=settings.WEBRTC_TURN_TTL,
                               now=now),
        })
    return servers


def relay_url_for(*, room_id: int) -> str:
    """The worker that hosts a room: MEDIA_RELAY_URL lists one URL per worker (see config/settings/webrtc.py)."""
    urls = [url.strip() for url in settings.MEDIA_RELAY_URL.split(",") if url.strip()]
    return urls[room_id % len(urls)]


def relay_worker_url(*, room: str, room_id: int) -> str:
    """With Redis (REDIS_URL): the worker the registry has the room on, placing it on the least-loaded
    live worker on its first grant (media_relay.registry). Embedded, or no worker alive: relay_url_for."""
    registry = registry_for_settings()
    worker = registry.room_worker_place(room) if registry is not None else None
    return worker.url if worker is not None else relay_url_for(room_id=room_id)


def relay_grant(*, user: User, room: Room) -> dict:
    """A bearer token for the relay room of `room` with the member's current rights.

    Raises 410 for a closed room, 403 for a non-member (banned: room_banned). The relay
    re-checks rights against the live room (media_relay.platform), so the token's perms are
    what the client may expect at the start, not a licence for the token's lifetime.
    """
    member = voice_member_get(room=room, user=user)
    now = time.time()
    ttl = settings.MEDIA_RELAY_TOKEN_TTL
    name = relay_room_name(room.pk)
    perms = media_permissions(room=room, member=member)
    token = issue_token(
        secret=relay_token_secret(), room=name, peer=str(user.pk), name=user.name,
        perms=perms, ttl=ttl, now=now,
    )
    return {
        "url": relay_worker_url(room=name, room_id=room.pk),
        "token": token,
        "room": name,
        "perms": sorted(perms),
        "ice_servers": ice_servers_for(user=user, now=now),
        "expires_at": datetime.fromtimestamp(int(now) + ttl, tz=UTC),
    }
