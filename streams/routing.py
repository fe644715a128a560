from django.urls import path

from .consumers import StreamConsumer

websocket_urlpatterns = [
    path("ws/stream/<int:stream_id>/", StreamConsumer.as_asgi()),
]
