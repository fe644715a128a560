from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer

from ..models import (
    DESCRIPTION_MAX,
    NAME_MAX,
    TITLE_MAX,
    Category,
    Channel,
    ChannelModerator,
    ChannelRole,
    Stream,
    StreamStatus,
)
from ..playback import stream_hls_url


class ChannelBriefSerializer(serializers.ModelSerializer):
    avatar_url = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = ["id", "slug", "name", "avatar_url"]

    def get_avatar_url(self, channel) -> str | None:
        return channel.avatar.url if channel.avatar else None


class ChannelSerializer(ChannelBriefSerializer):
    owner = serializers.CharField(source="owner.handle", help_text="The owner's @handle.")
    banner_url = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = ["id", "slug", "name", "description", "category", "tags", "language", "owner", "avatar_url",
                  "banner_url", "created_at"]

    def get_banner_url(self, channel) -> str | None:
        return channel.banner.url if channel.banner else None


class ChannelCreateSerializer(serializers.Serializer):
    """Shapes only; ranges are the service's (streams.services: channel_invalid with extra.fields)."""

    name = serializers.CharField(max_length=NAME_MAX * 2, trim_whitespace=False)
    slug = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=DESCRIPTION_MAX * 2, required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=Category.choices, required=False, default=Category.JUST_CHATTING)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    language = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")


class ChannelUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX * 2, required=False)
    slug = serializers.CharField(max_length=80, required=False)
    description = serializers.CharField(max_length=DESCRIPTION_MAX * 2, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    language = serializers.CharField(max_length=10, required=False, allow_blank=True)
    avatar = serializers.ImageField(required=False, help_text="JPEG, PNG, GIF or WebP; multipart.")
    banner = serializers.ImageField(required=False, help_text="JPEG, PNG, GIF or WebP; multipart.")


class FollowSerializer(serializers.Serializer):
    notify = serializers.BooleanField(default=True, help_text="Tell me when the channel goes live.")


class FollowStateSerializer(serializers.Serializer):
    is_following = serializers.BooleanField()
    notify = serializers.BooleanField()
    followers = serializers.IntegerField()


class StreamSerializer(serializers.ModelSerializer):
    channel = ChannelBriefSerializer()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Stream
        fields = ["id", "channel", "title", "description", "category", "tags", "thumbnail_url", "status",
                  "scheduled_for", "started_at", "ended_at", "duration_seconds", "current_viewers", "peak_viewers",
                  "unique_viewers"]

    def get_thumbnail_url(self, stream) -> str | None:
        return stream.thumbnail.url if stream.thumbnail else None


class StreamDetailSerializer(StreamSerializer):
    hls_url = serializers.SerializerMethodField(
        help_text="The live HLS playlist while the relay writes the stream as HLS (streams.playback), else null.")

    class Meta(StreamSerializer.Meta):
        fields = [*StreamSerializer.Meta.fields, "hls_url"]

    def get_hls_url(self, stream) -> str | None:
        return stream_hls_url(stream_id=stream.pk) if stream.status == StreamStatus.LIVE else None


class StreamPlaybackSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["webrtc", "hls"], help_text="How this viewer watches.")
    hls_url = serializers.CharField(allow_null=True, help_text="The live playlist; null until its first segment.")
    webrtc_timeout_ms = serializers.IntegerField(help_text="WebRTC not connected after this: fall back to HLS.")


class StreamWebrtcReturnSerializer(StreamPlaybackSerializer):
    retry_after_ms = serializers.IntegerField(
        allow_null=True, help_text="mode hls: ask again after this long; null: wait for the next offer (streams.viewers)")


class StreamScheduleSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX * 2)
    scheduled_for = serializers.DateTimeField()
    description = serializers.CharField(max_length=DESCRIPTION_MAX * 2, required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)


class StreamUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX * 2, required=False)
    scheduled_for = serializers.DateTimeField(required=False)
    description = serializers.CharField(max_length=DESCRIPTION_MAX * 2, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    thumbnail = serializers.ImageField(required=False, help_text="JPEG, PNG, GIF or WebP; multipart.")


class GoLiveSerializer(serializers.Serializer):
    stream_id = serializers.IntegerField(required=False, help_text="A scheduled stream of the channel to start.")
    title = serializers.CharField(max_length=TITLE_MAX * 2, required=False, allow_blank=True, default="",
                                  help_text="A new stream's title (default: the next scheduled stream's).")
    category = serializers.ChoiceField(choices=Category.choices, required=False)


class ChannelStreamKeySerializer(serializers.Serializer):
    whip_url = serializers.CharField(help_text="OBS: Service \"WHIP\", Server = this URL.")
    key = serializers.CharField(help_text="OBS: Bearer Token. Shown once; only its hash is stored.")
    prefix = serializers.CharField(help_text="The key's first characters, to recognise it.")
    created_at = serializers.DateTimeField()


class ChannelModeratorSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer()

    class Meta:
        model = ChannelModerator
        fields = ["user", "role", "created_at"]


class ChannelModeratorAddSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=40, help_text="@handle of the user to appoint")
    role = serializers.ChoiceField(choices=ChannelRole.choices, default=ChannelRole.MODERATOR,
                                   help_text="moderator: moderates the chat; vip: a badge only")
