"""Notification delivery beyond the in-app list: e-mail (the EMAIL_* settings in base) and Web Push."""

from django.core.exceptions import ImproperlyConfigured

from config.env import VAR_DIR, env
from config.vapid import embedded_pair

from .base import DEBUG

# VAPID (RFC 8292): the key pair browsers subscribe with and our push requests are signed with, base64url
# (private: the 32-byte scalar; public: the 65-byte uncompressed point). Unset: a pair generated once
# and kept in var/vapid.json. Changing the pair orphans every browser's subscription.
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", default="")
if bool(VAPID_PRIVATE_KEY) != bool(VAPID_PUBLIC_KEY):
    raise ImproperlyConfigured("Set both VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY, or neither.")
if not VAPID_PRIVATE_KEY:
    VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY = embedded_pair(VAR_DIR / "vapid.json")
# A contact for push services: mailto: or https: URL.
VAPID_SUBJECT = env("VAPID_SUBJECT", default="mailto:admin@watchtogether.local")
# Seconds to wait for a push service; how long it keeps an undelivered message (s).
WEB_PUSH_TIMEOUT = env.float("WEB_PUSH_TIMEOUT", default=10.0)
WEB_PUSH_TTL = env.int("WEB_PUSH_TTL", default=86400)
# Tries per notification for a push service that answers 5xx or times out (backoff 30 s, 60 s, 120 s...).
WEB_PUSH_MAX_RETRIES = env.int("WEB_PUSH_MAX_RETRIES", default=5)
# Accept push endpoints that are not https:// (a local push service stand-in). Real browsers' are always
# https; off in production, so a subscription can't point our server at an internal address.
WEB_PUSH_ALLOW_HTTP = env.bool("WEB_PUSH_ALLOW_HTTP", default=DEBUG)
