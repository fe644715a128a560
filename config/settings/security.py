"""Production hardening, on whenever DJANGO_DEBUG is false (`check --deploy` clean)."""

from csp.constants import NONCE, NONE, SELF

from config.env import env

from .base import DEBUG

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes and scrapers inside the network
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp): our own scripts plus a per-response nonce for the few inline ones, and
# exactly the players' origins: YouTube's iframe API (www.youtube.com loads its player from there and from
# s.ytimg.com), Spotify's embed API (open.spotify.com), Google Drive's preview frame. Direct videos, HLS
# streams and images come from any https origin people paste; the relay's WHEP and socket are elsewhere.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/media/"],  # uploads carry their own sandboxing policy (config/media.py)
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, "https://www.youtube.com", "https://s.ytimg.com", "https://open.spotify.com"],
        "frame-src": ["https://www.youtube.com", "https://www.youtube-nocookie.com", "https://open.spotify.com",
                      "https://drive.google.com"],
        "style-src": [SELF, "'unsafe-inline'"],  # style="" attributes in templates; no script runs from them
        "img-src": [SELF, "data:", "blob:", "https:"],
        "media-src": [SELF, "blob:", "https:", *(["http:"] if DEBUG else [])],
        "connect-src": [SELF, "https:", "wss:", *(["http:", "ws:"] if DEBUG else [])],
        "worker-src": [SELF, "blob:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *(["http:"] if DEBUG else []), "https:"],  # OAuth consent redirects to the app
        "frame-ancestors": [NONE],
    },
}
