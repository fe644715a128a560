"""Bench-only prototype of a proposed fix, NOT application code: config.asgi with a faster
event path in config.ws.BaseConsumer, to measure what the change would buy.

    .venv/bin/python bench/chat_fanout.py --asgi fanout_asgi:application

Channels' AsyncConsumer.dispatch runs `await aclose_old_connections()` before every
handler, i.e. one sync_to_async hop to the database thread (a ThreadPoolExecutor submit,
a thread wake-up, a call_soon_threadsafe back) for every message every socket receives.
For a chat message fanned out to N members that is N thread round trips, all through
the single thread-sensitive executor, for a handler (realtime_event) that never touches
the database. The proposed change (in config/ws.py) forwards published events without it:

    async def dispatch(self, message):
        if message["type"] == EVENT_MESSAGE_TYPE:   # "realtime.event": no ORM use
            await self.realtime_event(message)
        else:
            await super().dispatch(message)

Database work stays correct: every ORM call goes through database_sync_to_async, which
closes stale connections itself before and after the call.
"""

from channels.consumer import AsyncConsumer

from config.asgi import application  # noqa: F401  (what daphne serves)
from config.ws import BaseConsumer


async def dispatch(self, message):
    if message["type"] == "realtime.event":
        await self.realtime_event(message)
    else:
        await AsyncConsumer.dispatch(self, message)


BaseConsumer.dispatch = dispatch
