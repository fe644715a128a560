from django.urls import path

from . import views

urlpatterns = [
    path("dms/", views.ConversationListView.as_view(), name="api-dms"),
    path("dms/groups/", views.GroupCreateView.as_view(), name="api-dm-groups"),
    path("dms/unread/", views.UnreadView.as_view(), name="api-dm-unread"),
    path("dms/settings/", views.DmSettingsView.as_view(), name="api-dm-settings"),
    path("dms/calls/ringing/", views.RingingCallListView.as_view(), name="api-dm-calls-ringing"),
    path("dms/calls/<int:call_pk>/accept/", views.CallAcceptView.as_view(), name="api-dm-call-accept"),
    path("dms/calls/<int:call_pk>/decline/", views.CallDeclineView.as_view(), name="api-dm-call-decline"),
    path("dms/calls/<int:call_pk>/hang-up/", views.CallHangUpView.as_view(), name="api-dm-call-hang-up"),
    path("dms/<int:pk>/", views.ConversationDetailView.as_view(), name="api-dm"),
    path("dms/<int:pk>/members/", views.MemberListView.as_view(), name="api-dm-members"),
    path("dms/<int:pk>/members/<str:handle>/", views.MemberDetailView.as_view(), name="api-dm-member"),
    path("dms/<int:pk>/leave/", views.LeaveView.as_view(), name="api-dm-leave"),
    path("dms/<int:pk>/messages/", views.MessageListView.as_view(), name="api-dm-messages"),
    path("dms/<int:pk>/messages/<int:message_pk>/", views.MessageDetailView.as_view(), name="api-dm-message"),
    path("dms/<int:pk>/read/", views.ReadView.as_view(), name="api-dm-read"),
    path("dms/<int:pk>/typing/", views.TypingView.as_view(), name="api-dm-typing"),
    path("dms/<int:pk>/calls/", views.CallStartView.as_view(), name="api-dm-calls"),
]
