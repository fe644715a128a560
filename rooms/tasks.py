from celery import shared_task

from .services.matching import match_requests_expire
from .services.membership import rooms_sweep
from .services.watch import watch_sessions_close_stale


@shared_task
def sweep_rooms() -> int:
    return rooms_sweep()


@shared_task
def close_stale_watch_sessions() -> int:
    return watch_sessions_close_stale()


@shared_task
def expire_match_requests() -> int:
    return match_requests_expire()
