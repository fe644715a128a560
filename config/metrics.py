"""Prometheus metrics (prometheus-client), one `/metrics` per process kind, each closed to the public: it
answers only a scraper holding METRICS_TOKEN (`Authorization: Bearer …`), 404 to anyone else, and always
404 while METRICS_TOKEN is unset. Each process has its own figures (scrape each one; docs/operations.md).

- web (daphne: HTTP and WebSockets): `/metrics` on the site — the families below;
- worker (Celery): config.worker_metrics, its own port (task outcomes, queue depths);
- relay: media_relay.relay_metrics, `/metrics` on the relay's WHIP/WHEP port (rooms, peers, packets, loss, CPU).
"""

import hmac
import time

from django.conf import settings
from django.http import Http404, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

HTTP_REQUESTS = Counter("wt_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
HTTP_SECONDS = Histogram("wt_http_request_seconds", "Time to answer an HTTP request", ["route"],
                         buckets=LATENCY_BUCKETS)
THROTTLED = Counter("wt_api_throttled_total", "API requests refused with 429", ["scope"])

# WebSockets (config.ws.BaseConsumer), labelled by consumer class: a bounded set, unlike paths
WS_CONNECTS = Counter("wt_ws_connects_total", "WebSocket connections accepted", ["consumer"])
WS_CONNECT_SECONDS = Histogram("wt_ws_connect_seconds", "From accept to joined (authorize and groups)",
                               ["consumer"], buckets=LATENCY_BUCKETS)
WS_OPEN = Gauge("wt_ws_open", "WebSocket connections open now", ["consumer"])
WS_CLOSES = Counter("wt_ws_closes_total", "WebSocket connections ended, by close code", ["consumer", "code"])
WS_MESSAGES = Counter("wt_ws_messages_total", "Client messages handled, by declared type", ["consumer", "type"])
WS_MESSAGE_SECONDS = Histogram("wt_ws_message_seconds", "Time to handle a client message", ["consumer", "type"],
                               buckets=LATENCY_BUCKETS)

# The channel layer (config.realtime.send_now): one publish per group; a drop is a publish that failed
LAYER_PUBLISHES = Counter("wt_channel_layer_publishes_total", "Events published to a channel-layer group")
LAYER_DROPS = Counter("wt_channel_layer_drops_total", "Events the channel layer failed to take (sockets resync)")


class MetricsMiddleware:
    """First in MIDDLEWARE: counts and times every request by its URL pattern (not its path: bounded labels)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else "unmatched"
        HTTP_SECONDS.labels(route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response


def scraper_allowed(authorization: str) -> bool:
    """Does this Authorization header hold METRICS_TOKEN? (Never, while it is unset.)"""
    token = settings.METRICS_TOKEN
    presented = authorization.removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(presented.encode(), token.encode())


def metrics_view(request):
    if not scraper_allowed(request.headers.get("Authorization", "")):
        raise Http404  # closed to the public: not even its existence
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
