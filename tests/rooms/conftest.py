"""Helpers shared by the rooms tests: sockets through the real ASGI stack, threads for races.

(The accounts tests have their own copies inside test modules; nothing is moved from there.)
"""

import asyncio
import contextlib
from urllib.parse import quote

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.errors import ApplicationError
from rooms.chat_filters import _filters

ORIGIN = b"http://localhost"
WAIT = 5  # seconds; generous for the Redis pub/sub layer in CI
QUIET = 0.5  # how long "receives nothing" listens


# -- sockets -----------------------------------------------------------------------------------------
def login(user) -> str:
    """Sign in like a browser (one session per account); return the session key."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def call(fn, /, *args, **kwargs):
    """Run sync code (services, ORM) in a worker thread, as a view would."""
    return database_sync_to_async(fn)(*args, **kwargs)


async def frame(comm) -> dict:
    return await comm.receive_json_from(timeout=WAIT)


async def frames(comm, count: int) -> list[dict]:
    return [await frame(comm) for _ in range(count)]


async def closed(comm) -> dict:
    """The next output must be the server closing the socket."""
    output = await comm.receive_output(timeout=WAIT)
    assert output["type"] == "websocket.close", output
    return output


async def quiet(comm) -> None:
    assert await comm.receive_nothing(timeout=QUIET), "unexpected frame"


@pytest_asyncio.fixture
async def sockets():
    """open(path, session_key) → a connected communicator; every one is disconnected at the end."""
    opened: list[WebsocketCommunicator] = []

    async def open_(path: str, session_key: str | None, *, origin: bytes | None = ORIGIN):
        headers = [(b"origin", origin)] if origin is not None else []
        if session_key is not None:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
        comm = WebsocketCommunicator(application(), path, headers=headers)
        opened.append(comm)
        comm.connected, comm.close_code = await comm.connect(timeout=WAIT)
        return comm

    yield open_
    for comm in opened:
        with contextlib.suppress(asyncio.CancelledError):  # a timed-out receive already cancelled it
            await comm.disconnect(timeout=WAIT)


def application():
    from config.asgi import application as asgi_application

    return asgi_application


def room_path(code: str) -> str:
    return f"/ws/rooms/{quote(code)}/"


# -- races: see tests/races.py ----------------------------------------------------------------------
from tests.queries import count_queries  # noqa: E402,F401  (re-exported for the rooms tests)
from tests.races import outcome, run_together  # noqa: E402,F401  (re-exported for the rooms tests)


# -- chat filters ------------------------------------------------------------------------------------
@pytest.fixture
def chat_filters(settings):
    """set(*dotted_paths): install ROOM_CHAT_FILTERS (rooms.chat_filters caches what it loaded)."""

    def set_(*paths: str) -> None:
        settings.ROOM_CHAT_FILTERS = list(paths)
        _filters.cache_clear()

    yield set_
    _filters.cache_clear()


# -- services ----------------------------------------------------------------------------------------
@contextlib.contextmanager
def refused(code: str, status: int | None = None):
    """The block must raise an ApplicationError with this code (and HTTP status)."""
    with pytest.raises(ApplicationError) as info:
        yield info
    assert info.value.code == code, (info.value.code, info.value.message)
    if status is not None:
        assert info.value.status == status, info.value.status



# -- queued files' metadata ----------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def probes_enqueued(monkeypatch):
    """queue_add enqueues rooms.tasks.probe_queue_item on commit: record it instead of reaching a broker."""
    from rooms import tasks

    enqueued = []
    monkeypatch.setattr(tasks.probe_queue_item, "delay", lambda item_id: enqueued.append(item_id))
    return enqueued
