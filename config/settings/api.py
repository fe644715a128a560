"""Django REST framework, the OpenAPI schema and the OAuth 2 provider (django-oauth-toolkit)."""

from accounts.scopes import DESCRIPTIONS, Scope
from config.env import env

from .base import DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "accounts.api.authentication.OAuthTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # a view that sets its own permission_classes keeps TokenScopes (tests/accounts/test_scopes.py)
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "accounts.api.permissions.TokenScopes"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 25,
    # every list's filters and ?ordering= (config/filters.py: each list view declares its FilterSet and allow-list)
    "DEFAULT_FILTER_BACKENDS": ["config.filters.FilterBackend", "config.filters.OrderingBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["config.api.CallerRateThrottle"],
    # Reverse proxies in front of the app (each appends to X-Forwarded-For). With the default 0
    # the client address is REMOTE_ADDR and a client-sent X-Forwarded-For cannot pick its bucket.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="600/min"),
        "token": env("API_THROTTLE_TOKEN", default="1200/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "WatchTogether API",
    "DESCRIPTION": (
        "Version 1 of the WatchTogether API. Authenticate with a personal API token "
        "(`Authorization: Bearer wt_...`, created in Settings → API tokens), with an OAuth 2 access token "
        "of an app the user authorized (`/oauth/authorize/`, `/oauth/token/`), or, from the website, with the "
        "session cookie. A token's reads need the `read` scope; each write names the scope it needs "
        "(`x-required-scope`, and in its description); a session has every right of its user. Every error "
        "has the shape `{code, message, extra}`, `code` one of the `ErrorCode` enum. Responses carry "
        "`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`; a 429 carries `Retry-After`. "
        "The guide: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/v1/docs/ and /api/v1/redoc/ load their scripts from drf-spectacular-sidecar, never a CDN
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "NotificationChannelEnum": "accounts.notification_registry.Channel",
        "AudienceEnum": "accounts.models.Audience",
        "RoomKindEnum": "rooms.models.RoomKind",
        "SourceKindEnum": "rooms.sources.SourceKind",
        "TaskKindEnum": "gamification.rules.TaskKind",
        "StreamStatusEnum": "streams.models.StreamStatus",
        "ChannelRoleEnum": "streams.models.ChannelRole",
        "StreamCategoryEnum": "streams.models.Category",
        "ReportReasonEnum": "moderation.models.ReasonCategory",
        "ConversationKindEnum": "dms.models.ConversationKind",
        "WatchKindEnum": "vods.models.WatchKind",
        "VodVisibilityEnum": "vods.models.VodVisibility",
        "RoomVisibilityEnum": "rooms.models.Visibility",
        # rooms and users' room defaults (PATCH /me/) share these choices: one name each
        "PlaybackControlEnum": "rooms.models.PlaybackControl",
        "ChatModeEnum": "rooms.models.ChatMode",
        "AdStatusEnum": "monetization.models.AdStatus",
        "PayoutStatusEnum": "monetization.models.PayoutStatus",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.schema.document_error_codes"],
}

OAUTH2_PROVIDER = {
    "SCOPES": {scope.value: text for scope, text in DESCRIPTIONS.items()},
    "DEFAULT_SCOPES": [Scope.READ.value],
    "PKCE_REQUIRED": True,  # authorization code with S256, for public and confidential clients alike
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_ACCESS_TOKEN_SECONDS", default=60 * 60),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_REFRESH_TOKEN_SECONDS", default=60 * 60 * 24 * 60),
    "ROTATE_REFRESH_TOKEN": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
    "REFRESH_TOKEN_REUSE_PROTECTION": True,  # a replayed refresh token revokes its whole family
    # RFC 9700 (the OAuth 2.0 security BCP) throughout: no implicit or password grant, S256 only, tokens only in the
    # Authorization header, `iss` in the authorization response, tokens stored hashed (`check --deploy` is clean)
    **{f"COMPLIANT_BCP_RFC9700_{gate}": True for gate in (
        "IMPLICIT_GRANT", "PASSWORD_GRANT", "PKCE_METHOD", "ACCESS_TOKEN_TRANSPORT", "AUTHZ_RESPONSE_ISS", "TOKEN_STORAGE",
        "REFRESH_TOKEN", "REDIRECT_URI_SCHEME", "REDIRECT_URI_MATCHING", "PKCE_REQUIRED")},
}

# Outgoing webhooks (developers/url_safety.py): refuse private, loopback, link-local and metadata addresses,
# and plain http, everywhere but development.
WEBHOOKS_REFUSE_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_REFUSE_PRIVATE_ADDRESSES", default=not DEBUG)
