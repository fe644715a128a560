"""What the weekly reset writes: final rankings, premium grants, and one row per week done."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Board(models.TextChoices):
    """A weekly board that is snapshotted (scope_metric)."""

    INDIVIDUAL_WATCH = "individual_watch", "Individuals by watch hours"
    INDIVIDUAL_XP = "individual_xp", "Individuals by XP"
    GUILD_WATCH = "guild_watch", "Guilds by watch hours"


class GrantSource(models.TextChoices):
    INDIVIDUAL = "individual", "Top individual"
    GUILD = "guild", "Member of a top guild"


class WeeklyReset(models.Model):
    """The weekly reset of one week, done. Its unique week makes a second run a no-op."""

    week_start = models.DateField(unique=True, help_text="Monday (UTC) of the week that ended.")
    ran_at = models.DateTimeField()
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"weekly reset of {self.week_start}"


class LeaderboardSnapshot(models.Model):
    """One final position on a weekly board (the top LEADERBOARD_SNAPSHOT_SIZE)."""

    board = models.CharField(max_length=20, choices=Board.choices)
    week_start = models.DateField()
    rank = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    guild = models.ForeignKey("guilds.Guild", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    entity_id = models.BigIntegerField(help_text="User or guild id (kept if that is deleted).")
    label = models.CharField(max_length=60, help_text="@handle or guild name at the time.")
    score = models.BigIntegerField(help_text="Seconds watched, or XP.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["week_start", "board", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["board", "week_start", "rank"], name="snapshot_rank_once"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="snapshot_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.label} on {self.board} {self.week_start}"


class PremiumGrant(models.Model):
    """Premium won on a weekly board: at most one per (user, week, source)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="premium_grants")
    week_start = models.DateField()
    source = models.CharField(max_length=10, choices=GrantSource.choices)
    rank = models.PositiveSmallIntegerField()
    guild = models.ForeignKey("guilds.Guild", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    days = models.PositiveSmallIntegerField()
    premium_until_before = models.DateTimeField(null=True, blank=True)
    premium_until_after = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_start", "source", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start", "source"], name="premium_grant_once"),
            models.CheckConstraint(condition=Q(days__gt=0), name="premium_grant_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.days} days premium for {self.user_id} ({self.source} #{self.rank}, {self.week_start})"
