"""The audit verbs the media relay's platform side writes (audit.verbs)."""

from django.db.models import TextChoices

from audit.verbs import register_verbs


@register_verbs
class AuditVerb(TextChoices):
    ROOM_RECORDING_STARTED = "room.recording_started", "Room recording started"
    ROOM_RECORDING_STOPPED = "room.recording_stopped", "Room recording stopped"
    ROOM_RECORDING_DELETED = "room.recording_deleted", "Room recording deleted"
