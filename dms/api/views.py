"""/api/v1/dms/: thin views over dms.services and dms.selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_get_by_handle
from config.api import parse
from config.filters import HISTORY_PARAMETERS, ListConventions, history_bounds

from .. import selectors
from ..models import Call, ConversationMember, DirectMessage
from ..services import calls, conversations, messages
from .serializers import (
    CallSerializer,
    ConversationDetailSerializer,
    ConversationListItemSerializer,
    ConversationSerializer,
    DirectOpenSerializer,
    DmSettingsSerializer,
    GroupCreateSerializer,
    GroupRenameSerializer,
    MemberAddSerializer,
    MessageSendSerializer,
    MessageSerializer,
    ReadResultSerializer,
    ReadSerializer,
    UnreadSerializer,
)


class ConversationView(APIView):
    """Base for /dms/{id}/...: the conversation, if the caller is in it (404 otherwise)."""

    def conversation(self):
        return selectors.conversation_get_for_user(conversation_id=self.kwargs["pk"], user=self.request.user)


def detail(conversation) -> dict:
    conversation = selectors.conversation_detail(conversation=conversation)
    return ConversationDetailSerializer(conversation).data


# -- conversations ---------------------------------------------------------------------------------------
class ConversationListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = ConversationMember.objects.none()  # for the schema
    serializer_class = ConversationListItemSerializer

    @extend_schema(summary="My conversations, latest activity first, with my unread counts")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.conversation_list(user=self.request.user)

    @extend_schema(request=DirectOpenSerializer, responses={200: ConversationSerializer, 201: ConversationSerializer},
                   summary="Open the one-to-one conversation with @handle (made on first use)")
    def post(self, request):
        other = user_get_by_handle(handle=parse(DirectOpenSerializer, request)["handle"], viewer=request.user)
        conversation, created = conversations.direct_open(user=request.user, other=other)
        return Response(detail(conversation), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class GroupCreateView(APIView):
    @extend_schema(request=GroupCreateSerializer, responses={201: ConversationSerializer},
                   summary="Start a group conversation with up to 9 friends")
    def post(self, request):
        data = parse(GroupCreateSerializer, request)
        users = [user_get_by_handle(handle=handle, viewer=request.user) for handle in dict.fromkeys(data["members"])]
        conversation = conversations.group_create(creator=request.user, name=data["name"], users=users)
        return Response(detail(conversation), status=status.HTTP_201_CREATED)


class UnreadView(APIView):
    @extend_schema(responses={200: UnreadSerializer}, summary="Unread messages per conversation (the header's counts)")
    def get(self, request):
        return Response(UnreadSerializer(selectors.unread_summary(user_id=request.user.pk)).data)


class DmSettingsView(APIView):
    @extend_schema(responses={200: DmSettingsSerializer}, summary="Who may message me")
    def get(self, request):
        return Response({"messages_from": selectors.messages_from(user=request.user)})

    @extend_schema(request=DmSettingsSerializer, responses={200: DmSettingsSerializer},
                   summary="Choose who may message me (friends; friends and people I follow; nobody)")
    def put(self, request):
        found = conversations.messages_from_set(user=request.user, **parse(DmSettingsSerializer, request))
        return Response({"messages_from": found.messages_from})


class ConversationDetailView(ConversationView):
    @extend_schema(responses={200: ConversationDetailSerializer}, summary="A conversation: members, read positions, open call")
    def get(self, request, pk):
        return Response(detail(self.conversation()))

    @extend_schema(request=GroupRenameSerializer, responses={200: ConversationDetailSerializer}, summary="Rename a group")
    def patch(self, request, pk):
        conversation = conversations.group_rename(actor=request.user, conversation=self.conversation(),
                                                  name=parse(GroupRenameSerializer, request)["name"])
        return Response(detail(conversation))


class MemberListView(ConversationView):
    @extend_schema(request=MemberAddSerializer, responses={201: ConversationDetailSerializer},
                   summary="Add a friend to a group (any member; at most 10 people)")
    def post(self, request, pk):
        conversation = self.conversation()
        user = user_get_by_handle(handle=parse(MemberAddSerializer, request)["handle"], viewer=request.user)
        conversations.group_member_add(actor=request.user, conversation=conversation, user=user)
        return Response(detail(conversation), status=status.HTTP_201_CREATED)


class MemberDetailView(ConversationView):
    @extend_schema(responses={204: None}, summary="Remove someone from a group (its creator), or yourself (leave)")
    def delete(self, request, pk, handle):
        conversation = self.conversation()
        user = user_get_by_handle(handle=handle, viewer=request.user)
        conversations.group_member_remove(actor=request.user, conversation=conversation, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LeaveView(ConversationView):
    @extend_schema(request=None, responses={204: None}, summary="Leave a group")
    def post(self, request, pk):
        conversations.group_leave(user=request.user, conversation=self.conversation())
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- messages ------------------------------------------------------------------------------------------
class MessageListView(ListConventions, ConversationView, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = DirectMessage.objects.none()  # for the schema
    serializer_class = MessageSerializer
    pagination_class = None

    @extend_schema(
        parameters=HISTORY_PARAMETERS,
        summary="History, oldest first (50 at most)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.messages_for(conversation=self.conversation(), viewer=self.request.user,
                                      **history_bounds(params))

    @extend_schema(request=MessageSendSerializer, responses={201: MessageSerializer},
                   summary="Send a message (links and @mentions as text)")
    def post(self, request, pk):
        message = messages.message_send(author=request.user, conversation=self.conversation(),
                                        body=parse(MessageSendSerializer, request)["body"])
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class MessageDetailView(ConversationView):
    @extend_schema(request=MessageSendSerializer, responses={200: MessageSerializer}, summary="Edit your message")
    def patch(self, request, pk, message_pk):
        message = messages.message_edit(actor=request.user, conversation=self.conversation(), message_id=message_pk,
                                        body=parse(MessageSendSerializer, request)["body"])
        return Response(MessageSerializer(message).data)

    @extend_schema(responses={204: None}, summary="Delete your message (kept, blanked)")
    def delete(self, request, pk, message_pk):
        messages.message_remove(actor=request.user, conversation=self.conversation(), message_id=message_pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReadView(ConversationView):
    @extend_schema(request=ReadSerializer, responses={200: ReadResultSerializer},
                   summary="I have read up to this message (read receipts; clears my unread count)")
    def post(self, request, pk):
        member = messages.conversation_read(user=request.user, conversation=self.conversation(),
                                            message_id=parse(ReadSerializer, request)["message_id"])
        return Response({"last_read_id": member.last_read_id, "unread_count": member.unread_count})


class TypingView(ConversationView):
    @extend_schema(request=None, responses={204: None}, summary="I am typing (the others see it for a few seconds)")
    def post(self, request, pk):
        messages.typing_start(user=request.user, conversation=self.conversation())
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- calls ---------------------------------------------------------------------------------------------
class CallStartView(ConversationView):
    @extend_schema(request=None, responses={200: CallSerializer, 201: CallSerializer},
                   summary="Call the other person (rings their every tab for 30 s; 200: a call was already open)")
    def post(self, request, pk):
        call, created = calls.call_start(caller=request.user, conversation=self.conversation())
        return Response(CallSerializer(call).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RingingCallListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = Call.objects.none()  # for the schema
    serializer_class = CallSerializer
    pagination_class = None

    @extend_schema(summary="Calls ringing for me now (a page load shows the prompt again)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.calls_ringing_for(user=self.request.user)


class CallAcceptView(APIView):
    @extend_schema(request=None, responses={200: CallSerializer}, summary="Accept a call (its voice room opens)")
    def post(self, request, call_pk):
        return Response(CallSerializer(calls.call_answer(user=request.user, call_id=call_pk, accept=True)).data)


class CallDeclineView(APIView):
    @extend_schema(request=None, responses={200: CallSerializer}, summary="Decline a call")
    def post(self, request, call_pk):
        return Response(CallSerializer(calls.call_answer(user=request.user, call_id=call_pk, accept=False)).data)


class CallHangUpView(APIView):
    @extend_schema(request=None, responses={200: CallSerializer},
                   summary="Hang up: cancel a ringing call (caller), or end an accepted one")
    def post(self, request, call_pk):
        return Response(CallSerializer(calls.call_hang_up(user=request.user, call_id=call_pk)).data)
