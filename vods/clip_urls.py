from django.urls import path

from . import clip_views

urlpatterns = [
    path("clip/<slug:slug>/", clip_views.clip_page, name="clip"),
    path("clip/<slug:slug>/index.m3u8", clip_views.clip_playlist, name="clip-playlist"),
    path("clip/<slug:slug>/download/", clip_views.clip_download, name="clip-download"),
    path("clips/", clip_views.clips_trending_page, name="clips"),
    path("history/", clip_views.watch_history_page, name="watch-history"),
    path("s/<int:stream_id>/clip/", clip_views.stream_clip, name="stream-clip"),
    path("v/<int:vod_id>/clip/", clip_views.vod_clip, name="vod-clip"),
]
