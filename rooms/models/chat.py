from django.conf import settings
from django.db import models

MAX_MESSAGE_LENGTH = 500


class ChatMessage(models.Model):
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.CharField(max_length=MAX_MESSAGE_LENGTH)
    mentions = models.JSONField(default=list, blank=True, help_text="Ids of mentioned users.")
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["room", "id"]), models.Index(fields=["author", "created_at"])]
        constraints = [models.CheckConstraint(condition=~models.Q(body=""), name="chat_body_not_empty")]

    def __str__(self) -> str:
        return f"{self.author_id}: {self.body[:40]}"
