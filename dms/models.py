"""Conversations (one-to-one or a group of up to 10), their members, messages and calls.

Messages are built on the chat core (chat.models.AbstractMessage); each member row keeps its own
read position and unread count, so the header's counts are one indexed read of the member rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from chat.models import AbstractMessage

GROUP_MAX_MEMBERS = 10


class ConversationKind(models.TextChoices):
    DIRECT = "direct", "Direct"
    GROUP = "group", "Group"


class Conversation(models.Model):
    kind = models.CharField(max_length=6, choices=ConversationKind.choices)
    # A direct conversation's pair, "<lower id>:<higher id>": one conversation per pair (unique).
    direct_key = models.CharField(max_length=41, null=True, blank=True, unique=True)
    name = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="direct", direct_key__isnull=False) | Q(kind="group", direct_key__isnull=True),
                name="dm_conversation_direct_key"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.kind} {self.pk}"

    @property
    def is_group(self) -> bool:
        return self.kind == ConversationKind.GROUP


def direct_key(a_id: int, b_id: int) -> str:
    low, high = sorted((a_id, b_id))
    return f"{low}:{high}"


class ConversationMember(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)
    last_read_id = models.BigIntegerField(default=0, help_text="The last message this member has read.")
    unread_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="dm_member_once")]
        # The header's counts read only this index (an index-only scan): user, then the count.
        indexes = [models.Index(fields=["user", "unread_count"], include=["conversation"], name="dm_member_unread")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class CallStatus(models.TextChoices):
    RINGING = "ringing", "Ringing"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"
    ENDED = "ended", "Ended"


OPEN_CALL = [CallStatus.RINGING, CallStatus.ACCEPTED]


class Call(models.Model):
    """A voice call from a direct conversation: it rings for 30 s, then a private two-person voice room
    (rooms: peer-to-peer first, the relay as fallback) holds it once accepted."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="calls")
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    callee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=9, choices=CallStatus.choices, default=CallStatus.RINGING)
    room = models.ForeignKey("rooms.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One open call per conversation: two people calling each other at once make one call.
            models.UniqueConstraint(fields=["conversation"], condition=Q(status__in=OPEN_CALL), name="dm_one_open_call"),
            models.CheckConstraint(condition=~Q(caller=F("callee")), name="dm_call_not_self"),
        ]

    def __str__(self) -> str:
        return f"call {self.caller_id} → {self.callee_id} ({self.status})"

    @property
    def duration_seconds(self) -> int | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return round((self.ended_at - self.answered_at).total_seconds())


class DirectMessage(AbstractMessage):
    """A message in a conversation (the chat core's AbstractMessage); a call's outcome is a message too."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    mentions = models.JSONField(default=list, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    call = models.OneToOneField(Call, on_delete=models.CASCADE, null=True, blank=True, related_name="message")

    class Meta:
        indexes = [models.Index(fields=["conversation", "id"])]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="dm_message_body_not_empty")]


class MessagesFrom(models.TextChoices):
    FRIENDS = "friends", "Friends"
    FOLLOWING = "following", "Friends and people I follow"
    NOBODY = "nobody", "Nobody"


class DmSettings(models.Model):
    """Who may message a user (no row: friends)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dm_settings")
    messages_from = models.CharField(max_length=9, choices=MessagesFrom.choices, default=MessagesFrom.FRIENDS)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.messages_from}"
