"""Rooms: chat limits and the chat filter hook."""

from config.env import env

ROOM_CHAT_RATE_MAX_MESSAGES = env.int("ROOM_CHAT_RATE_MAX_MESSAGES", default=5)
ROOM_CHAT_RATE_WINDOW_SECONDS = env.float("ROOM_CHAT_RATE_WINDOW_SECONDS", default=5.0)
# Dotted paths to f(*, body, room, author) -> body; see rooms/chat_filters.py.
ROOM_CHAT_FILTERS: list[str] = []
