#!/usr/bin/env python
"""Stripe webhook processing: events per second through our whole path, next to dj-stripe's own processing
of the same events.

Both sides get the same N signed `checkout.session.completed` events (a donation each, distinct sessions),
signed with the real `stripe` library, and talk to the same fake Stripe: `stripe`'s HTTP layer
(_APIRequestor.request_raw) is replaced by a dictionary of objects, so every API call either side makes is
answered locally at the client's boundary (no network) and counted.

- ours: POST /stripe/webhook/ through Django's handler (signature, tolerance, the unique event row), then the
  Celery task inline (CELERY_TASK_ALWAYS_EAGER): lock the event, fetch the session's current state, record the
  Purchase, fulfil the donation (Donation, creator ledger entry, audit rows; no stream is live, so no alert).
- peer: dj-stripe 2.11's ProcessWebhookView for a WebhookEndpoint row (its WebhookEventTrigger row, signature
  check, Event row and the sync of the Checkout session with the customer and payment intent it fetches).
- floor: the signature check alone (stripe.Webhook.construct_event).

It runs in its own database (default wt_bench_webhooks on the server of DATABASE_URL, dropped and re-created,
tables made straight from the models: no migrations) and prints events/s side by side with ratios.

    .venv/bin/python bench/webhooks.py              # 1,000 events
    .venv/bin/python bench/webhooks.py --smoke      # 30 events
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "whsec_bench_" + "b" * 24


def setup_django(database: str) -> None:
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgres://watchtogether@127.0.0.1:5432/watchtogether")
    parts = urlsplit(base)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        conn.execute(f'CREATE DATABASE "{database}"')
    os.environ.update(
        DATABASE_URL=urlunsplit(parts._replace(path=f"/{database}")), DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false", CELERY_TASK_ALWAYS_EAGER="true", STRIPE_SECRET_KEY="sk_test_" + "b" * 30,
        STRIPE_WEBHOOK_SECRET=SECRET, LOG_LEVEL="ERROR", REDIS_URL="", DJANGO_SECRET_KEY="bench-only-" + "x" * 50,
        DJANGO_SECURE_SSL_REDIRECT="false",
    )
    import warnings

    from django.conf import settings

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic for a bench
    settings.MIGRATION_MODULES = {app.rsplit(".", 1)[-1]: None for app in settings.INSTALLED_APPS}
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


class FakeStripeHTTP:
    """Stripe's REST answers from a dictionary: GET /v1/<resource>/<id> → the object."""

    def __init__(self):
        self.objects: dict[str, dict] = {}
        self.calls = 0

    def put(self, path: str, obj: dict) -> None:
        self.objects[path] = obj

    def request_raw(self, requestor, method, url, params=None, options=None, is_streaming=False, **kwargs):
        self.calls += 1
        path = urlsplit(url).path
        if path in self.objects:
            return json.dumps(self.objects[path]), 200, {}
        return json.dumps({"error": {"type": "invalid_request_error", "message": f"No such object: {path}"}}), 404, {}


def build_events(count: int, channel_id: int, donor_id: int, fake: FakeStripeHTTP) -> list[dict]:
    from monetization import dev_events

    fake.put("/v1/account", {"id": "acct_bench", "object": "account", "type": "standard", "livemode": False,
                             "created": int(time.time()), "country": "US", "default_currency": "usd",
                             "charges_enabled": True, "payouts_enabled": True, "details_submitted": True,
                             "email": "platform@example.com", "business_profile": {}, "settings": {}, "metadata": {}})
    events = []
    for _ in range(count):
        session = dev_events.checkout_session_paid(
            metadata={"kind": "donation", "user_id": donor_id, "channel_id": channel_id, "message": "bench"},
            amount_minor=500, currency="usd")
        customer = {"id": session["customer"], "object": "customer", "livemode": False, "created": session["created"],
                    "metadata": {}, "invoice_settings": {}, "email": "donor@example.com"}
        intent = {"id": session["payment_intent"], "object": "payment_intent", "amount": 500, "currency": "usd",
                  "status": "succeeded", "livemode": False, "created": session["created"], "customer": None,
                  "payment_method_types": ["card"], "capture_method": "automatic", "confirmation_method": "automatic",
                  "metadata": {}}
        session.update(livemode=False, customer=None)
        fake.put(f"/v1/checkout/sessions/{session['id']}", session)
        fake.put(f"/v1/customers/{customer['id']}", customer)
        fake.put(f"/v1/payment_intents/{intent['id']}", intent)
        events.append(dev_events.event_for("checkout.session.completed", session))
    return events


def signed(events: list[dict]) -> list[tuple[bytes, str]]:
    from monetization import dev_events

    return [dev_events.event_signed(event, secret=SECRET) for event in events]


def run_ours(payloads) -> float:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    start = time.perf_counter()
    for body, signature in payloads:
        response = client.post("/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
        assert response.status_code == 200, response.content
    return time.perf_counter() - start


def run_djstripe(payloads, warm_up, endpoint_id: str = "we_bench") -> float:
    from django.test import RequestFactory
    from djstripe.models import WebhookEndpoint
    from djstripe.views import ProcessWebhookView

    endpoint = WebhookEndpoint.objects.create(
        id=endpoint_id, url="http://127.0.0.1/stripe/webhook/", secret=SECRET, livemode=False,
        enabled_events=["*"], status="enabled", api_version="2025-08-27.basil")
    view, factory = ProcessWebhookView.as_view(), RequestFactory(HTTP_HOST="127.0.0.1")

    def post_all(batch):
        for body, signature in batch:
            request = factory.post(f"/stripe/webhook/{endpoint.djstripe_uuid}/", body,
                                   content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
            response = view(request, uuid=endpoint.djstripe_uuid)
            assert response.status_code == 200, response.content

    post_all(warm_up)  # not counted, like ours
    start = time.perf_counter()
    post_all(payloads)
    return time.perf_counter() - start


def run_floor(payloads) -> float:
    import stripe

    start = time.perf_counter()
    for body, signature in payloads:
        stripe.Webhook.construct_event(body, signature, SECRET, tolerance=300)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--database", default="wt_bench_webhooks")
    parser.add_argument("--smoke", action="store_true", help="30 events, its own database")
    args = parser.parse_args()
    if args.smoke:
        args.events, args.database = 30, "wt_bench_webhooks_smoke"
    setup_django(args.database)

    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from djstripe.models import Event

    from monetization.models import Donation, Purchase
    from tests.accounts.factories import UserFactory
    from tests.streams.factories import ChannelFactory

    fake = FakeStripeHTTP()
    channel, donor = ChannelFactory(), UserFactory()
    warm_up, events = build_events(3, channel.pk, donor.pk, fake), build_events(args.events, channel.pk, donor.pk, fake)
    with mock.patch("stripe._api_requestor._APIRequestor.request_raw", autospec=True, side_effect=fake.request_raw):
        # each side signs just before its run (the signatures expire after 300 s)
        run_ours(signed(warm_up))  # warm-up (imports, URL resolver, first queries), not counted
        fake.calls = 0
        ours = run_ours(signed(events))
        ours_calls, fake.calls = fake.calls, 0
        peer = run_djstripe(signed(events), signed(warm_up))
        peer_calls = fake.calls
        floor = run_floor(signed(events))
        # SQL statements per event (untimed: counting them forces Django's debug cursor), 20 fresh events each
        extra = build_events(20, channel.pk, donor.pk, fake)
        with CaptureQueriesContext(connection) as ours_sql:
            run_ours(signed(extra))
        with CaptureQueriesContext(connection) as peer_sql:
            run_djstripe(signed(extra), [], endpoint_id="we_bench_sql")
    assert Purchase.objects.count() == Donation.objects.count() == args.events + 23, "ours missed events"
    assert Event.objects.count() == args.events + 23, "dj-stripe missed events"

    n = args.events
    rows = [("ours (signature, dedup, effect)", ours, ours_calls, len(ours_sql) / 20),
            ("dj-stripe ProcessWebhookView", peer, peer_calls, len(peer_sql) / 20),
            ("floor: signature check only", floor, 0, 0)]
    print(f"{n} checkout.session.completed events, one at a time")
    print(f"{'':34} {'events/s':>10} {'ms/event':>9} {'API calls':>10} {'SQL/event':>10}")
    for name, seconds, calls, sql in rows:
        print(f"{name:34} {n / seconds:10.1f} {seconds / n * 1000:9.2f} {calls:10d} {sql:10.1f}")
    print(f"ratio ours / dj-stripe (events/s): {peer / ours:.2f}x")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"webhooks-{int(time.time())}.json").write_text(json.dumps(
        {"events": n, "ours_s": ours, "djstripe_s": peer, "floor_s": floor, "ours_calls": ours_calls,
         "djstripe_calls": peer_calls}))


if __name__ == "__main__":
    main()
