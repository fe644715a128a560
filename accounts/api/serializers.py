from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    ApiToken,
    Audience,
    DeviceSession,
    FriendRequest,
    FriendRequestPolicy,
    Notification,
    PushSubscription,
    User,
)
from ..notification_registry import Channel, kind_info
from ..notification_texts import notification_text, notification_url
from ..room_settings import ChatMode, PlaybackControl, Visibility
from ..scopes import Scope, scope_set
from ..selectors import language_levels


class UserSummarySerializer(serializers.ModelSerializer):
    avatar_url = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "handle", "display_name", "avatar_url"]

    def get_avatar_url(self, user) -> str | None:
        return user.avatar.url if user.avatar else None


class FriendSerializer(UserSummarySerializer):
    is_online = serializers.BooleanField(read_only=True)
    last_seen_at = serializers.DateTimeField(read_only=True)

    class Meta(UserSummarySerializer.Meta):
        fields = [*UserSummarySerializer.Meta.fields, "is_online", "last_seen_at"]


class RelationshipSerializer(serializers.Serializer):
    is_self = serializers.BooleanField()
    is_friend = serializers.BooleanField(required=False)
    is_following = serializers.BooleanField(required=False)
    is_blocked = serializers.BooleanField(required=False)
    outgoing_request_id = serializers.IntegerField(allow_null=True, required=False)
    incoming_request_id = serializers.IntegerField(allow_null=True, required=False)


class LanguageLevelSerializer(serializers.Serializer):
    """A language on a profile: spoken ones are native, learned ones have a CEFR level (or none set)."""

    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField(allow_null=True, help_text="native, or A1–C2; null: a learned language's level is not set")
    level_name = serializers.CharField()
    is_native = serializers.BooleanField()


class MeSerializer(serializers.ModelSerializer):
    avatar_url = serializers.SerializerMethodField()
    is_premium = serializers.BooleanField(read_only=True)
    learning_levels = serializers.SerializerMethodField(help_text="the CEFR level (A1–C2) of each learning language set")

    class Meta:
        model = User
        fields = [
            "id", "handle", "email", "display_name", "avatar_url", "bio", "native_languages", "learning_languages",
            "timezone", "is_premium", "premium_until", "date_joined", "handle_changed_at", "stats_visibility",
            "friends_visibility", "friend_requests_from", "is_searchable", "learning_levels", "practice_visibility",
            "room_visibility", "room_mic_enabled", "room_playback_control", "room_chat_mode",
        ]
        read_only_fields = fields

    def get_avatar_url(self, user) -> str | None:
        return user.avatar.url if user.avatar else None

    def get_learning_levels(self, user) -> dict[str, str]:
        return language_levels(user=user)


class MeUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=160, required=False, allow_blank=True)
    native_languages = serializers.ListField(child=serializers.CharField(max_length=10), max_length=5, required=False)
    learning_languages = serializers.ListField(child=serializers.CharField(max_length=10), max_length=5, required=False)
    learning_levels = serializers.DictField(
        child=serializers.CharField(max_length=2), required=False,
        help_text="a learning language's code → its CEFR level, A1–C2 (levels of languages no longer learned go)")
    timezone = serializers.CharField(max_length=64, required=False)
    stats_visibility = serializers.ChoiceField(choices=Audience.choices, required=False)
    friends_visibility = serializers.ChoiceField(choices=Audience.choices, required=False)
    friend_requests_from = serializers.ChoiceField(choices=FriendRequestPolicy.choices, required=False)
    is_searchable = serializers.BooleanField(required=False)
    practice_visibility = serializers.ChoiceField(choices=Audience.choices, required=False,
                                                  help_text="who sees your language practice analytics")
    # Room defaults: what your new rooms start with (POST /api/v1/rooms/ fills omitted settings from them).
    room_visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    room_mic_enabled = serializers.BooleanField(required=False, help_text="microphones on in new watch parties")
    room_playback_control = serializers.ChoiceField(choices=PlaybackControl.choices, required=False)
    room_chat_mode = serializers.ChoiceField(choices=ChatMode.choices, required=False)


class HandleSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=31)


class HandleAvailabilitySerializer(serializers.Serializer):
    handle = serializers.CharField()
    available = serializers.BooleanField()
    code = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_null=True)


class AvatarUploadSerializer(serializers.Serializer):
    avatar = serializers.FileField()


class PasswordConfirmSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True)


class FriendRequestSerializer(serializers.ModelSerializer):
    from_user = UserSummarySerializer()
    to_user = UserSummarySerializer()

    class Meta:
        model = FriendRequest
        fields = ["id", "from_user", "to_user", "status", "created_at", "responded_at"]


class FriendRequestCreateSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=31, help_text="The recipient's @handle")


class NotificationActionSerializer(serializers.Serializer):
    label = serializers.CharField()
    method = serializers.CharField()
    url = serializers.CharField(help_text="the API call the button makes")
    then = serializers.CharField(allow_null=True, help_text="where to go after it succeeds; null: stay")
    is_primary = serializers.BooleanField()


class NotificationSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(allow_null=True)
    text = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text="buttons to answer it right there (guild invites and join requests)")

    class Meta:
        model = Notification
        fields = ["id", "kind", "actor", "data", "text", "url", "actions", "created_at", "read_at"]

    def get_text(self, notification) -> str:
        return notification_text(notification)

    def get_url(self, notification) -> str:
        return notification_url(notification)

    @extend_schema_field(NotificationActionSerializer(many=True))
    def get_actions(self, notification) -> list[dict]:
        info = kind_info(notification.kind)
        return info.actions(notification.kind, notification.data) if info and info.actions else []


class ApiTokenSerializer(serializers.ModelSerializer):
    scopes = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at"]

    def get_scopes(self, token) -> list[str]:
        return sorted(scope_set(token.scope))


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    scopes = serializers.MultipleChoiceField(choices=[(s.value, s.value) for s in Scope], required=False,
                                             help_text="What the token may do (docs/api.md); every scope if left out.")


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(help_text="Shown once. Send it as `Authorization: Bearer <key>`.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


class DeviceSessionSerializer(serializers.ModelSerializer):
    device = serializers.CharField(read_only=True, help_text='e.g. "Chrome on Linux"')
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = DeviceSession
        fields = ["id", "device", "user_agent", "ip_address", "created_at", "is_current"]

    def get_is_current(self, device_session) -> bool:
        request = self.context.get("request")
        return bool(request and request.session.session_key == device_session.session_key)


# -- delivery: Web Push subscriptions and per-kind channels ---------------------------------------
class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.RegexField(r"^[A-Za-z0-9_-]{80,100}=*$", help_text="the browser's P-256 public key, base64url")
    auth = serializers.RegexField(r"^[A-Za-z0-9_-]{16,40}=*$", help_text="the browser's auth secret, base64url")


class PushSubscriptionInputSerializer(serializers.Serializer):
    """PushSubscription.toJSON() as the browser gives it."""

    endpoint = serializers.URLField(max_length=1000)
    keys = PushKeysSerializer()
    expirationTime = serializers.IntegerField(required=False, allow_null=True, help_text="ignored")  # noqa: N815


class PushSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "user_agent", "created_at", "last_success_at"]


class PushEndpointSerializer(serializers.Serializer):
    endpoint = serializers.URLField(max_length=1000)


class PushTestResultSerializer(serializers.Serializer):
    sent = serializers.IntegerField(help_text="browsers whose push service accepted the test message")


class NotificationPreferenceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    available = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), help_text="channels the kind offers")
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), help_text="channels you have on")


class NotificationPreferenceInputSerializer(serializers.Serializer):
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), allow_empty=True)


class QuietHoursSerializer(serializers.Serializer):
    starts = serializers.TimeField(help_text="HH:MM in your time zone")
    ends = serializers.TimeField(help_text="HH:MM; earlier than starts: past midnight")


class QuietHoursStateSerializer(serializers.Serializer):
    starts = serializers.TimeField(allow_null=True, help_text="null: no quiet hours")
    ends = serializers.TimeField(allow_null=True)


class EmailDigestSerializer(serializers.Serializer):
    is_on = serializers.BooleanField(help_text="one e-mail a day instead of one per notification")
