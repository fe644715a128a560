from django.conf import settings
from django.db import models

from .rooms import RoomKind


class ScheduleStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    OPENED = "opened", "Opened"
    CANCELLED = "cancelled", "Cancelled"


class ScheduledRoom(models.Model):
    """A watch party or voice room announced for a future time: listed under "Upcoming", it opens on time
    (rooms.tasks.open_scheduled_rooms) and tells whoever asked to be reminded."""

    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=5, choices=RoomKind.choices, default=RoomKind.WATCH)
    name = models.CharField(max_length=60)
    topic = models.CharField(max_length=120, blank=True)
    languages = models.JSONField(default=list, blank=True)
    level = models.CharField(max_length=2, blank=True, help_text="CEFR A1–C2, or blank: any level")
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=9, choices=ScheduleStatus.choices, default=ScheduleStatus.SCHEDULED)
    room = models.ForeignKey("rooms.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.name} at {self.starts_at:%Y-%m-%d %H:%M}"


class RoomReminder(models.Model):
    """Someone asked to be told when a scheduled room opens: once per person (a unique constraint)."""

    scheduled = models.ForeignKey(ScheduledRoom, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheduled", "user"], name="room_reminder_once")]

    def __str__(self) -> str:
        return f"{self.user_id} for {self.scheduled_id}"
