"""The audit verbs the chat core writes when a moderator acts (audit.verbs)."""

from django.db.models import TextChoices

from audit.verbs import register_verbs


@register_verbs
class AuditVerb(TextChoices):
    MESSAGE_DELETED = "chat.message_deleted", "Chat message deleted by a moderator"
    MESSAGE_PINNED = "chat.message_pinned", "Chat message pinned"
    MESSAGE_UNPINNED = "chat.message_unpinned", "Chat message unpinned"
    USER_TIMED_OUT = "chat.user_timed_out", "Chatter timed out"
    USER_BANNED = "chat.user_banned", "Chatter banned"
    RESTRICTION_LIFTED = "chat.restriction_lifted", "Chat timeout or ban lifted"
    MODES_CHANGED = "chat.modes_changed", "Chat modes changed"
