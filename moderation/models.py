"""Reports fold into cases; staff act on cases; AutoMod's term lists."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ReasonCategory(models.TextChoices):
    SPAM = "spam", "Spam or scam"
    HARASSMENT = "harassment", "Harassment or bullying"
    HATE = "hate", "Hate speech"
    SEXUAL = "sexual", "Sexual content"
    VIOLENCE = "violence", "Violence or threats"
    SELF_HARM = "self_harm", "Self-harm"
    ILLEGAL = "illegal", "Illegal content"
    IMPERSONATION = "impersonation", "Impersonation"
    OTHER = "other", "Something else"


class Severity(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


# How urgent a report of each category is: a case takes the highest of its reports'.
CATEGORY_SEVERITY = {
    ReasonCategory.SPAM: Severity.LOW, ReasonCategory.OTHER: Severity.LOW,
    ReasonCategory.IMPERSONATION: Severity.MEDIUM, ReasonCategory.HARASSMENT: Severity.MEDIUM,
    ReasonCategory.SEXUAL: Severity.HIGH, ReasonCategory.HATE: Severity.HIGH, ReasonCategory.VIOLENCE: Severity.HIGH,
    ReasonCategory.SELF_HARM: Severity.CRITICAL, ReasonCategory.ILLEGAL: Severity.CRITICAL,
}


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class Case(models.Model):
    """Everything reported about one target while it is open: duplicate reports fold into it."""

    target_kind = models.CharField(max_length=30, help_text="A kind of moderation.targets (user, room_message, ...).")
    target_id = models.CharField(max_length=40)
    target_repr = models.CharField(max_length=200)
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", help_text="Who wrote or owns the target (notified of the outcome).")
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.LOW)
    report_count = models.PositiveIntegerField(default=0)
    is_automod = models.BooleanField(default=False, help_text="Opened by AutoMod (a message held for review).")
    held_text = models.CharField(max_length=2000, blank=True, help_text="What AutoMod held back, as written.")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", limit_choices_to={"is_staff": True})
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-severity", "-report_count", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["target_kind", "target_id"], condition=Q(status="open"),
                                    name="moderation_one_open_case_per_target"),
        ]
        indexes = [models.Index(fields=["status", "-severity", "-report_count"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.target_kind} {self.target_repr}"


class Report(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=20, choices=ReasonCategory.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["case", "reporter"], name="moderation_one_report_per_reporter")]
        indexes = [models.Index(fields=["reporter", "created_at"])]

    def __str__(self) -> str:
        return f"{self.category} by {self.reporter_id}"


class ActionKind(models.TextChoices):
    DISMISS = "dismiss", "Dismiss"
    DELETE = "delete", "Delete the content"
    WARN = "warn", "Warn"
    TIMEOUT = "timeout", "Time out"
    BAN = "ban", "Ban"
    SUSPEND_CHANNEL = "suspend_channel", "Suspend the channel"
    HIDE = "hide", "Hide the content"


class BanScope(models.TextChoices):
    ROOM = "room", "This room"
    CHANNEL = "channel", "This channel"
    GUILD = "guild", "This guild"
    PLATFORM = "platform", "The whole platform"


class CaseAction(models.Model):
    """What staff did about a case (a warning, a ban...): also the target user's history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    scope = models.CharField(max_length=10, choices=BanScope.choices, blank=True)
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    until = models.DateTimeField(null=True, blank=True, help_text="A timeout's or temporary ban's end.")
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"


class TermLevel(models.TextChoices):
    BLOCK = "block", "Block"
    HOLD = "hold", "Hold for review"
    ALLOW = "allow", "Allow"


class Community(models.TextChoices):
    PLATFORM = "", "Everywhere"
    ROOM = "room", "A room"
    GUILD = "guild", "A guild"
    CHANNEL = "channel", "A channel"


class AutoModTerm(models.Model):
    """A word or phrase AutoMod matches after normalising (moderation.automod): everywhere, or in one
    community, where it may also allow a platform term or make it stricter."""

    term = models.CharField(max_length=100, help_text="A word or phrase, matched after normalising case, accents, "
                                                      "look-alikes, leetspeak, repeated letters and separators; "
                                                      "ending with * it is a pattern: every word starting so.")
    normalized = models.CharField(max_length=100, editable=False)
    level = models.CharField(max_length=5, choices=TermLevel.choices, default=TermLevel.BLOCK)
    community_kind = models.CharField(max_length=7, choices=Community.choices, blank=True, default="")
    community_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["community_kind", "community_id", "term"]
        constraints = [
            # two partial indexes rather than nulls_distinct=False, which SQLite (the embedded default) lacks
            models.UniqueConstraint(fields=["normalized"], condition=Q(community_id__isnull=True),
                                    name="automod_term_once_everywhere"),
            models.UniqueConstraint(fields=["community_kind", "community_id", "normalized"],
                                    condition=Q(community_id__isnull=False), name="automod_term_once_per_community"),
            models.CheckConstraint(condition=Q(community_kind="", community_id__isnull=True)
                                   | (~Q(community_kind="") & Q(community_id__isnull=False)),
                                   name="automod_term_community_has_id"),
        ]

    def __str__(self) -> str:
        return self.term
