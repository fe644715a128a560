"""Personal API tokens: `wt_` + 43 url-safe characters, stored as a SHA-256."""

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from config.errors import ApplicationError, CommonError, NotFoundError
from config.rate_counters import Window

from ..errors import TokenError
from ..models import ApiToken, User
from ..scopes import Scope
from ..selectors import api_tokens_list
from .token_cache import token_cache_replace, token_cached

MAX_ACTIVE_TOKENS = 20
LAST_USED_RESOLUTION = timedelta(minutes=1)
PERSONAL_TOKEN_PREFIX = "wt_"  # OAuth access tokens never start with it (accounts.api.authentication)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str, expires_at: datetime | None = None,
                     scopes: set[str] | None = None) -> tuple[ApiToken, str]:
    """Returns the token row and its key; the key is never retrievable again. Every scope unless `scopes` is given."""
    scopes = set(Scope) if scopes is None else scopes
    if not scopes or not scopes <= set(Scope):
        raise ApplicationError(CommonError.INVALID, "Pick scopes among: " + ", ".join(Scope) + ".",
                               {"fields": {"scopes": ["Unknown or empty."]}})
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(CommonError.INVALID, "The expiry must be in the future.", {"fields": {"expires_at": ["In the past."]}})
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
        if api_tokens_list(user=user).count() >= MAX_ACTIVE_TOKENS:  # expired tokens are not active
            raise ApplicationError(TokenError.TOO_MANY_TOKENS, f"You can have at most {MAX_ACTIVE_TOKENS} active tokens.")
        key = PERSONAL_TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(user=user, name=name.strip()[:50] or "API token", prefix=key[:10],
                                        key_hash=hash_key(key), expires_at=expires_at,
                                        scope=" ".join(sorted(scopes)))
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise NotFoundError(TokenError.TOKEN_NOT_FOUND, "No such active token.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    token_cache_replace(token=token)
    return token


def user_may_use_tokens(user: User) -> bool:
    """Tokens of a deactivated, suspended or inactive account, personal or OAuth, open nothing."""
    return user.is_active and user.deactivated_at is None and not user.is_suspended


def api_token_authenticate(*, key: str, count_hit: Callable[..., Window] | None = None) -> ApiToken:
    """The live token for `key`, or ApplicationError with why not (the row kept in Redis: token_cache, which reads
    it in `count_hit`'s round trip: the API throttle's hit, accounts.api.authentication)."""
    token = token_cached(key_hash=hash_key(key), count_hit=count_hit)
    now = timezone.now()
    if token is None or not user_may_use_tokens(token.user):
        raise ApplicationError(TokenError.TOKEN_INVALID, "Invalid API token.")
    if token.revoked_at is not None:
        raise ApplicationError(TokenError.TOKEN_REVOKED, "This API token was revoked.")
    if token.expires_at is not None and token.expires_at <= now:
        raise ApplicationError(TokenError.TOKEN_EXPIRED, "This API token has expired.")
    last_used = max(filter(None, (token.last_used_at, _last_used_written.get(token.key_hash))), default=None)
    if last_used is None or now - last_used > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        if len(_last_used_written) >= 10_000:
            _last_used_written.clear()
        _last_used_written[token.key_hash] = now  # the kept row still has the old time: once a minute per process
    return token


# token key hash (never reused, unlike an id after a rolled-back insert) -> when this process last wrote its last_used_at
_last_used_written: dict[str, datetime] = {}
