from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from streams.api.serializers import ChannelBriefSerializer

from ..clips.services import DEFAULT_SECONDS
from ..clips.sources import clip_playlist_url
from ..models import Clip, ClipStatus, WatchKind, WatchProgress


class ClipSerializer(serializers.ModelSerializer):
    channel = ChannelBriefSerializer()
    creator = UserSummarySerializer()
    playlist_url = serializers.SerializerMethodField(help_text="The clip's HLS playlist, once it is ready.")
    url = serializers.SerializerMethodField(help_text="The clip's page (its share link).")

    class Meta:
        model = Clip
        fields = ["id", "slug", "title", "status", "failure_reason", "source", "stream_id", "vod_id",
                  "start_seconds", "duration_seconds", "views", "likes", "channel", "creator", "playlist_url",
                  "url", "created_at", "ready_at"]

    def get_playlist_url(self, clip) -> str | None:
        return clip_playlist_url(clip.slug) if clip.status == ClipStatus.READY else None

    def get_url(self, clip) -> str:
        return f"/clip/{clip.slug}/"


class LiveClipCreateSerializer(serializers.Serializer):
    """Ranges are the service's (clip_duration_invalid: 5–90 s)."""

    seconds = serializers.FloatField(required=False, default=DEFAULT_SECONDS, help_text="The last n seconds (5–90).")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VodClipCreateSerializer(serializers.Serializer):
    start = serializers.FloatField(help_text="Seconds from the VOD's start.")
    end = serializers.FloatField(help_text="Seconds from the VOD's start; 5–90 s after start.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ClipLikeSerializer(serializers.Serializer):
    liked = serializers.BooleanField()
    likes = serializers.IntegerField()


class WatchProgressSerializer(serializers.ModelSerializer):
    target_id = serializers.SerializerMethodField()

    class Meta:
        model = WatchProgress
        fields = ["kind", "target_id", "position_seconds", "duration_seconds", "watched_seconds", "updated_at"]

    def get_target_id(self, row) -> str:
        return str(row.clip.slug if row.kind == WatchKind.CLIP else (row.stream_id or row.vod_id))


class WatchProgressWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=WatchKind.choices)
    target_id = serializers.CharField(max_length=40, help_text="A stream's or VOD's id, a clip's slug.")
    position_seconds = serializers.FloatField(min_value=0, max_value=10 * 24 * 3600)
    duration_seconds = serializers.FloatField(min_value=0, max_value=10 * 24 * 3600, required=False, allow_null=True,
                                              default=None)
    is_playing = serializers.BooleanField()


class WatchTargetSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=WatchKind.choices)
    target_id = serializers.CharField(max_length=40)
