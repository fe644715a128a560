from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from chat.models import AbstractMessage

MAX_MEMBERS = 10


class GuildRole(models.TextChoices):
    LEADER = "leader", "Leader"
    OFFICER = "officer", "Officer"
    MEMBER = "member", "Member"


class Guild(models.Model):
    name = models.CharField(max_length=40)
    slug = models.SlugField(max_length=50, unique=True)
    description = models.CharField(max_length=300, blank=True)
    avatar = models.ImageField(upload_to="guilds/", blank=True)
    is_public = models.BooleanField(default=True, help_text="Public guilds can be joined directly; others by request or invite.")
    max_members = models.PositiveSmallIntegerField(default=MAX_MEMBERS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    total_watch_seconds = models.PositiveBigIntegerField(default=0, help_text="All members' watching, refreshed hourly.")
    weekly_watch_seconds = models.PositiveBigIntegerField(default=0, help_text="This week's, refreshed hourly.")

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("name"), name="guild_name_unique_ci"),
            models.CheckConstraint(condition=Q(max_members__gte=2, max_members__lte=MAX_MEMBERS), name="guild_max_members_range"),
        ]

    def __str__(self) -> str:
        return self.name


class GuildMember(models.Model):
    """A user belongs to at most one guild."""

    guild = models.ForeignKey(Guild, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guild_membership")
    role = models.CharField(max_length=7, choices=GuildRole.choices, default=GuildRole.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guild"], condition=Q(role="leader"), name="guild_one_leader")]
        indexes = [models.Index(fields=["guild", "joined_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.guild_id} ({self.role})"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class GuildJoinRequest(models.Model):
    """A user asks to join an invite-only guild; an officer or the leader answers."""

    guild = models.ForeignKey(Guild, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guild_join_requests")
    status = models.CharField(max_length=9, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guild", "user"], condition=Q(status="pending"), name="guild_join_request_one_pending"),
        ]
        indexes = [models.Index(fields=["guild", "status"])]

    def __str__(self) -> str:
        return f"{self.user_id} asks to join {self.guild_id} ({self.status})"


class InviteStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"


class GuildInvite(models.Model):
    """An officer or the leader invites a user by handle; the user accepts or declines."""

    guild = models.ForeignKey(Guild, on_delete=models.CASCADE, related_name="invites")
    invited_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guild_invites")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=8, choices=InviteStatus.choices, default=InviteStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guild", "invited_user"], condition=Q(status="pending"), name="guild_invite_one_pending"),
        ]
        indexes = [models.Index(fields=["invited_user", "status"])]

    def __str__(self) -> str:
        return f"{self.invited_user_id} invited to {self.guild_id} ({self.status})"


class GuildBan(models.Model):
    """A kick keeps the user from joining or asking again until `until`; an invite lifts it."""

    guild = models.ForeignKey(Guild, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guild", "user"], name="guild_ban_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} kept out of {self.guild_id} until {self.until:%Y-%m-%d %H:%M}"


class GuildMessage(AbstractMessage):
    """Guild chat: written to the database first, then broadcast (the chat core, chat/)."""

    guild = models.ForeignKey(Guild, on_delete=models.CASCADE, related_name="messages")

    class Meta:
        indexes = [models.Index(fields=["guild", "id"]), models.Index(fields=["author", "created_at"])]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="guild_message_body_not_empty")]


class ActivityKind(models.TextChoices):
    CREATED = "created", "Guild founded"
    JOINED = "joined", "Joined"
    LEFT = "left", "Left"
    KICKED = "kicked", "Kicked"
    ROLE_CHANGED = "role_changed", "Role changed"
    LEADER_CHANGED = "leader_changed", "Leadership passed on"
    ROOM_CREATED = "room_created", "Guild room opened"
    EVENT_CREATED = "event_created", "Guild event created"


class GuildActivity(models.Model):
    """The guild page's recent-activity feed, written by the services that act (members see it)."""

    guild = models.ForeignKey(Guild, on_delete=models.CASCADE, related_name="activity")
    kind = models.CharField(max_length=14, choices=ActivityKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                help_text="The member the activity is about, when not the actor.")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "guild activity"
        indexes = [models.Index(fields=["guild", "-id"])]

    def __str__(self) -> str:
        return f"{self.kind} in {self.guild_id}"
