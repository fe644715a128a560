from django.urls import path

from . import views

urlpatterns = [
    path("channels/", views.ChannelListView.as_view(), name="api-channels"),
    path("channels/<slug:slug>/", views.ChannelDetailView.as_view(), name="api-channel"),
    path("channels/<slug:slug>/follow/", views.FollowView.as_view(), name="api-channel-follow"),
    path("channels/<slug:slug>/stream-key/", views.ChannelStreamKeyView.as_view(), name="api-channel-stream-key"),
    path("channels/<slug:slug>/moderators/", views.ChannelModeratorListView.as_view(), name="api-channel-moderators"),
    path("channels/<slug:slug>/moderators/<int:user_id>/", views.ChannelModeratorDetailView.as_view(),
         name="api-channel-moderator"),
    path("channels/<slug:slug>/go-live/", views.GoLiveView.as_view(), name="api-channel-go-live"),
    path("channels/<slug:slug>/streams/", views.ChannelStreamListView.as_view(), name="api-channel-streams"),
    path("streams/", views.LiveStreamListView.as_view(), name="api-streams"),
    path("streams/<int:stream_id>/", views.StreamDetailView.as_view(), name="api-stream"),
    path("streams/<int:stream_id>/end/", views.StreamEndView.as_view(), name="api-stream-end"),
    path("streams/<int:stream_id>/hls/", views.StreamHlsView.as_view(), name="api-stream-hls"),
    path("streams/<int:stream_id>/media-token/", views.StreamMediaTokenView.as_view(), name="api-stream-media-token"),
]
