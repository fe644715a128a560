"""WHIP stream keys: the services that create, rotate and revoke them and the check the relay makes.

A stream key lets its holder publish into one room's relay with a standard WHIP client
(OBS 30+: Service "WHIP", Server = the WHIP URL, Bearer Token = the key). It is tied to a
user and a room, long-lived and revocable; only its SHA-256 is stored and the key is shown
once. Only the room's leader holds one; a room has one live key (a new one revokes the old).
The key only says who and which room: what the holder may publish is answered live by the
relay (media_relay.platform.RoomLink.authorize), like for every other peer.

Kept in a module of its own (not services.py / selectors.py) so the WHIP work stays apart
from the other relay work going on in those files; same layering rules.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.tokens import hash_key
from config.errors import ApplicationError, NotFoundError
from config.realtime import publish_on_commit
from rooms.events import room_group
from rooms.models import Room

from .errors import MediaError
from .events import stream_ended
from .models import StreamKey
from .relay_kinds import KeyHolder, relay_kind_for_key
from .selectors import relay_room_name, voice_leader_require

KEY_PREFIX = "wtsk_"


def whip_url_for(*, room: Room) -> str:
    """OBS's "Server": the platform's WHIP URL of the room, which stays the same wherever the room is
    placed; it redirects (307, RFC 9725 §4.5) to the worker hosting the room (media_relay.views)."""
    return settings.SITE_URL.rstrip("/") + f"/whip/{relay_room_name(room.pk)}"


def stream_key_create(*, actor: User, room: Room) -> tuple[StreamKey, str]:
    """A new stream key for `room` (its leader only); the room's previous key stops working.
    Returns the row and the key, which is never retrievable again."""
    voice_leader_require(room=room, user=actor, doing="stream into it")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        Room.objects.select_for_update().filter(pk=room.pk).values_list("pk").first()  # one rotation at a time
        previous = list(StreamKey.objects.filter(room=room, revoked_at__isnull=True).values_list("user_id", flat=True))
        StreamKey.objects.filter(room=room, revoked_at__isnull=True).update(revoked_at=timezone.now())
        row = StreamKey.objects.create(user=actor, room=room, prefix=key[:10], key_hash=hash_key(key))
        for user_id in previous:
            _end_live_stream(room=room, user_id=user_id, reason="stream_key_rotated")
    return row, key


def stream_key_revoke(*, actor: User, room: Room) -> StreamKey:
    """Revoke the room's live key (its leader only): new WHIP sessions with it are refused."""
    voice_leader_require(room=room, user=actor, doing="stream into it")
    row = StreamKey.objects.filter(room=room, revoked_at__isnull=True).first()
    if row is None:
        raise NotFoundError(MediaError.STREAM_KEY_NOT_FOUND, "This room has no stream key.")
    with transaction.atomic():
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        _end_live_stream(room=room, user_id=row.user_id, reason="stream_key_revoked")
    return row


def _end_live_stream(*, room: Room, user_id: int, reason: str) -> None:
    """A WHIP session already live with the old key ends too: the relay following the room's
    group drops that publisher (media_relay.platform.RoomLink.apply_event)."""
    publish_on_commit(room_group(room.pk), stream_ended(user_id=user_id, reason=reason))


def stream_key_authenticate(*, key: str) -> KeyHolder:
    """Who publishes where with `key`, any kind of key (a room's here, a channel's from the streams app:
    the relay room kind whose ``key_prefix`` the key starts with, media_relay.relay_kinds), or
    ApplicationError(STREAM_KEY_INVALID / STREAM_KEY_REVOKED) saying why not. WHIP (platform_stream_key_peer)
    and RTMP ingest both ask this."""
    kind = relay_kind_for_key(key) if key else None
    if kind is None:
        raise ApplicationError(MediaError.STREAM_KEY_INVALID, "Invalid stream key.")
    return kind.key_holder(key)


def room_key_holder(key: str) -> KeyHolder:
    """A room's key: its live row (with its user), checked in two queries (one more to note the use)."""
    row = StreamKey.objects.select_related("user").filter(key_hash=hash_key(key)).first()
    if row is None or not row.user.is_active or row.user.deactivated_at is not None:
        raise ApplicationError(MediaError.STREAM_KEY_INVALID, "Invalid stream key.")
    if row.revoked_at is not None:
        raise ApplicationError(MediaError.STREAM_KEY_REVOKED, "This stream key was revoked.")
    StreamKey.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return KeyHolder(user=row.user, relay_room=relay_room_name(row.room_id))
