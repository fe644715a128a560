from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Reports, bans and the moderation queue (next issue): on top of the domain apps, whose content
    it reads. The audit trail it reads lives below them, in audit/."""

    name = "moderation"
