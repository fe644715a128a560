from functools import partial

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import authentication, exceptions

from config.api import caller_hit
from config.errors import ApplicationError

from ..scopes import DESCRIPTIONS
from ..services.tokens import PERSONAL_TOKEN_PREFIX, api_token_authenticate, hash_key, user_may_use_tokens
from .permissions import required_scope


def bearer_key(request) -> str | None:
    """The key of `Authorization: Bearer <key>` (or `Token <key>`), None without one."""
    parts = authentication.get_authorization_header(request).split()
    if not parts or parts[0].decode(errors="replace").lower() not in ("bearer", "token"):
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed("Malformed Authorization header.", code="token_invalid")
    return parts[1].decode(errors="replace")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer wt_...` with a personal API token (other bearer keys are OAuth's)."""

    keyword = "Bearer"

    def authenticate(self, request):
        key = bearer_key(request)
        if key is None or not key.startswith(PERSONAL_TOKEN_PREFIX):
            return None
        # the token's throttle bucket is its key's hash, so the hit is counted here, with the token read along:
        # one Redis round trip a request (CallerRateThrottle uses this window)
        count_hit = partial(caller_hit, request, scope="token", ident=hash_key(key))
        try:
            token = api_token_authenticate(key=key, count_hit=count_hit)
        except ApplicationError as err:
            raise exceptions.AuthenticationFailed(err.message, code=err.code) from err
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class OAuthTokenAuthentication(OAuth2Authentication):
    """`Authorization: Bearer <access token>` from an app the user authorized (django-oauth-toolkit).

    A bearer key that is neither a live personal token nor a live access token answers 401 `token_invalid`,
    on public endpoints too, as personal tokens always did.
    """

    def authenticate(self, request):
        key = bearer_key(request)
        if key is None or key.startswith(PERSONAL_TOKEN_PREFIX):
            return None
        found = super().authenticate(request)
        if found is None or not user_may_use_tokens(found[0]):
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked access token.", code="token_invalid")
        return found

    def authenticate_header(self, request):
        return "Bearer"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token (wt_...)."}


class OAuthTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.OAuthTokenAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {"type": "oauth2", "description": "An access token from an app the user authorized (docs/api.md).",
                "flows": {"authorizationCode": {"authorizationUrl": "/oauth/authorize/", "tokenUrl": "/oauth/token/",
                                                "refreshUrl": "/oauth/token/", "scopes": {str(scope): text for scope, text in DESCRIPTIONS.items()}}}}

    def get_security_requirement(self, auto_schema):
        """The scope this operation needs; none listed where OAuth tokens cannot call it (accounts/scopes.py)."""
        scope = required_scope(auto_schema.view, auto_schema.method)
        return None if scope is None else {self.name: [str(scope)]}
