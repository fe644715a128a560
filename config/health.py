"""Liveness and readiness for compose and load balancers.

/healthz: the process answers (liveness; no dependency checked, so a database outage does not restart it).
/readyz: it can serve: PostgreSQL answers a query and, when configured, Redis a PING; else 503 naming what
is down, so a load balancer sends traffic elsewhere until it comes back.
"""

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET


def readiness_problems() -> list[str]:
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        problems.append("database")
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        except redis.RedisError:
            problems.append("redis")
        finally:
            client.close()
    return problems


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def readyz(request):
    problems = readiness_problems()
    return JsonResponse({"ready": not problems, "down": problems}, status=503 if problems else 200)
