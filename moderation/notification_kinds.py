"""The notifications moderation sends (accounts.notification_registry)."""

from django.db.models import TextChoices

from accounts.notification_registry import register_kinds


class NotificationKind(TextChoices):
    REPORT_RESOLVED = "report_resolved", "A report you made was reviewed"
    ACTION_TAKEN = "moderation_action", "Moderators acted on your content or account"


register_kinds(NotificationKind, texts={
    NotificationKind.REPORT_RESOLVED: "Your report about {target} was reviewed: {outcome}.",
    NotificationKind.ACTION_TAKEN: "Moderators acted on {target}: {outcome}. Reason: {reason}",
})
