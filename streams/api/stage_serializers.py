"""Shapes of the stage, poll and raid endpoints (the bodies are streams.events' dicts: one shape for the
API and the sockets)."""

from rest_framework import serializers


class UserSummaryPayloadSerializer(serializers.Serializer):
    """accounts.events.UserSummary, as the stage's payloads carry it (the API documents the same dict)."""

    id = serializers.IntegerField()
    handle = serializers.CharField()
    display_name = serializers.CharField(help_text="May be empty: show the @handle then.")
    avatar_url = serializers.CharField(allow_null=True)


class StageSeatSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["invite", "hand"])
    status = serializers.CharField()
    user = UserSummaryPayloadSerializer()
    video_allowed = serializers.BooleanField()
    muted = serializers.BooleanField()
    invited_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)


class StageSerializer(serializers.Serializer):
    seats = StageSeatSerializer(many=True, help_text="The guests on stage.")
    seats_max = serializers.IntegerField()
    requests = StageSeatSerializer(many=True, help_text="Pending invites and raised hands: the host and moderators only.")
    can_manage = serializers.BooleanField()
    my_invite = StageSeatSerializer(allow_null=True, help_text="Your pending invite (its prompt).")
    host = UserSummaryPayloadSerializer()


class StageInviteCreateSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=40, help_text="The viewer's @handle.")
    video_allowed = serializers.BooleanField(required=False, default=False)


class HandAnswerSerializer(serializers.Serializer):
    approve = serializers.BooleanField()


class GuestMuteSerializer(serializers.Serializer):
    muted = serializers.BooleanField()


class PollStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    counts = serializers.ListField(child=serializers.IntegerField())
    is_open = serializers.BooleanField()
    closes_at = serializers.DateTimeField()


class PollOpenSerializer(serializers.Serializer):
    """Shapes only; the ranges (2–5 options, 15–1,800 s) are the service's: poll_invalid, extra.fields."""

    question = serializers.CharField(max_length=400)
    options = serializers.ListField(child=serializers.CharField(max_length=200, allow_blank=True), max_length=20)
    seconds = serializers.IntegerField()


class PollVoteSerializer(serializers.Serializer):
    option = serializers.IntegerField(min_value=0)


class RaidSerializer(serializers.Serializer):
    channel = serializers.CharField(max_length=80, help_text="The slug of a live channel.")
