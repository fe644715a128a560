from django.urls import path

from . import views

urlpatterns = [
    path("live/", views.browse, name="live"),
    path("c/<slug:slug>/", views.channel_page, name="channel"),
    path("c/<slug:slug>/overlay/", views.channel_overlay, name="channel-overlay"),
    path("s/<int:stream_id>/", views.stream_page, name="stream"),
    path("s/<int:stream_id>/live.m3u8", views.stream_live_playlist, name="stream-live-playlist"),
    path("s/<int:stream_id>/watch-together/", views.stream_watch_together, name="stream-watch-together"),
    path("studio/", views.studio, name="studio"),
    path("studio/channel/", views.studio_channel_create, name="studio-channel-create"),
    path("whip/c/<slug:slug>", views.whip_channel, name="channel-whip"),
]
