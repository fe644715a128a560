"""The audit verbs every app declares for itself.

An app lists the verbs it writes as TextChoices in its own `audit_verbs.py`, decorated with
@register_verbs; audit_record refuses a verb nobody registered. Verbs are stored as plain
strings, so a new one needs no migration here.
"""

from django.db.models import TextChoices

_labels: dict[str, str] = {}


def register_verbs(enum: type[TextChoices]) -> type[TextChoices]:
    for verb in enum:
        if _labels.get(verb.value, verb.label) != verb.label:
            raise ValueError(f"audit verb {verb.value!r} is registered twice")
        _labels[verb.value] = verb.label
    return enum


def verb_label(verb: str) -> str | None:
    """The verb's label, or None when no app registered it."""
    return _labels.get(verb)
