"""/api/v1/ endpoints that compose several apps."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import TokenScopes

from ..profiles import profile_get
from .serializers import ProfileSerializer


class UserDetailView(APIView):
    permission_classes = [permissions.AllowAny, TokenScopes]

    @extend_schema(responses=ProfileSerializer, summary="A public profile")
    def get(self, request, handle: str):
        return Response(ProfileSerializer(profile_get(handle=handle, viewer=request.user)).data)
