from django.urls import path

from . import views

urlpatterns = [
    path("whip/<str:room>", views.whip_redirect, name="whip"),
    path("recordings/", views.recordings, name="recordings"),
    path("recordings/<int:pk>/", views.recording, name="recording"),
    path("recordings/<int:pk>/delete/", views.recording_delete_view, name="recording-delete"),
]
