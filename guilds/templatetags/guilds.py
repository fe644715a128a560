from django import template

register = template.Library()


@register.filter
def hours(seconds) -> str:
    """Watch seconds as hours for people: 0 h, 0.4 h, 12.5 h, 1,204 h."""
    value = (seconds or 0) / 3600
    if value >= 100:
        return f"{value:,.0f} h"
    return f"{value:.1f} h".replace(".0 h", " h")
