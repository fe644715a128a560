"""/api/v1/rooms/{code}/media-token/, /stream-key/, /recording/ and /api/v1/recordings/: thin views over
media_relay.services, .stream_keys and .recordings."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from config.api import CallerRateThrottle
from config.errors import ErrorSerializer
from config.filters import ListConventions
from rooms.selectors import room_get

from ..models import Recording
from ..recordings import recording_going_get, recording_list, recording_start, recording_stop
from ..services import relay_grant
from ..stream_keys import stream_key_create, stream_key_revoke, whip_url_for
from .serializers import RecordingSerializer, RelayGrantSerializer, RoomRecordingSerializer, StreamKeySerializer


class MediaTokenView(APIView):
    @extend_schema(
        request=None,
        responses={200: RelayGrantSerializer, 410: OpenApiResponse(ErrorSerializer, description="The room is closed")},
        summary="A token for the room's voice on the media relay (members)",
    )
    def post(self, request, code):
        # a browser's grant is bound to its session (request.auth is the API token otherwise)
        session_key = request.session.session_key if request.auth is None else None
        grant = relay_grant(user=request.user, room=room_get(code=code), session_key=session_key)
        return Response(RelayGrantSerializer(grant).data)


class StreamKeyThrottle(UserRateThrottle):
    """Creating and revoking keys is rare: 10 a minute per user on top of the caller's usual bucket."""

    scope = "stream_key"
    rate = "10/min"


class StreamKeyView(APIView):
    throttle_classes = [CallerRateThrottle, StreamKeyThrottle]

    @extend_schema(
        request=None,
        responses={201: StreamKeySerializer, 403: OpenApiResponse(ErrorSerializer, description="Not the room's leader")},
        summary="A new WHIP stream key for the room (leader only; revokes the previous key)",
    )
    def post(self, request, code):
        room = room_get(code=code)
        row, key = stream_key_create(actor=request.user, room=room)
        data = {"whip_url": whip_url_for(room=room), "key": key, "prefix": row.prefix, "created_at": row.created_at}
        return Response(StreamKeySerializer(data).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None, 404: OpenApiResponse(ErrorSerializer, description="No live stream key")},
        summary="Revoke the room's WHIP stream key (leader only)",
    )
    def delete(self, request, code):
        stream_key_revoke(actor=request.user, room=room_get(code=code))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecordingThrottle(StreamKeyThrottle):
    """Starting and stopping is as rare as keys: 10 a minute, a bucket of its own."""

    scope = "recording"


class RoomRecordingView(APIView):
    def get_throttles(self):
        # reading the state (after every reconnect) costs only the caller's usual bucket
        rare = [] if self.request.method == "GET" else [RecordingThrottle()]
        return [CallerRateThrottle(), *rare]

    @extend_schema(
        request=None,
        responses={200: RoomRecordingSerializer, 403: OpenApiResponse(ErrorSerializer, description="Not a member")},
        summary="Whether the room's voice is being recorded (members)",
    )
    def get(self, request, code):
        recording = recording_going_get(room=room_get(code=code), user=request.user)
        data = {"is_recording": recording is not None, "started_at": recording.started_at if recording else None}
        return Response(RoomRecordingSerializer(data).data)

    @extend_schema(
        request=None,
        responses={
            201: RecordingSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Not the room's leader"),
            409: OpenApiResponse(ErrorSerializer, description="Already being recorded"),
        },
        summary="Start recording the room's voice (leader only); every member is shown it is recorded",
    )
    def post(self, request, code):
        recording = recording_start(actor=request.user, room=room_get(code=code))
        return Response(RecordingSerializer(recording).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: RecordingSerializer, 404: OpenApiResponse(ErrorSerializer, description="Not being recorded")},
        summary="Stop recording the room's voice (leader only)",
    )
    def delete(self, request, code):
        recording = recording_stop(actor=request.user, room=room_get(code=code))
        return Response(RecordingSerializer(recording).data)


class RecordingListView(ListConventions, ListAPIView):
    filterset_fields = ()
    ordering_fields = ("started_at",)
    queryset = Recording.objects.none()  # for the schema; get_queryset filters per caller
    serializer_class = RecordingSerializer

    @extend_schema(summary="The recordings you started, newest first, with their files")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return recording_list(user=self.request.user)
