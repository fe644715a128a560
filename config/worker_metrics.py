"""The Celery worker's Prometheus metrics: task outcomes (Celery's signals) and the broker's queue depths
(read at scrape time), served on the worker's own port to a scraper holding METRICS_TOKEN (config.metrics).

Started by config.celery when the worker is ready, if WORKER_METRICS_PORT is set. Tasks run in the pool's
child processes (prefork): set PROMETHEUS_MULTIPROC_DIR (an empty directory per worker) and their counts
are summed here; with a solo or threads pool they are this process's own (docs/operations.md, "Metrics").
"""

import logging
import os
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from celery.signals import task_failure, task_rejected, task_retry, task_success, task_unknown
from prometheus_client import CollectorRegistry, Counter, make_wsgi_app, multiprocess
from prometheus_client.core import GaugeMetricFamily

from config.metrics import scraper_allowed

logger = logging.getLogger(__name__)

TASKS = Counter("wt_celery_tasks_total", "Celery tasks finished, by outcome", ["task", "outcome"])


@task_success.connect
def _succeeded(sender=None, **kwargs):
    TASKS.labels(sender.name, "success").inc()


@task_failure.connect
def _failed(sender=None, **kwargs):
    TASKS.labels(sender.name, "failure").inc()


@task_retry.connect
def _retried(sender=None, **kwargs):
    TASKS.labels(sender.name, "retry").inc()


@task_rejected.connect
def _rejected(message=None, **kwargs):
    TASKS.labels("unknown", "rejected").inc()


@task_unknown.connect
def _unknown(name=None, **kwargs):
    TASKS.labels("unknown", "unknown").inc()


class QueueDepths:
    """wt_celery_queue_depth{queue}: messages waiting in each queue the worker consumes, asked of the broker."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        family = GaugeMetricFamily("wt_celery_queue_depth", "Messages waiting in a Celery queue", labels=["queue"])
        names = list(self.app.amqp.queues) or [self.app.conf.task_default_queue]
        try:
            with self.app.connection_for_read() as connection:
                channel = connection.default_channel
                for name in names:
                    family.add_metric([name], _depth(connection, channel, name))
        except Exception:  # noqa: BLE001 - the broker away: no figure rather than a failed scrape
            logger.warning("worker metrics: could not read the queue depths", exc_info=True)
        yield family


def _depth(connection, channel, name: str) -> int:
    try:
        return channel.queue_declare(queue=name, passive=True).message_count
    except connection.channel_errors:  # not declared yet (Redis: no message ever sent to it): nothing waits
        return 0


def worker_registry(app) -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # the pool's children's counts, summed
    else:
        registry.register(TASKS)
    registry.register(QueueDepths(app))
    return registry


def metrics_app(registry: CollectorRegistry):
    """The WSGI app of /metrics: 404 unless the scraper holds METRICS_TOKEN."""
    serve = make_wsgi_app(registry)

    def app(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics" or not scraper_allowed(environ.get("HTTP_AUTHORIZATION", "")):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found"]
        return serve(environ, start_response)

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the scraper's every request is not news
        pass


def metrics_server_start(app, *, host: str, port: int) -> WSGIServer:
    """Serve the worker's /metrics from a daemon thread; returns the server (its port: server.server_port)."""
    server = make_server(host, port, metrics_app(worker_registry(app)), handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    logger.info("worker metrics on http://%s:%d/metrics", host, server.server_port)
    return server
