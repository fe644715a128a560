"""Reads for payments, premium, channel subscriptions, donations and the creator dashboard."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from monetization import stripe_gateway
from monetization.models import (
    ChannelSubscription,
    ConnectAccount,
    Donation,
    LedgerEntry,
    LedgerSource,
    Payout,
    SubscriptionTier,
)
from monetization.services.ledger import balance_minor
from streams.chat_policy import NO_SUBSCRIPTION
from streams.chat_policy import ChannelSubscription as ChatSubscription
from streams.models import Channel


def user_is_premium(user) -> bool:
    """No ads, the premium badge, rooms up to 50, cosmetic perks: paid premium and leaderboard rewards alike."""
    return bool(getattr(user, "is_authenticated", False) and user.is_premium)


def channel_subscription_status(*, channel: Channel, user) -> ChatSubscription:
    """streams.chat_policy.channel_subscription's reader (subscribers-only chat, subscriber / founder badges)."""
    if not getattr(user, "is_authenticated", False) or channel.owner_id == user.pk:  # (no query)
        return NO_SUBSCRIPTION
    row = (ChannelSubscription.objects.filter(channel=channel, user=user, active_until__gt=timezone.now())
           .values_list("is_founder", flat=True).first())
    return NO_SUBSCRIPTION if row is None else ChatSubscription(is_subscriber=True, is_founder=row)


def tiers_for(channel: Channel) -> list[SubscriptionTier]:
    return list(SubscriptionTier.objects.filter(channel=channel, is_active=True))


def creator_dashboard(*, creator: User, days: int = 30) -> dict:
    """Gross revenue by day (subscriptions, donations not refunded), subscriber count, top supporters, balance, payouts."""
    currency = settings.PAYMENTS_CURRENCY
    since = timezone.now() - timedelta(days=days)
    channel = Channel.objects.filter(owner=creator).first()
    subscription_days = (LedgerEntry.objects.filter(creator=creator, currency=currency, created_at__gte=since,
                                                    source=LedgerSource.SUBSCRIPTION)
                         .annotate(day=TruncDate("created_at")).values("day")
                         .annotate(total=Sum(F("amount_minor") + F("fee_minor"))))
    donation_days = (Donation.objects.filter(channel=channel, currency=currency, created_at__gte=since,
                                             is_reversed=False)
                     .annotate(day=TruncDate("created_at")).values("day").annotate(total=Sum("amount_minor")))
    start = since.date()
    labels = [(start + timedelta(days=i)).isoformat() for i in range(days + 1)]
    series = {"subscriptions": [0] * len(labels), "donations": [0] * len(labels)}
    for name, rows in (("subscriptions", subscription_days), ("donations", donation_days)):
        for row in rows:
            series[name][(row["day"] - start).days] += row["total"]
    subscribers = (ChannelSubscription.objects.filter(channel=channel, active_until__gt=timezone.now()).count()
                   if channel else 0)
    supporters = (Donation.objects.filter(channel=channel, is_reversed=False, donor__isnull=False)
                  .values("donor__handle").annotate(total=Sum("amount_minor"), count=Count("pk"))
                  .order_by("-total")[:10]) if channel else []
    return {
        "currency": currency, "labels": labels, **series, "subscriber_count": subscribers,
        "top_supporters": list(supporters), "balance_minor": balance_minor(creator=creator, currency=currency),
        "payouts": list(Payout.objects.filter(creator=creator)[:20]),
        "connect_account": ConnectAccount.objects.filter(user=creator).first(), "channel": channel,
    }


# -- the API's reads (monetization.api.payments) -----------------------------------------------------------------
def premium_status(*, user: User) -> dict:
    return {"is_premium": user_is_premium(user), "premium_until": user.premium_until,
            "price_minor": settings.PREMIUM_PRICE_MINOR, "currency": settings.PAYMENTS_CURRENCY,
            "payments_configured": stripe_gateway.is_configured()}


def subscriptions_of(*, user: User):
    """The user's channel subscriptions (active or lapsed), newest first."""
    return (ChannelSubscription.objects.filter(user=user).select_related("channel", "tier", "gifted_by")
            .order_by("-created_at", "-pk"))


def donations_made(*, user: User):
    return Donation.objects.filter(donor=user).select_related("channel").order_by("-created_at", "-pk")


def donations_received(*, creator: User):
    """Donations to the creator's channel, refunded ones included (is_reversed)."""
    return (Donation.objects.filter(channel__owner=creator).select_related("channel", "donor")
            .order_by("-created_at", "-pk"))


def payouts_of(*, creator: User):
    return Payout.objects.filter(creator=creator).order_by("-created_at", "-pk")
