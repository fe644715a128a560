from django.urls import path

from . import views

urlpatterns = [
    path("guilds/", views.guild_list, name="guild-list"),
    path("guilds/new/", views.guild_new, name="guild-new"),
    path("guilds/<slug:slug>/", views.guild_page, name="guild"),
    path("guilds/<slug:slug>/settings/", views.guild_settings, name="guild-settings"),
]
