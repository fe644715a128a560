"""Time-limited events (community, sponsored, seasonal) with tasks and per-user progress."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from ..rules import EVENT_TASK_XP_RANGE, TaskKind


class EventKind(models.TextChoices):
    COMMUNITY = "community", "Community"
    SPONSORED = "sponsored", "Sponsored"
    SEASONAL = "seasonal", "Seasonal"


class Event(models.Model):
    """A platform-wide event (staff, in the admin), or a guild's own (`guild` set: its leader or an officer)."""

    kind = models.CharField(max_length=10, choices=EventKind.choices, default=EventKind.COMMUNITY)
    title = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    sponsor_name = models.CharField(max_length=80, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    is_published = models.BooleanField(default=False, help_text="Shown and counting only when published.")
    guild = models.ForeignKey("guilds.Guild", on_delete=models.CASCADE, null=True, blank=True, related_name="events",
                              help_text="Empty: a platform-wide event. Set: only this guild's members see it and progress in it.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", help_text="Guild events: the leader or officer who made it.")
    reward_badge = models.ForeignKey("gamification.Badge", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", help_text="For completing every task.")
    reward_decoration = models.ForeignKey("gamification.Decoration", on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="+", help_text="For completing every task.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start")]
        indexes = [models.Index(fields=["is_published", "ends_at"]), models.Index(fields=["guild", "ends_at"])]

    def __str__(self) -> str:
        return self.title


class EventTask(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=16, choices=TaskKind.choices)
    title = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    target = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)],
                                         help_text="Hours, rooms, messages, friends, videos or days.")
    ref = models.CharField(max_length=64, blank=True,
                           help_text="Sponsored video tasks: the ad or video id; empty counts any sponsored video.")
    xp_reward = models.PositiveIntegerField(
        default=100, validators=[MinValueValidator(EVENT_TASK_XP_RANGE[0]), MaxValueValidator(EVENT_TASK_XP_RANGE[1])]
    )
    badge = models.ForeignKey("gamification.Badge", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["event", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(target__gte=1), name="event_task_target_positive"),
            models.CheckConstraint(
                condition=Q(xp_reward__gte=EVENT_TASK_XP_RANGE[0], xp_reward__lte=EVENT_TASK_XP_RANGE[1]),
                name="event_task_xp_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.title}"


class EventTaskProgress(models.Model):
    """How far a user is with a task, in the task's unit (watching in seconds). Completed once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_progress")
    task = models.ForeignKey(EventTask, on_delete=models.CASCADE, related_name="progress")
    progress = models.PositiveBigIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "event task progress"
        constraints = [models.UniqueConstraint(fields=["user", "task"], name="event_progress_once")]

    def __str__(self) -> str:
        return f"{self.user_id} on task {self.task_id}: {self.progress}"
