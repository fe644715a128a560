from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from rooms.models import RoomKind, Visibility

from ..models import (
    MAX_MEMBERS,
    ActivityKind,
    Guild,
    GuildActivity,
    GuildInvite,
    GuildJoinRequest,
    GuildMember,
    GuildMessage,
    GuildRole,
)


def hours(seconds: int) -> float:
    return round(seconds / 3600, 1)


# -- guilds ---------------------------------------------------------------------------------
class GuildRefSerializer(serializers.ModelSerializer):
    """A guild named inside another object (an invite, a request, a profile)."""

    avatar_url = serializers.SerializerMethodField()

    class Meta:
        model = Guild
        fields = ["id", "slug", "name", "avatar_url"]

    def get_avatar_url(self, guild) -> str | None:
        return guild.avatar.url if guild.avatar else None


class GuildSerializer(GuildRefSerializer):
    total_watch_hours = serializers.SerializerMethodField()
    weekly_watch_hours = serializers.SerializerMethodField()

    class Meta:
        model = Guild
        fields = ["id", "slug", "name", "description", "avatar_url", "is_public", "max_members",
                  "total_watch_seconds", "weekly_watch_seconds", "total_watch_hours", "weekly_watch_hours", "created_at"]

    def get_total_watch_hours(self, guild) -> float:
        return hours(guild.total_watch_seconds)

    def get_weekly_watch_hours(self, guild) -> float:
        return hours(guild.weekly_watch_seconds)


class GuildListItemSerializer(GuildSerializer):
    """A card in the guild list (guilds come annotated by guilds.selectors.guild_list)."""

    member_count = serializers.IntegerField(read_only=True)

    class Meta(GuildSerializer.Meta):
        fields = [*GuildSerializer.Meta.fields, "member_count"]


# -- members --------------------------------------------------------------------------------
class GuildMemberEventSerializer(serializers.ModelSerializer):
    """A member inside a guilds.member event."""

    user = UserSummarySerializer()

    class Meta:
        model = GuildMember
        fields = ["user", "role", "joined_at"]


class GuildMemberSerializer(GuildMemberEventSerializer):
    weekly_watch_seconds = serializers.SerializerMethodField()

    class Meta(GuildMemberEventSerializer.Meta):
        fields = [*GuildMemberEventSerializer.Meta.fields, "weekly_watch_seconds"]

    def get_weekly_watch_seconds(self, member) -> int | None:
        """This week's watching (from Monday, UTC), in the member list; null elsewhere."""
        return getattr(member, "weekly_watch_seconds", None)


# -- a guild's page ------------------------------------------------------------------------------
class GuildDetailSerializer(serializers.Serializer):
    """GET /guilds/{slug}/, from guilds.selectors.guild_detail."""

    guild = GuildSerializer()
    member_count = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True, help_text="1 + guilds with more watch seconds this week; null with none")
    leader = UserSummarySerializer(allow_null=True)
    me = GuildMemberSerializer(allow_null=True, help_text="your membership; null when you are not in this guild")
    pending_request_id = serializers.SerializerMethodField()

    def get_pending_request_id(self, detail) -> int | None:
        """Your pending request to join (invite-only guilds)."""
        return detail["pending_request"].pk if detail["pending_request"] else None


class GuildCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    is_public = serializers.BooleanField(default=True, help_text="false: join by request or invite only")


class GuildUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40, required=False)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    is_public = serializers.BooleanField(required=False)
    max_members = serializers.IntegerField(min_value=2, max_value=MAX_MEMBERS, required=False)


class GuildAvatarUploadSerializer(serializers.Serializer):
    avatar = serializers.FileField()


class GuildRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=[GuildRole.OFFICER, GuildRole.MEMBER],
                                   help_text="to make someone the leader, transfer ownership")


class GuildInviteCreateSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=31)


# -- requests and invites -------------------------------------------------------------------
class GuildJoinRequestSerializer(serializers.ModelSerializer):
    guild = GuildRefSerializer()
    user = UserSummarySerializer()

    class Meta:
        model = GuildJoinRequest
        fields = ["id", "guild", "user", "status", "created_at", "responded_at"]


class GuildInviteSerializer(serializers.ModelSerializer):
    guild = GuildRefSerializer()
    invited_user = UserSummarySerializer()
    invited_by = UserSummarySerializer(allow_null=True)

    class Meta:
        model = GuildInvite
        fields = ["id", "guild", "invited_user", "invited_by", "status", "created_at", "responded_at"]


# -- chat -----------------------------------------------------------------------------------
class GuildMessageSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer()
    body = serializers.SerializerMethodField()
    is_deleted = serializers.SerializerMethodField()

    class Meta:
        model = GuildMessage
        fields = ["id", "author", "body", "created_at", "is_deleted"]

    def get_body(self, message) -> str:
        return "" if message.deleted_at else message.body

    def get_is_deleted(self, message) -> bool:
        return message.deleted_at is not None


class GuildChatSendSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000, trim_whitespace=False, help_text="At most 500 characters")


# -- guild rooms and activity -----------------------------------------------------------------
class GuildRoomCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    kind = serializers.ChoiceField(choices=RoomKind.choices, default=RoomKind.WATCH)
    topic = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, default=Visibility.PRIVATE,
        help_text="private (default): guild members, and whoever holds an invite link",
    )
    max_members = serializers.IntegerField(min_value=2, max_value=50, required=False)
    source_url = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


ROLE_WITH_ARTICLE = {GuildRole.OFFICER: "an officer", GuildRole.MEMBER: "a member", GuildRole.LEADER: "the leader"}
ACTIVITY_TEXTS = {
    ActivityKind.CREATED: "{actor} founded the guild",
    ActivityKind.JOINED: "{actor} joined",
    ActivityKind.LEFT: "{actor} left",
    ActivityKind.KICKED: "{actor} removed {subject}",
    ActivityKind.ROLE_CHANGED: "{actor} made {subject} {role}",
    ActivityKind.LEADER_CHANGED: "{actor} handed leadership to {subject}",
    ActivityKind.ROOM_CREATED: "{actor} opened the room “{room}”",
    ActivityKind.EVENT_CREATED: "{actor} scheduled the event “{event}”",
}


def activity_text(activity: GuildActivity) -> str:
    """One line for the feed; a user who has since left the site shows as "someone"."""
    return ACTIVITY_TEXTS[activity.kind].format(
        actor=f"@{activity.actor.handle}" if activity.actor else "someone",
        subject=f"@{activity.subject.handle}" if activity.subject else "someone",
        role=ROLE_WITH_ARTICLE.get(activity.details.get("role"), "a member"),
        room=activity.details.get("room_name", "a room"),
        event=activity.details.get("event_title", "an event"),
    )


class GuildActivitySerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(allow_null=True)
    subject = UserSummarySerializer(allow_null=True)
    text = serializers.SerializerMethodField()

    class Meta:
        model = GuildActivity
        fields = ["id", "kind", "actor", "subject", "details", "text", "created_at"]

    def get_text(self, activity) -> str:
        return activity_text(activity)
