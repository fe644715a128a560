"""/api/v1/ for accounts: thin views that parse, call one service or selector, and format."""

from django.contrib.auth import logout
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import parse
from config.errors import ApplicationError, CommonError, ForbiddenError
from config.filters import ListConventions

from .. import selectors
from ..errors import AccountError
from ..models import (
    ApiToken,
    DeviceSession,
    FriendRequest,
    Notification,
    PushSubscription,
    QuietHours,
    User,
)
from ..scopes import Scope
from ..services import delivery, push, room_defaults, social, tokens, users
from ..services import notifications as notification_services
from .permissions import TokenScopes
from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    AvatarUploadSerializer,
    DeviceSessionSerializer,
    EmailDigestSerializer,
    FriendRequestCreateSerializer,
    FriendRequestSerializer,
    FriendSerializer,
    HandleAvailabilitySerializer,
    HandleSerializer,
    MeSerializer,
    MeUpdateSerializer,
    NotificationPreferenceInputSerializer,
    NotificationPreferenceSerializer,
    NotificationSerializer,
    PasswordConfirmSerializer,
    PushEndpointSerializer,
    PushSubscriptionInputSerializer,
    PushSubscriptionSerializer,
    PushTestResultSerializer,
    QuietHoursSerializer,
    QuietHoursStateSerializer,
    UserSummarySerializer,
)


class IsSignedInWithSession(permissions.BasePermission):
    """For actions an API token must never do (minting tokens, closing the account)."""

    message = "This action needs a signed-in browser session, not an API token."

    def has_permission(self, request, view):
        return bool(request.user.is_authenticated and request.auth is None)  # no token, personal or OAuth


def confirm_password(request: Request) -> None:
    data = parse(PasswordConfirmSerializer, request)
    if not request.user.check_password(data["password"]):
        raise ForbiddenError(AccountError.PASSWORD_INCORRECT, "That password is not correct.")


# -- me ------------------------------------------------------------------------------------
class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="Your own account")
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer, summary="Edit your profile, privacy and room defaults")
    def patch(self, request):
        data = parse(MeUpdateSerializer, request)
        if "timezone" in data:
            data["timezone_name"] = data.pop("timezone")
        defaults = {name: data.pop(name) for name in room_defaults.FIELDS if name in data}
        user = users.user_profile_update(user=request.user, **data)
        user = room_defaults.user_room_defaults_set(user=user, **defaults)
        return Response(MeSerializer(user).data)


class MeHandleView(APIView):
    @extend_schema(request=HandleSerializer, responses=MeSerializer, summary="Change your @handle (once per 90 days)")
    def post(self, request):
        user = users.user_handle_change(user=request.user, handle=parse(HandleSerializer, request)["handle"])
        return Response(MeSerializer(user).data)


class MeAvatarView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": AvatarUploadSerializer}, responses=MeSerializer,
                   summary="Upload an avatar (JPEG, PNG, GIF or WebP, at most 2 MB)")
    def put(self, request):
        user = users.user_avatar_set(user=request.user, upload=parse(AvatarUploadSerializer, request)["avatar"])
        return Response(MeSerializer(user).data)

    @extend_schema(responses={204: None}, summary="Remove your avatar")
    def delete(self, request):
        users.user_avatar_clear(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeDeactivateView(APIView):
    permission_classes = [IsSignedInWithSession]

    @extend_schema(request=PasswordConfirmSerializer, responses={204: None},
                   summary="Deactivate your account (sign in within 30 days to restore it)")
    def post(self, request):
        confirm_password(request)
        users.user_deactivate(user=request.user)
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeDeleteView(APIView):
    permission_classes = [IsSignedInWithSession]

    @extend_schema(request=PasswordConfirmSerializer, responses={204: None},
                   summary="Delete your account and all its data")
    def post(self, request):
        confirm_password(request)
        users.user_delete(user=request.user)
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeSessionsView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = DeviceSession.objects.none()  # for the schema; get_queryset filters per caller
    serializer_class = DeviceSessionSerializer
    pagination_class = None

    @extend_schema(summary="Your signed-in session (one at a time)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.device_sessions_list(user=self.request.user)


class HandleAvailabilityView(APIView):
    permission_classes = [permissions.AllowAny, TokenScopes]

    @extend_schema(responses=HandleAvailabilitySerializer, summary="Is this @handle free?")
    def get(self, request, handle: str):
        try:
            normalized = selectors.handle_check_available(handle=handle, for_user=request.user if request.user.is_authenticated else None)
            body = {"handle": normalized, "available": True, "code": None, "message": None}
        except ApplicationError as err:
            body = {"handle": handle.lower(), "available": False, "code": err.code, "message": err.message}
        return Response(HandleAvailabilitySerializer(body).data)


# -- users -------------------------------------------------------------------------------
class UserSearchView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = User.objects.none()  # for the schema; get_queryset filters per caller
    serializer_class = UserSummarySerializer

    @extend_schema(parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True, description="handle prefix or name")],
                   summary="Search users")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = self.request.query_params.get("q", "").strip()
        if len(query) < 2:
            raise ApplicationError(CommonError.INVALID, "Search with at least 2 characters.", {"fields": {"q": ["Too short."]}})
        return selectors.user_search(query=query, viewer=self.request.user)


class UserFriendsView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = User.objects.none()  # for the schema; get_queryset filters per caller
    serializer_class = FriendSerializer
    permission_classes = [permissions.AllowAny, TokenScopes]

    @extend_schema(summary="A user's friends, as their privacy settings allow")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        owner = selectors.user_get_by_handle(handle=self.kwargs["handle"], viewer=self.request.user)
        return selectors.friends_list(owner=owner, viewer=self.request.user)


class _TargetUserView(APIView):
    def target(self, handle: str):
        return selectors.user_get_by_handle(handle=handle, viewer=self.request.user)


class UserFollowView(_TargetUserView):
    token_scopes = {"post": Scope.FOLLOWS_WRITE, "delete": Scope.FOLLOWS_WRITE}

    @extend_schema(request=None, responses={201: None}, summary="Follow a user")
    def post(self, request, handle: str):
        social.follow_create(follower=request.user, followee=self.target(handle))
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, summary="Unfollow a user")
    def delete(self, request, handle: str):
        social.follow_remove(follower=request.user, followee=self.target(handle))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserBlockView(_TargetUserView):
    def target(self, handle: str):
        # A user who blocked you can still be blocked back.
        return selectors.user_get_by_handle(handle=handle, viewer=None)

    @extend_schema(request=None, responses={201: None}, summary="Block a user (ends friendship, requests, follows)")
    def post(self, request, handle: str):
        social.block_create(blocker=request.user, blocked=self.target(handle))
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, summary="Unblock a user")
    def delete(self, request, handle: str):
        social.block_remove(blocker=request.user, blocked=self.target(handle))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BlockListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = User.objects.none()  # for the schema; get_queryset filters per caller
    serializer_class = UserSummarySerializer

    @extend_schema(summary="Users you blocked")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.blocked_users(user=self.request.user)


# -- friends ----------------------------------------------------------------------------------
class FriendListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = User.objects.none()  # for the schema; get_queryset filters per caller
    serializer_class = FriendSerializer

    @extend_schema(summary="Your friends, with presence")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.friends_list(owner=self.request.user, viewer=self.request.user)


class FriendDetailView(_TargetUserView):
    @extend_schema(responses={204: None}, summary="Unfriend")
    def delete(self, request, handle: str):
        social.friendship_remove(user=request.user, other=self.target(handle))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FriendRequestListView(ListConventions, generics.ListCreateAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = FriendRequest.objects.none()  # for the schema; get_queryset filters per caller
    serializer_class = FriendRequestSerializer

    @extend_schema(
        parameters=[OpenApiParameter("direction", str, enum=["incoming", "outgoing"], description="default: incoming")],
        summary="Your pending friend requests",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if self.request.query_params.get("direction") == "outgoing":
            return selectors.friend_requests_outgoing(user=self.request.user)
        return selectors.friend_requests_incoming(user=self.request.user)

    @extend_schema(request=FriendRequestCreateSerializer, responses={201: FriendRequestSerializer},
                   summary="Send a friend request (accepts theirs if they already asked you)")
    def post(self, request, *args, **kwargs):
        recipient = selectors.user_get_by_handle(handle=parse(FriendRequestCreateSerializer, request)["handle"], viewer=request.user)
        friend_request = social.friend_request_send(sender=request.user, recipient=recipient)
        return Response(FriendRequestSerializer(friend_request).data, status=status.HTTP_201_CREATED)


class FriendRequestDetailView(APIView):
    @extend_schema(responses={204: None}, summary="Cancel a friend request you sent")
    def delete(self, request, pk: int):
        social.friend_request_cancel(user=request.user, request_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FriendRequestAcceptView(APIView):
    @extend_schema(request=None, responses=FriendRequestSerializer, summary="Accept a friend request")
    def post(self, request, pk: int):
        return Response(FriendRequestSerializer(social.friend_request_accept(user=request.user, request_id=pk)).data)


class FriendRequestRejectView(APIView):
    @extend_schema(request=None, responses=FriendRequestSerializer, summary="Reject a friend request")
    def post(self, request, pk: int):
        return Response(FriendRequestSerializer(social.friend_request_reject(user=request.user, request_id=pk)).data)


# -- notifications --------------------------------------------------------------------------------
class NotificationListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = Notification.objects.none()  # for the schema; get_queryset filters per caller
    serializer_class = NotificationSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="only unread"),
            OpenApiParameter("after", int, description="only newer than this id (resync after a reconnect)"),
        ],
        summary="Your notifications, newest first",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        after = params.get("after")
        if after is not None and not after.isdigit():
            raise ApplicationError(CommonError.INVALID, "'after' is a notification id.", {"fields": {"after": ["Not an id."]}})
        return selectors.notifications_list(
            user=self.request.user, unread_only=params.get("unread") in ("1", "true"), after_id=int(after) if after else None
        )


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark one notification read")
    def post(self, request, pk: int):
        notification = notification_services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Mark every notification read")
    def post(self, request):
        notification_services.notifications_mark_all_read(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- API tokens -----------------------------------------------------------------------------------
class TokenListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = ApiToken.objects.none()  # for the schema; get_queryset filters per caller
    serializer_class = ApiTokenSerializer
    pagination_class = None

    def get_permissions(self):
        return [IsSignedInWithSession()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(summary="Your active API tokens")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.api_tokens_list(user=self.request.user)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer},
                   summary="Create an API token (browser session only; the key is shown once)")
    def post(self, request):
        data = parse(ApiTokenCreateSerializer, request)
        token, key = tokens.api_token_create(user=request.user, name=data["name"], expires_at=data.get("expires_at"),
                                             scopes=set(data["scopes"]) if "scopes" in data else None)
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    @extend_schema(responses={204: None}, summary="Revoke an API token")
    def delete(self, request, pk: int):
        tokens.api_token_revoke(user=request.user, token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)



# -- delivery: this browser's Web Push subscription and the channels per kind --------------------------
class PushSubscriptionListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    queryset = PushSubscription.objects.none()  # for the schema; get_queryset filters per caller
    serializer_class = PushSubscriptionSerializer
    pagination_class = None

    @extend_schema(summary="Your browsers that receive Web Push notifications")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.push_subscriptions(user=self.request.user)

    @extend_schema(request=PushSubscriptionInputSerializer, responses={201: PushSubscriptionSerializer},
                   summary="Register this browser's push subscription (PushSubscription.toJSON())")
    def post(self, request):
        data = parse(PushSubscriptionInputSerializer, request)
        subscription = push.push_subscription_save(
            user=request.user, endpoint=data["endpoint"], p256dh=data["keys"]["p256dh"], auth=data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(PushSubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)


class PushSubscriptionRemoveView(APIView):
    @extend_schema(request=PushEndpointSerializer, responses={204: None}, summary="Stop Web Push to this browser")
    def post(self, request):
        push.push_subscription_delete(user=request.user, endpoint=parse(PushEndpointSerializer, request)["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PushTestView(APIView):
    @extend_schema(request=None, responses=PushTestResultSerializer, summary="Send a test notification to your browsers")
    def post(self, request):
        return Response({"sent": push.push_test(user=request.user)})


class NotificationPreferenceListView(ListConventions, APIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    @extend_schema(responses=NotificationPreferenceSerializer(many=True),
                   summary="Each notification kind: the channels it offers and those you have on")
    def get(self, request):
        return Response(NotificationPreferenceSerializer(self.filter_queryset(selectors.notification_preferences(user=request.user)), many=True).data)


class NotificationPreferenceView(APIView):
    @extend_schema(request=NotificationPreferenceInputSerializer, responses=NotificationPreferenceSerializer,
                   summary="Choose the channels one kind reaches you on (in_app, email, push)")
    def put(self, request, kind: str):
        data = parse(NotificationPreferenceInputSerializer, request)
        delivery.notification_preference_set(user=request.user, kind=kind, channels=data["channels"])
        row = next(p for p in selectors.notification_preferences(user=request.user) if p["kind"] == kind)
        return Response(NotificationPreferenceSerializer(row).data)


class QuietHoursView(APIView):
    @extend_schema(responses={200: QuietHoursStateSerializer}, summary="My quiet hours (nulls: none)")
    def get(self, request):
        quiet = QuietHours.objects.filter(user=request.user).first()
        return Response(QuietHoursStateSerializer(quiet or {"starts": None, "ends": None}).data)

    @extend_schema(request=QuietHoursSerializer, responses={200: QuietHoursSerializer},
                   summary="Set quiet hours: no e-mail or Web Push then (the bell still fills)")
    def put(self, request):
        quiet = delivery.quiet_hours_set(user=request.user, **parse(QuietHoursSerializer, request))
        return Response(QuietHoursSerializer(quiet).data)

    @extend_schema(responses={204: None}, summary="No quiet hours")
    def delete(self, request):
        delivery.quiet_hours_clear(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailDigestView(APIView):
    @extend_schema(responses={200: EmailDigestSerializer}, summary="Whether notification e-mails come as one daily digest")
    def get(self, request):
        return Response({"is_on": selectors.has_email_digest(user=request.user)})

    @extend_schema(request=EmailDigestSerializer, responses={200: EmailDigestSerializer},
                   summary="One e-mail a day listing the day's notifications, instead of one e-mail each")
    def put(self, request):
        return Response({"is_on": delivery.email_digest_set(user=request.user, **parse(EmailDigestSerializer, request))})
