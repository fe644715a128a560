from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

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
