from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gamification.api.serializers import DecorationSerializer
from gamification.api.serializers import EarnedBadgeSerializer as ShowcaseBadgeSerializer

from ..models import (
    ApiToken,
    Audience,
    DeviceSession,
    FriendRequest,
    FriendRequestPolicy,
    Notification,
    NotificationKind,
    User,
)


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


class WatchHoursSerializer(serializers.Serializer):
    this_week = serializers.FloatField()
    this_month = serializers.FloatField()
    this_year = serializers.FloatField()
    all_time = serializers.FloatField()


class RelationshipSerializer(serializers.Serializer):
    is_self = serializers.BooleanField()
    is_friend = serializers.BooleanField(required=False)
    is_following = serializers.BooleanField(required=False)
    is_blocked = serializers.BooleanField(required=False)
    outgoing_request_id = serializers.IntegerField(allow_null=True, required=False)
    incoming_request_id = serializers.IntegerField(allow_null=True, required=False)


class PlayerStatsSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    xp = serializers.IntegerField()
    current_floor = serializers.IntegerField(help_text="XP where this level starts")
    next_at = serializers.IntegerField(allow_null=True, help_text="XP of the next level; null at the top")
    percent = serializers.IntegerField(help_text="progress through this level")
    streak_current = serializers.IntegerField()
    streak_best = serializers.IntegerField()
    title = DecorationSerializer(allow_null=True, help_text="the title the player wears")
    frame = DecorationSerializer(allow_null=True, help_text="the avatar frame the player wears")


class ProfileSerializer(serializers.Serializer):
    """A public profile (GET /users/{handle}/)."""

    user = UserSummarySerializer()
    bio = serializers.CharField(source="user.bio")
    joined_at = serializers.DateTimeField(source="user.date_joined")
    native_languages = serializers.ListField(child=serializers.CharField(), source="user.native_languages")
    learning_languages = serializers.ListField(child=serializers.CharField(), source="user.learning_languages")
    is_premium = serializers.BooleanField(source="user.is_premium")
    friend_count = serializers.IntegerField(allow_null=True, help_text="null when the friend list is private")
    stats = PlayerStatsSerializer(help_text="level, XP and streak")
    watch_hours = WatchHoursSerializer(allow_null=True, help_text="null when stats are private")
    relationship = RelationshipSerializer(allow_null=True)
    badges = ShowcaseBadgeSerializer(many=True, help_text="the badge showcase: up to 5, in order")


class MeSerializer(serializers.ModelSerializer):
    avatar_url = serializers.SerializerMethodField()
    is_premium = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id", "handle", "email", "display_name", "avatar_url", "bio", "native_languages", "learning_languages",
            "timezone", "is_premium", "premium_until", "date_joined", "handle_changed_at", "stats_visibility",
            "friends_visibility", "friend_requests_from", "is_searchable",
        ]
        read_only_fields = fields

    def get_avatar_url(self, user) -> str | None:
        return user.avatar.url if user.avatar else None


class MeUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=160, required=False, allow_blank=True)
    native_languages = serializers.ListField(child=serializers.CharField(max_length=10), max_length=5, required=False)
    learning_languages = serializers.ListField(child=serializers.CharField(max_length=10), max_length=5, required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    stats_visibility = serializers.ChoiceField(choices=Audience.choices, required=False)
    friends_visibility = serializers.ChoiceField(choices=Audience.choices, required=False)
    friend_requests_from = serializers.ChoiceField(choices=FriendRequestPolicy.choices, required=False)
    is_searchable = serializers.BooleanField(required=False)


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


def _action(label: str, url: str, *, then: str | None = None, is_primary: bool = False) -> dict:
    return {"label": label, "method": "POST", "url": url, "then": then, "is_primary": is_primary}


class NotificationSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(allow_null=True)
    text = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text="buttons to answer it right there (guild invites and join requests)")

    # Texts may use {actor} and any key of the notification's data.
    TEXTS = {
        NotificationKind.FRIEND_REQUEST: "@{actor} sent you a friend request",
        NotificationKind.FRIEND_ACCEPTED: "@{actor} accepted your friend request",
        NotificationKind.NEW_FOLLOWER: "@{actor} started following you",
        NotificationKind.ROOM_INVITE: "@{actor} invited you to {room_name}",
        NotificationKind.GUILD_INVITE: "@{actor} invited you to join the guild {guild_name}",
        NotificationKind.GUILD_JOIN_REQUEST: "@{actor} asked to join {guild_name}",
        NotificationKind.GUILD_REQUEST_ACCEPTED: "You're in! @{actor} let you into {guild_name}",
        NotificationKind.PARTNER_FOUND: "You're matched with @{actor} — join the voice room",
        NotificationKind.LEVEL_UP: "You reached level {level}!",
        NotificationKind.LEADERBOARD_REWARD: "You won Premium on last week's leaderboard!",
        NotificationKind.BADGE_EARNED: "You earned the {name} badge",
        NotificationKind.DECORATION_UNLOCKED: "You unlocked the {name} {kind}",
    }

    class Meta:
        model = Notification
        fields = ["id", "kind", "actor", "data", "text", "url", "actions", "created_at", "read_at"]

    def get_text(self, notification) -> str:
        actor = notification.actor.handle if notification.actor else "someone"
        template = self.TEXTS.get(notification.kind, notification.get_kind_display())
        try:
            return template.format(actor=actor, **notification.data)
        except (KeyError, IndexError):  # data from an older shape: fall back to the label
            return notification.get_kind_display()

    def get_url(self, notification) -> str:
        data = notification.data
        if notification.kind == NotificationKind.FRIEND_REQUEST:
            return reverse("friends")
        if notification.kind == NotificationKind.ROOM_INVITE and "invite" in data:
            return reverse("room-invite", kwargs={"code": data["invite"]})
        if notification.kind == NotificationKind.PARTNER_FOUND and "room" in data:
            return reverse("room", kwargs={"code": data["room"]})
        if notification.kind in GUILD_KINDS and "guild" in data:
            return reverse("guild", kwargs={"slug": data["guild"]})
        if notification.actor:
            return reverse("profile", kwargs={"handle": notification.actor.handle})
        return reverse("notifications")


    @extend_schema_field(NotificationActionSerializer(many=True))
    def get_actions(self, notification) -> list[dict]:
        data = notification.data
        if notification.kind == NotificationKind.GUILD_INVITE and "invite" in data:
            return [
                _action("Accept", reverse("api-guild-invite-accept", kwargs={"pk": data["invite"]}),
                        then=reverse("guild", kwargs={"slug": data["guild"]}), is_primary=True),
                _action("Decline", reverse("api-guild-invite-decline", kwargs={"pk": data["invite"]})),
            ]
        if notification.kind == NotificationKind.GUILD_JOIN_REQUEST and "request" in data:
            ids = {"slug": data["guild"], "pk": data["request"]}
            return [
                _action("Approve", reverse("api-guild-join-request-approve", kwargs=ids), is_primary=True),
                _action("Decline", reverse("api-guild-join-request-reject", kwargs=ids)),
            ]
        return []


GUILD_KINDS = (NotificationKind.GUILD_INVITE, NotificationKind.GUILD_JOIN_REQUEST, NotificationKind.GUILD_REQUEST_ACCEPTED)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at"]


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


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
