"""The one hook where message filters plug into every chat (moderation's AutoMod fills it).

Each entry of settings.CHAT_FILTERS is a dotted path to `f(*, body, kind, context, author) -> str`
(kind: the ChatPolicy's kind, "room", "guild", ...) that returns the (possibly rewritten) body or
raises ApplicationError to refuse it. Filters run in order, after every other rule.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@cache
def _filters():
    return [import_string(path) for path in getattr(settings, "CHAT_FILTERS", [])]


def apply_filters(*, body: str, kind: str, context, author) -> str:
    for message_filter in _filters():
        body = message_filter(body=body, kind=kind, context=context, author=author)
    return body
