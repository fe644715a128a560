from django.urls import path, re_path

from . import views

urlpatterns = [
    re_path(r"^@(?P<handle>[A-Za-z0-9_]{1,40})/?$", views.profile, name="profile"),
    path("settings/", views.account_settings, name="settings"),
    path("friends/", views.friends, name="friends"),
    path("notifications/", views.notifications, name="notifications"),
]
