"""A raid: the host ends the stream and sends its audience to another live channel. The watchers still
connected get ``streams.raid`` with the target's URL (their page goes there), then the stream ends."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from accounts.models import User
from config.errors import ApplicationError
from config.realtime import publish_on_commit

from . import events, signals
from .errors import StreamError
from .models import Stream, StreamStatus
from .selectors import channel_get, channel_live_stream
from .services import stream_end


def stream_raid(*, actor: User, stream: Stream, target_slug: str) -> Stream:
    """End `stream` (its owner) and send its watchers to the channel `target_slug`, which must be live."""
    target_channel = channel_get(slug=target_slug)
    target = channel_live_stream(channel=target_channel)
    if target_channel.pk == stream.channel_id or target is None or target.status != StreamStatus.LIVE:
        raise ApplicationError(StreamError.RAID_INVALID, "Raid another channel that is live now.")
    url = reverse("stream", args=[target.pk])
    with transaction.atomic():
        publish_on_commit(events.stream_group(stream.pk), events.raided(stream_id=stream.pk, target=target, url=url))
        signals.stream_raided.send(sender=Stream, stream=stream, target=target)
        return stream_end(actor=actor, stream=stream)
