from celery import shared_task
from django.db import OperationalError

from .services.watch_hours import guilds_refresh_watch_hours


@shared_task(bind=True, max_retries=3, default_retry_delay=60)
def refresh_watch_hours(self) -> int:
    """Hourly (beat: guilds-refresh-watch-hours). Idempotent: a recomputation."""
    try:
        return guilds_refresh_watch_hours()
    except OperationalError as exc:  # the database went away for a moment
        raise self.retry(exc=exc) from exc
