from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer

from ..models import (
    ChatMessage,
    ChatMode,
    PlaybackControl,
    QueueItem,
    Room,
    RoomInvite,
    RoomKind,
    RoomMember,
    RoomRole,
    Visibility,
)
from ..sync import MAX_POSITION, MAX_RATE, MIN_RATE


class SourceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    url = serializers.CharField()
    media_id = serializers.CharField()
    title = serializers.CharField()


class PlaybackSerializer(serializers.Serializer):
    """The server-authoritative state: `position` held at server time `at` (epoch s) and advances at `rate` while playing."""

    version = serializers.IntegerField(source="state_version")
    source = serializers.SerializerMethodField()
    is_playing = serializers.BooleanField()
    position = serializers.FloatField()
    at = serializers.FloatField(source="position_at")
    rate = serializers.FloatField()
    duration = serializers.FloatField(allow_null=True)
    is_waiting_for_ready = serializers.BooleanField()

    def get_source(self, room) -> SourceSerializer(allow_null=True):  # type: ignore[valid-type]
        if not room.source_url:
            return None
        return {"kind": room.source_kind, "url": room.source_url, "media_id": room.source_media_id, "title": room.source_title}


class RoomSummarySerializer(serializers.ModelSerializer):
    """A hallway card."""

    member_count = serializers.IntegerField(read_only=True)
    leader = serializers.SerializerMethodField()
    source_kind = serializers.CharField(read_only=True)

    def get_leader(self, room) -> UserSummarySerializer(allow_null=True):  # type: ignore[valid-type]
        """Rooms come annotated by rooms.selectors.with_summary (leader prefetched)."""
        return UserSummarySerializer(room.leader_members[0].user).data if room.leader_members else None

    class Meta:
        model = Room
        fields = ["code", "kind", "name", "topic", "languages", "visibility", "max_members", "member_count",
                  "is_locked", "is_mic_enabled", "is_permanent", "leader", "source_kind", "created_at"]


class RoomSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["code", "kind", "name", "topic", "languages", "visibility", "max_members", "is_mic_enabled",
                  "playback_control", "chat_mode", "slow_mode_seconds", "is_locked", "wait_for_ready",
                  "is_matchmade", "is_permanent", "created_at", "closed_at"]


class RoomCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    kind = serializers.ChoiceField(choices=RoomKind.choices, default=RoomKind.WATCH)
    topic = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    languages = serializers.ListField(child=serializers.CharField(max_length=10), max_length=5, required=False, default=list)
    # Left out, these four come from the caller's room defaults (settings; PATCH /api/v1/me/ room_*).
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False,
                                         help_text="Default: your room_visibility.")
    max_members = serializers.IntegerField(min_value=2, max_value=50, required=False)
    is_mic_enabled = serializers.BooleanField(required=False, help_text="Default: on in voice rooms, your room_mic_enabled in watch parties.")
    playback_control = serializers.ChoiceField(choices=PlaybackControl.choices, required=False,
                                               help_text="Default: your room_playback_control.")
    chat_mode = serializers.ChoiceField(choices=ChatMode.choices, required=False, help_text="Default: your room_chat_mode.")
    slow_mode_seconds = serializers.IntegerField(min_value=0, max_value=300, default=0)
    wait_for_ready = serializers.BooleanField(default=False)
    is_permanent = serializers.BooleanField(default=False, help_text="Keep the room open while nobody is in it.")
    source_url = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RoomUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, required=False)
    topic = serializers.CharField(max_length=120, required=False, allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField(max_length=10), max_length=5, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    max_members = serializers.IntegerField(min_value=2, max_value=50, required=False)
    is_mic_enabled = serializers.BooleanField(required=False)
    playback_control = serializers.ChoiceField(choices=PlaybackControl.choices, required=False)
    chat_mode = serializers.ChoiceField(choices=ChatMode.choices, required=False)
    slow_mode_seconds = serializers.IntegerField(min_value=0, max_value=300, required=False)
    is_locked = serializers.BooleanField(required=False)
    wait_for_ready = serializers.BooleanField(required=False)


class MemberSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer()
    is_connected = serializers.SerializerMethodField()

    class Meta:
        model = RoomMember
        fields = ["user", "role", "is_muted", "joined_at", "is_connected", "is_buffering", "drift_ms", "hand_raised_at"]

    def get_is_connected(self, member) -> bool:
        return member.connections > 0


class ChatMessageSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer()
    body = serializers.SerializerMethodField()
    is_deleted = serializers.SerializerMethodField()

    class Meta:
        model = ChatMessage
        fields = ["id", "author", "body", "mentions", "created_at", "is_deleted"]

    def get_body(self, message) -> str:
        return "" if message.deleted_at else message.body

    def get_is_deleted(self, message) -> bool:
        return message.deleted_at is not None


class ChatSendSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000, trim_whitespace=False, help_text="At most 500 characters")


class QueueItemSerializer(serializers.ModelSerializer):
    added_by = UserSummarySerializer(allow_null=True)
    thumbnail = serializers.SerializerMethodField(help_text="A frame of a direct file (its URL), once probed")

    class Meta:
        model = QueueItem
        fields = ["id", "order", "kind", "url", "media_id", "title", "start", "added_by", "created_at",
                  "media_title", "duration", "thumbnail"]

    def get_thumbnail(self, item) -> str | None:
        return item.thumbnail.url if item.thumbnail else None


class QueueAddSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2100)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class QueueReorderSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), max_length=200)


class PlaybackCommandSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["play", "pause", "seek", "rate", "load"])
    position = serializers.FloatField(required=False, min_value=0, max_value=MAX_POSITION)
    rate = serializers.FloatField(required=False, min_value=MIN_RATE, max_value=MAX_RATE)
    url = serializers.CharField(required=False, max_length=2100)
    title = serializers.CharField(required=False, max_length=200, allow_blank=True)


class InviteSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = RoomInvite
        fields = ["code", "url", "expires_at", "max_uses", "uses"]

    def get_url(self, invite) -> str:
        return f"/i/{invite.code}"


class InviteCreateSerializer(serializers.Serializer):
    expires_in = serializers.IntegerField(min_value=60, max_value=7 * 24 * 3600, default=3600)
    max_uses = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)


class FriendInviteSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=31, help_text="The friend's @handle")


class JoinSerializer(serializers.Serializer):
    invite_code = serializers.CharField(max_length=16, required=False, allow_blank=True)


class MuteSerializer(serializers.Serializer):
    is_muted = serializers.BooleanField()


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=[RoomRole.MODERATOR, RoomRole.MEMBER])


class MatchRequestSerializer(serializers.Serializer):
    speaks = serializers.ListField(child=serializers.CharField(max_length=10), min_length=1, max_length=5)
    learns = serializers.ListField(child=serializers.CharField(max_length=10), min_length=1, max_length=5)


class MatchStatusSerializer(serializers.Serializer):
    status = serializers.CharField()
    room = serializers.CharField(allow_null=True)
    partner = UserSummarySerializer(allow_null=True)
    waiting_since = serializers.DateTimeField(allow_null=True)
    waiting_count = serializers.IntegerField(help_text="Others waiting for a partner now.")
    speaks = serializers.ListField(child=serializers.CharField())
    learns = serializers.ListField(child=serializers.CharField())
