from django.conf import settings
from django.db import models
from django.db.models import Q


class StreamKey(models.Model):
    """A WHIP stream key: lets its holder publish into one room's relay from OBS or another
    WHIP client. Long-lived and revocable; only a SHA-256 of the key is stored, the key is
    shown once. One live key per room (rotating revokes the old one)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stream_keys")
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="stream_keys")
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise a key.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(revoked_at__isnull=True), name="one_live_stream_key_per_room"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.room_id})"
