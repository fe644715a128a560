"""Viewers' reactions summed per context per 250 ms window in each process: a burst from thousands of
viewers becomes one event per context per window per daphne process, not one per reaction."""

import threading
import time
from collections import Counter
from collections.abc import Callable

WINDOW_SECONDS = 0.25


class ReactionAggregator:
    """`add` counts a reaction for a context's group; `flush` hands each group's counts to `publish`
    (group, counts) and starts over. With `autoflush`, the first reaction of a window schedules the flush
    at the window's end (windows are aligned on the clock, so every process flushes at the same instants)."""

    def __init__(self, publish: Callable[[str, dict[str, int]], None], *, autoflush: bool = True,
                 window_seconds: float = WINDOW_SECONDS):
        self.publish, self.autoflush, self.window_seconds = publish, autoflush, window_seconds
        self._lock = threading.Lock()
        self._pending: dict[str, Counter] = {}
        self._timer: threading.Timer | None = None

    def add(self, group: str, emoji: str) -> None:
        with self._lock:
            self._pending.setdefault(group, Counter())[emoji] += 1
            if self.autoflush and self._timer is None:
                self._timer = threading.Timer(self.window_seconds - time.time() % self.window_seconds, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending, self._timer = self._pending, {}, None
        for group, counts in pending.items():
            self.publish(group, dict(counts))
