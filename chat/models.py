"""What every chat stores. Messages stay in each context's own table (rooms.ChatMessage,
guilds.GuildMessage, ...) built on AbstractMessage: each has its own foreign key to its context
and its own indexes, and no rows move. The moderation state is one table per concern for every
context, keyed by (context kind, context id): contexts live in different tables, and a row here
names one without a foreign key (a context's delete calls chat.services.context_forget)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

MAX_MESSAGE_LENGTH = 500


class AbstractMessage(models.Model):
    """A chat message: written to the database first, then broadcast; deleted = kept, blanked."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.CharField(max_length=MAX_MESSAGE_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.author_id}: {self.body[:40]}"


class RestrictionKind(models.TextChoices):
    TIMEOUT = "timeout", "Timed out"
    BAN = "ban", "Banned"


class ChatRestriction(models.Model):
    """A user's timeout or ban in one context's chat: at most one at a time (a ban replaces a timeout).
    A timeout always ends; a ban ends at `expires_at` or never (null)."""

    context_kind = models.CharField(max_length=16)
    context_id = models.BigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=7, choices=RestrictionKind.choices)
    expires_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["context_kind", "context_id", "user"], name="chat_restriction_one_per_user"),
            models.CheckConstraint(condition=~Q(kind=RestrictionKind.TIMEOUT) | Q(expires_at__isnull=False),
                                   name="chat_timeout_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} in {self.context_kind}.{self.context_id}"


class ChatSettings(models.Model):
    """One context's chat modes and its pinned message (one per context). No row: every mode off."""

    context_kind = models.CharField(max_length=16)
    context_id = models.BigIntegerField()
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    is_emote_only = models.BooleanField(default=False)
    followers_only_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Followers only, for at least this many minutes (0: any follower); null: off.")
    is_subscribers_only = models.BooleanField(default=False)
    pinned_message_id = models.BigIntegerField(null=True, blank=True)
    pinned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    pinned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["context_kind", "context_id"], name="chat_settings_one_per_context"),
        ]

    def __str__(self) -> str:
        return f"chat settings of {self.context_kind}.{self.context_id}"
