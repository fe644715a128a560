from django.urls import path

from . import scheduling, views

urlpatterns = [
    path("rooms/", views.RoomListView.as_view(), name="api-rooms"),
    path("rooms/<str:code>/", views.RoomDetailView.as_view(), name="api-room"),
    path("rooms/<str:code>/join/", views.RoomJoinView.as_view(), name="api-room-join"),
    path("rooms/<str:code>/leave/", views.RoomLeaveView.as_view(), name="api-room-leave"),
    path("rooms/<str:code>/members/", views.MemberListView.as_view(), name="api-room-members"),
    path("rooms/<str:code>/members/<str:handle>/kick/", views.MemberKickView.as_view(), name="api-room-kick"),
    path("rooms/<str:code>/members/<str:handle>/mute/", views.MemberMuteView.as_view(), name="api-room-mute"),
    path("rooms/<str:code>/members/<str:handle>/role/", views.MemberRoleView.as_view(), name="api-room-role"),
    path("rooms/<str:code>/members/<str:handle>/transfer/", views.LeadershipTransferView.as_view(), name="api-room-transfer"),
    path("rooms/<str:code>/members/<str:handle>/lower-hand/", views.MemberHandLowerView.as_view(), name="api-room-lower-hand"),
    path("rooms/<str:code>/invites/", views.InviteCreateView.as_view(), name="api-room-invites"),
    path("rooms/<str:code>/invites/friends/", views.InviteFriendView.as_view(), name="api-room-invite-friend"),
    path("rooms/<str:code>/messages/", views.MessageListView.as_view(), name="api-room-messages"),
    path("rooms/<str:code>/messages/<int:pk>/", views.MessageDetailView.as_view(), name="api-room-message"),
    path("rooms/<str:code>/queue/", views.QueueView.as_view(), name="api-room-queue"),
    path("rooms/<str:code>/queue/reorder/", views.QueueReorderView.as_view(), name="api-room-queue-reorder"),
    path("rooms/<str:code>/queue/skip/", views.QueueSkipView.as_view(), name="api-room-queue-skip"),
    path("rooms/<str:code>/queue/skip-vote/", views.QueueSkipVoteView.as_view(), name="api-room-queue-skip-vote"),
    path("rooms/<str:code>/queue/<int:pk>/", views.QueueItemView.as_view(), name="api-room-queue-item"),
    path("rooms/<str:code>/playback/", views.PlaybackView.as_view(), name="api-room-playback"),
    path("room-invites/<str:code>/", views.InvitePreviewView.as_view(), name="api-room-invite"),
    path("scheduled-rooms/", scheduling.ScheduledRoomListView.as_view(), name="api-scheduled-rooms"),
    path("scheduled-rooms/<int:pk>/", scheduling.ScheduledRoomDetailView.as_view(), name="api-scheduled-room"),
    path("scheduled-rooms/<int:pk>/reminder/", scheduling.ReminderView.as_view(), name="api-scheduled-room-reminder"),
    path("matchmaking/", views.MatchmakingView.as_view(), name="api-matchmaking"),
    path("matchmaking/next/", views.MatchNextView.as_view(), name="api-matchmaking-next"),
]
