"""`{% icon "bell" %}`: an inline SVG from the vendored Lucide sprite (static/vendor/lucide, ISC).

A builtin template tag (settings TEMPLATES builtins), so every template may use it without `{% load %}`.
Icons draw with `currentColor` and are decorative unless given a label: `{% icon "bell" label="Notifications" %}`.
"""

import functools
import re

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

SPRITE = settings.BASE_DIR / "static" / "vendor" / "lucide" / "sprite.svg"
SYMBOL = re.compile(r'<symbol id="([a-z0-9-]+)" viewBox="0 0 24 24">(.*?)</symbol>', re.S)


ALIAS = re.compile(r'^<use href="#([a-z0-9-]+)" />$')


@functools.cache
def icon_bodies() -> dict[str, str]:
    bodies = {name: " ".join(body.split()) for name, body in SYMBOL.findall(SPRITE.read_text())}
    # Lucide's old names are symbols that only <use> the new one, which an inline SVG can't reach.
    for name, body in bodies.items():
        if alias := ALIAS.match(body):
            bodies[name] = bodies[alias[1]]
    return bodies


@register.simple_tag
def icon(name: str, label: str = "", size: int = 20, css: str = "") -> str:
    body = icon_bodies().get(name)
    if body is None:
        raise template.TemplateSyntaxError(f"unknown icon {name!r} (see static/vendor/lucide/sprite.svg)")
    a11y = format_html('role="img" aria-label="{}"', label) if label else mark_safe('aria-hidden="true"')
    return format_html(
        '<svg class="icon{}" width="{}" height="{}" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" focusable="false" {}>{}</svg>',
        f" {css}" if css else "", size, size, a11y, mark_safe(body),
    )
