from django.conf import settings
from django.db import models

from accounts.devices import describe_user_agent


class DeviceSession(models.Model):
    """The account's signed-in session (one at a time), as shown in Settings → Sessions."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"session of {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def device(self) -> str:
        return describe_user_agent(self.user_agent)


class PresenceConnection(models.Model):
    """One open WebSocket. A user is online while they have a fresh one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    last_heartbeat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.user_id} on {self.channel_name}"
