"""The chat core (chat/): the message filter hook and the viewers' reactions."""

from config.env import env

# Dotted paths to f(*, body, kind, context, author) -> body; see chat/filters.py.
CHAT_FILTERS: list[str] = ["moderation.filters.chat_filter"]  # AutoMod (docs/moderation.md)
# Reactions: at most this many per user per context per window (others are unaffected).
CHAT_REACTION_RATE_MAX = env.int("CHAT_REACTION_RATE_MAX", default=10)
CHAT_REACTION_RATE_WINDOW_SECONDS = env.int("CHAT_REACTION_RATE_WINDOW_SECONDS", default=5)
# Direct messages (dms/): at most this many messages per author per conversation per window.
DM_RATE_MAX_MESSAGES = env.int("DM_RATE_MAX_MESSAGES", default=10)
DM_RATE_WINDOW_SECONDS = env.int("DM_RATE_WINDOW_SECONDS", default=5)
