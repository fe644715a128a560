from django.conf import settings
from django.db import models
from django.db.models import Q

from ..languages import CEFR_LEVELS


class LanguageLevel(models.Model):
    """The CEFR level of a language a user learns (one of User.learning_languages). Languages one speaks
    (User.native_languages) are native by definition; a learning language without a row has no level set."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_levels")
    language = models.CharField(max_length=10)
    level = models.CharField(max_length=2, choices=[(level, level) for level in CEFR_LEVELS])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "language"], name="language_level_once"),
            models.CheckConstraint(condition=Q(level__in=CEFR_LEVELS), name="language_level_cefr"),
            models.CheckConstraint(condition=~Q(language=""), name="language_level_language_set"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language} {self.level}"
