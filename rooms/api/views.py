"""/api/v1/rooms/ and /api/v1/matchmaking/: thin views over rooms.services and rooms.selectors."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import TokenScopes
from accounts.languages import CEFR_LEVELS
from accounts.scopes import Scope
from accounts.selectors import user_get_by_handle
from config.api import parse
from config.filters import HISTORY_PARAMETERS, ListConventions, history_bounds
from config.shared_reads import SharedListCache

from .. import selectors
from ..models import ChatMessage, QueueItem, Room, RoomMember
from ..services import chat, invites, matching, membership, playback, queue
from .serializers import (
    ChatMessageSerializer,
    ChatSendSerializer,
    FriendInviteSerializer,
    InviteCreateSerializer,
    InviteSerializer,
    JoinSerializer,
    MatchRequestSerializer,
    MatchStatusSerializer,
    MemberSerializer,
    MuteSerializer,
    PlaybackCommandSerializer,
    PlaybackSerializer,
    QueueAddSerializer,
    QueueItemSerializer,
    QueueReorderSerializer,
    RoleSerializer,
    RoomCreateSerializer,
    RoomSettingsSerializer,
    RoomSummarySerializer,
    RoomUpdateSerializer,
)


class RoomView(APIView):
    """Base for /rooms/{code}/...: loads the room."""

    def room(self):
        return selectors.room_get(code=self.kwargs["code"])


class RoomListView(ListConventions, SharedListCache, generics.ListAPIView):
    """The hallway: public, as on the landing page, and the same for every reader (config/shared_reads.py)."""
    filterset_fields = ()
    ordering_fields = ("created_at", "name")

    token_scopes = {"post": Scope.ROOMS_WRITE}
    serializer_class = RoomSummarySerializer
    queryset = Room.objects.none()

    def get_permissions(self):
        return [AllowAny(), TokenScopes()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=["watch", "voice"]),
            OpenApiParameter("language", str, description="ISO code, e.g. es"),
            OpenApiParameter("level", str, enum=list(CEFR_LEVELS),
                             description="CEFR level: rooms opened from a scheduled room of that level"),
            OpenApiParameter("q", str, description="in name or topic"),
            OpenApiParameter("has_seats", bool),
        ],
        summary="The hallway: active public rooms, fullest first (public)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.hallway_list(
            kind=params.get("kind") or None, language=params.get("language") or None, level=params.get("level") or None,
            query=(params.get("q") or "").strip() or None, has_seats=params.get("has_seats") in ("1", "true"),
        )

    @extend_schema(request=RoomCreateSerializer, responses={201: RoomSettingsSerializer}, summary="Create a room (you lead it)")
    def post(self, request):
        room = membership.room_create_with_defaults(creator=request.user, **parse(RoomCreateSerializer, request))
        return Response(RoomSettingsSerializer(room).data, status=status.HTTP_201_CREATED)


class RoomDetailView(RoomView):
    @extend_schema(responses=RoomSettingsSerializer, summary="A room's settings (members only for non-public rooms)")
    def get(self, request, code):
        return Response(RoomSettingsSerializer(selectors.room_get_for_user(code=code, user=request.user)).data)

    @extend_schema(request=RoomUpdateSerializer, responses=RoomSettingsSerializer, summary="Change settings (leader, moderators)")
    def patch(self, request, code):
        room = membership.room_update(actor=request.user, room=self.room(), **parse(RoomUpdateSerializer, request))
        return Response(RoomSettingsSerializer(room).data)

    @extend_schema(responses={204: None}, summary="Close the room (leader)")
    def delete(self, request, code):
        membership.room_close(actor=request.user, room=self.room())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomJoinView(RoomView):
    token_scopes = {"post": Scope.ROOMS_WRITE}

    @extend_schema(request=JoinSerializer, responses=MemberSerializer, summary="Join (with an invite code for private rooms)")
    def post(self, request, code):
        member = membership.room_join(user=request.user, room=self.room(), invite_code=parse(JoinSerializer, request).get("invite_code", ""))
        return Response(MemberSerializer(member).data)


class RoomLeaveView(RoomView):
    token_scopes = {"post": Scope.ROOMS_WRITE}

    @extend_schema(request=None, responses={204: None}, summary="Leave")
    def post(self, request, code):
        membership.room_leave(user=request.user, room=self.room())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListView(ListConventions, RoomView, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    serializer_class = MemberSerializer
    queryset = RoomMember.objects.none()  # for the schema; get_queryset is what runs
    pagination_class = None

    @extend_schema(summary="Members (members only)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        room = self.room()
        selectors.member_require(room=room, user=self.request.user)
        return selectors.members_list(room=room)


class MemberActionView(RoomView):
    def target(self):
        return user_get_by_handle(handle=self.kwargs["handle"], viewer=None)


class MemberKickView(MemberActionView):
    @extend_schema(request=None, responses={204: None}, summary="Kick (10-minute rejoin ban)")
    def post(self, request, code, handle):
        membership.member_kick(actor=request.user, room=self.room(), target=self.target())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberMuteView(MemberActionView):
    @extend_schema(request=MuteSerializer, responses=MemberSerializer, summary="Mute or unmute")
    def post(self, request, code, handle):
        member = membership.member_mute(actor=request.user, room=self.room(), target=self.target(),
                                        is_muted=parse(MuteSerializer, request)["is_muted"])
        return Response(MemberSerializer(member).data)


class MemberRoleView(MemberActionView):
    @extend_schema(request=RoleSerializer, responses=MemberSerializer, summary="Make moderator or member (leader)")
    def post(self, request, code, handle):
        member = membership.member_set_role(actor=request.user, room=self.room(), target=self.target(),
                                            role=parse(RoleSerializer, request)["role"])
        return Response(MemberSerializer(member).data)


class LeadershipTransferView(MemberActionView):
    @extend_schema(request=None, responses=MemberSerializer, summary="Hand leadership to this member")
    def post(self, request, code, handle):
        member = membership.leadership_transfer(actor=request.user, room=self.room(), target=self.target())
        return Response(MemberSerializer(member).data)


class MemberHandLowerView(MemberActionView):
    @extend_schema(request=None, responses=MemberSerializer, summary="Put this member's raised hand down (moderators)")
    def post(self, request, code, handle):
        member = membership.member_hand_lower(actor=request.user, room=self.room(), target=self.target())
        return Response(MemberSerializer(member).data)


class InviteCreateView(RoomView):
    @extend_schema(request=InviteCreateSerializer, responses={201: InviteSerializer}, summary="Create an invite link")
    def post(self, request, code):
        data = parse(InviteCreateSerializer, request)
        invite = invites.invite_create(actor=request.user, room=self.room(), expires_in=data["expires_in"], max_uses=data.get("max_uses"))
        return Response(InviteSerializer(invite).data, status=status.HTTP_201_CREATED)


class InviteFriendView(RoomView):
    @extend_schema(request=FriendInviteSerializer, responses={201: InviteSerializer}, summary="Invite a friend (notification with a join button)")
    def post(self, request, code):
        friend = user_get_by_handle(handle=parse(FriendInviteSerializer, request)["handle"], viewer=request.user)
        invite = invites.invite_friend(actor=request.user, room=self.room(), friend=friend)
        return Response(InviteSerializer(invite).data, status=status.HTTP_201_CREATED)


class MessageListView(ListConventions, RoomView, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    token_scopes = {"post": Scope.CHAT_WRITE}
    serializer_class = ChatMessageSerializer
    queryset = ChatMessage.objects.none()
    pagination_class = None

    @extend_schema(
        parameters=HISTORY_PARAMETERS,
        summary="Chat history, oldest first (50 at most)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        room = self.room()
        selectors.member_require(room=room, user=self.request.user)
        return selectors.messages_list(room=room, **history_bounds(self.request.query_params))

    @extend_schema(request=ChatSendSerializer, responses={201: ChatMessageSerializer}, summary="Send a message")
    def post(self, request, code):
        message = chat.message_send(author=request.user, room=self.room(), body=parse(ChatSendSerializer, request)["body"])
        return Response(ChatMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class MessageDetailView(RoomView):
    @extend_schema(responses={204: None}, summary="Delete a message (author or moderator)")
    def delete(self, request, code, pk):
        chat.message_delete(actor=request.user, room=self.room(), message_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QueueView(ListConventions, RoomView, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    serializer_class = QueueItemSerializer
    queryset = QueueItem.objects.none()
    pagination_class = None

    @extend_schema(summary="The queue, in play order")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        room = self.room()
        selectors.member_require(room=room, user=self.request.user)
        return selectors.queue_list(room=room)

    @extend_schema(request=QueueAddSerializer, responses={201: QueueItemSerializer, 204: None},
                   summary="Queue a link (with nothing playing it starts at once: 204)")
    def post(self, request, code):
        data = parse(QueueAddSerializer, request)
        item = queue.queue_add(actor=request.user, room=self.room(), url=data["url"], title=data["title"])
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(QueueItemSerializer(item).data, status=status.HTTP_201_CREATED)


class QueueItemView(RoomView):
    @extend_schema(responses={204: None}, summary="Remove a queued item")
    def delete(self, request, code, pk):
        queue.queue_remove(actor=request.user, room=self.room(), item_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QueueReorderView(RoomView):
    @extend_schema(request=QueueReorderSerializer, responses={204: None}, summary="Reorder the queue (every id once)")
    def post(self, request, code):
        queue.queue_reorder(actor=request.user, room=self.room(), ids=parse(QueueReorderSerializer, request)["ids"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class QueueSkipView(RoomView):
    @extend_schema(request=None, responses={204: None}, summary="Skip now (playback controllers)")
    def post(self, request, code):
        queue.queue_skip(actor=request.user, room=self.room())
        return Response(status=status.HTTP_204_NO_CONTENT)


class QueueSkipVoteView(RoomView):
    @extend_schema(request=None, responses={204: None}, summary="Vote to skip (more than half of those present skips)")
    def post(self, request, code):
        queue.skip_vote(user=request.user, room=self.room())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlaybackView(RoomView):
    @extend_schema(responses=PlaybackSerializer, summary="The authoritative playback state")
    def get(self, request, code):
        room = self.room()
        selectors.member_require(room=room, user=request.user)
        return Response(PlaybackSerializer(room).data)

    @extend_schema(request=PlaybackCommandSerializer, responses=PlaybackSerializer, summary="Play, pause, seek, set rate or load a link")
    def post(self, request, code):
        room = playback.playback_command(actor=request.user, room=self.room(), **parse(PlaybackCommandSerializer, request))
        return Response(PlaybackSerializer(room).data)


class MatchmakingView(APIView):
    @extend_schema(responses=MatchStatusSerializer, summary="Your partner-matching status")
    def get(self, request):
        return Response(MatchStatusSerializer(selectors.match_status(user=request.user)).data)

    @extend_schema(request=MatchRequestSerializer, responses={201: MatchStatusSerializer},
                   summary="Wait for a random 1:1 language partner (paired at once if one is waiting)")
    def post(self, request):
        data = parse(MatchRequestSerializer, request)
        matching.match_request_create(user=request.user, speaks=data["speaks"], learns=data["learns"])
        return Response(MatchStatusSerializer(selectors.match_status(user=request.user)).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, summary="Stop waiting")
    def delete(self, request):
        matching.match_request_cancel(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MatchNextView(APIView):
    @extend_schema(request=None, responses={201: MatchStatusSerializer},
                   summary="Next partner: leave your 1:1 room and wait again with the same languages")
    def post(self, request):
        matching.match_next(user=request.user)
        return Response(MatchStatusSerializer(selectors.match_status(user=request.user)).data, status=status.HTTP_201_CREATED)


class InvitePreviewView(APIView):
    @extend_schema(responses=RoomSettingsSerializer, parameters=[OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)],
                   summary="The room an invite leads to")
    def get(self, request, code):
        return Response(RoomSettingsSerializer(selectors.invite_get(code=code).room).data)
