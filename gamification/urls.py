from django.urls import path

from . import views

urlpatterns = [
    path("leaderboards/", views.leaderboards, name="leaderboards"),
    path("events/", views.events, name="events"),
    path("badges/", views.badges, name="badges"),
]
