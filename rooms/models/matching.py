from django.conf import settings
from django.db import models
from django.db.models import Q


class MatchStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    MATCHED = "matched", "Matched"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class MatchRequest(models.Model):
    """A user waiting for a random 1:1 language partner."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    speaks = models.JSONField(default=list, help_text="Languages this user can help with.")
    learns = models.JSONField(default=list, help_text="Languages this user wants to practise.")
    status = models.CharField(max_length=9, choices=MatchStatus.choices, default=MatchStatus.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    room = models.ForeignKey("rooms.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    partner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="waiting"), name="one_waiting_match_request"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status}"
