"""The test kit itself: the e2e marker, the quiet() sentinel, parallel workers kept apart."""

import copy
import os
import subprocess
import sys

import pytest
from channels.layers import get_channel_layer
from django.conf import settings as django_settings

from config.event_schema import EventShapeError
from config.realtime import EVENT_HANDLER, encode, publish_on_commit, user_group
from tests.conftest import isolate_xdist_worker
from tests.sockets import call, frame, login, quiet


def collected(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", *args],
        cwd=django_settings.BASE_DIR, capture_output=True, text=True, timeout=120,
    )
    return result.stdout


def test_not_e2e_leaves_the_browser_journeys_out():
    journeys = "tests/e2e/test_account_journey.py"
    assert "test_account_journey.py::" in collected("-m", "e2e", journeys)
    assert "test_account_journey.py::" not in collected("-m", "not e2e", journeys)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_quiet_fails_on_a_frame_sent_before_it(sockets, alice):
    comm = await sockets("/ws/me/", await call(login, alice))
    assert (await frame(comm))["type"] == "hello"
    await quiet(comm)
    await get_channel_layer().group_send(user_group(alice.pk), {
        "type": EVENT_HANDLER, "text": encode({"type": "rooms.match", "op": "expired"}),
    })
    with pytest.raises(AssertionError, match="rooms.match"):
        await quiet(comm)


def test_each_xdist_worker_gets_its_own_redis_database_and_channel_prefix(settings, monkeypatch):
    for name in ("REDIS_URL", "CHANNEL_LAYER_PREFIX", "CELERY_BROKER_URL"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/7"
    settings.CACHES = {"default": {"LOCATION": settings.REDIS_URL}}
    settings.CHANNEL_LAYERS = copy.deepcopy({"default": {"CONFIG": {"hosts": [settings.REDIS_URL]}}})

    isolate_xdist_worker()

    assert settings.REDIS_URL == os.environ["REDIS_URL"] == "redis://127.0.0.1:6379/15"
    assert settings.CACHES["default"]["LOCATION"] == settings.CELERY_BROKER_URL == settings.REDIS_URL
    assert settings.CHANNEL_LAYERS["default"]["CONFIG"] == {"hosts": [settings.REDIS_URL], "prefix": "asgi-gw1"}
    assert os.environ["CHANNEL_LAYER_PREFIX"] == "asgi-gw1"


@pytest.mark.django_db
def test_published_refuses_an_event_with_no_declared_shape(published, commit):
    with pytest.raises(EventShapeError, match="rooms.nothing"), commit():
        publish_on_commit("room.1", {"type": "rooms.nothing", "op": "happened"})
    with commit():
        publish_on_commit("room.1", {"type": "rooms.match", "op": "expired"})
    assert published.events() == [{"type": "rooms.match", "op": "expired"}]
