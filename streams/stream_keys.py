"""A channel's stream keys (WHIP today, RTMP with the ingest): create / rotate, revoke, and the check the
relay makes. Keys belong to the channel, not to a room or a stream: publishing with one takes the channel
live (starting its next scheduled stream, or a new one) and publishes into that stream's relay room.

Only a SHA-256 of a key is stored, the key is shown once. The relay asks
media_relay.stream_keys.stream_key_authenticate for every kind of key; keys starting with KEY_PREFIX come
here (``channel_key_holder``, registered with the ``stream-`` relay room kind in streams.apps).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services.tokens import hash_key
from config.errors import ApplicationError, ForbiddenError, NotFoundError
from config.realtime import publish_on_commit
from media_relay.errors import MediaError
from media_relay.events import stream_ended
from media_relay.relay_kinds import KeyHolder

from .errors import StreamError
from .events import stream_relay_group
from .models import Channel, ChannelStreamKey, Stream, StreamStatus
from .selectors import relay_room_name
from .services import channel_owner_require, stream_go_live

KEY_PREFIX = "wtck_"


def channel_whip_url(*, channel: Channel) -> str:
    """OBS's "Server" (Service: WHIP): stable for the channel; it takes the channel live and redirects to
    the relay worker hosting the stream (streams.views.whip_channel)."""
    return settings.SITE_URL.rstrip("/") + reverse("channel-whip", kwargs={"slug": channel.slug})


def channel_stream_key_create(*, actor: User, channel: Channel) -> tuple[ChannelStreamKey, str]:
    """A new key for the channel (its owner only); the previous one stops working, and a WHIP publisher
    live with it is dropped. Returns the row and the key, which is never retrievable again."""
    channel_owner_require(channel=channel, actor=actor)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        Channel.objects.select_for_update().filter(pk=channel.pk).values_list("pk").first()  # one rotation at a time
        rotated = ChannelStreamKey.objects.filter(channel=channel, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
        row = ChannelStreamKey.objects.create(channel=channel, prefix=key[:10], key_hash=hash_key(key))
        if rotated:
            _drop_whip_publisher(channel=channel, reason="stream_key_rotated")
    return row, key


def channel_stream_key_revoke(*, actor: User, channel: Channel) -> ChannelStreamKey:
    """Revoke the channel's live key (its owner only): new sessions with it are refused and the relay drops
    a WHIP publisher live with it at once. The stream itself stays live (the owner ends it)."""
    channel_owner_require(channel=channel, actor=actor)
    with transaction.atomic():
        row = ChannelStreamKey.objects.select_for_update().filter(channel=channel, revoked_at__isnull=True).first()
        if row is None:
            raise NotFoundError(StreamError.STREAM_KEY_NOT_FOUND, "This channel has no stream key.")
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        _drop_whip_publisher(channel=channel, reason="stream_key_revoked")
    return row


def _drop_whip_publisher(*, channel: Channel, reason: str) -> None:
    live = Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).values_list("pk", flat=True).first()
    if live is not None:
        publish_on_commit(stream_relay_group(live), stream_ended(user_id=channel.owner_id, reason=reason))


def channel_key_authenticate(*, key: str) -> ChannelStreamKey:
    """The live key row for `key` (with its channel and owner), or ApplicationError saying why not."""
    row = ChannelStreamKey.objects.select_related("channel__owner").filter(key_hash=hash_key(key)).first()
    owner = row.channel.owner if row is not None else None
    if row is None or not owner.is_active or owner.deactivated_at is not None:
        raise ApplicationError(MediaError.STREAM_KEY_INVALID, "Invalid stream key.")
    if row.channel.is_suspended or owner.is_suspended:
        raise ForbiddenError(StreamError.CHANNEL_SUSPENDED, "This channel is suspended.",
                             {"until": (row.channel.suspended_until or owner.suspended_until).isoformat()})
    if row.revoked_at is not None:
        raise ApplicationError(MediaError.STREAM_KEY_REVOKED, "This stream key was revoked.")
    ChannelStreamKey.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row


def channel_key_holder(key: str) -> KeyHolder:
    """Publishing with a channel's key: the channel goes live if it isn't (its next scheduled stream, or
    a new one), and the holder publishes into that stream's relay room as the channel's owner."""
    return channel_key_publish(row=channel_key_authenticate(key=key))


def channel_key_publish(*, row: ChannelStreamKey) -> KeyHolder:
    """The relay room an authenticated key publishes into, taking its channel live if it isn't."""
    channel, owner = row.channel, row.channel.owner
    stream = Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).first()
    if stream is None:
        try:
            stream = stream_go_live(actor=owner, channel=channel)
        except ApplicationError as error:
            if error.code != StreamError.ALREADY_LIVE:
                raise
            stream = Stream.objects.get(channel=channel, status=StreamStatus.LIVE)  # another go-live won
    return KeyHolder(user=owner, relay_room=relay_room_name(stream.pk))
