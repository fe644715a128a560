from celery import shared_task

from .publishers import streams_without_publisher_end
from .services import stream_followers_notify
from .thumbnails import live_thumbnails_refresh


@shared_task
def notify_followers_live(stream_id: int) -> int:
    return stream_followers_notify(stream_id=stream_id)


@shared_task
def end_streams_without_publisher() -> int:
    return len(streams_without_publisher_end())


@shared_task
def refresh_live_thumbnails() -> int:
    return live_thumbnails_refresh()
