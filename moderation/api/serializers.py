from rest_framework import serializers

from ..models import AutoModTerm, ReasonCategory, Report, TermLevel


class ReportCreateSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=30, help_text="user, room_message, guild_message, stream_message, room, "
                                                          "channel, stream, guild, direct_message, vod, clip, ad")
    id = serializers.CharField(max_length=40, help_text="The target's id")
    category = serializers.ChoiceField(choices=ReasonCategory.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReportSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="case.target_kind")
    target_id = serializers.CharField(source="case.target_id")

    class Meta:
        model = Report
        fields = ["id", "kind", "target_id", "category", "note", "created_at"]


class ChannelTermSerializer(serializers.ModelSerializer):
    level = serializers.ChoiceField(choices=TermLevel.choices, default=TermLevel.BLOCK)

    class Meta:
        model = AutoModTerm
        fields = ["id", "term", "level", "created_at"]
        read_only_fields = ["id", "created_at"]
