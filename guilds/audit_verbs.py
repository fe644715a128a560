"""The audit verbs guilds write (audit.verbs)."""

from django.db.models import TextChoices

from audit.verbs import register_verbs


@register_verbs
class AuditVerb(TextChoices):
    GUILD_ROLE_CHANGED = "guild.role_changed", "Guild role changed"
    GUILD_MEMBER_KICKED = "guild.member_kicked", "Guild member kicked"
    GUILD_OWNERSHIP_TRANSFERRED = "guild.ownership_transferred", "Guild ownership transferred"
    GUILD_DISBANDED = "guild.disbanded", "Guild disbanded"
