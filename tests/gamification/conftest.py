"""Shared by the gamification tests: Redis isolation, a DB-only mode, commit callbacks, a clock."""

from datetime import UTC, datetime

import pytest
import redis
from django.conf import settings as django_settings

from gamification import leaderboard

HAS_REDIS = bool(django_settings.REDIS_URL)
requires_redis = pytest.mark.skipif(not HAS_REDIS, reason="needs Redis (set REDIS_URL; CI does)")

# A Wednesday: the week started Monday 2026-11-16, the month 2026-11-01 (UTC).
WEDNESDAY = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def wipe_leaderboard_keys() -> None:
    client = leaderboard.redis_client()
    if client is None:
        return
    try:
        keys = list(client.scan_iter(f"{leaderboard.KEY_PREFIX}:*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError:  # a test pointed the boards at a Redis that isn't there
        pass


@pytest.fixture(autouse=True)
def _isolated_boards():
    """Redis is not rolled back with the test's transaction: every test starts with no boards."""
    wipe_leaderboard_keys()
    yield
    wipe_leaderboard_keys()


@pytest.fixture
def no_redis(settings):
    """Run as on the embedded default: boards are read from the database."""
    settings.REDIS_URL = ""
    settings.LEADERBOARD_REDIS_URL = ""


@pytest.fixture(params=["database", "redis"])
def board_mode(request, settings):
    """Run a test on both read paths (the Redis one only where Redis is configured)."""
    if request.param == "redis":
        if not HAS_REDIS:
            pytest.skip("needs Redis (set REDIS_URL; CI does)")
    else:
        settings.REDIS_URL = ""
        settings.LEADERBOARD_REDIS_URL = ""
    return request.param

