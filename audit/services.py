from collections.abc import Iterable

from django.db import models

from .models import AuditEvent


def _row(*, actor, verb: models.TextChoices, target: models.Model, details: dict | None) -> AuditEvent:
    event = AuditEvent(
        actor=actor, verb=verb, target_type=target._meta.label_lower, target_id=str(target.pk),
        target_repr=str(target)[:200], details=details or {},
    )
    event.clean()  # a registered verb (no query)
    return event


def audit_record(*, actor, verb: models.TextChoices, target: models.Model, details: dict | None = None) -> AuditEvent:
    """Record one staff, moderator, money or role action. Call inside the acting transaction."""
    event = _row(actor=actor, verb=verb, target=target, details=details)
    event.save()
    return event


def audit_record_many(*, actor, verb: models.TextChoices, targets: Iterable[models.Model], details: dict | None = None) -> int:
    """One row per target, in one INSERT (periodic batch jobs)."""
    rows = [_row(actor=actor, verb=verb, target=target, details=details) for target in targets]
    AuditEvent.objects.bulk_create(rows)
    return len(rows)
