"""/api/v1/streams/<id>/stage/…, /polls/…, /raid/: thin views over streams.stage, .stage_selectors,
.polls and .raids."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import TokenScopes
from accounts.events import user_summary
from config.api import parse
from config.errors import ErrorSerializer
from config.filters import ListConventions

from .. import events, polls, raids, selectors, stage, stage_selectors
from .serializers import StreamSerializer
from .stage_serializers import (
    GuestMuteSerializer,
    HandAnswerSerializer,
    PollOpenSerializer,
    PollStateSerializer,
    PollVoteSerializer,
    RaidSerializer,
    StageInviteCreateSerializer,
    StageSeatSerializer,
    StageSerializer,
    UserSummaryPayloadSerializer,
)

ERROR = OpenApiResponse(ErrorSerializer)


def _seat(invite) -> dict:
    return events.stage_seat(invite, expires_at=stage.invite_expires_at(invite))


def _invite(stream_id, invite_id):
    stream = selectors.stream_get(stream_id=stream_id)
    return stage_selectors.stage_invite_get(stream=stream, invite_id=invite_id)


class StageView(APIView):
    permission_classes = [AllowAny, TokenScopes]

    @extend_schema(responses={200: StageSerializer, 404: ERROR},
                   summary="A stream's stage: its guests, and for the host and moderators the requests (public)")
    def get(self, request, stream_id):
        stream = selectors.stream_get(stream_id=stream_id)
        stage.stage_invites_expire(stream_id=stream.pk)
        can_manage = stage.is_stage_manager(stream=stream, user=request.user)
        mine = stage_selectors.stage_pending_invite_for(stream=stream, user=request.user)
        return Response({
            "seats": [_seat(s) for s in stage_selectors.stage_seats(stream=stream)],
            "seats_max": stage.stage_guests_max(),
            "requests": [_seat(s) for s in stage_selectors.stage_requests(stream=stream)] if can_manage else [],
            "can_manage": can_manage,
            "my_invite": _seat(mine) if mine else None,
            "host": user_summary(stream.channel.owner),
        })


class StageInviteListView(APIView):
    @extend_schema(request=StageInviteCreateSerializer, responses={201: StageSeatSerializer, 403: ERROR, 409: ERROR},
                   summary="Invite a viewer onto the stage by @handle (host or moderator)")
    def post(self, request, stream_id):
        stream = selectors.stream_get(stream_id=stream_id)
        invite = stage.stage_invite(actor=request.user, stream=stream, **parse(StageInviteCreateSerializer, request))
        return Response(_seat(invite), status=status.HTTP_201_CREATED)


class StageSuggestionsView(ListConventions, APIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    @extend_schema(parameters=[OpenApiParameter("q", str, description="The start of an @handle")],
                   responses={200: UserSummaryPayloadSerializer(many=True), 403: ERROR},
                   summary="Signed-in viewers watching now whose @handle starts with q (host or moderator)")
    def get(self, request, stream_id):
        stream = selectors.stream_get(stream_id=stream_id)
        stage.stage_manager_require(stream, request.user)
        users = stage_selectors.stage_viewer_suggestions(stream=stream, query=request.query_params.get("q", ""))
        return Response([user_summary(u) for u in self.filter_queryset(users)])


class _InviteAction(APIView):
    action_function = None

    @extend_schema(request=None, responses={200: StageSeatSerializer, 404: ERROR, 409: ERROR, 410: ERROR})
    def post(self, request, stream_id, invite_id):
        invite = type(self).action_function(actor=request.user, invite=_invite(stream_id, invite_id))
        return Response(_seat(invite))


@extend_schema(summary="Accept your stage invite: you publish to the stage at once")
class StageInviteAcceptView(_InviteAction):
    action_function = staticmethod(stage.stage_invite_accept)


@extend_schema(summary="Decline your stage invite")
class StageInviteDeclineView(_InviteAction):
    action_function = staticmethod(stage.stage_invite_decline)


@extend_schema(summary="Cancel a pending invite or raised hand (host or moderator)")
class StageInviteCancelView(_InviteAction):
    action_function = staticmethod(stage.stage_invite_cancel)


class StageHandView(APIView):
    @extend_schema(request=None, responses={201: StageSeatSerializer, 409: ERROR}, summary="Raise your hand")
    def post(self, request, stream_id):
        hand = stage.stage_hand_raise(actor=request.user, stream=selectors.stream_get(stream_id=stream_id))
        return Response(_seat(hand), status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, 404: ERROR}, summary="Lower your hand")
    def delete(self, request, stream_id):
        stage.stage_hand_lower(actor=request.user, stream=selectors.stream_get(stream_id=stream_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class StageHandAnswerView(APIView):
    @extend_schema(request=HandAnswerSerializer, responses={200: StageSeatSerializer, 403: ERROR, 409: ERROR},
                   summary="Approve (a seat) or deny a raised hand (host or moderator)")
    def post(self, request, stream_id, invite_id):
        hand = stage.stage_hand_answer(actor=request.user, invite=_invite(stream_id, invite_id),
                                       **parse(HandAnswerSerializer, request))
        return Response(_seat(hand))


class StageGuestView(APIView):
    @extend_schema(request=GuestMuteSerializer, responses={200: StageSeatSerializer, 403: ERROR, 409: ERROR},
                   summary="Mute or unmute a guest (host or moderator)")
    def patch(self, request, stream_id, invite_id):
        seat = stage.stage_guest_mute(actor=request.user, invite=_invite(stream_id, invite_id),
                                      **parse(GuestMuteSerializer, request))
        return Response(_seat(seat))

    @extend_schema(responses={200: StageSeatSerializer, 403: ERROR, 409: ERROR},
                   summary="Take a guest off the stage (host or moderator)")
    def delete(self, request, stream_id, invite_id):
        seat = stage.stage_guest_remove(actor=request.user, invite=_invite(stream_id, invite_id))
        return Response(_seat(seat))


class StageLeaveView(APIView):
    @extend_schema(request=None, responses={200: StageSeatSerializer, 409: ERROR}, summary="Leave the stage")
    def post(self, request, stream_id):
        seat = stage.stage_leave(actor=request.user, stream=selectors.stream_get(stream_id=stream_id))
        return Response(_seat(seat))


def _poll(poll) -> dict:
    return events.poll_state(poll, polls.poll_counts(poll=poll))


class PollListView(ListConventions, APIView):
    filterset_fields = ()
    ordering_fields = ()  # a fixed order
    def get_permissions(self):
        return [AllowAny(), TokenScopes()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(responses={200: PollStateSerializer(many=True)}, summary="A stream's polls, newest first (public)")
    def get(self, request, stream_id):
        stream = selectors.stream_get(stream_id=stream_id)
        polls.polls_close_due(stream_id=stream.pk)
        return Response([_poll(p) for p in self.filter_queryset(polls.polls_of_stream(stream=stream)[:20])])

    @extend_schema(request=PollOpenSerializer, responses={201: PollStateSerializer, 400: ERROR, 403: ERROR, 409: ERROR},
                   summary="Open a poll (host or moderator): 2–5 options, 15–1,800 s")
    def post(self, request, stream_id):
        stream = selectors.stream_get(stream_id=stream_id)
        poll = polls.poll_open(actor=request.user, stream=stream, **parse(PollOpenSerializer, request))
        return Response(_poll(poll), status=status.HTTP_201_CREATED)


class PollVoteView(APIView):
    @extend_schema(request=PollVoteSerializer, responses={204: None, 409: ERROR, 410: ERROR},
                   summary="Vote (the results follow on the stream socket)")
    def post(self, request, stream_id, poll_id):
        poll = polls.poll_get(stream=selectors.stream_get(stream_id=stream_id), poll_id=poll_id)
        polls.poll_vote(actor=request.user, poll=poll, **parse(PollVoteSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PollEndView(APIView):
    @extend_schema(request=None, responses={200: PollStateSerializer, 403: ERROR, 410: ERROR},
                   summary="End a poll early (host or moderator)")
    def post(self, request, stream_id, poll_id):
        poll = polls.poll_get(stream=selectors.stream_get(stream_id=stream_id), poll_id=poll_id)
        return Response(_poll(polls.poll_end(actor=request.user, poll=poll)))


class RaidView(APIView):
    @extend_schema(request=RaidSerializer, responses={200: StreamSerializer, 400: ERROR, 403: ERROR},
                   summary="End your stream and send its audience to another live channel")
    def post(self, request, stream_id):
        stream = selectors.stream_get(stream_id=stream_id)
        ended = raids.stream_raid(actor=request.user, stream=stream, target_slug=parse(RaidSerializer, request)["channel"])
        return Response(StreamSerializer(ended).data)
