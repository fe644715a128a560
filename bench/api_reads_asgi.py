"""The ASGI application bench/api_reads.py serves: config.asgi's, plus the framework's floor.

`/bench/empty/` is an empty Django view behind the very same middleware (metrics, outages, security, CSP,
sessions, CSRF, auth, RateLimit headers, conditional GET) but no DRF, no query and no throttle: what any
Django answer costs on this server. Served with `daphne api_reads_asgi:application` (bench/ on PYTHONPATH).
"""

import os

from django.http import HttpResponse
from django.urls import path

from config import shared_reads
from config.asgi import application  # noqa: F401  (sets Django up first)
from config.urls import urlpatterns


def empty(request):
    return HttpResponse(b"{}", content_type="application/json")


urlpatterns.insert(0, path("bench/empty/", empty))

if os.environ.get("BENCH_NO_SHARED_READS"):  # api_reads.py --no-shared-reads: every list computed afresh
    shared_reads.SharedListCache.shared_seconds = 0.0
