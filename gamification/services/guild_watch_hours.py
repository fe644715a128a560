"""Guild watch hours (the figures on guilds.Guild): recomputed from members' daily activity by one hourly batch.

Gamification owns the daily activity, so it fills the guild's figures (guilds import no gamification).
"""

from datetime import date

from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from guilds.models import Guild
from guilds.selectors import week_start

from ..models import DailyActivity


def _members_seconds(since: date | None = None) -> Coalesce:
    """Watch seconds of the guild's current members (all time, or since a day), as a subquery."""
    rows = DailyActivity.objects.filter(user__guild_membership__guild=OuterRef("pk"))
    if since is not None:
        rows = rows.filter(day__gte=since)
    total = rows.order_by().values("user__guild_membership__guild").annotate(seconds=Sum("watch_seconds"))
    return Coalesce(Subquery(total.values("seconds")), Value(0))


def guilds_refresh_watch_hours(*, today: date | None = None) -> int:
    """Set every guild's total and this week's (from Monday, UTC) watch seconds, in one UPDATE.

    A recomputation, not an increment: running it twice, or concurrently, gives the same state.
    Members count with their whole history and stop counting when they leave, as in the seed.
    Returns the number of guilds updated.
    """
    return Guild.objects.update(
        total_watch_seconds=_members_seconds(),
        weekly_watch_seconds=_members_seconds(week_start(today)),
    )
