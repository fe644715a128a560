from celery import shared_task

from .media_probe import ProbeUnavailable
from .services.matching import match_requests_expire
from .services.membership import rooms_sweep
from .services.queue import queue_item_probe
from .services.scheduling import scheduled_rooms_open
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


@shared_task(bind=True, max_retries=3, default_retry_delay=30)
def probe_queue_item(self, item_id: int) -> bool:
    try:
        return queue_item_probe(item_id=item_id) is not None
    except ProbeUnavailable as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def open_scheduled_rooms() -> int:
    """Beat: scheduled rooms whose time has come open, and their subscribers are told (idempotent)."""
    return scheduled_rooms_open()
