"""{% staff_home as home %}: the admin index's figures (moderation.selectors.staff_home)."""

from django import template

from ..selectors import staff_home as staff_home_figures

register = template.Library()


@register.simple_tag
def staff_home():
    return staff_home_figures()
