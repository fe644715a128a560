from django.urls import path

from . import views

urlpatterns = [
    path("users/<str:handle>/", views.UserDetailView.as_view(), name="api-user"),
]
