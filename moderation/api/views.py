"""/api/v1/reports/ and a channel owner's AutoMod terms: thin views over moderation.services."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import parse
from config.filters import ListConventions
from streams.selectors import channel_get

from ..models import AutoModTerm
from ..selectors import channel_terms
from ..services.reports import report_create
from ..services.terms import channel_term_add, channel_term_remove
from .serializers import ChannelTermSerializer, ReportCreateSerializer, ReportSerializer


class ReportCreateView(APIView):
    @extend_schema(request=ReportCreateSerializer, responses={201: ReportSerializer},
                   summary="Report a user, message, room, channel, stream or guild (folds into one case per target; "
                           "at most 10 reports per 10 minutes)")
    def post(self, request):
        data = parse(ReportCreateSerializer, request)
        report = report_create(reporter=request.user, kind=data["kind"], target_id=data["id"],
                               category=data["category"], note=data["note"])
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ChannelTermListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    serializer_class = ChannelTermSerializer
    pagination_class = None
    queryset = AutoModTerm.objects.none()  # the schema's model; get_queryset reads the channel's

    @extend_schema(summary="The channel's own AutoMod terms (its owner)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return channel_terms(actor=self.request.user, channel=channel_get(slug=self.kwargs["slug"]))

    @extend_schema(request=ChannelTermSerializer, responses={201: ChannelTermSerializer},
                   summary="Add a term to the channel's chat filter: block, hold for review, or allow (its owner)")
    def post(self, request, slug):
        data = parse(ChannelTermSerializer, request)
        term = channel_term_add(actor=request.user, channel=channel_get(slug=slug), term=data["term"],
                                level=data["level"])
        return Response(ChannelTermSerializer(term).data, status=status.HTTP_201_CREATED)


class ChannelTermDetailView(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Remove one of the channel's AutoMod terms (its owner)")
    def delete(self, request, slug, pk):
        channel_term_remove(actor=request.user, channel=channel_get(slug=slug), term_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
