from django.urls import path

from . import views

urlpatterns = [
    path("guilds/", views.GuildListView.as_view(), name="api-guilds"),
    path("guilds/<slug:slug>/", views.GuildDetailView.as_view(), name="api-guild"),
    path("guilds/<slug:slug>/avatar/", views.GuildAvatarView.as_view(), name="api-guild-avatar"),
    path("guilds/<slug:slug>/join/", views.GuildJoinView.as_view(), name="api-guild-join"),
    path("guilds/<slug:slug>/leave/", views.GuildLeaveView.as_view(), name="api-guild-leave"),
    path("guilds/<slug:slug>/members/", views.MemberListView.as_view(), name="api-guild-members"),
    path("guilds/<slug:slug>/members/<str:handle>/kick/", views.MemberKickView.as_view(), name="api-guild-kick"),
    path("guilds/<slug:slug>/members/<str:handle>/role/", views.MemberRoleView.as_view(), name="api-guild-role"),
    path("guilds/<slug:slug>/members/<str:handle>/transfer/", views.OwnershipTransferView.as_view(), name="api-guild-transfer"),
    path("guilds/<slug:slug>/join-requests/", views.JoinRequestListView.as_view(), name="api-guild-join-requests"),
    path("guilds/<slug:slug>/join-requests/<int:pk>/", views.JoinRequestDetailView.as_view(), name="api-guild-join-request"),
    path("guilds/<slug:slug>/join-requests/<int:pk>/approve/", views.JoinRequestApproveView.as_view(),
         name="api-guild-join-request-approve"),
    path("guilds/<slug:slug>/join-requests/<int:pk>/reject/", views.JoinRequestRejectView.as_view(),
         name="api-guild-join-request-reject"),
    path("guilds/<slug:slug>/invites/", views.GuildInviteListView.as_view(), name="api-guild-invites"),
    path("guilds/<slug:slug>/invites/<int:pk>/", views.GuildInviteDetailView.as_view(), name="api-guild-invite"),
    path("guilds/<slug:slug>/messages/", views.MessageListView.as_view(), name="api-guild-messages"),
    path("guilds/<slug:slug>/messages/<int:pk>/", views.MessageDetailView.as_view(), name="api-guild-message"),
    path("guilds/<slug:slug>/rooms/", views.GuildRoomListView.as_view(), name="api-guild-rooms"),
    path("guilds/<slug:slug>/rooms/<str:code>/", views.GuildRoomDetailView.as_view(), name="api-guild-room"),
    path("guilds/<slug:slug>/activity/", views.ActivityListView.as_view(), name="api-guild-activity"),
    path("guild-invites/", views.MyInviteListView.as_view(), name="api-my-guild-invites"),
    path("guild-invites/<int:pk>/accept/", views.MyInviteAcceptView.as_view(), name="api-guild-invite-accept"),
    path("guild-invites/<int:pk>/decline/", views.MyInviteDeclineView.as_view(), name="api-guild-invite-decline"),
]
