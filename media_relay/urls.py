from django.urls import path

from . import views

urlpatterns = [path("whip/<str:room>", views.whip_redirect, name="whip")]
