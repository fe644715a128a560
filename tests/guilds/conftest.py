"""Fixtures and helpers for the guilds tests.

Sockets, races, `refused` and `commit` come from the rooms tests' helpers (tests/rooms/conftest.py);
only what guilds need on top is here.
"""

import contextlib
import threading

import pytest
from django.db.backends import utils as db_utils
from rest_framework.test import APIClient

from tests.rooms.conftest import commit, sockets  # noqa: F401 - fixtures shared with the rooms tests

from .factories import GuildFactory

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextlib.contextmanager
def count_queries():
    """Count SQL statements in every thread (consumers query from worker threads), without
    transaction control, which SQLite sends through the cursor and PostgreSQL does not."""
    statements: list[str] = []
    lock = threading.Lock()
    original = db_utils.CursorWrapper._execute_with_wrappers

    def counting(self, sql, params, many, executor):
        if not sql.lstrip().upper().startswith(TRANSACTION_CONTROL):
            with lock:
                statements.append(sql)
        return original(self, sql, params, many, executor)

    db_utils.CursorWrapper._execute_with_wrappers = counting
    try:
        yield statements
    finally:
        db_utils.CursorWrapper._execute_with_wrappers = original


@pytest.fixture
def guild(alice):
    """A public guild led by alice."""
    return GuildFactory(created_by=alice, name="Night Owls", slug="night-owls")


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def assert_error(response, status: int, code: str) -> dict:
    """Every API error: exactly {code, message, extra}."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"code", "message", "extra"} and body["code"] == code, body
    return body
