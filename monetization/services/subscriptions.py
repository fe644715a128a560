"""Channel subscriptions: creators' tiers, viewers subscribing (or gifting) through Checkout, founders."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError, ForbiddenError, NotFoundError
from monetization.audit_verbs import PaymentAuditVerb
from monetization.errors import PaymentError
from monetization.models import (
    ChannelSubscription,
    LedgerEntry,
    LedgerSource,
    Purchase,
    PurchaseReversal,
    SubscriptionTier,
)
from monetization.services.checkout import CheckoutStart, checkout_session_start
from monetization.services.ledger import ledger_credit, ledger_reverse
from streams.live_chat import stream_alert_publish
from streams.models import Channel, Stream, StreamStatus

SUBSCRIPTION_KIND = "channel_subscription"
TIERS_MAX = 5


def tier_create(*, actor: User, channel: Channel, name: str, price_minor: int, perks: str = "", order: int = 0) -> SubscriptionTier:
    if channel.owner_id != actor.pk:
        raise ForbiddenError(PaymentError.TIER_INVALID, "Only the channel's owner sets its tiers.")
    name = name.strip()
    if not name or len(name) > 60 or price_minor < settings.DONATION_MIN_MINOR or price_minor > 100_000 or len(perks) > 1000:
        raise ApplicationError(PaymentError.TIER_INVALID, "A tier needs a name (60 characters at most) and a price "
                               f"from {settings.DONATION_MIN_MINOR / 100:.2f} to 1000.00.")
    if SubscriptionTier.objects.filter(channel=channel).count() >= TIERS_MAX:
        raise ApplicationError(PaymentError.TIER_INVALID, f"A channel has at most {TIERS_MAX} tiers.")
    if SubscriptionTier.objects.filter(channel=channel, name=name).exists():
        raise ApplicationError(PaymentError.TIER_INVALID, "This channel already has a tier with that name.")
    return SubscriptionTier.objects.create(channel=channel, name=name, price_minor=price_minor,
                                           currency=settings.PAYMENTS_CURRENCY, perks=perks.strip(), order=order)


def subscription_checkout_start(*, user: User, tier_id: int, success_url: str, cancel_url: str,
                                gift_to: User | None = None, channel: Channel | None = None) -> CheckoutStart:
    """Subscribe (monthly, renewing) or gift one month to `gift_to` (a one-off payment); given a channel, the tier
    must be one of its own."""
    tier = SubscriptionTier.objects.select_related("channel").filter(pk=tier_id, is_active=True).first()
    if tier is None or (channel is not None and tier.channel_id != channel.pk):
        raise NotFoundError(PaymentError.TIER_NOT_FOUND, "No such tier.")
    recipient = gift_to or user
    if tier.channel.owner_id == recipient.pk:
        raise ApplicationError(PaymentError.OWN_CHANNEL, "Creators don't subscribe to their own channel.")
    what = f"{tier.channel.name} · {tier.name}" + (f" (gift for @{recipient.handle})" if gift_to else "")
    return checkout_session_start(
        user=user, kind=SUBSCRIPTION_KIND, product_name=what, amount_minor=tier.price_minor, currency=tier.currency,
        metadata={"tier_id": tier.pk, "channel_id": tier.channel_id, "recipient_id": recipient.pk},
        success_url=success_url, cancel_url=cancel_url, monthly=gift_to is None)


@transaction.atomic
def subscription_fulfil(*, purchase_metadata: dict, amount_minor: int, currency: str, stripe_object_id: str) -> None:
    purchase = Purchase.objects.get(stripe_id=stripe_object_id)
    channel = Channel.objects.select_for_update().get(pk=int(purchase_metadata["channel_id"]))  # founders: in order
    tier = SubscriptionTier.objects.get(pk=int(purchase_metadata["tier_id"]), channel=channel)
    recipient = User.objects.get(pk=int(purchase_metadata["recipient_id"]))
    gifted_by = purchase.user if purchase.user_id != recipient.pk else None
    now, period = timezone.now(), timedelta(days=settings.CHANNEL_SUBSCRIPTION_PERIOD_DAYS)
    subscription = ChannelSubscription.objects.filter(channel=channel, user=recipient).first()
    if subscription is None:
        is_founder = ChannelSubscription.objects.filter(channel=channel).count() < settings.FOUNDER_SUBSCRIBERS
        subscription = ChannelSubscription(channel=channel, user=recipient, tier=tier, active_until=now,
                                           is_founder=is_founder)
    subscription.tier, subscription.gifted_by = tier, gifted_by
    subscription.active_until = max(now, subscription.active_until) + period
    subscription.stripe_subscription_id = purchase.subscription_id or subscription.stripe_subscription_id
    subscription.save()
    ledger_credit(creator=channel.owner, source=LedgerSource.SUBSCRIPTION, reference=stripe_object_id,
                  amount_minor=amount_minor, currency=currency)
    audit_record(actor=purchase.user, verb=PaymentAuditVerb.SUBSCRIPTION_STARTED, target=subscription, details={
        "tier": tier.name, "amount_minor": amount_minor, "currency": currency, "purchase": stripe_object_id,
        "gift_for": recipient.pk if gifted_by else None, "active_until": subscription.active_until.isoformat()})
    live = Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).first()
    if live is not None and not purchase_metadata.get("renewal"):
        stream_alert_publish(stream=live, kind="subscription", actor=recipient, amount_minor=amount_minor,
                             currency=currency, message=f"gifted by @{gifted_by.handle}" if gifted_by else tier.name)


@transaction.atomic
def subscription_reverse(*, purchase_metadata: dict, amount_minor: int, currency: str, stripe_object_id: str) -> None:
    """A refunded or disputed month: the subscriber loses the perks now, the creator the money."""
    reversal = PurchaseReversal.objects.select_related("purchase").get(stripe_id=stripe_object_id)
    purchase = reversal.purchase
    subscription = ChannelSubscription.objects.select_for_update().filter(
        channel_id=int(purchase_metadata["channel_id"]), user_id=int(purchase_metadata["recipient_id"])).first()
    if subscription is not None:
        subscription.active_until = min(subscription.active_until, timezone.now())
        subscription.save(update_fields=["active_until"])
        audit_record(actor=None, verb=PaymentAuditVerb.SUBSCRIPTION_REVOKED, target=subscription, details={
            "reversal": stripe_object_id, "amount_minor": amount_minor, "currency": currency})
    credit = LedgerEntry.objects.get(source=LedgerSource.SUBSCRIPTION, reference=purchase.stripe_id)
    ledger_reverse(creator=credit.creator, original=credit, reference=stripe_object_id,
                   gross_reversed_minor=amount_minor, gross_minor=purchase.amount_minor)
