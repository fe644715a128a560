from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    re_path(r"^@(?P<handle>[A-Za-z0-9_]{1,40})/?$", views.profile, name="profile"),
]
