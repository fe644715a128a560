from django.db import models

from chat.models import AbstractMessage


class ChatMessage(AbstractMessage):
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="messages")
    mentions = models.JSONField(default=list, blank=True, help_text="Ids of mentioned users.")

    class Meta:
        indexes = [models.Index(fields=["room", "id"]), models.Index(fields=["author", "created_at"])]
        constraints = [models.CheckConstraint(condition=~models.Q(body=""), name="chat_body_not_empty")]
