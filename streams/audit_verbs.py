"""The audit verbs the streams app writes (audit.verbs)."""

from django.db.models import TextChoices

from audit.verbs import register_verbs


@register_verbs
class AuditVerb(TextChoices):
    MODERATOR_ADDED = "streams.moderator_added", "Channel moderator or VIP appointed"
    MODERATOR_REMOVED = "streams.moderator_removed", "Channel moderator or VIP removed"
