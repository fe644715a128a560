"""Per user, per context: messages by count in a sliding window and slow mode (from the stored
messages, under the author's row lock), reactions by a counter in the cache (Redis: every process)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache

from config.errors import RateLimitedError

from .errors import ChatError

# Every context's default (ChatPolicy.rate_limit): 5 messages per 5 seconds.
RATE_MAX_MESSAGES = 5
RATE_WINDOW_SECONDS = 5.0


def check_message_rate(*, mine, now: datetime, max_messages: int, window_seconds: float) -> None:
    """`mine`: the author's messages in this context."""
    if mine.filter(created_at__gt=now - timedelta(seconds=window_seconds)).count() >= max_messages:
        raise RateLimitedError(ChatError.RATE_LIMITED, "You're sending messages too fast.",
                               {"retry_after": float(window_seconds)})


def check_slow_mode(*, mine, now: datetime, seconds: int) -> None:
    last = mine.order_by("-id").values_list("created_at", flat=True).first()
    wait = seconds - (now - last).total_seconds() if last else 0
    if wait > 0:
        raise RateLimitedError(ChatError.SLOW_MODE, f"Slow mode: wait {wait:.0f} s.", {"retry_after": round(wait, 1)})


def take_reaction(*, kind: str, context_id: int, user_id: int, now: float) -> None:
    """Count one reaction against the user's allowance in this context's current window."""
    window = settings.CHAT_REACTION_RATE_WINDOW_SECONDS
    key = f"chat:reactions:{kind}:{context_id}:{user_id}:{int(now // window)}"
    cache.add(key, 0, timeout=window * 2)
    if cache.incr(key) > settings.CHAT_REACTION_RATE_MAX:
        raise RateLimitedError(ChatError.REACTION_RATE_LIMITED, "You're reacting too fast.",
                               {"retry_after": float(window - now % window)})
