"""Leaderboard maintenance: rebuild the Redis boards from the database."""

from datetime import datetime

from .. import leaderboard


def leaderboards_rebuild_current(*, now: datetime | None = None) -> int:
    """Rebuild every board of the current week, month and all time. Returns the members written.

    0 on the embedded default (no Redis: boards are read from the database).
    """
    if leaderboard.redis_client() is None:
        return 0
    return sum(leaderboard.board_rebuild(board) for board in leaderboard.current_boards(now))
