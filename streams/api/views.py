"""/api/v1/channels/ and /api/v1/streams/: thin views over streams.services, .selectors and .stream_keys."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import TokenScopes
from accounts.scopes import Scope
from config.api import CallerRateThrottle, parse
from config.errors import ErrorSerializer, NotFoundError
from config.filters import ListConventions
from config.shared_reads import SharedListCache
from media_relay.api.serializers import RelayGrantSerializer
from media_relay.api.views import StreamKeyThrottle

from .. import live_chat, selectors, services
from ..errors import StreamError
from ..models import Channel, Stream
from ..playback import stream_hls_request, stream_webrtc_return
from ..stream_keys import channel_stream_key_create, channel_stream_key_revoke, channel_whip_url
from .serializers import (
    ChannelCreateSerializer,
    ChannelModeratorAddSerializer,
    ChannelModeratorSerializer,
    ChannelSerializer,
    ChannelStreamKeySerializer,
    ChannelUpdateSerializer,
    FollowSerializer,
    FollowStateSerializer,
    GoLiveSerializer,
    StreamDetailSerializer,
    StreamPlaybackSerializer,
    StreamScheduleSerializer,
    StreamSerializer,
    StreamUpdateSerializer,
    StreamWebrtcReturnSerializer,
)

ERROR = OpenApiResponse(ErrorSerializer)


class ChannelListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ("name",)
    serializer_class = ChannelSerializer
    queryset = Channel.objects.none()

    @extend_schema(summary="The channels you follow")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.channels_followed(user=self.request.user)

    @extend_schema(request=ChannelCreateSerializer, responses={201: ChannelSerializer, 409: ERROR},
                   summary="Create your channel (one per account)")
    def post(self, request):
        channel = services.channel_create(actor=request.user, **parse(ChannelCreateSerializer, request))
        return Response(ChannelSerializer(channel).data, status=status.HTTP_201_CREATED)


class ChannelDetailView(APIView):
    token_scopes = {"patch": Scope.STREAM_MANAGE}

    def get_permissions(self):
        return [AllowAny(), TokenScopes()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(responses={200: ChannelSerializer, 404: ERROR}, summary="A channel (public)")
    def get(self, request, slug):
        return Response(ChannelSerializer(selectors.channel_get(slug=slug)).data)

    @extend_schema(request=ChannelUpdateSerializer, responses={200: ChannelSerializer, 403: ERROR},
                   summary="Edit your channel (multipart for the avatar and banner)")
    def patch(self, request, slug):
        channel = selectors.channel_get(slug=slug)
        data = parse_partial(ChannelUpdateSerializer, request)
        images = {purpose: data.pop(purpose) for purpose in ("avatar", "banner") if purpose in data}
        channel = services.channel_update(actor=request.user, channel=channel, **data)
        for purpose, upload in images.items():
            services.channel_image_set(actor=request.user, channel=channel, purpose=purpose, upload=upload)
        return Response(ChannelSerializer(channel).data)


def parse_partial(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data, partial=True)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class FollowView(APIView):
    token_scopes = {"post": Scope.FOLLOWS_WRITE, "delete": Scope.FOLLOWS_WRITE}

    @extend_schema(request=FollowSerializer, responses={200: FollowStateSerializer, 400: ERROR},
                   summary="Follow a channel, or set whether its go-lives notify you")
    def post(self, request, slug):
        channel = selectors.channel_get(slug=slug)
        follow = services.channel_follow(actor=request.user, channel=channel, **parse(FollowSerializer, request))
        return Response(follow_state(channel, follow))

    @extend_schema(request=None, responses={200: FollowStateSerializer}, summary="Unfollow a channel")
    def delete(self, request, slug):
        channel = selectors.channel_get(slug=slug)
        services.channel_unfollow(actor=request.user, channel=channel)
        return Response(follow_state(channel, None))


def follow_state(channel, follow) -> dict:
    return {"is_following": follow is not None, "notify": bool(follow and follow.notify),
            "followers": selectors.channel_follower_count(channel=channel)}


class ChannelStreamKeyView(APIView):
    throttle_classes = [CallerRateThrottle, StreamKeyThrottle]

    @extend_schema(request=None, responses={201: ChannelStreamKeySerializer, 403: ERROR},
                   summary="A new stream key for your channel (revokes the previous one)")
    def post(self, request, slug):
        channel = selectors.channel_get(slug=slug)
        row, key = channel_stream_key_create(actor=request.user, channel=channel)
        data = {"whip_url": channel_whip_url(channel=channel), "key": key, "prefix": row.prefix,
                "created_at": row.created_at}
        return Response(ChannelStreamKeySerializer(data).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, 404: ERROR},
                   summary="Revoke your channel's stream key (a live WHIP publisher is dropped)")
    def delete(self, request, slug):
        channel_stream_key_revoke(actor=request.user, channel=selectors.channel_get(slug=slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GoLiveView(APIView):
    token_scopes = {"post": Scope.STREAM_MANAGE}

    @extend_schema(request=GoLiveSerializer, responses={201: StreamSerializer, 409: ERROR},
                   summary="Take your channel live (a scheduled stream, or a new one)")
    def post(self, request, slug):
        channel = selectors.channel_get(slug=slug)
        data = parse(GoLiveSerializer, request)
        stream = None
        if "stream_id" in data:
            stream = Stream.objects.filter(pk=data.pop("stream_id"), channel=channel).first()
            if stream is None:
                raise NotFoundError(StreamError.STREAM_NOT_FOUND, "No such stream.")
        stream = services.stream_go_live(actor=request.user, channel=channel, stream=stream, **data)
        return Response(StreamSerializer(stream).data, status=status.HTTP_201_CREATED)


class ChannelStreamListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ("created_at", "started_at", "peak_viewers")
    token_scopes = {"post": Scope.STREAM_MANAGE}
    serializer_class = StreamSerializer
    queryset = Stream.objects.none()

    def get_permissions(self):
        return [AllowAny(), TokenScopes()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(summary="A channel's streams, newest first (public)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.streams_of_channel(channel=selectors.channel_get(slug=self.kwargs["slug"]))

    @extend_schema(request=StreamScheduleSerializer, responses={201: StreamSerializer, 400: ERROR},
                   summary="Schedule a stream of your channel")
    def post(self, request, slug):
        stream = services.stream_schedule(actor=request.user, channel=selectors.channel_get(slug=slug),
                                          **parse(StreamScheduleSerializer, request))
        return Response(StreamSerializer(stream).data, status=status.HTTP_201_CREATED)


class LiveStreamListView(ListConventions, SharedListCache, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ("started_at", "current_viewers")
    serializer_class = StreamSerializer
    queryset = Stream.objects.none()
    permission_classes = [AllowAny, TokenScopes]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="in the title, the channel's name, or @handle"),
                    OpenApiParameter("category", str)],
        summary="Live now: followed channels first, then by viewers (public)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def is_shared(self, request) -> bool:
        return not request.user.is_authenticated  # a viewer's followed channels come first

    def get_queryset(self):
        params = self.request.query_params
        return selectors.streams_live(user=self.request.user, query=params.get("q", "")[:100],
                                      category=params.get("category", "")[:20])


class StreamDetailView(APIView):
    token_scopes = {"patch": Scope.STREAM_MANAGE}

    def get_permissions(self):
        return [AllowAny(), TokenScopes()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(responses={200: StreamDetailSerializer, 404: ERROR}, summary="A stream (public)")
    def get(self, request, stream_id):
        return Response(StreamDetailSerializer(selectors.stream_get(stream_id=stream_id)).data)

    @extend_schema(request=StreamUpdateSerializer, responses={200: StreamSerializer, 403: ERROR},
                   summary="Edit your stream (multipart for the thumbnail)")
    def patch(self, request, stream_id):
        stream = selectors.stream_get(stream_id=stream_id)
        data = parse_partial(StreamUpdateSerializer, request)
        thumbnail = data.pop("thumbnail", None)
        if data:
            stream = services.stream_update(actor=request.user, stream=stream, **data)
        if thumbnail is not None:
            stream = services.stream_thumbnail_set(actor=request.user, stream=stream, upload=thumbnail)
        return Response(StreamSerializer(stream).data)


class StreamEndView(APIView):
    token_scopes = {"post": Scope.STREAM_MANAGE}

    @extend_schema(request=None, responses={200: StreamSerializer, 410: ERROR},
                   summary="End your live stream (or cancel a scheduled one)")
    def post(self, request, stream_id):
        stream = services.stream_end(actor=request.user, stream=selectors.stream_get(stream_id=stream_id))
        return Response(StreamSerializer(stream).data)


class StreamMediaTokenView(APIView):
    permission_classes = [AllowAny, TokenScopes]

    @extend_schema(request=None, responses={200: RelayGrantSerializer, 409: ERROR, 410: ERROR},
                   summary="A media relay token for a live stream: the owner publishes, anyone watches (public)")
    def post(self, request, stream_id):
        stream = selectors.stream_get(stream_id=stream_id)
        session_key = request.session.session_key if request.auth is None else None
        grant = services.stream_relay_grant(user=request.user, stream=stream, session_key=session_key)
        return Response(RelayGrantSerializer(grant).data)



class StreamHlsView(APIView):
    permission_classes = [AllowAny, TokenScopes]

    @extend_schema(request=None, responses={200: StreamPlaybackSerializer, 409: ERROR, 410: ERROR},
                   summary="Watch a live stream over HLS (past the WebRTC cap, or WebRTC failed): its playlist (public)")
    def post(self, request, stream_id):
        stream = selectors.stream_get(stream_id=stream_id)
        return Response(StreamPlaybackSerializer(stream_hls_request(stream=stream)).data)


class StreamWebrtcReturnView(APIView):
    permission_classes = [AllowAny, TokenScopes]

    @extend_schema(request=None, responses={200: StreamWebrtcReturnSerializer, 409: ERROR, 410: ERROR},
                   summary="An HLS viewer asks to move back to WebRTC once seats free up (public)")
    def post(self, request, stream_id):
        stream = selectors.stream_get(stream_id=stream_id)
        return Response(StreamWebrtcReturnSerializer(stream_webrtc_return(stream=stream)).data)


class ChannelModeratorListView(ListConventions, APIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    @extend_schema(request=None, responses={200: ChannelModeratorSerializer(many=True), 403: ERROR},
                   summary="Your channel's chat moderators")
    def get(self, request, slug):
        channel = selectors.channel_get(slug=slug)
        services.channel_owner_require(channel=channel, actor=request.user)
        return Response(ChannelModeratorSerializer(self.filter_queryset(selectors.channel_moderators(channel=channel)), many=True).data)

    @extend_schema(request=ChannelModeratorAddSerializer, responses={201: ChannelModeratorSerializer, 400: ERROR, 403: ERROR},
                   summary="Appoint a chat moderator of your channel (by @handle)")
    def post(self, request, slug):
        channel = selectors.channel_get(slug=slug)
        row = live_chat.channel_moderator_add(actor=request.user, channel=channel,
                                              **parse(ChannelModeratorAddSerializer, request))
        return Response(ChannelModeratorSerializer(row).data, status=status.HTTP_201_CREATED)


class ChannelModeratorDetailView(APIView):
    @extend_schema(request=None, responses={204: None, 403: ERROR, 404: ERROR}, summary="Remove a chat moderator")
    def delete(self, request, slug, user_id):
        live_chat.channel_moderator_remove(actor=request.user, channel=selectors.channel_get(slug=slug), user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
