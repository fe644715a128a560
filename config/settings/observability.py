"""Metrics (config/metrics.py) and error reporting: Sentry when SENTRY_DSN is set, nothing when it is not."""

import sentry_sdk
from sentry_sdk.integrations.asyncio import AsyncioIntegration
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from config.env import env

METRICS_TOKEN = env("METRICS_TOKEN", default="")  # every /metrics answers only `Authorization: Bearer <this>`
# The Celery worker's /metrics (config.worker_metrics): off unless a port is given; on the private network only
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)
WORKER_METRICS_HOST = env("WORKER_METRICS_HOST", default="127.0.0.1")
SENTRY_DSN = env("SENTRY_DSN", default="")

if SENTRY_DSN:
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        integrations=[DjangoIntegration(), CeleryIntegration(), AsyncioIntegration()],
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
