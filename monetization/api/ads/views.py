"""/api/v1/ads/: the ad player's calls (thin views over monetization.services.ad_views)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import parse
from config.errors import ErrorSerializer

from ...services import ad_views
from .serializers import NextAdSerializer, ProgressResultSerializer, ProgressSerializer, ServedAdSerializer

ERROR = OpenApiResponse(ErrorSerializer)


class NextAdView(APIView):
    @extend_schema(request=NextAdSerializer, responses={201: ServedAdSerializer, 204: None, 400: ERROR},
                   summary="The next ad for a room placement (204: none: premium, shown lately, or none left)")
    def post(self, request):
        view = ad_views.ad_next(user=request.user, **parse(NextAdSerializer, request))
        if view is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ServedAdSerializer(view).data, status=status.HTTP_201_CREATED)


class SponsoredAdView(APIView):
    @extend_schema(request=None, responses={201: ServedAdSerializer, 404: ERROR},
                   summary="Watch the ad of a running sponsored event")
    def post(self, request, ad_id):
        view = ad_views.ad_view_for_event(user=request.user, ad_id=ad_id)
        return Response(ServedAdSerializer(view).data, status=status.HTTP_201_CREATED)


class ViewProgressView(APIView):
    @extend_schema(request=ProgressSerializer, responses={200: ProgressResultSerializer, 400: ERROR, 403: ERROR,
                                                          404: ERROR, 409: ERROR},
                   summary="Report how far the ad played; at 80 % it counts once (XP, title, event task)")
    def post(self, request, token):
        report = ad_views.ad_view_report(user=request.user, token=token, **parse(ProgressSerializer, request))
        return Response(ProgressResultSerializer({
            "watched_pct": report.view.watched_pct, "is_completed": report.view.completed_at is not None,
            "counted": report.counted, "xp": report.xp,
        }).data)
