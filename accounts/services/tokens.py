"""Personal API tokens: `wt_` + 43 url-safe characters, stored as a SHA-256."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from config.errors import ApplicationError, CommonError, NotFoundError

from ..errors import TokenError
from ..models import ApiToken, User
from ..selectors import api_tokens_list

MAX_ACTIVE_TOKENS = 20
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Returns the token row and its key; the key is never retrievable again."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(CommonError.INVALID, "The expiry must be in the future.", {"fields": {"expires_at": ["In the past."]}})
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
        if api_tokens_list(user=user).count() >= MAX_ACTIVE_TOKENS:  # expired tokens are not active
            raise ApplicationError(TokenError.TOO_MANY_TOKENS, f"You can have at most {MAX_ACTIVE_TOKENS} active tokens.")
        key = "wt_" + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(user=user, name=name.strip()[:50] or "API token", prefix=key[:10],
                                        key_hash=hash_key(key), expires_at=expires_at)
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise NotFoundError(TokenError.TOKEN_NOT_FOUND, "No such active token.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, key: str) -> ApiToken:
    """The live token for `key`, or ApplicationError with why not."""
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
    now = timezone.now()
    if token is None or not token.user.is_active or token.user.deactivated_at is not None:
        raise ApplicationError(TokenError.TOKEN_INVALID, "Invalid API token.")
    if token.revoked_at is not None:
        raise ApplicationError(TokenError.TOKEN_REVOKED, "This API token was revoked.")
    if token.expires_at is not None and token.expires_at <= now:
        raise ApplicationError(TokenError.TOKEN_EXPIRED, "This API token has expired.")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
