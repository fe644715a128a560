"""The ASGI application bench/viewer_storm.py serves: config.asgi's, plus one minimal viewer socket.

`/ws/bench/viewers/<name>/` is what a live stream's viewer socket costs without the stream:
the whole WebSocket stack of the platform (outage guard, origin check, session auth, the
fast path), a BaseConsumer open to anonymous viewers that joins the group `bench.viewers.<name>`
and its audience (config/audience.py), and a hello carrying the audience count. No database
work per connect. Served with `daphne viewer_asgi:application` (bench/ on PYTHONPATH).
"""

import time

from channels.routing import ProtocolTypeRouter
from django.urls import path

from config.asgi import django_asgi_app, websocket_application
from config.audience import Figures, audiences
from config.routing import websocket_urlpatterns
from config.ws import BaseConsumer


def viewers_counted(figures: Figures) -> dict:
    """The count event (a stream's app declares its own in its events.py)."""
    return {"type": "bench.viewers", "op": "counted", "count": figures.current}


class ViewerConsumer(BaseConsumer):
    allows_anonymous = True

    async def authorize(self):
        self.group = f"bench.viewers.{self.scope['url_route']['kwargs']['name']}"
        return [self.group]

    async def on_connected(self):
        audience = audiences()
        audience.join(self.group, viewers_counted)
        await self.send_json({"type": "hello", "server_time": time.time() * 1000, "viewers": audience.count(self.group)})

    async def on_disconnected(self):
        audiences().leave(self.group)


routes = [path("ws/bench/viewers/<str:name>/", ViewerConsumer.as_asgi()), *websocket_urlpatterns]
application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application(routes)})
