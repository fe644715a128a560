"""/api/v1/vods/ and /api/v1/channels/<slug>/vods/: thin views over vods.services and .selectors."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import TokenScopes
from config.api import parse
from config.errors import ErrorSerializer
from config.filters import ListConventions
from streams import selectors as stream_selectors

from .. import selectors, services
from ..models import Vod
from .serializers import VodSerializer, VodUpdateSerializer

ERROR = OpenApiResponse(ErrorSerializer)


def _vod(request, vod_id: int) -> Vod:
    return selectors.vod_get_for_user(vod_id=vod_id, user=request.user)


class VodDetailView(APIView):
    def get_permissions(self):
        return [AllowAny(), TokenScopes()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(responses={200: VodSerializer, 404: ERROR}, summary="A VOD: status, progress, renditions")
    def get(self, request, vod_id: int):
        return Response(VodSerializer(_vod(request, vod_id)).data)

    @extend_schema(request=VodUpdateSerializer, responses={200: VodSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
                   summary="Edit your VOD's title, description or visibility")
    def patch(self, request, vod_id: int):
        vod = services.vod_update(actor=request.user, vod=_vod(request, vod_id), **parse(VodUpdateSerializer, request))
        return Response(VodSerializer(vod).data)

    @extend_schema(responses={204: None, 403: ERROR, 404: ERROR}, summary="Delete your VOD and its recording")
    def delete(self, request, vod_id: int):
        services.vod_delete(actor=request.user, vod=_vod(request, vod_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VodRetryView(APIView):
    @extend_schema(request=None, responses={200: VodSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
                   summary="Build a failed VOD's renditions again")
    def post(self, request, vod_id: int):
        return Response(VodSerializer(services.vod_retry(actor=request.user, vod=_vod(request, vod_id))).data)


class ChannelVodListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ("created_at", "views", "duration_seconds")
    serializer_class = VodSerializer
    permission_classes = [AllowAny, TokenScopes]
    queryset = Vod.objects.none()

    @extend_schema(summary="A channel's VODs you may watch, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        channel = stream_selectors.channel_get(slug=self.kwargs["slug"])
        return selectors.vods_of_channel(channel=channel, user=self.request.user).prefetch_related("renditions")
