"""The audit verbs gamification writes (audit.verbs)."""

from django.db.models import TextChoices

from audit.verbs import register_verbs


@register_verbs
class AuditVerb(TextChoices):
    GUILD_EVENT_CREATED = "guild.event_created", "Guild event created"
    PREMIUM_GRANTED = "premium.granted", "Premium granted"
