"""The audit verbs of the moderation queue and AutoMod (audit.verbs)."""

from django.db.models import TextChoices

from audit.verbs import register_verbs


@register_verbs
class AuditVerb(TextChoices):
    CASE_ASSIGNED = "moderation.case_assigned", "Moderation case assigned"
    CASE_DISMISSED = "moderation.case_dismissed", "Moderation case dismissed"
    CONTENT_DELETED = "moderation.content_deleted", "Reported content deleted"
    CONTENT_HIDDEN = "moderation.content_hidden", "Reported content hidden"
    USER_WARNED = "moderation.user_warned", "User warned"
    USER_TIMED_OUT = "moderation.user_timed_out", "User timed out"
    USER_BANNED = "moderation.user_banned", "User banned"
    USER_SUSPENDED = "moderation.user_suspended", "Account suspended (platform ban)"
    SUSPENSION_LIFTED = "moderation.suspension_lifted", "Account suspension lifted"
    CHANNEL_SUSPENDED = "moderation.channel_suspended", "Channel suspended"
    AUTOMOD_TIMEOUT = "moderation.automod_timeout", "Timed out by AutoMod (spam)"
    AUTOMOD_TERM_ADDED = "moderation.automod_term_added", "AutoMod term added"
    AUTOMOD_TERM_REMOVED = "moderation.automod_term_removed", "AutoMod term removed"
