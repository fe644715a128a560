from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    FRIEND_REQUEST = "friend_request", "Friend request"
    FRIEND_ACCEPTED = "friend_accepted", "Friend request accepted"
    NEW_FOLLOWER = "new_follower", "New follower"
    ROOM_INVITE = "room_invite", "Room invite"
    GUILD_INVITE = "guild_invite", "Guild invite"
    GUILD_JOIN_REQUEST = "guild_join_request", "Request to join your guild"
    GUILD_REQUEST_ACCEPTED = "guild_request_accepted", "Guild request accepted"
    PARTNER_FOUND = "partner_found", "Language partner found"
    LEVEL_UP = "level_up", "Level up"
    LEADERBOARD_REWARD = "leaderboard_reward", "Leaderboard reward"
    BADGE_EARNED = "badge_earned", "Badge earned"
    DECORATION_UNLOCKED = "decoration_unlocked", "Decoration unlocked"
    # Later issues add: stage invite, stream started, ...


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "-id"]), models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"
