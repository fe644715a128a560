"""The audit verbs the vods app writes (audit.verbs)."""

from django.db.models import TextChoices

from audit.verbs import register_verbs


@register_verbs
class AuditVerb(TextChoices):
    VOD_RETRIED = "vods.vod_retried", "VOD renditions retried by staff"
