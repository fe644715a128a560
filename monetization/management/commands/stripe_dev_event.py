"""Walk a payment flow with no Stripe account: start a real checkout through the services, then deliver the
correctly signed webhook events Stripe would send (STRIPE_DEV_LOCAL=1, docs/payments.md).

  manage.py stripe_dev_event premium --user alice
  manage.py stripe_dev_event subscription --user bob --tier 3 [--gift-to carol]
  manage.py stripe_dev_event donation --user bob --channel some-slug --amount 5.00 --message "gg"
  manage.py stripe_dev_event ad_order --user shop --amount 50.00 --metadata order_id=7 --metadata ad_id=3
  manage.py stripe_dev_event refund --session cs_dev_... [--amount 2.50]     (or: dispute --session ...)
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from config.errors import ApplicationError
from monetization import dev_events, stripe_gateway
from monetization.models import Purchase
from monetization.services import checkout, donations, premium, subscriptions
from streams.models import Channel

KINDS = ["premium", "subscription", "donation", "ad_order", "refund", "dispute"]


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("what", choices=KINDS)
        parser.add_argument("--user", help="the buyer's handle")
        parser.add_argument("--tier", type=int, help="subscription tier id")
        parser.add_argument("--gift-to", help="gift the subscription to this handle")
        parser.add_argument("--channel", help="channel slug (donation)")
        parser.add_argument("--amount", help="amount in currency units, e.g. 5.00")
        parser.add_argument("--message", default="")
        parser.add_argument("--metadata", action="append", default=[], help="key=value (other purchase kinds)")
        parser.add_argument("--session", help="the Checkout session to refund or dispute")
        parser.add_argument("--url", default=f"{settings.SITE_URL}/stripe/webhook/", help="the webhook URL")

    def handle(self, *args, **options):
        if not settings.STRIPE_DEV_LOCAL:
            raise CommandError("Set STRIPE_DEV_LOCAL=1 (here and on the server): see docs/payments.md.")
        what = options["what"]
        if what in ("refund", "dispute"):
            event = self._reversal(what, options)
        else:
            try:
                event = self._checkout(what, options)
            except ApplicationError as error:
                raise CommandError(error.message) from None
        body, signature = dev_events.event_signed(event, secret=settings.STRIPE_WEBHOOK_SECRET)
        status = dev_events.event_deliver(options["url"], body, signature)
        self.stdout.write(f"{event['type']} {event['data']['object']['id']} → {options['url']}: HTTP {status}")
        if status != 200:
            raise CommandError("The webhook refused the event.")

    def _checkout(self, what: str, options) -> dict:
        user = self._user(options["user"])
        urls = {"success_url": f"{settings.SITE_URL}/payments/done/", "cancel_url": f"{settings.SITE_URL}/"}
        if what == "premium":
            start = premium.premium_checkout_start(user=user, **urls)
        elif what == "subscription":
            gift_to = self._user(options["gift_to"]) if options["gift_to"] else None
            start = subscriptions.subscription_checkout_start(user=user, tier_id=options["tier"], gift_to=gift_to, **urls)
        elif what == "donation":
            channel = Channel.objects.filter(slug=options["channel"]).first()
            if channel is None:
                raise CommandError("--channel: no such channel")
            start = donations.donation_checkout_start(user=user, channel=channel, amount_minor=self._minor(options),
                                                      message=options["message"], **urls)
        else:
            metadata = dict(pair.split("=", 1) for pair in options["metadata"])
            start = checkout.checkout_session_start(user=user, kind=what, product_name=what, metadata=metadata,
                                                    amount_minor=self._minor(options),
                                                    currency=settings.PAYMENTS_CURRENCY, **urls)
        params = stripe_gateway.dev_checkout_params(start.session_id)
        amount = params["line_items"][0]["price_data"]["unit_amount"]
        session = dev_events.checkout_session_paid(
            session_id=start.session_id, metadata=params["metadata"], amount_minor=amount,
            currency=params["line_items"][0]["price_data"]["currency"], monthly=params["mode"] == "subscription",
            customer=checkout.customer_id_for(user) or None)
        return dev_events.event_for("checkout.session.completed", session)

    def _reversal(self, what: str, options) -> dict:
        purchase = Purchase.objects.filter(stripe_id=options["session"] or "").first()
        if purchase is None:
            raise CommandError("--session: no purchase with that Checkout session id (was its webhook processed?)")
        amount = self._minor(options) if options["amount"] else purchase.amount_minor
        build = dev_events.refund_succeeded if what == "refund" else dev_events.dispute_opened
        obj = build(payment_intent=purchase.payment_intent_id, amount_minor=amount, currency=purchase.currency)
        return dev_events.event_for("refund.created" if what == "refund" else "charge.dispute.created", obj)

    @staticmethod
    def _user(handle: str | None) -> User:
        user = User.objects.filter(handle__iexact=(handle or "").lstrip("@")).first()
        if user is None:
            raise CommandError("--user / --gift-to: no such user")
        return user

    @staticmethod
    def _minor(options) -> int:
        try:
            return round(float(options["amount"]) * 100)
        except (TypeError, ValueError):
            raise CommandError("--amount: a number like 5.00") from None
