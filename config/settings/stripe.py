"""Stripe (dj-stripe): keys and the webhook secret from the environment; without keys payments are off."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env

from .base import DEBUG

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_LIVE_MODE = STRIPE_SECRET_KEY.startswith("sk_live_")
# dj-stripe reads these names
STRIPE_LIVE_SECRET_KEY = STRIPE_SECRET_KEY if STRIPE_LIVE_MODE else ""
STRIPE_TEST_SECRET_KEY = "" if STRIPE_LIVE_MODE else STRIPE_SECRET_KEY
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_USE_NATIVE_JSONFIELD = True
# A webhook whose signature timestamp is older than this is refused (Stripe's default tolerance).
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
# The platform's share of channel subscriptions and donations, in basis points (1000 = 10 %).
PLATFORM_FEE_BASIS_POINTS = env.int("PLATFORM_FEE_BASIS_POINTS", default=1000)
PAYMENTS_CURRENCY = env("PAYMENTS_CURRENCY", default="usd")
PREMIUM_PRICE_MINOR = env.int("PREMIUM_PRICE_MINOR", default=499)
DONATION_MIN_MINOR = env.int("DONATION_MIN_MINOR", default=100)
# Development without a Stripe account (docs/payments.md): `manage.py stripe_dev_event` signs events with this
# secret and the webhook pipeline reads objects back from the events it received instead of asking Stripe.
STRIPE_DEV_LOCAL = env.bool("STRIPE_DEV_LOCAL", default=False)
if STRIPE_DEV_LOCAL and not DEBUG:
    raise ImproperlyConfigured("STRIPE_DEV_LOCAL is for development only (it accepts events signed with a public secret).")
if STRIPE_DEV_LOCAL and not STRIPE_WEBHOOK_SECRET:
    STRIPE_WEBHOOK_SECRET = "whsec_local_development_only"
PREMIUM_PERIOD_DAYS = 30
CHANNEL_SUBSCRIPTION_PERIOD_DAYS = 30
FOUNDER_SUBSCRIBERS = env.int("FOUNDER_SUBSCRIBERS", default=10)
