from django.urls import path

from . import clip_views

urlpatterns = [
    path("streams/<int:stream_id>/clips/", clip_views.StreamClipCreateView.as_view(), name="api-stream-clips"),
    path("vods/<int:vod_id>/clips/", clip_views.VodClipCreateView.as_view(), name="api-vod-clips"),
    path("clips/", clip_views.ClipListView.as_view(), name="api-clips"),
    path("clips/<slug:slug>/", clip_views.ClipDetailView.as_view(), name="api-clip"),
    path("clips/<slug:slug>/like/", clip_views.ClipLikeView.as_view(), name="api-clip-like"),
    path("me/watch-history/", clip_views.WatchHistoryView.as_view(), name="api-watch-history"),
    path("me/watch-progress/", clip_views.WatchProgressView.as_view(), name="api-watch-progress"),
]
