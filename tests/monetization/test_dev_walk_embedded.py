"""The development path of docs/payments.md, walked on the embedded default as a newcomer does it.

No DATABASE_URL and no REDIS_URL: a fresh SQLite file (its own VAR_DIR), its tables made from the models (the
migrations take minutes on the shared machine; pytest's --nomigrations does the same, and the packages' data
migration is run by hand); the real server (daphne)
with STRIPE_DEV_LOCAL=1 and Celery eager (the webhook's task runs in the web process, as the real task);
`manage.py stripe_dev_event` for premium, a subscription, a donation and an ad order, each a signed event POSTed
to /stripe/webhook/; then the effects read back from the SQLite file. The other tests of the command
(test_commands.py) run on the suite's PostgreSQL with the task called inline.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEP_TIMEOUT = 300  # seconds per command: the 2-core machine is shared

# the tables from the models, as pytest-django's --nomigrations makes them
CREATE_TABLES = """
import django
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
"""

SEED = """
import json
from tests.monetization.ad_factories import seed_packages
seed_packages()
from accounts.models import User
from monetization.models import AdPackage
from monetization.services.ads import ad_order_create, advertiser_create
from monetization.services.subscriptions import tier_create
from streams.models import Channel
from tests.monetization.ad_factories import running_ad

users = {h: User.objects.create_user(handle=h, email=f"{h}@example.test", password="x")
         for h in ("alice", "bob", "carol", "shop")}
channel = Channel.objects.create(owner=users["carol"], slug="carols", name="Carol's")
tier = tier_create(actor=users["carol"], channel=channel, name="Gold", price_minor=500)
ad = running_ad(advertiser_create(actor=users["shop"], company_name="Acme Tea"), bought=0, status="awaiting_payment")
package = AdPackage.objects.get(name="Starter")
order = ad_order_create(actor=users["shop"], ad=ad, package_id=package.pk)
print(json.dumps({"tier": tier.pk, "ad": ad.pk, "order": order.pk, "package_price": package.price_minor,
                  "package_impressions": package.impressions}))
"""

EFFECTS = """
import json
from accounts.models import User
from audit.models import AuditEvent
from monetization.models import Ad, AdOrder, ChannelSubscription, Donation, Purchase, WebhookEvent
from django.db import connection

alice = User.objects.get(handle="alice")
ad = Ad.objects.get()
donation = Donation.objects.get()
print(json.dumps({
    "engine": connection.vendor,
    "alice_premium": alice.is_premium,
    "bob_subscribed": ChannelSubscription.objects.filter(user__handle="bob", channel__slug="carols").count(),
    "donation": [donation.amount_minor, donation.message, donation.donor.handle],
    "ad": [ad.status, ad.impressions_bought, ad.paid_minor],
    "order": AdOrder.objects.get().status,
    "purchases": sorted(Purchase.objects.values_list("kind", flat=True)),
    "events": WebhookEvent.objects.count(),
    "unprocessed": WebhookEvent.objects.filter(processed_at__isnull=True).count(),
    "audited": AuditEvent.objects.filter(verb="payment.purchase_paid").count(),
}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def embedded(tmp_path):
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path / "var"), DJANGO_DEBUG="true", STRIPE_DEV_LOCAL="1", STRIPE_SECRET_KEY="",
               STRIPE_WEBHOOK_SECRET="", CELERY_TASK_ALWAYS_EAGER="true", SITE_URL=f"http://127.0.0.1:{port}",
               PYTHONPATH=str(ROOT))
    return env, port


def manage(env, *args) -> str:
    return python(env, "manage.py", *args)


def python(env, *args) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=STEP_TIMEOUT)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done.stdout


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read()[-3000:]
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


def test_premium_subscription_donation_and_ad_order_walk_the_dev_path_on_sqlite(embedded):
    env, port = embedded
    python(env, "-c", CREATE_TABLES)
    seeded = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
    server = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                               "config.asgi:application"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
        walk = [
            ("premium", "--user", "alice"),
            ("subscription", "--user", "bob", "--tier", str(seeded["tier"])),
            ("donation", "--user", "bob", "--channel", "carols", "--amount", "2.50", "--message", "gg"),
            ("ad_order", "--user", "shop", "--amount", f"{seeded['package_price'] / 100:.2f}",
             "--metadata", f"order_id={seeded['order']}", "--metadata", f"ad_id={seeded['ad']}"),
        ]
        for step in walk:
            assert "HTTP 200" in manage(env, "stripe_dev_event", *step), step
        for page in ("/", "/live/", "/clips/"):  # their SQL runs on SQLite too (trending clips rank by age)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=10) as response:
                assert response.status == 200, page
    finally:
        server.terminate()
        server.wait(timeout=30)
    effects = json.loads(manage(env, "shell", "-c", EFFECTS).strip().splitlines()[-1])
    assert effects == {
        "engine": "sqlite",
        "alice_premium": True,
        "bob_subscribed": 1,
        "donation": [250, "gg", "bob"],
        "ad": ["pending", seeded["package_impressions"], seeded["package_price"]],  # paid: in the review queue
        "order": "paid",
        "purchases": ["ad_order", "channel_subscription", "donation", "premium"],
        "events": 4,
        "unprocessed": 0,  # every event went through the task (eager), not left for a worker
        "audited": 4,
    }
