from django.urls import path

from . import views

urlpatterns = [
    path("v/<int:vod_id>/", views.vod_page, name="vod"),
    path("v/<int:vod_id>/master.m3u8", views.vod_master, name="vod-master"),
    path("v/<int:vod_id>/<slug:name>.m3u8", views.vod_playlist, name="vod-playlist"),
    path("v/<int:vod_id>/edit/", views.vod_edit, name="vod-edit"),
    path("v/<int:vod_id>/delete/", views.vod_delete, name="vod-delete"),
    path("v/<int:vod_id>/retry/", views.vod_retry, name="vod-retry"),
]
