"""Guild watch hours: recomputed from members' daily activity by one hourly batch."""

from datetime import date

from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from gamification.models import DailyActivity

from ..models import Guild
from ..selectors import week_start


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
