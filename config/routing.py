"""Every app's WebSocket URL patterns, gathered for config.asgi."""

from accounts.routing import websocket_urlpatterns as accounts_ws
from guilds.routing import websocket_urlpatterns as guilds_ws
from rooms.routing import websocket_urlpatterns as rooms_ws
from streams.routing import websocket_urlpatterns as streams_ws

websocket_urlpatterns = [*accounts_ws, *rooms_ws, *guilds_ws, *streams_ws]
