"""The languages people speak and learn and rooms are held in: one code → name table.

Django's list of locales (about 100, English names). Forms offer LANGUAGE_CHOICES (sorted by name),
services accept LANGUAGE_NAMES' codes, pages show names through `{% load languages %}`'s filters.
"""

from django.conf import global_settings
from django.db import models

LANGUAGE_NAMES: dict[str, str] = dict(global_settings.LANGUAGES)
LANGUAGE_CHOICES: list[tuple[str, str]] = sorted(LANGUAGE_NAMES.items(), key=lambda item: item[1])


def language_name(code: str) -> str:
    """The English name of a language code; an unknown code shows as itself."""
    return LANGUAGE_NAMES.get(code, code)


class Proficiency(models.TextChoices):
    """How well one speaks a language: native (the languages one speaks), then the CEFR levels of the
    languages one learns. A learning language's level is stored (accounts.LanguageLevel)."""

    NATIVE = "native", "Native"
    A1 = "A1", "A1 · Beginner"
    A2 = "A2", "A2 · Elementary"
    B1 = "B1", "B1 · Intermediate"
    B2 = "B2", "B2 · Upper intermediate"
    C1 = "C1", "C1 · Advanced"
    C2 = "C2", "C2 · Proficient"


CEFR_LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2")


def level_rank(level: str | None) -> int | None:
    """A1 is 1 … C2 is 6, native 7; an unknown or missing level has no rank."""
    if level == Proficiency.NATIVE:
        return len(CEFR_LEVELS) + 1
    return CEFR_LEVELS.index(level) + 1 if level in CEFR_LEVELS else None
