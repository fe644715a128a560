"""Which signed-in users are watching a stream now, in the cache (Redis when REDIS_URL is set): a count of
open stream sockets per (stream, user). The stage invites only current viewers and suggests @handles
among them. Nothing is announced: it is read when the host invites or asks for suggestions."""

from django.core.cache import cache

KEEP_SECONDS = 2 * 24 * 3600  # longer than any stream (also the publishers' last-seen marks)


def _key(stream_id: int, user_id: int) -> str:
    return f"streams:{stream_id}:here:{user_id}"


def presence_enter(*, stream_id: int, user_id: int) -> None:
    key = _key(stream_id, user_id)
    cache.add(key, 0, timeout=KEEP_SECONDS)
    cache.incr(key, 1)


def presence_leave(*, stream_id: int, user_id: int) -> None:
    key = _key(stream_id, user_id)
    cache.add(key, 0, timeout=KEEP_SECONDS)
    if cache.decr(key, 1) <= 0:
        cache.delete(key)


def presence_filter(*, stream_id: int, user_ids: list[int]) -> set[int]:
    """Those of `user_ids` with a stream socket open on the stream now."""
    found = cache.get_many([_key(stream_id, uid) for uid in user_ids])
    return {uid for uid in user_ids if (found.get(_key(stream_id, uid)) or 0) > 0}
