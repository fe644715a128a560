"""Django REST framework and the OpenAPI schema."""

from config.env import env

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
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
        "(`Authorization: Bearer wt_...`, created in Settings → API tokens) or, from the "
        "website, with the session cookie. Every error has the shape `{code, message, extra}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
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
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.schema.document_error_codes"],
}
