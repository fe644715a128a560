"""/api/v1/leaderboards/, /api/v1/events/, /api/v1/guilds/{slug}/events/, /api/v1/me/badges/, /api/v1/me/decorations/: thin views."""

from datetime import UTC, date, datetime, time, timedelta

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import parse
from config.errors import ApplicationError, CommonError, NotFoundError
from config.filters import ListConventions
from guilds.api.views import GuildView

from .. import leaderboard, selectors
from ..errors import GamificationError
from ..leaderboard import BOARD_KINDS, Period
from ..models import DecorationKind
from ..rules import LEADERBOARD_SIZE
from ..services import collection
from ..services.guild_events import guild_event_create
from .serializers import (
    BadgeCollectionSerializer,
    DecorationCollectionSerializer,
    EquipSerializer,
    EventSerializer,
    GuildEventCreateSerializer,
    LeaderboardIndexSerializer,
    LeaderboardSerializer,
    ShowcaseSerializer,
    WeeklyResultsSerializer,
)


def int_param(request, name: str, default: int) -> int:
    try:
        return int(request.query_params.get(name, default))
    except ValueError:
        raise ApplicationError(CommonError.INVALID, "Invalid input.", {"fields": {name: ["A whole number is required."]}}) from None


class LeaderboardIndexView(APIView):
    @extend_schema(responses=LeaderboardIndexSerializer, operation_id="leaderboards_index",
                   summary="The leaderboards there are, and the current periods")
    def get(self, request):
        week = leaderboard.week_start()
        boards = [
            {"scope": scope, "metric": metric, "period": period,
             "url": f"/api/v1/leaderboards/{scope}/{metric}/{period}/"}
            for scope, metric in BOARD_KINDS for period in Period
        ]
        return Response(LeaderboardIndexSerializer({
            "boards": boards, "week_starts": week, "month_starts": leaderboard.month_start(),
            "next_reset_at": datetime.combine(week + timedelta(days=7), time(), tzinfo=UTC),
        }).data)


class LeaderboardView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description=f"1–{LEADERBOARD_SIZE} (default {LEADERBOARD_SIZE})")],
        responses=LeaderboardSerializer,
        operation_id="leaderboards_board",
        summary="A board's top and your own rank (scope: individual|guild, metric: watch|xp, period: week|month|all)",
    )
    def get(self, request, scope: str, metric: str, period: str):
        page = selectors.leaderboard_page(viewer=request.user, scope=scope, metric=metric, period=period,
                                          limit=int_param(request, "limit", LEADERBOARD_SIZE))
        return Response(LeaderboardSerializer(page).data)


class WeeklyResultsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("week", str, description="Monday of the week, YYYY-MM-DD (default: the last one reset)")],
        responses=WeeklyResultsSerializer,
        summary="A finished week's final top 10s and your premium rewards for it",
    )
    def get(self, request):
        raw = request.query_params.get("week")
        try:
            week = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise ApplicationError(CommonError.INVALID, "Invalid input.", {"fields": {"week": ["Use YYYY-MM-DD."]}}) from None
        results = selectors.weekly_results(week=week, viewer=request.user)
        if results is None:
            raise NotFoundError(GamificationError.WEEK_NOT_FOUND, "No week has been reset yet.")
        return Response(WeeklyResultsSerializer(results).data)


class EventListView(ListConventions, APIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    @extend_schema(
        parameters=[OpenApiParameter("state", str, enum=["current", "past"], description="current (default): running and upcoming")],
        responses=EventSerializer(many=True),
        summary="Events with their tasks and your progress",
    )
    def get(self, request):
        state = "past" if request.query_params.get("state") == "past" else "current"
        return Response(EventSerializer(self.filter_queryset(selectors.events_list(user=request.user, state=state)), many=True).data)


class EventDetailView(APIView):
    @extend_schema(responses=EventSerializer, summary="One event with its tasks and your progress")
    def get(self, request, slug: str):
        return Response(EventSerializer(selectors.event_get_for_user(slug=slug, user=request.user)).data)


class MyBadgesView(APIView):
    @extend_schema(responses=BadgeCollectionSerializer, summary="Your badges (earned, with showcase positions) and those still to earn")
    def get(self, request):
        return Response(BadgeCollectionSerializer(selectors.badges_collection(user=request.user)).data)


class MyShowcaseView(APIView):
    @extend_schema(request=ShowcaseSerializer, responses=BadgeCollectionSerializer,
                   summary="Choose the badges on your profile (up to 5, in order)")
    def put(self, request):
        collection.badge_showcase_set(user=request.user, badge_ids=parse(ShowcaseSerializer, request)["badge_ids"])
        return Response(BadgeCollectionSerializer(selectors.badges_collection(user=request.user)).data)


class MyDecorationsView(APIView):
    @extend_schema(responses=DecorationCollectionSerializer, summary="Your titles and frames, and what you wear")
    def get(self, request):
        return Response(DecorationCollectionSerializer(selectors.decorations_for_user(user=request.user)).data)


class MyEquippedView(APIView):
    @extend_schema(request=EquipSerializer, responses=DecorationCollectionSerializer,
                   summary="Wear a title and/or a frame (null takes it off; a missing key leaves it)")
    def put(self, request):
        data = parse(EquipSerializer, request)
        for kind in DecorationKind.values:
            if kind in data:
                collection.decoration_equip(user=request.user, kind=kind, decoration_id=data[kind])
        return Response(DecorationCollectionSerializer(selectors.decorations_for_user(user=request.user)).data)


class GuildEventListView(ListConventions, GuildView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    @extend_schema(
        parameters=[OpenApiParameter("state", str, enum=["current", "past"], description="current (default) or past")],
        responses=EventSerializer(many=True), summary="The guild's own events with your progress (members)",
    )
    def get(self, request, slug):
        state = "past" if request.query_params.get("state") == "past" else "current"
        events = selectors.guild_events_list(guild=self.guild(), user=request.user, state=state)
        return Response(EventSerializer(self.filter_queryset(events), many=True).data)

    @extend_schema(request=GuildEventCreateSerializer, responses={201: EventSerializer},
                   summary="Schedule a guild event: 1–5 tasks, XP only (leader and officers; audited)")
    def post(self, request, slug):
        event = guild_event_create(actor=request.user, guild=self.guild(), **parse(GuildEventCreateSerializer, request))
        data = selectors.event_get_for_user(slug=event.slug, user=request.user)
        return Response(EventSerializer(data).data, status=status.HTTP_201_CREATED)
