from django.conf import settings
from django.db import models


class AuditVerb(models.TextChoices):
    GUILD_ROLE_CHANGED = "guild.role_changed", "Guild role changed"
    GUILD_MEMBER_KICKED = "guild.member_kicked", "Guild member kicked"
    GUILD_OWNERSHIP_TRANSFERRED = "guild.ownership_transferred", "Guild ownership transferred"
    GUILD_DISBANDED = "guild.disbanded", "Guild disbanded"
    GUILD_EVENT_CREATED = "guild.event_created", "Guild event created"
    PREMIUM_GRANTED = "premium.granted", "Premium granted"
    ROOM_CLOSED_BY_STAFF = "room.closed_by_staff", "Room closed by staff"
    ROOM_RECORDING_STARTED = "room.recording_started", "Room recording started"
    ROOM_RECORDING_STOPPED = "room.recording_stopped", "Room recording stopped"
    ROOM_RECORDING_DELETED = "room.recording_deleted", "Room recording deleted"
    USER_DEACTIVATED_BY_STAFF = "user.deactivated_by_staff", "Account deactivated by staff"


class AuditEvent(models.Model):
    """Append-only: who did what to what. Written by the service that acted."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", help_text="Empty when the platform acted (e.g. the weekly reset).")
    verb = models.CharField(max_length=40, choices=AuditVerb.choices)
    target_type = models.CharField(max_length=40, help_text="app_label.model")
    target_id = models.CharField(max_length=40)
    target_repr = models.CharField(max_length=200)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"]), models.Index(fields=["verb", "created_at"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_repr}"
