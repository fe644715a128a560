from django.urls import path

from . import views

urlpatterns = [
    path("vods/<int:vod_id>/", views.VodDetailView.as_view(), name="api-vod"),
    path("vods/<int:vod_id>/retry/", views.VodRetryView.as_view(), name="api-vod-retry"),
    path("channels/<slug:slug>/vods/", views.ChannelVodListView.as_view(), name="api-channel-vods"),
]
