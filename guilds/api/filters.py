"""The guild directory's filters (config/filters.py: the convention every list follows)."""

from django_filters import rest_framework as filters

from config.filters import BooleanFilter

from ..models import Guild


class GuildFilter(filters.FilterSet):
    is_public = BooleanFilter(help_text="only public (true) or invite-only (false) guilds")

    class Meta:
        model = Guild
        fields = ["is_public"]
