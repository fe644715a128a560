"""The languages people speak and learn and rooms are held in: one code → name table.

Django's list of locales (about 100, English names). Forms offer LANGUAGE_CHOICES (sorted by name),
services accept LANGUAGE_NAMES' codes, pages show names through `{% load languages %}`'s filters.
"""

from django.conf import global_settings

LANGUAGE_NAMES: dict[str, str] = dict(global_settings.LANGUAGES)
LANGUAGE_CHOICES: list[tuple[str, str]] = sorted(LANGUAGE_NAMES.items(), key=lambda item: item[1])


def language_name(code: str) -> str:
    """The English name of a language code; an unknown code shows as itself."""
    return LANGUAGE_NAMES.get(code, code)
