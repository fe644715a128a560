import functools
import json

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from config import event_schema, realtime
from tests.accounts.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # rate limits and throttles live in the cache (Redis in CI)


class Published(list):
    """Events sent through config.realtime, decoded: [(groups, event, close), ...]."""

    def events(self, type_: str | None = None, op: str | None = None) -> list[dict]:
        return [e for _, e, _ in self if (type_ is None or e["type"] == type_) and (op is None or e.get("op") == op)]

    def to(self, group: str) -> list[dict]:
        return [e for groups, e, _ in self if group in groups]


@pytest.fixture
def published(monkeypatch):
    """Capture what services publish once their transactions commit (instead of sending it), each event
    checked against the shape its events.py declares (config.event_schema): an unknown event fails."""
    sent = Published()

    def record(groups, message):
        event = json.loads(message["text"])
        event_schema.check(event)
        sent.append((list(groups), event, message.get("close")))

    monkeypatch.setattr(realtime, "send_now", record)
    return sent


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit(): ...` runs what the block registered for after commit (events, Redis writes), so
    `published` sees it."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


requires_postgres = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="race tests need PostgreSQL row locks (set DATABASE_URL; CI does)",
)


# -- people: the same handles in every app's tests -------------------------------------------------------
@pytest.fixture
def alice():
    return UserFactory(handle="alice")


@pytest.fixture
def bob():
    return UserFactory(handle="bob")


@pytest.fixture
def carol():
    return UserFactory(handle="carol")


@pytest.fixture
def dave():
    return UserFactory(handle="dave")
