"""HTTP goes to Django; WebSockets go through origin validation and session auth to the apps' consumers."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()  # populate apps before importing consumers

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

import config.daphne_http  # noqa: E402, F401  (Django parses request bodies, not Twisted)
from config.daphne_ws import DaphneSocketMiddleware  # noqa: E402
from config.outages import WebSocketOutageGuard  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

websocket_app = WebSocketOutageGuard(AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))))
if settings.WS_FAST_PATH:  # see config/settings/channels.py
    websocket_app = DaphneSocketMiddleware(websocket_app)

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_app})
