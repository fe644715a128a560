"""Payments, premium, subscriptions, donations and payouts (payments.py); the ad marketplace (ads.py)."""

from monetization.models.ads import *  # noqa: F403
from monetization.models.payments import *  # noqa: F403
