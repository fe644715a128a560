"""HTTP goes to Django; WebSockets go through origin validation and session auth to the apps' consumers."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()  # populate apps before importing consumers

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

import config.daphne_http  # noqa: E402, F401  (Django parses request bodies, not Twisted)
from config.daphne_ws import DaphneSocketMiddleware, defer_autobahn_debug_formatting  # noqa: E402
from config.outages import WebSocketOutageGuard  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from config.ws_auth import AuthMiddlewareStack  # noqa: E402


def websocket_application(routes: list):
    """The WebSocket stack around `routes` (bench/viewer_asgi.py serves one more route through it)."""
    app = WebSocketOutageGuard(AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(routes))))
    if settings.WS_FAST_PATH:  # see config/settings/channels.py
        app = DaphneSocketMiddleware(app)
        defer_autobahn_debug_formatting()
    return app


application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application(websocket_urlpatterns)})
