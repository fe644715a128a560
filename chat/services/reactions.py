"""Viewers' emoji reactions: not stored, rate limited per user per context, summed per 250 ms window
into one chat.reactions event per context (chat/reactions.py)."""

import time

from accounts.models import User
from config.errors import ApplicationError
from config.realtime import publish_now

from .. import events
from ..errors import ChatError
from ..policy import ChatPolicy
from ..rate_limits import take_reaction
from ..reactions import WINDOW_SECONDS, ReactionAggregator
from ..text import is_reaction
from .messages import check_restriction


def _publish_burst(group: str, counts: dict[str, int]) -> None:
    # From the aggregator's timer thread; nothing is stored, so nothing to wait for.
    publish_now(group, events.reaction_burst(counts, window_ms=int(WINDOW_SECONDS * 1000)))


aggregator = ReactionAggregator(_publish_burst)


def reaction_add(*, policy: ChatPolicy, context, user: User, emoji: str) -> None:
    """Refused: not one emoji, a timed-out or banned user, more than CHAT_REACTION_RATE_MAX in the window."""
    if not is_reaction(emoji):
        raise ApplicationError(ChatError.REACTION_INVALID, "A reaction is one emoji.")
    if policy.uses_moderation:
        check_restriction(policy=policy, context=context, user=user)
    take_reaction(kind=policy.kind, context_id=context.pk, user_id=user.pk, now=time.time())
    aggregator.add(policy.group(context), emoji)
