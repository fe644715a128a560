from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.account_settings, name="settings"),
    path("friends/", views.friends, name="friends"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/unsubscribe/<str:token>/", views.notification_unsubscribe, name="notification-unsubscribe"),
    path("sw.js", views.service_worker, name="service-worker"),
]
