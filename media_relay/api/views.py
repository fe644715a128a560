"""/api/v1/rooms/{code}/media-token/: a thin view over media_relay.services."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ErrorSerializer
from rooms.selectors import room_get

from ..services import relay_grant
from .serializers import RelayGrantSerializer


class MediaTokenView(APIView):
    @extend_schema(
        request=None,
        responses={200: RelayGrantSerializer, 410: OpenApiResponse(ErrorSerializer, description="The room is closed")},
        summary="A token for the room's voice on the media relay (members)",
    )
    def post(self, request, code):
        grant = relay_grant(user=request.user, room=room_get(code=code))
        return Response(RelayGrantSerializer(grant).data)
