from django.urls import path

from . import views

urlpatterns = [
    path("messages/", views.conversation_list, name="dm-list"),
    path("messages/<int:pk>/", views.conversation_page, name="dm-conversation"),
]
