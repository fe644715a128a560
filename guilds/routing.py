from django.urls import path

from .consumers import GuildConsumer

websocket_urlpatterns = [
    path("ws/guilds/<slug:slug>/", GuildConsumer.as_asgi()),
]
