from django.urls import path

from . import views

urlpatterns = [
    path("rooms/", views.hallway, name="hallway"),
    path("rooms/new/", views.room_new, name="room-new"),
    path("rooms/scheduled/<int:pk>/calendar.ics", views.scheduled_calendar, name="scheduled-room-calendar"),
    path("r/<str:code>/", views.room, name="room"),
    path("i/<str:code>/", views.invite, name="room-invite"),
    path("partner/", views.partner, name="partner"),
]
