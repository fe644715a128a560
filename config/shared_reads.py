"""Public lists kept for a moment: the hallway and the live streams are read far more often than they change.

A list view that mixes in SharedListCache answers the same page of the same query to every caller it is
shared with from this process's memory for `shared_seconds` (2 s: the pages also update live over their
sockets), instead of querying and serializing it again. `is_shared(request)` says whose answers are alike
(the live streams: anonymous callers only, since a signed-in viewer sees the channels they follow first).
Each process keeps its own copies, at most MAX_ENTRIES of them; the throttle, the scope guard and the
RateLimit/ETag headers still run on every request (bench/api_reads.py).
"""

import time

from rest_framework.response import Response

MAX_ENTRIES = 512
_pages: dict[tuple[str, str], tuple[float, object]] = {}


def forget_shared_pages() -> None:
    """Tests: every page is read afresh."""
    _pages.clear()


class SharedListCache:
    shared_seconds = 2.0

    def is_shared(self, request) -> bool:
        return True

    def list(self, request, *args, **kwargs):
        if not self.is_shared(request):
            return super().list(request, *args, **kwargs)
        key = (type(self).__qualname__, request.get_full_path())
        now = time.monotonic()
        kept = _pages.get(key)
        if kept is not None and kept[0] > now:
            return Response(kept[1])
        response = super().list(request, *args, **kwargs)
        if len(_pages) >= MAX_ENTRIES:
            _pages.clear()
        _pages[key] = (now + self.shared_seconds, response.data)
        return response
