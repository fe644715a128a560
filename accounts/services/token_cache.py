"""Personal API tokens looked up from Redis, not PostgreSQL, on each request (bench/api_reads.py).

The token row, with its user, is kept for CACHE_SECONDS under its key's hash in the shared cache, so every
process sees one copy and a change reaches all of them at once:
- revoking writes the revoked row over the kept one, at once and again after the commit (a tombstone: a
  request that read the row just before the commit cannot put the live one back, since requests only ever
  add rows, never overwrite them);
- deleting a token, or a change of its user's standing (suspension, deactivation; any save without
  update_fields), drops the user's kept rows, at once and again after the commit; a request that read the
  user just before that commit keeps the old state at most CACHE_SECONDS, as do other profile edits.
Receivers in accounts/receivers.py call these; tests/accounts/test_token_cache.py holds them to it.

An API request reads the kept row in the throttle's Redis round trip (`count_hit`: the Lua script that counts
the hit GETs the row's cache key too, decoded here as Django's RedisCache would), so a personal-token request
costs one Redis round trip in all (bench/api_reads.py). Only reads take that path: every write above goes
through the cache as before, so the tombstone and forgetting rules hold unchanged.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisSerializer
from django.db import transaction

from config.rate_counters import Window

from ..models import ApiToken, User

CACHE_SECONDS = 10
KEY_PREFIX = "apitoken:"


_serializer = RedisSerializer()  # the cache's own (config/settings/base.py sets no other)


def token_cached(*, key_hash: str, count_hit: Callable[..., Window] | None = None) -> ApiToken | None:
    """The token (its user selected) for `key_hash`: from the cache, else from the database (then kept).

    `count_hit(read=<redis key>)` counts the request's throttle hit (config.api.caller_hit); with Redis, whose
    database the cache shares (REDIS_URL), the kept row comes back from that same round trip.
    """
    key = KEY_PREFIX + key_hash
    if count_hit is not None and settings.REDIS_URL:
        kept = count_hit(read=cache.make_key(key)).read
        token = None if kept is None else _serializer.loads(kept)
    else:
        if count_hit is not None:
            count_hit()
        token = cache.get(key)
    if token is None:
        token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
        if token is not None:
            cache.add(key, token, CACHE_SECONDS)  # never over a tombstone
    return token


def token_cache_replace(*, token: ApiToken) -> None:
    """The kept copy of `token` is this one (a revoked row is refused at once)."""
    _now_and_after_commit(lambda: cache.set(KEY_PREFIX + token.key_hash, token, CACHE_SECONDS))


def token_cache_forget(*, key_hashes: list[str]) -> None:
    keys = [KEY_PREFIX + key_hash for key_hash in key_hashes]
    if keys:
        _now_and_after_commit(lambda: cache.delete_many(keys))


def token_cache_forget_user(*, user: User) -> None:
    token_cache_forget(key_hashes=list(ApiToken.objects.filter(user=user).values_list("key_hash", flat=True)))


def _now_and_after_commit(change) -> None:
    change()
    transaction.on_commit(change)  # again: a request may have read the old rows before the commit
