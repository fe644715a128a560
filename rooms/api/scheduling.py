"""/api/v1/scheduled-rooms/: rooms announced for later, "Remind me" (rooms.services.scheduling)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import UserSummarySerializer
from accounts.languages import CEFR_LEVELS
from config.api import parse
from config.filters import ListConventions

from .. import selectors
from ..models import RoomKind, ScheduledRoom
from ..services import scheduling


class ScheduledRoomSerializer(serializers.ModelSerializer):
    host = UserSummarySerializer()
    room = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="the room's code once opened")
    reminder_count = serializers.IntegerField(read_only=True, default=0)
    is_reminded = serializers.BooleanField(read_only=True, default=False)
    calendar_url = serializers.SerializerMethodField()

    class Meta:
        model = ScheduledRoom
        fields = ["id", "host", "kind", "name", "topic", "languages", "level", "starts_at", "status", "room",
                  "reminder_count", "is_reminded", "calendar_url"]

    def get_calendar_url(self, scheduled) -> str:
        return f"/rooms/scheduled/{scheduled.pk}/calendar.ics"


class ScheduledRoomCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    kind = serializers.ChoiceField(choices=RoomKind.choices, default=RoomKind.WATCH)
    topic = serializers.CharField(max_length=120, allow_blank=True, required=False, default="")
    languages = serializers.ListField(child=serializers.CharField(max_length=8), max_length=10, required=False, default=list)
    level = serializers.CharField(max_length=2, allow_blank=True, required=False, default="")
    starts_at = serializers.DateTimeField()


class ReminderSerializer(serializers.Serializer):
    scheduled_room = serializers.IntegerField()
    is_reminded = serializers.BooleanField()


class ScheduledRoomListView(ListConventions, generics.ListAPIView):
    filterset_fields = ()
    ordering_fields = ("starts_at",)
    queryset = ScheduledRoom.objects.none()  # for the schema
    serializer_class = ScheduledRoomSerializer

    @extend_schema(summary="Upcoming rooms, soonest first (the hallway's Upcoming list)", parameters=[
        OpenApiParameter("language", str, description="ISO code, e.g. es"),
        OpenApiParameter("level", str, enum=list(CEFR_LEVELS), description="CEFR level (exactly)"),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.upcoming_list(viewer=self.request.user, language=params.get("language") or None,
                                       level=params.get("level") or None)

    @extend_schema(request=ScheduledRoomCreateSerializer, responses={201: ScheduledRoomSerializer},
                   summary="Schedule a watch party or voice room (up to 90 days ahead)")
    def post(self, request):
        scheduled = scheduling.scheduled_room_create(host=request.user, **parse(ScheduledRoomCreateSerializer, request))
        return Response(ScheduledRoomSerializer(scheduled).data, status=status.HTTP_201_CREATED)


class ScheduledRoomDetailView(APIView):
    @extend_schema(responses={200: ScheduledRoomSerializer}, summary="A scheduled room")
    def get(self, request, pk):
        return Response(ScheduledRoomSerializer(selectors.scheduled_room_get(pk=pk)).data)

    @extend_schema(responses={200: ScheduledRoomSerializer}, summary="Cancel it (its host)")
    def delete(self, request, pk):
        scheduled = scheduling.scheduled_room_cancel(actor=request.user, scheduled=selectors.scheduled_room_get(pk=pk))
        return Response(ScheduledRoomSerializer(scheduled).data)


class ReminderView(APIView):
    @extend_schema(request=None, responses={200: ReminderSerializer, 201: ReminderSerializer},
                   summary="Remind me when it opens (once, however many taps)")
    def post(self, request, pk):
        _, created = scheduling.reminder_add(user=request.user, scheduled=selectors.scheduled_room_get(pk=pk))
        return Response({"scheduled_room": pk, "is_reminded": True},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={200: ReminderSerializer}, summary="Don't remind me")
    def delete(self, request, pk):
        scheduling.reminder_remove(user=request.user, scheduled=selectors.scheduled_room_get(pk=pk))
        return Response({"scheduled_room": pk, "is_reminded": False})
