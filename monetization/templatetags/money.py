from django import template

register = template.Library()


@register.filter
def money(amount_minor, currency: str = "usd") -> str:
    """499, "usd" → "4.99 USD" (two-decimal currencies)."""
    if amount_minor in (None, ""):
        return ""
    sign = "-" if int(amount_minor) < 0 else ""
    units, cents = divmod(abs(int(amount_minor)), 100)
    return f"{sign}{units}.{cents:02d} {currency.upper()}"
