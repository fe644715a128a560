from django.urls import path

from . import views

urlpatterns = [
    path("leaderboards/", views.LeaderboardIndexView.as_view(), name="api-leaderboards"),
    path("leaderboards/results/", views.WeeklyResultsView.as_view(), name="api-leaderboard-results"),
    path("leaderboards/<str:scope>/<str:metric>/<str:period>/", views.LeaderboardView.as_view(), name="api-leaderboard"),
    path("events/", views.EventListView.as_view(), name="api-events"),
    path("events/<slug:slug>/", views.EventDetailView.as_view(), name="api-event"),
    path("guilds/<slug:slug>/events/", views.GuildEventListView.as_view(), name="api-guild-events"),
    path("me/badges/", views.MyBadgesView.as_view(), name="api-me-badges"),
    path("me/badges/showcase/", views.MyShowcaseView.as_view(), name="api-me-showcase"),
    path("me/decorations/", views.MyDecorationsView.as_view(), name="api-me-decorations"),
    path("me/decorations/equipped/", views.MyEquippedView.as_view(), name="api-me-equipped"),
]
