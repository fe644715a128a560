"""Re-sync from Stripe after missed webhooks: paid Checkout sessions, refunds and disputes of the last N days
run through the same idempotent services as the webhooks (what was applied already is skipped)."""

import time

from django.core.management.base import BaseCommand, CommandError

from monetization import stripe_gateway
from monetization.services.checkout import payments_are_configured
from monetization.services.webhooks import checkout_session_settle, dispute_settle, refund_settle


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3)

    def handle(self, *args, days: int, **options):
        if not payments_are_configured():
            raise CommandError("Payments are not configured (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET).")
        since = int(time.time()) - days * 86400
        fulfilled = sum(checkout_session_settle(session_id=s["id"]) is not None
                        for s in stripe_gateway.checkout_sessions_completed_since(since))
        for refund in stripe_gateway.refunds_since(since):
            refund_settle(refund_id=refund["id"])
        for dispute in stripe_gateway.disputes_since(since):
            dispute_settle(dispute_id=dispute["id"])
        self.stdout.write(f"reconciled the last {days} days: {fulfilled} purchases were missing and are fulfilled now")
