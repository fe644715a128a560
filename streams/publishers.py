"""A live stream ends by itself when its encoder stops: no producer in its relay room (browser, WHIP or RTMP
publisher) for ``STREAMS_PUBLISHER_GRACE_SECONDS``.

The relay workers already say which rooms have a producer: each heartbeat to the registry lists them
(``WorkerLoad.publishing``; media_relay.services.relay_rooms_publishing). A beat task
(``streams-end-without-publisher``) compares the live streams with that list: a stream seen publishing is
stamped in the cache (``streams:<id>:publisher_seen``); one not seen since max(go-live, last stamp) for the
grace period is ended by the platform (``stream_end(actor=None)``). Idempotent: a stream ended meanwhile (by
its owner or an overlapping run) is skipped. Without a registry (the embedded default) or with no live
relay worker (a restart) nothing can tell, and nothing is ended.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from config.errors import GoneError
from media_relay.services import relay_rooms_publishing

from .models import Stream, StreamStatus
from .presence import KEEP_SECONDS
from .selectors import relay_room_name
from .services import stream_end


def _seen_key(stream_id: int) -> str:
    return f"streams:{stream_id}:publisher_seen"


def streams_without_publisher_end(*, now: datetime | None = None) -> list[int]:
    """End the live streams whose relay room has had no producer for the grace period; returns their ids."""
    publishing = relay_rooms_publishing()
    if publishing is None:
        return []
    now = now or timezone.now()
    grace = timedelta(seconds=settings.STREAMS_PUBLISHER_GRACE_SECONDS)
    ended = []
    for stream in Stream.objects.filter(status=StreamStatus.LIVE).only("pk", "started_at"):
        if relay_room_name(stream.pk) in publishing:
            cache.set(_seen_key(stream.pk), now.timestamp(), timeout=KEEP_SECONDS)
            continue
        seen = cache.get(_seen_key(stream.pk))
        last = max(stream.started_at, datetime.fromtimestamp(seen, tz=UTC)) if seen else stream.started_at
        if now - last < grace:
            continue
        try:
            stream_end(actor=None, stream=stream)
        except GoneError:  # its owner (or another run) ended it meanwhile
            continue
        ended.append(stream.pk)
    return ended
