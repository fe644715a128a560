from django.urls import path

from .consumers import HallwayConsumer, RoomConsumer

websocket_urlpatterns = [
    path("ws/rooms/<str:code>/", RoomConsumer.as_asgi()),
    path("ws/hallway/", HallwayConsumer.as_asgi()),
]
