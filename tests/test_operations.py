"""Operations: liveness and readiness, Prometheus metrics closed to the public, Sentry only with a DSN,
structured JSON logs in production."""

import json
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError
from django.test import Client

pytestmark = pytest.mark.django_db

PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "example.com",
              "DJANGO_SECRET_KEY": "ops-test-dummy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"}


def test_liveness_and_readiness(client):
    assert client.get("/healthz").content == b"ok"
    assert client.get("/readyz").json() == {"ready": True, "down": []}


def test_readiness_names_what_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=DatabaseError("gone")):
        response = client.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"ready": False, "down": ["database", "redis"]})


def test_metrics_are_closed_to_the_public_and_count_requests_and_throttles(client, settings, monkeypatch):
    from config.api import CallerRateThrottle

    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404  # no token set: closed
    settings.METRICS_TOKEN = "scrape-me"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404

    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"anon": "1/min", "user": "1/min", "token": "1/min"})
    assert [Client().get("/api/v1/handles/free_handle/").status_code for _ in range(2)] == [200, 429]
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me").content.decode()
    assert 'wt_http_requests_total{method="GET",route="api/v1/handles/<str:handle>/",status="429"}' in body
    assert 'wt_api_throttled_total{scope="anon"}' in body
    assert "wt_http_request_seconds_bucket" in body


def run_production(code: str, **env) -> str:
    done = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], capture_output=True,
                          text=True, timeout=60, cwd=django_settings.BASE_DIR,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **PRODUCTION, **env})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


def test_sentry_reports_only_when_a_dsn_is_set():
    check = "import sentry_sdk; print('sentry', sentry_sdk.get_client().is_active())"
    assert "sentry False" in run_production(check, SENTRY_DSN="")
    assert "sentry True" in run_production(check, SENTRY_DSN="https://public@sentry.example/1")


def test_production_logs_are_one_json_object_a_line():
    out = run_production("import logging; logging.getLogger('wt.ops').warning('room %s closed', 'abc', extra={'room': 'abc'})")
    line = json.loads(out.strip().splitlines()[-1])
    assert {k: line[k] for k in ("level", "logger", "message", "room")} == {
        "level": "WARNING", "logger": "wt.ops", "message": "room abc closed", "room": "abc"}
