from celery import shared_task

from .services import stream_followers_notify


@shared_task
def notify_followers_live(stream_id: int) -> int:
    return stream_followers_notify(stream_id=stream_id)
