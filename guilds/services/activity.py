"""The guild page's recent-activity feed: one row per thing worth telling the members."""

from accounts.models import User

from ..models import ActivityKind, Guild, GuildActivity


def guild_activity_record(*, guild: Guild, kind: ActivityKind, actor: User | None, subject: User | None = None,
                          details: dict | None = None) -> GuildActivity:
    """Call inside the acting transaction, so the feed never shows what was rolled back."""
    return GuildActivity.objects.create(guild=guild, kind=kind, actor=actor, subject=subject, details=details or {})
