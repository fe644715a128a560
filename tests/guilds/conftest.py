"""Fixtures and helpers for the guilds tests.

Sockets, races, `refused` and `commit` come from the rooms tests' helpers (tests/rooms/conftest.py);
only what guilds need on top is here.
"""

import contextlib
import threading

import pytest
from django.db.backends import utils as db_utils

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
