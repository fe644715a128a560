from celery import shared_task
from django.db import OperationalError

from .services.guild_watch_hours import guilds_refresh_watch_hours
from .services.leaderboards import leaderboards_rebuild_current
from .services.weekly_reset import weekly_reset_run


@shared_task(bind=True, max_retries=6, default_retry_delay=120)
def weekly_reset(self) -> int:
    """Beat, Monday 00:00 UTC (and hourly as a catch-up): a no-op once the week is done."""
    try:
        return weekly_reset_run().pk
    except OperationalError as exc:  # database restarting: try again shortly
        raise self.retry(exc=exc) from exc


@shared_task
def leaderboards_rebuild() -> int:
    """Beat, daily: rebuild the current boards from the database (heals Redis writes that were lost)."""
    return leaderboards_rebuild_current()


@shared_task(bind=True, max_retries=3, default_retry_delay=60)
def refresh_guild_watch_hours(self) -> int:
    """Hourly (beat: guilds-refresh-watch-hours). Idempotent: a recomputation."""
    try:
        return guilds_refresh_watch_hours()
    except OperationalError as exc:  # the database went away for a moment
        raise self.retry(exc=exc) from exc
