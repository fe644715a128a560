"""XP, levels and the score counters the leaderboards are built from (the database is the truth)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ..rules import MAX_LEVEL, Reason


class PlayerStats(models.Model):
    """A user's XP, level, streak, score counters and equipped decorations.

    XP moves with the ledger (F() updates in the same transaction). The period counters
    carry the period they count (`week_start`, `month_start`, UTC): an award in a new
    period moves the old week to `prev_week_*` and starts again, in the same UPDATE, so
    nothing is lost between Monday 00:00 and the weekly reset however late it runs.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="stats")
    xp = models.PositiveIntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=1)
    streak_current = models.PositiveIntegerField(default=0)
    streak_best = models.PositiveIntegerField(default=0)
    last_active_day = models.DateField(null=True, blank=True)

    # Leaderboard counters (UTC periods: weeks start on Monday).
    watch_seconds = models.PositiveBigIntegerField(default=0, help_text="All time.")
    week_start = models.DateField(null=True, blank=True)
    week_xp = models.PositiveIntegerField(default=0)
    week_watch_seconds = models.PositiveIntegerField(default=0)
    prev_week_start = models.DateField(null=True, blank=True)
    prev_week_xp = models.PositiveIntegerField(default=0)
    prev_week_watch_seconds = models.PositiveIntegerField(default=0)
    month_start = models.DateField(null=True, blank=True)
    month_xp = models.PositiveIntegerField(default=0)
    month_watch_seconds = models.PositiveIntegerField(default=0)

    # Profile decorations (owned ones only: services check).
    title = models.ForeignKey("gamification.Decoration", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    frame = models.ForeignKey("gamification.Decoration", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name_plural = "player stats"
        constraints = [models.CheckConstraint(condition=Q(level__gte=1, level__lte=MAX_LEVEL), name="stats_level_range")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.xp} XP, level {self.level}"


class XpEntry(models.Model):
    """The append-only XP ledger. (user, key) is unique: an award happens at most once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xp_entries")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    amount = models.PositiveIntegerField()
    key = models.CharField(max_length=80)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "XP entries"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="xp_award_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="xp_amount_positive"),
        ]
        indexes = [models.Index(fields=["user", "created_at"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"+{self.amount} {self.reason} for {self.user_id}"


class DailyActivity(models.Model):
    """Per user per local day: what earns XP and fills watch stats and event tasks."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_activity")
    day = models.DateField()
    watch_seconds = models.PositiveIntegerField(default=0)
    party_seconds = models.PositiveIntegerField(default=0)
    chat_messages = models.PositiveIntegerField(default=0)
    rooms_joined = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily activity"
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="daily_activity_once")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}"


class GuildScore(models.Model):
    """A guild's watching for the leaderboards, credited to the guild the watcher was in at the time.

    (guilds.Guild.weekly_watch_seconds is the guild page's hourly figure from current members;
    this is the ranking's own counter, moved in the watcher's transaction.)
    """

    guild = models.OneToOneField("guilds.Guild", on_delete=models.CASCADE, primary_key=True, related_name="score")
    watch_seconds = models.PositiveBigIntegerField(default=0, help_text="All time.")
    week_start = models.DateField(null=True, blank=True)
    week_watch_seconds = models.PositiveBigIntegerField(default=0)
    prev_week_start = models.DateField(null=True, blank=True)
    prev_week_watch_seconds = models.PositiveBigIntegerField(default=0)
    month_start = models.DateField(null=True, blank=True)
    month_watch_seconds = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"guild {self.guild_id}: {self.watch_seconds} s"
