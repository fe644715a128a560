"""What the platform hands a browser so it can talk through the relay: a token, the URL, ICE servers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime

from django.conf import settings

from accounts.models import User
from config.realtime import publish_on_commit
from rooms.models import Room, RoomMember

from .events import relay_group, rights_changed
from .relay_settings import registry_for_settings, relay_token_secret
from .selectors import media_permissions, relay_room_name, voice_member_get
from .sfu.actions import Action
from .sfu.registry import WorkerLoad
from .sfu.tokens import issue_token, session_fingerprint


def turn_credentials(*, user_id: int | str, secret: str, ttl: int, now: float) -> dict[str, str]:
    """coturn's REST-API scheme (`use-auth-secret`): username "<unix expiry>:<user id>",
    credential base64(HMAC-SHA1(secret, username))."""
    username = f"{int(now) + ttl}:{user_id}"
    credential = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    return {"username": username, "credential": credential}


def ice_servers_for(*, peer: str, now: float) -> list[dict]:
    """RTCPeerConnection's iceServers: STUN as configured, TURN (with this peer's short-lived
    credentials: a user id, or an anonymous viewer's id) only when both its URLs and its secret are set."""
    servers: list[dict] = []
    if settings.WEBRTC_STUN_URLS:
        servers.append({"urls": list(settings.WEBRTC_STUN_URLS)})
    if settings.WEBRTC_TURN_URLS and settings.WEBRTC_TURN_SECRET:
        servers.append({
            "urls": list(settings.WEBRTC_TURN_URLS),
            **turn_credentials(user_id=peer, secret=settings.WEBRTC_TURN_SECRET, ttl=settings.WEBRTC_TURN_TTL,
                               now=now),
        })
    return servers


def configured_worker(urls: str, *, room_id: int) -> str:
    """Without a registry: the room's worker by position in a comma-separated list of workers
    (MEDIA_RELAY_URL for signalling, MEDIA_RELAY_HTTP_URL for WHIP / WHEP, in the same order)."""
    listed = [url.strip() for url in urls.split(",") if url.strip()]
    return listed[room_id % len(listed)]


def _placed_worker(room: str) -> WorkerLoad | None:
    """With Redis (REDIS_URL): the worker the registry has the room on, placing it on the least-loaded
    live worker on its first use (media_relay.sfu.registry). None embedded, or when no worker is alive."""
    registry = registry_for_settings()
    return registry.room_worker_place(room) if registry is not None else None


def relay_worker_url(*, room: str, room_id: int, viewer: bool = False) -> str:
    """The signalling URL of the worker hosting the room; for a ``viewer`` (no publish right) with
    MEDIA_RELAY_VIEWERS_PER_WORKER set, an edge worker once the origin is full (cascading)."""
    registry = registry_for_settings()
    cap = settings.MEDIA_RELAY_VIEWERS_PER_WORKER if viewer else 0
    worker = registry.room_viewer_place(room, cap=cap) if registry is not None and cap else _placed_worker(room)
    return worker.url if worker is not None else configured_worker(settings.MEDIA_RELAY_URL, room_id=room_id)


def relay_whip_url(*, room: str, room_id: int) -> str:
    """The WHIP endpoint of the worker hosting the room (the platform's /whip/<room> redirects there)."""
    worker = _placed_worker(room)
    base = worker.http_url if worker is not None and worker.http_url else None
    return (base or configured_worker(settings.MEDIA_RELAY_HTTP_URL, room_id=room_id)).rstrip("/") + f"/whip/{room}"


def relay_rooms_publishing() -> set[str] | None:
    """The relay rooms that have a producer on their origin worker now, from the workers' last heartbeats
    (the registry); None when nobody can tell: no registry (embedded default) or no live worker."""
    registry = registry_for_settings()
    workers = registry.worker_list() if registry is not None else []
    if not workers:
        return None
    return {room for worker in workers for room in worker.publishing}


def relay_session_ended(*, user_id: int) -> None:
    """A user's signed-in session ended: the workers hosting their rooms re-read the rooms' rights
    after commit, which drops the peers that session opened (media_relay.platform)."""
    room_ids = RoomMember.objects.filter(user_id=user_id).values_list("room_id", flat=True)
    publish_on_commit([relay_group(room_id) for room_id in room_ids], rights_changed())


def relay_grant(*, user: User, room: Room, session_key: str | None = None) -> dict:
    """A bearer token for the relay room of `room` with the member's current rights; asked with a
    Django session (`session_key`), the relay drops the peer when that session ends.

    Raises 410 for a closed room, 403 for a non-member (banned: room_banned). The relay
    re-checks rights against the live room (media_relay.platform), so the token's perms are
    what the client may expect at the start, not a licence for the token's lifetime.
    """
    member = voice_member_get(room=room, user=user)
    return relay_token_grant(
        relay_room=relay_room_name(room.pk), placement=room.pk, peer=str(user.pk), name=user.name,
        perms=media_permissions(room=room, member=member), session_key=session_key,
    )


def relay_token_grant(
    *, relay_room: str, placement: int, peer: str, name: str, perms: frozenset[str], session_key: str | None = None
) -> dict:
    """What a browser needs to join `relay_room` (any kind, media_relay.relay_kinds) as `peer`: a token
    listing `perms`, the worker's URL (placed by `placement`, the object id, without a registry), ICE
    servers. The kind's rights source is asked again by the relay for every action."""
    now = time.time()
    ttl = settings.MEDIA_RELAY_TOKEN_TTL
    secret = relay_token_secret()
    token = issue_token(
        secret=secret, room=relay_room, peer=peer, name=name, perms=perms, ttl=ttl, now=now,
        session=session_fingerprint(session_key, secret=secret) if session_key else "",
    )
    return {
        "url": relay_worker_url(
            room=relay_room, room_id=placement, viewer=not perms & {Action.PUBLISH_AUDIO, Action.PUBLISH_VIDEO}
        ),
        "token": token,
        "room": relay_room,
        "perms": sorted(perms),
        "ice_servers": ice_servers_for(peer=peer, now=now),
        "expires_at": datetime.fromtimestamp(int(now) + ttl, tz=UTC),
    }
