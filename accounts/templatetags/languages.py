"""`{{ code|language_name }}`, `{{ codes|language_names }}` ("Spanish, English") and
`{% language_names_json %}` (the table for scripts, as a json_script element with id "language-names"),
`{% language_choices as choices %}` ((code, name) pairs sorted by name, for a hand-written <select>)."""

from django import template
from django.utils.html import json_script

from accounts.languages import LANGUAGE_CHOICES, LANGUAGE_NAMES
from accounts.languages import language_name as name_of

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    return name_of(code)


@register.filter
def language_names(codes) -> str:
    return ", ".join(name_of(code) for code in codes or ())


@register.simple_tag
def language_names_json() -> str:
    return json_script(LANGUAGE_NAMES, "language-names")


@register.simple_tag
def language_choices() -> list[tuple[str, str]]:
    return LANGUAGE_CHOICES
