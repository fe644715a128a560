"""Rooms: chat limits (the chat core's filter hook and reaction limits: config/settings/chat.py)."""

from config.env import env

ROOM_CHAT_RATE_MAX_MESSAGES = env.int("ROOM_CHAT_RATE_MAX_MESSAGES", default=5)
ROOM_CHAT_RATE_WINDOW_SECONDS = env.float("ROOM_CHAT_RATE_WINDOW_SECONDS", default=5.0)
# Watch rooms hold up to this many people; premium members' rooms up to 50 (rooms.capacity).
ROOMS_FREE_WATCH_MAX = env.int("ROOMS_FREE_WATCH_MAX", default=20)
