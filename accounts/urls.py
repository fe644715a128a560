from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.account_settings, name="settings"),
    path("friends/", views.friends, name="friends"),
    path("notifications/", views.notifications, name="notifications"),
]
