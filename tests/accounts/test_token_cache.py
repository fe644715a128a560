"""Token look-ups kept in Redis (accounts/services/token_cache.py): cheaper, and never a revoked or suspended
token let through."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services.suspensions import user_suspension_set
from accounts.services.token_cache import KEY_PREFIX
from accounts.services.tokens import api_token_authenticate, api_token_create, api_token_revoke, hash_key
from accounts.services.users import user_deactivate
from config.api import CallerRateThrottle
from config.errors import ApplicationError
from tests.accounts.factories import UserFactory
from tests.api import assert_error, signed_in

pytestmark = pytest.mark.django_db


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def alice_key():
    alice = UserFactory(handle="alice")
    token, key = api_token_create(user=alice, name="bot")
    assert bearer(key).get("/api/v1/me/").status_code == 200  # the token is kept from here on
    assert cache.get(KEY_PREFIX + token.key_hash) is not None
    return alice, token, key


def test_a_kept_token_is_authenticated_without_a_query(alice_key):
    _, _, key = alice_key
    with CaptureQueriesContext(connection) as queries:
        token = api_token_authenticate(key=key)
    assert token.user.handle == "alice" and len(queries) == 0


def test_revoking_over_the_api_refuses_the_kept_token_at_once(alice_key):
    alice, token, key = alice_key
    assert signed_in(alice).delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert_error(bearer(key).get("/api/v1/me/"), 401, "token_revoked")


def test_a_request_that_read_the_row_before_the_revocation_cannot_put_it_back(alice_key):
    alice, token, key = alice_key
    live = ApiToken.objects.select_related("user").get(pk=token.pk)
    api_token_revoke(user=alice, token_id=token.pk)
    cache.add(KEY_PREFIX + token.key_hash, live, 10)  # what token_cached does with a row read just before
    with pytest.raises(ApplicationError) as refused:
        api_token_authenticate(key=key)
    assert refused.value.code == "token_revoked"


@pytest.mark.parametrize("change", [
    lambda user: user_suspension_set(user=user, until=timezone.now() + timedelta(days=1), reason="spam"),
    lambda user: user_deactivate(user=user),
], ids=["suspended", "deactivated"])
def test_a_suspended_or_deactivated_users_kept_token_is_refused_at_once(alice_key, change):
    alice, _, key = alice_key
    change(alice)
    assert_error(bearer(key).get("/api/v1/me/"), 401, "token_invalid")


def test_a_deleted_token_is_forgotten(alice_key):
    _, token, key = alice_key
    ApiToken.objects.filter(pk=token.pk).delete()  # a queryset delete still sends post_delete per row
    assert cache.get(KEY_PREFIX + hash_key(key)) is None
    assert_error(bearer(key).get("/api/v1/me/"), 401, "token_invalid")


def test_last_used_is_written_once_a_minute_though_the_kept_row_is_older(alice_key):
    _, token, key = alice_key
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=None)
    for _ in range(3):
        api_token_authenticate(key=key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None  # written when the fixture's request came


@pytest.fixture
def redis_commands(monkeypatch):
    """The names of the commands every synchronous Redis client sends (the cache's, the throttle's), in order."""
    sent = []
    send = redis.Redis.execute_command

    def counted(client, *args, **options):
        sent.append(args[0])
        return send(client, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    return sent


@pytest.mark.skipif(not settings.REDIS_URL, reason="the round trips are Redis's (set REDIS_URL; CI does)")
def test_a_kept_token_costs_one_redis_round_trip_that_counts_one_hit(monkeypatch, alice_key, redis_commands):
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min", "token": "3/min"})
    _, _, key = alice_key  # its request counted the window's first hit
    redis_commands.clear()
    response = bearer(key).get("/api/v1/me/")
    assert response.status_code == 200 and response["RateLimit-Remaining"] == "1"
    assert redis_commands == ["EVALSHA"]  # the throttle's script, the kept row read in it


@pytest.mark.parametrize("in_memory", [False, True], ids=["redis", "memory"])
def test_a_tokens_throttle_counts_each_request_once_and_refuses_past_its_limit(monkeypatch, in_memory):
    if in_memory:
        monkeypatch.setattr(settings, "REDIS_URL", "")  # the counters in process memory, the rows in the cache
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min", "token": "3/min"})
    alice = UserFactory()
    _, key = api_token_create(user=alice, name="bot")
    _, other_key = api_token_create(user=alice, name="other bot")
    remaining = [bearer(key).get("/api/v1/me/")["RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]  # the first one read the database, the others the kept row
    refused = bearer(key).get("/api/v1/me/")
    assert_error(refused, 429, "throttled")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert bearer(other_key).get("/api/v1/me/")["RateLimit-Remaining"] == "2"  # one bucket per token


def test_a_token_request_refused_before_the_throttle_is_not_counted(monkeypatch):
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min", "token": "3/min"})
    _, key = api_token_create(user=UserFactory(), name="reader", scopes={"read"})
    for _ in range(3):
        assert_error(bearer(key).patch("/api/v1/me/", {"bio": "no"}, format="json"), 403, "scope_missing")
    assert bearer(key).get("/api/v1/me/")["RateLimit-Remaining"] == "2"
