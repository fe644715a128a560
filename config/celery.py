import os

from celery import Celery
from celery.signals import worker_ready

from config import worker_metrics  # task outcomes counted wherever tasks run (its signal receivers)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("watchtogether")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _serve_metrics(sender=None, **kwargs):
    """The worker's /metrics (config.worker_metrics), when WORKER_METRICS_PORT is set."""
    from django.conf import settings

    if settings.WORKER_METRICS_PORT:
        worker_metrics.metrics_server_start(app, host=settings.WORKER_METRICS_HOST, port=settings.WORKER_METRICS_PORT)
