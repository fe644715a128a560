"""The one hook where message filters plug into room chat (the moderation issue adds a word filter).

Each entry of settings.ROOM_CHAT_FILTERS is a dotted path to `f(*, body, room, author) -> str`
that returns the (possibly rewritten) body or raises ApplicationError to refuse it.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@cache
def _filters():
    return [import_string(path) for path in getattr(settings, "ROOM_CHAT_FILTERS", [])]


def apply_filters(*, body: str, room, author) -> str:
    for message_filter in _filters():
        body = message_filter(body=body, room=room, author=author)
    return body
