"""Named locks for work that must not run twice at once (matching, periodic batches).

PostgreSQL: a transaction-scoped advisory lock. SQLite (the embedded default) already
serializes writing transactions, so there is nothing to take.
"""

from django.db import connection


def advisory_lock(name: str) -> None:
    """Block until this transaction holds the lock called `name`; released at commit/rollback."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
