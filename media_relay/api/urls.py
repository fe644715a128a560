from django.urls import path

from . import views

urlpatterns = [
    path("rooms/<str:code>/media-token/", views.MediaTokenView.as_view(), name="api-room-media-token"),
    path("rooms/<str:code>/stream-key/", views.StreamKeyView.as_view(), name="api-room-stream-key"),
    path("rooms/<str:code>/recording/", views.RoomRecordingView.as_view(), name="api-room-recording"),
    path("recordings/", views.RecordingListView.as_view(), name="api-recordings"),
]
