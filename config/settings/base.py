import os

from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, VAR_DIR, ensure_dir, env

ensure_dir(VAR_DIR)  # the SQLite database and the test database live there

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")
    # The embedded default is for one developer machine only.
    SECRET_KEY = "embedded-insecure-key-only-for-local-development-0123456789"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc from our static files (docs work offline)
    "oauth2_provider",  # OAuth 2 for third-party apps (docs/api.md)
    "csp",  # Content-Security-Policy (config/settings/security.py)
    "django_celery_beat",
    "djstripe",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.discord",
    "allauth.socialaccount.providers.apple",
    "accounts",
    "audit",
    "chat",
    "rooms",
    "streams",
    "guilds",
    "gamification",
    "media_relay",
    "vods",
    "monetization",
    "dms",
    "moderation",
    "developers",
    "web",
]

MIDDLEWARE = [
    "config.metrics.MetricsMiddleware",  # outermost: every answer counted and timed, 503s of outages included
    "config.outages.OutageMiddleware",  # first: it replaces the 500s of outages and API errors
    "config.nul_bytes.RefuseNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (config/settings/security.py)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.suspension_middleware.SignOutSuspendedMiddleware",  # a platform ban (docs/moderation.md)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.api.RateLimitHeadersMiddleware",  # outside ConditionalGet: a 304 keeps the RateLimit-* headers
    "django.middleware.http.ConditionalGetMiddleware",  # ETag on reads; If-None-Match answers 304 (docs/api.md)
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.shell",
            ],
            "builtins": ["config.icons"],
        },
    },
]

# SQLite file on the embedded default; DATABASE_URL (postgres://...) in production and CI.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # A file, not memory, so browser tests' daphne process shares it; one per test run.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
    # The embedded default only: SQLite drops an index's covering columns (dms' unread counts stay
    # correct, just not index-only) and NULLS NOT DISTINCT (AutoMod's one-term-per-list holds in
    # PostgreSQL); `make run` need not warn about it at every start.
    SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]

# Opt-in psycopg connection pool, one per process (Django's OPTIONS["pool"]). Under ASGI each
# request and socket operation runs in its own thread, so CONN_MAX_AGE keeps one connection per
# thread open and unbounded; the pool reuses a bounded set instead (docs/operations.md, sizing).
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if DATABASE_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if DATABASES["default"]["CONN_MAX_AGE"]:
        raise ImproperlyConfigured("DATABASE_POOL_MAX_SIZE needs DATABASE_CONN_MAX_AGE=0: the pool keeps connections.")
    pool = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=min(2, DATABASE_POOL_MAX_SIZE)),
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),  # seconds a request waits for a connection
    }
    if not 0 <= pool["min_size"] <= pool["max_size"]:
        raise ImproperlyConfigured("DATABASE_POOL_MIN_SIZE must be between 0 and DATABASE_POOL_MAX_SIZE.")
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = pool
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="WatchTogether <noreply@watchtogether.local>")

LOG_LEVEL = env("LOG_LEVEL", default="INFO").upper()
# Loggers that say something for every ICE candidate, request or periodic task run: their lines show
# with LOG_LEVEL=DEBUG, otherwise only their warnings.
CHATTY_LOGGERS = [
    "django.channels.server",
    "aioice",  # every candidate pair checked
    "aiortc",
    "celery.beat",  # "Scheduler: Sending due task" (the room sweep runs every 15 s)
    "celery.app.trace",  # "Task ... succeeded"
    "celery.worker.strategy",  # "Task ... received"
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        # one JSON object a line for the log collector: timestamp, level, logger, message, and any `extra`
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
    },
    # structured JSON logs in production (LOG_FORMAT=plain to read them by eye), plain text in development
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": env("LOG_FORMAT", default="plain" if DEBUG else "json")}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {name: {"level": "DEBUG" if LOG_LEVEL == "DEBUG" else "WARNING"} for name in CHATTY_LOGGERS},
}

# whitenoise serves static files from daphne too; on the embedded default straight from the apps' folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
