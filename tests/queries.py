"""Counting the SQL a piece of code runs, in every thread (consumers query from Channels' database thread)."""

import contextlib
import threading

from django.db.backends import utils as db_utils

# SQLite runs these through the cursor and PostgreSQL does not: leaving them out makes counts the same on both.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextlib.contextmanager
def count_queries():
    """The data statements run inside the block, from any thread."""
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
