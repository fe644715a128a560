"""/api/v1/guilds/ and /api/v1/guild-invites/: thin views over guilds.services and guilds.selectors."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import Scope
from accounts.selectors import user_get_by_handle
from config.api import parse
from config.filters import HISTORY_PARAMETERS, ListConventions, history_bounds
from rooms.api.serializers import RoomSettingsSerializer, RoomSummarySerializer
from rooms.models import Room

from .. import selectors
from ..models import Guild, GuildActivity, GuildInvite, GuildJoinRequest, GuildMember, GuildMessage
from ..services import chat, guilds, invites, join_requests, membership, rooms
from .filters import GuildFilter
from .serializers import (
    GuildActivitySerializer,
    GuildAvatarUploadSerializer,
    GuildChatSendSerializer,
    GuildCreateSerializer,
    GuildDetailSerializer,
    GuildInviteCreateSerializer,
    GuildInviteSerializer,
    GuildJoinRequestSerializer,
    GuildListItemSerializer,
    GuildMemberSerializer,
    GuildMessageSerializer,
    GuildRoleSerializer,
    GuildRoomCreateSerializer,
    GuildSerializer,
    GuildUpdateSerializer,
)


class GuildMixin:
    """Base for /guilds/{slug}/...: loads the guild."""

    def guild(self) -> Guild:
        return selectors.guild_get(slug=self.kwargs["slug"])


class GuildView(GuildMixin, APIView):
    pass


# -- guilds ---------------------------------------------------------------------------------------
class GuildListView(ListConventions, generics.ListAPIView):
    filterset_class = GuildFilter
    ordering_fields = ("name", "created_at", "weekly_watch_seconds")
    queryset = Guild.objects.none()  # for the schema; get_queryset filters per request
    serializer_class = GuildListItemSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="in name or description"),
        ],
        summary="Browse and search guilds, most watching this week first",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.guild_list(query=(self.request.query_params.get("q") or "").strip() or None)

    @extend_schema(request=GuildCreateSerializer, responses={201: GuildSerializer}, summary="Found a guild (you lead it)")
    def post(self, request):
        guild = guilds.guild_create(actor=request.user, **parse(GuildCreateSerializer, request))
        return Response(GuildSerializer(guild).data, status=status.HTTP_201_CREATED)


class GuildDetailView(GuildView):
    @extend_schema(responses=GuildDetailSerializer, summary="A guild: settings, size, rank this week, leader, your role")
    def get(self, request, slug):
        return Response(GuildDetailSerializer(selectors.guild_detail(guild=self.guild(), viewer=request.user)).data)

    @extend_schema(request=GuildUpdateSerializer, responses=GuildSerializer, summary="Change settings (leader)")
    def patch(self, request, slug):
        guild = guilds.guild_update(actor=request.user, guild=self.guild(), **parse(GuildUpdateSerializer, request))
        return Response(GuildSerializer(guild).data)

    @extend_schema(responses={204: None}, summary="Disband the guild (leader)")
    def delete(self, request, slug):
        guilds.guild_disband(actor=request.user, guild=self.guild())
        return Response(status=status.HTTP_204_NO_CONTENT)


class GuildAvatarView(GuildView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": GuildAvatarUploadSerializer}, responses=GuildSerializer,
                   summary="Upload the guild's avatar (leader; JPEG, PNG, GIF or WebP, at most 2 MB)")
    def put(self, request, slug):
        guild = guilds.guild_avatar_set(actor=request.user, guild=self.guild(),
                                        upload=parse(GuildAvatarUploadSerializer, request)["avatar"])
        return Response(GuildSerializer(guild).data)


class GuildJoinView(GuildView):
    @extend_schema(request=None, responses=GuildMemberSerializer, summary="Join a public guild")
    def post(self, request, slug):
        return Response(GuildMemberSerializer(membership.guild_join(actor=request.user, guild=self.guild())).data)


class GuildLeaveView(GuildView):
    @extend_schema(request=None, responses={204: None}, summary="Leave (the leader must hand over or disband first)")
    def post(self, request, slug):
        membership.guild_leave(actor=request.user, guild=self.guild())
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- members ---------------------------------------------------------------------------------------
class MemberListView(ListConventions, GuildMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = GuildMember.objects.none()  # for the schema
    serializer_class = GuildMemberSerializer
    pagination_class = None

    @extend_schema(summary="Members: leader, officers, then members, with this week's watch seconds")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.members_list(guild=self.guild())


class MemberActionView(GuildView):
    def target(self):
        return user_get_by_handle(handle=self.kwargs["handle"], viewer=None)


class MemberKickView(MemberActionView):
    @extend_schema(request=None, responses={204: None},
                   summary="Kick (officers: members; leader: anyone). 24-hour rejoin ban; audited")
    def post(self, request, slug, handle):
        membership.guild_member_kick(actor=request.user, guild=self.guild(), target=self.target())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberRoleView(MemberActionView):
    @extend_schema(request=GuildRoleSerializer, responses=GuildMemberSerializer, summary="Make officer or member (leader; audited)")
    def post(self, request, slug, handle):
        member = membership.guild_member_set_role(actor=request.user, guild=self.guild(), target=self.target(),
                                                  role=parse(GuildRoleSerializer, request)["role"])
        return Response(GuildMemberSerializer(member).data)


class OwnershipTransferView(MemberActionView):
    @extend_schema(request=None, responses=GuildMemberSerializer,
                   summary="Hand leadership to this member (leader; you become an officer; audited)")
    def post(self, request, slug, handle):
        member = membership.guild_ownership_transfer(actor=request.user, guild=self.guild(), target=self.target())
        return Response(GuildMemberSerializer(member).data)


# -- join requests ----------------------------------------------------------------------------------
class JoinRequestListView(ListConventions, GuildMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = GuildJoinRequest.objects.none()  # for the schema
    serializer_class = GuildJoinRequestSerializer
    pagination_class = None

    @extend_schema(summary="Pending requests to join (officers and leader)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        guild = self.guild()
        selectors.manager_require(guild=guild, user=self.request.user)
        return selectors.join_requests_pending(guild=guild)

    @extend_schema(request=None, responses={201: GuildJoinRequestSerializer}, summary="Ask to join an invite-only guild")
    def post(self, request, slug):
        join_request = join_requests.guild_join_request_create(actor=request.user, guild=self.guild())
        return Response(GuildJoinRequestSerializer(join_request).data, status=status.HTTP_201_CREATED)


class JoinRequestDetailView(GuildView):
    @extend_schema(responses={204: None}, summary="Withdraw your request to join")
    def delete(self, request, slug, pk):
        join_requests.guild_join_request_cancel(actor=request.user, guild=self.guild(), request_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class JoinRequestApproveView(GuildView):
    @extend_schema(request=None, responses=GuildMemberSerializer, summary="Approve a request: the user joins (officers and leader)")
    def post(self, request, slug, pk):
        member = join_requests.guild_join_request_approve(actor=request.user, guild=self.guild(), request_id=pk)
        return Response(GuildMemberSerializer(member).data)


class JoinRequestRejectView(GuildView):
    @extend_schema(request=None, responses=GuildJoinRequestSerializer, summary="Reject a request (officers and leader)")
    def post(self, request, slug, pk):
        join_request = join_requests.guild_join_request_reject(actor=request.user, guild=self.guild(), request_id=pk)
        return Response(GuildJoinRequestSerializer(join_request).data)


# -- invites ------------------------------------------------------------------------------------------
class GuildInviteListView(ListConventions, GuildMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = GuildInvite.objects.none()  # for the schema
    serializer_class = GuildInviteSerializer
    pagination_class = None

    @extend_schema(summary="Pending invites the guild sent (officers and leader)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        guild = self.guild()
        selectors.manager_require(guild=guild, user=self.request.user)
        return selectors.invites_pending_for_guild(guild=guild)

    @extend_schema(request=GuildInviteCreateSerializer, responses={201: GuildInviteSerializer}, summary="Invite a user by @handle (officers and leader)")
    def post(self, request, slug):
        invitee = user_get_by_handle(handle=parse(GuildInviteCreateSerializer, request)["handle"], viewer=request.user)
        invite = invites.guild_invite_create(actor=request.user, guild=self.guild(), invitee=invitee)
        return Response(GuildInviteSerializer(invite).data, status=status.HTTP_201_CREATED)


class GuildInviteDetailView(GuildView):
    @extend_schema(responses={204: None}, summary="Revoke a pending invite (officers and leader)")
    def delete(self, request, slug, pk):
        invites.guild_invite_revoke(actor=request.user, guild=self.guild(), invite_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyInviteListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = GuildInvite.objects.none()  # for the schema
    serializer_class = GuildInviteSerializer
    pagination_class = None

    @extend_schema(summary="Your pending guild invites")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.invites_pending_for_user(user=self.request.user)


class MyInviteAcceptView(APIView):
    @extend_schema(request=None, responses=GuildMemberSerializer, summary="Accept a guild invite: you join")
    def post(self, request, pk):
        return Response(GuildMemberSerializer(invites.guild_invite_accept(actor=request.user, invite_id=pk)).data)


class MyInviteDeclineView(APIView):
    @extend_schema(request=None, responses=GuildInviteSerializer, summary="Decline a guild invite")
    def post(self, request, pk):
        return Response(GuildInviteSerializer(invites.guild_invite_decline(actor=request.user, invite_id=pk)).data)


# -- chat ----------------------------------------------------------------------------------------------
class MessageListView(ListConventions, GuildMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    token_scopes = {"post": Scope.CHAT_WRITE}
    queryset = GuildMessage.objects.none()  # for the schema
    serializer_class = GuildMessageSerializer
    pagination_class = None

    @extend_schema(
        parameters=HISTORY_PARAMETERS,
        summary="Guild chat history, oldest first (50 at most; members)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        guild = self.guild()
        selectors.member_require(guild=guild, user=self.request.user)
        params = self.request.query_params
        return selectors.messages_list(guild=guild, **history_bounds(params))

    @extend_schema(request=GuildChatSendSerializer, responses={201: GuildMessageSerializer}, summary="Send a guild chat message (members)")
    def post(self, request, slug):
        message = chat.guild_message_send(actor=request.user, guild=self.guild(), body=parse(GuildChatSendSerializer, request)["body"])
        return Response(GuildMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class MessageDetailView(GuildView):
    @extend_schema(responses={204: None}, summary="Delete a message (author, officers, leader)")
    def delete(self, request, slug, pk):
        chat.guild_message_delete(actor=request.user, guild=self.guild(), message_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- guild rooms and activity ------------------------------------------------------------------------------
class GuildRoomListView(ListConventions, GuildMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = Room.objects.none()  # for the schema
    serializer_class = RoomSummarySerializer
    pagination_class = None

    @extend_schema(summary="The guild's open rooms (members)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        guild = self.guild()
        selectors.member_require(guild=guild, user=self.request.user)
        return selectors.guild_rooms_list(guild=guild)

    @extend_schema(request=GuildRoomCreateSerializer, responses={201: RoomSettingsSerializer},
                   summary="Open a guild room (officers and leader; you lead the room)")
    def post(self, request, slug):
        room = rooms.guild_room_create(actor=request.user, guild=self.guild(), **parse(GuildRoomCreateSerializer, request))
        return Response(RoomSettingsSerializer(room).data, status=status.HTTP_201_CREATED)


class GuildRoomDetailView(GuildView):
    @extend_schema(responses={204: None}, summary="Close a guild room (officers and leader)")
    def delete(self, request, slug, code):
        rooms.guild_room_close(actor=request.user, guild=self.guild(), code=code)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActivityListView(ListConventions, GuildMixin, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = GuildActivity.objects.none()  # for the schema
    serializer_class = GuildActivitySerializer
    pagination_class = None

    @extend_schema(summary="Recent activity, newest first (20; guild rooms only for members)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        guild = self.guild()
        is_member = selectors.membership_get(guild=guild, user=self.request.user) is not None
        return selectors.activity_list(guild=guild, for_member=is_member)
