"""The one hook where message filters plug into every chat (moderation's AutoMod fills it).

Each entry of settings.CHAT_FILTERS is a dotted path to `f(*, body, kind, context, author) -> str`
(kind: the ChatPolicy's kind, "room", "guild", ...) that returns the (possibly rewritten) body or
raises ApplicationError to refuse it. Filters run in order, after every other rule.

A filter that must write something about a refusal (AutoMod's timeout of a spammer, a message held for
review) raises FilterRefusal with a follow_up: message_post calls it after rolling its own transaction
back, so the write is not undone with the message.
"""

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from config.errors import ApplicationError


class FilterRefusal(ApplicationError):
    """A filter's refusal, with what to write once the message's transaction is rolled back."""

    status = 403

    def __init__(self, code, message: str, extra: dict | None = None, *, follow_up: Callable[[], None] | None = None):
        super().__init__(code, message, extra)
        self.follow_up = follow_up


@cache
def _filters():
    return [import_string(path) for path in getattr(settings, "CHAT_FILTERS", [])]


def apply_filters(*, body: str, kind: str, context, author) -> str:
    for message_filter in _filters():
        body = message_filter(body=body, kind=kind, context=context, author=author)
    return body
