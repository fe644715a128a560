"""/api/v1/ clips and watch history: thin views over vods.clips and vods.history."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import TokenScopes
from config.api import parse
from config.errors import ErrorSerializer
from config.filters import ListConventions

from .. import history
from ..clips import selectors, services
from .clip_serializers import (
    ClipLikeSerializer,
    ClipSerializer,
    LiveClipCreateSerializer,
    VodClipCreateSerializer,
    WatchProgressSerializer,
    WatchProgressWriteSerializer,
    WatchTargetSerializer,
)

ERROR = OpenApiResponse(ErrorSerializer)


class StreamClipCreateView(APIView):
    @extend_schema(request=LiveClipCreateSerializer, responses={201: ClipSerializer, 400: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
                   summary="Clip the last 5–90 s of a live stream (cut by a background task: poll the clip)")
    def post(self, request, stream_id):
        stream = selectors.stream_get_for_clipping(stream_id=stream_id)
        clip = services.clip_create_live(actor=request.user, stream=stream, **parse(LiveClipCreateSerializer, request))
        return Response(ClipSerializer(clip).data, status=status.HTTP_201_CREATED)


class VodClipCreateView(APIView):
    @extend_schema(request=VodClipCreateSerializer, responses={201: ClipSerializer, 400: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
                   summary="Clip 5–90 s of a VOD you can watch")
    def post(self, request, vod_id):
        vod = selectors.vod_get_for_clipping(user=request.user, vod_id=vod_id)
        clip = services.clip_create_from_vod(actor=request.user, vod=vod, **parse(VodClipCreateSerializer, request))
        return Response(ClipSerializer(clip).data, status=status.HTTP_201_CREATED)


class ClipListView(ListConventions, APIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    permission_classes = [AllowAny, TokenScopes]

    @extend_schema(responses={200: ClipSerializer(many=True)}, summary="Trending clips (public)",
                   parameters=[OpenApiParameter("channel", int, description="Only this channel's clips")])
    def get(self, request):
        channel = request.query_params.get("channel", "")
        clips = selectors.clips_trending(user=request.user, channel_id=int(channel) if channel.isdigit() else None)
        return Response(ClipSerializer(self.filter_queryset(clips), many=True).data)


class ClipDetailView(APIView):
    def get_permissions(self):
        return [AllowAny(), TokenScopes()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(responses={200: ClipSerializer, 404: ERROR}, summary="A clip (public once ready)")
    def get(self, request, slug):
        return Response(ClipSerializer(selectors.clip_get_for_user(user=request.user, slug=slug)).data)

    @extend_schema(responses={204: None, 403: ERROR, 404: ERROR},
                   summary="Delete a clip (its creator or the channel's owner)")
    def delete(self, request, slug):
        services.clip_delete(actor=request.user, clip=selectors.clip_get_for_user(user=request.user, slug=slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClipLikeView(APIView):
    def _answer(self, request, slug, liked: bool):
        clip = selectors.clip_get_for_user(user=request.user, slug=slug)
        return Response(ClipLikeSerializer({"liked": liked, "likes": clip.likes}).data)

    @extend_schema(request=None, responses={200: ClipLikeSerializer, 404: ERROR}, summary="Like a clip (once)")
    def post(self, request, slug):
        services.clip_like(actor=request.user, clip=selectors.clip_get_for_user(user=request.user, slug=slug))
        return self._answer(request, slug, True)

    @extend_schema(request=None, responses={200: ClipLikeSerializer, 404: ERROR}, summary="Take your like back")
    def delete(self, request, slug):
        services.clip_unlike(actor=request.user, clip=selectors.clip_get_for_user(user=request.user, slug=slug))
        return self._answer(request, slug, False)


class WatchHistoryView(ListConventions, APIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    @extend_schema(responses={200: WatchProgressSerializer(many=True)},
                   summary="What you watched: streams, VODs and clips, newest first, with resume points")
    def get(self, request):
        return Response(WatchProgressSerializer(self.filter_queryset(history.watch_history_list(user=request.user)), many=True).data)


class WatchProgressView(APIView):
    @extend_schema(responses={200: WatchProgressSerializer, 404: ERROR},
                   parameters=[OpenApiParameter("kind", str, required=True), OpenApiParameter("target_id", str, required=True)],
                   summary="Your resume point in a stream, VOD or clip (404 if you never watched it)")
    def get(self, request):
        query = WatchTargetSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        target = history.watch_target_get(**query.validated_data)
        return Response(WatchProgressSerializer(history.watch_progress_require(user=request.user, **target)).data)

    @extend_schema(request=WatchProgressWriteSerializer, responses={200: WatchProgressSerializer, 400: ERROR, 404: ERROR},
                   summary="Report your position (every few seconds while playing): saves the resume point, credits watch time")
    def put(self, request):
        data = parse(WatchProgressWriteSerializer, request)
        target = history.watch_target_get(kind=data.pop("kind"), target_id=data.pop("target_id"))
        kind = next(iter(target))
        row = history.watch_progress_record(user=request.user, kind=kind, **target, **data)
        return Response(WatchProgressSerializer(row).data)
