"""Moderation queue, bans and the audit trail (issue: moderation)."""
from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Reports, the moderation queue, suspensions and AutoMod: on top of the domain apps, whose content it
    reads and whose hooks it fills. The audit trail it reads lives below them, in audit/."""

    name = "moderation"

    def ready(self) -> None:
        from accounts.public_text import public_text_checks

        from . import audit_verbs, notification_kinds  # noqa: F401  (registers them)
        from .filters import public_text_check
        from .target_kinds import register_target_kinds

        register_target_kinds()
        public_text_checks.register(public_text_check)
