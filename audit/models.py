from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .verbs import verb_label


class AuditEvent(models.Model):
    """Append-only: who did what to what. Written by the service that acted."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", help_text="Empty when the platform acted (e.g. the weekly reset).")
    verb = models.CharField(max_length=40, help_text="One of the verbs the apps register (audit.verbs).")
    target_type = models.CharField(max_length=40, help_text="app_label.model")
    target_id = models.CharField(max_length=40)
    target_repr = models.CharField(max_length=200)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "moderation_auditevent"  # moved from moderation without moving its rows
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"]), models.Index(fields=["verb", "created_at"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_repr}"

    def clean(self):
        if verb_label(self.verb) is None:
            raise ValidationError({"verb": f"{self.verb!r} is not a registered audit verb."})
