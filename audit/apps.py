from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail: below the domain apps, which write it; moderation reads it from above."""

    name = "audit"
