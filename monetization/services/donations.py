"""Donations to a channel (during a stream or not): at least DONATION_MIN_MINOR, a filtered message, an alert."""

from django.conf import settings
from django.db import transaction

from accounts.models import User
from audit.services import audit_record
from chat.filters import apply_filters
from config.errors import ApplicationError
from monetization.audit_verbs import PaymentAuditVerb
from monetization.errors import PaymentError
from monetization.models import Donation, LedgerEntry, LedgerSource, Purchase, PurchaseReversal, PurchaseStatus
from monetization.services.checkout import CheckoutStart, checkout_session_start
from monetization.services.ledger import ledger_credit, ledger_reverse
from streams.live_chat import ALERT_MESSAGE_MAX, stream_alert_publish
from streams.models import Channel, Stream, StreamStatus
from streams.selectors import CHAT_CONTEXT_KIND

DONATION_KIND = "donation"
DONATION_MAX_MINOR = 1_000_000


def donation_checkout_start(*, user: User, channel: Channel, amount_minor: int, message: str, success_url: str,
                            cancel_url: str) -> CheckoutStart:
    if amount_minor < settings.DONATION_MIN_MINOR:
        raise ApplicationError(PaymentError.DONATION_TOO_SMALL,
                               f"Donations start at {settings.DONATION_MIN_MINOR / 100:.2f}.",
                               {"min_minor": settings.DONATION_MIN_MINOR})
    if amount_minor > DONATION_MAX_MINOR or len(message) > ALERT_MESSAGE_MAX or channel.owner_id == user.pk:
        raise ApplicationError(PaymentError.DONATION_INVALID,
                               f"A donation is at most {DONATION_MAX_MINOR // 100} with a message of at most "
                               f"{ALERT_MESSAGE_MAX} characters, to someone else's channel.")
    message = apply_filters(body=message.strip(), kind=CHAT_CONTEXT_KIND, context=channel, author=user)
    live = Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).values_list("pk", flat=True).first()
    return checkout_session_start(
        user=user, kind=DONATION_KIND, product_name=f"Donation to {channel.name}", amount_minor=amount_minor,
        currency=settings.PAYMENTS_CURRENCY,
        metadata={"channel_id": channel.pk, "stream_id": live or "", "message": message},
        success_url=success_url, cancel_url=cancel_url)


@transaction.atomic
def donation_fulfil(*, purchase_metadata: dict, amount_minor: int, currency: str, stripe_object_id: str) -> None:
    purchase = Purchase.objects.select_related("user").get(stripe_id=stripe_object_id)
    channel = Channel.objects.select_related("owner").get(pk=int(purchase_metadata["channel_id"]))
    stream_id = purchase_metadata.get("stream_id")
    stream = Stream.objects.filter(pk=int(stream_id), channel=channel).first() if stream_id else None
    message = purchase_metadata.get("message", "")[:ALERT_MESSAGE_MAX]
    donation = Donation.objects.create(channel=channel, stream=stream, donor=purchase.user, purchase=purchase,
                                       amount_minor=amount_minor, currency=currency, message=message)
    ledger_credit(creator=channel.owner, source=LedgerSource.DONATION, reference=stripe_object_id,
                  amount_minor=amount_minor, currency=currency)
    audit_record(actor=purchase.user, verb=PaymentAuditVerb.DONATION_RECEIVED, target=donation, details={
        "channel": channel.pk, "amount_minor": amount_minor, "currency": currency, "purchase": stripe_object_id})
    live = stream if stream is not None and stream.status == StreamStatus.LIVE else \
        Stream.objects.filter(channel=channel, status=StreamStatus.LIVE).first()
    if live is not None:
        stream_alert_publish(stream=live, kind="donation", actor=purchase.user, amount_minor=amount_minor,
                             currency=currency, message=message)


@transaction.atomic
def donation_reverse(*, purchase_metadata: dict, amount_minor: int, currency: str, stripe_object_id: str) -> None:
    """A refunded or disputed donation leaves the totals; the creator's balance loses the reversed share."""
    reversal = PurchaseReversal.objects.select_related("purchase").get(stripe_id=stripe_object_id)
    donation = Donation.objects.select_for_update().get(purchase=reversal.purchase)
    if reversal.purchase.status in (PurchaseStatus.REFUNDED, PurchaseStatus.DISPUTED):  # a partial refund stays
        donation.is_reversed = True
        donation.save(update_fields=["is_reversed"])
    credit = LedgerEntry.objects.get(source=LedgerSource.DONATION, reference=reversal.purchase.stripe_id)
    ledger_reverse(creator=credit.creator, original=credit, reference=stripe_object_id,
                   gross_reversed_minor=amount_minor, gross_minor=reversal.purchase.amount_minor)
    audit_record(actor=None, verb=PaymentAuditVerb.DONATION_REVERSED, target=donation, details={
        "reversal": stripe_object_id, "amount_minor": amount_minor, "currency": currency})
