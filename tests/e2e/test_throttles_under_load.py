"""RELIABILITY figure 15: throttles hold under concurrency, against a running daphne.

16 parallel keep-alive connections fire three times a caller's limit at once; with the cache's
read-modify-write (DRF's SimpleRateThrottle) 74 got through a 60/min limit. The counters are now one
atomic Redis script per hit (config.rate_counters): exactly the limit gets through, every response
says where the caller stands (RateLimit-*), and every 429 says when to retry.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.test import Client

from accounts.services.tokens import api_token_create
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="the atomic counters live in Redis (set REDIS_URL; CI does)")

CONNECTIONS = 16
LIMITS = {"anon": 30, "user": 60, "token": 90}


@pytest.fixture
def limits(monkeypatch):
    """Ask for it before asgi_server: daphne reads the rates from the environment."""
    for scope, limit in LIMITS.items():
        monkeypatch.setenv(f"API_THROTTLE_{scope.upper()}", f"{limit}/min")


def burst(url: str, headers: dict, total: int) -> list[requests.Response]:
    """`total` GETs of `url` over CONNECTIONS parallel keep-alive connections."""
    per_connection = [total // CONNECTIONS + (i < total % CONNECTIONS) for i in range(CONNECTIONS)]

    def connection(count):
        with requests.Session() as session:
            return [session.get(url, headers=headers, timeout=30) for _ in range(count)]

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        return [response for answers in pool.map(connection, per_connection) for response in answers]


def test_parallel_callers_get_exactly_their_limit_through(limits, asgi_server):
    alice = UserFactory()
    browser = Client()
    browser.force_login(alice)
    session = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"}
    token = {"Authorization": f"Bearer {api_token_create(user=alice, name='load')[1]}"}
    callers = {"anon": ("/api/v1/handles/free_handle/", {}), "user": ("/api/v1/me/", session),
               "token": ("/api/v1/me/", token)}

    passed = {}
    for scope, (path, headers) in callers.items():
        answers = burst(asgi_server.url + path, headers, 3 * LIMITS[scope])
        assert {r.status_code for r in answers} == {200, 429}, scope
        passed[scope] = sum(r.status_code == 200 for r in answers)
        for response in answers:
            assert response.headers["RateLimit-Limit"] == str(LIMITS[scope])
            assert 0 <= int(response.headers["RateLimit-Remaining"]) < LIMITS[scope]
            assert 1 <= int(response.headers["RateLimit-Reset"]) <= 60
            if response.status_code == 429:
                assert 1 <= int(response.headers["Retry-After"]) <= 60 and response.json()["code"] == "throttled"

    assert passed == LIMITS


def test_token_requests_refused_before_the_throttle_leave_the_limit_whole(limits, asgi_server):
    """A personal token's hit is counted with its look-up (one Redis round trip); a request then refused for a
    missing scope (403) gets its hit back in the middleware, in parallel as well as one by one."""
    _, key = api_token_create(user=UserFactory(), name="reader", scopes={"read"})
    headers = {"Authorization": f"Bearer {key}"}

    def write(_):
        return requests.patch(asgi_server.url + "/api/v1/me/", json={"bio": "no"}, headers=headers, timeout=30)

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        refused = list(pool.map(write, range(2 * LIMITS["token"])))
    assert {(r.status_code, r.json()["code"]) for r in refused} == {(403, "scope_missing")}

    answers = burst(asgi_server.url + "/api/v1/me/", headers, 2 * LIMITS["token"])
    assert sum(r.status_code == 200 for r in answers) == LIMITS["token"]
