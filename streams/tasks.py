from celery import shared_task

from . import polls, stage
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


@shared_task
def stage_invites_expire() -> int:
    """Beat: invites unanswered for 30 s expire (also done lazily on read; idempotent)."""
    return stage.stage_invites_expire()


@shared_task
def polls_close_due() -> int:
    return polls.polls_close_due()


@shared_task
def poll_results_publish(poll_id: int) -> None:
    polls.poll_results_publish(poll_id=poll_id)
