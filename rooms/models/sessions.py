from django.conf import settings
from django.db import models


class WatchSession(models.Model):
    """Time a member spent in a room. Only active time counts (visible tab, recent heartbeat)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_sessions")
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="watch_sessions")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    active_seconds = models.PositiveIntegerField(default=0)
    last_heartbeat_at = models.DateTimeField()
    is_active = models.BooleanField(default=True, help_text="Tab visible and not idle at the last heartbeat.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "room"], condition=models.Q(ended_at__isnull=True), name="one_open_watch_session"),
        ]
        indexes = [models.Index(fields=["user", "started_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id}: {self.active_seconds}s"
