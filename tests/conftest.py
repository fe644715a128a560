import functools
import json
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings

from config import event_schema, realtime
from tests.accounts.factories import UserFactory
from tests.isolation import platform_state_reset
from tests.sockets import sockets  # noqa: F401  (the fixture every socket test uses)


def isolate_xdist_worker() -> None:
    """Under pytest-xdist each worker gets its own Redis database (cache flushes, leaderboards, relay
    registry) and channel-layer prefix (pub/sub ignores database numbers, and every worker's test
    database numbers its rooms from 1). Subprocesses (daphne, relay workers) inherit both through
    the environment. The workers' databases are spread over Redis's 16 (db 7 with 2 workers: 7, 15)."""
    worker, old_url = os.environ.get("PYTEST_XDIST_WORKER"), django_settings.REDIS_URL
    if not worker or not old_url:
        return
    index, count = int(worker.removeprefix("gw")), int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    parts = urlsplit(old_url)
    db = (int(parts.path.strip("/") or 0) + index * max(1, 16 // count)) % 16
    url, prefix = urlunsplit(parts._replace(path=f"/{db}")), f"asgi-{worker}"
    os.environ.update(REDIS_URL=url, CHANNEL_LAYER_PREFIX=prefix)
    django_settings.REDIS_URL = url
    django_settings.CACHES["default"]["LOCATION"] = url
    django_settings.CHANNEL_LAYERS["default"]["CONFIG"].update(hosts=[url], prefix=prefix)
    if django_settings.CELERY_BROKER_URL == old_url:
        django_settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"] = url


isolate_xdist_worker()  # before anything opens a cache or channel-layer connection


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    platform_state_reset(settings)


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
