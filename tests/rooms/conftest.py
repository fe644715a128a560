"""Helpers shared by the rooms tests (sockets: tests/sockets.py; threads for races: tests/races.py)."""

import contextlib
from urllib.parse import quote

import pytest

from chat.filters import _filters
from config.errors import ApplicationError


def room_path(code: str) -> str:
    return f"/ws/rooms/{quote(code)}/"


# -- races: see tests/races.py ----------------------------------------------------------------------
from tests.queries import count_queries  # noqa: E402,F401  (re-exported for the rooms tests)
from tests.races import outcome, run_together  # noqa: E402,F401  (re-exported for the rooms tests)


# -- chat filters ------------------------------------------------------------------------------------
@pytest.fixture
def chat_filters(settings):
    """set(*dotted_paths): install CHAT_FILTERS (chat.filters caches what it loaded)."""

    def set_(*paths: str) -> None:
        settings.CHAT_FILTERS = list(paths)
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
