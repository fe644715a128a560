from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/handle/", views.MeHandleView.as_view(), name="api-me-handle"),
    path("me/avatar/", views.MeAvatarView.as_view(), name="api-me-avatar"),
    path("me/sessions/", views.MeSessionsView.as_view(), name="api-me-sessions"),
    path("me/deactivate/", views.MeDeactivateView.as_view(), name="api-me-deactivate"),
    path("me/delete/", views.MeDeleteView.as_view(), name="api-me-delete"),
    path("handles/<str:handle>/", views.HandleAvailabilityView.as_view(), name="api-handle-availability"),
    path("users/", views.UserSearchView.as_view(), name="api-user-search"),
    path("users/<str:handle>/friends/", views.UserFriendsView.as_view(), name="api-user-friends"),
    path("users/<str:handle>/follow/", views.UserFollowView.as_view(), name="api-user-follow"),
    path("users/<str:handle>/block/", views.UserBlockView.as_view(), name="api-user-block"),
    path("blocks/", views.BlockListView.as_view(), name="api-blocks"),
    path("friends/", views.FriendListView.as_view(), name="api-friends"),
    path("friends/<str:handle>/", views.FriendDetailView.as_view(), name="api-friend"),
    path("friend-requests/", views.FriendRequestListView.as_view(), name="api-friend-requests"),
    path("friend-requests/<int:pk>/", views.FriendRequestDetailView.as_view(), name="api-friend-request"),
    path("friend-requests/<int:pk>/accept/", views.FriendRequestAcceptView.as_view(), name="api-friend-request-accept"),
    path("friend-requests/<int:pk>/reject/", views.FriendRequestRejectView.as_view(), name="api-friend-request-reject"),
    path("notifications/", views.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="api-notifications-read-all"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="api-notification-read"),
    path("tokens/", views.TokenListView.as_view(), name="api-tokens"),
    path("tokens/<int:pk>/", views.TokenDetailView.as_view(), name="api-token"),
]
