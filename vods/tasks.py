from celery import shared_task

from .processing import WAITING, StorageUnavailable, vod_process

SOURCE_POLL_SECONDS = 3
STORAGE_RETRY_SECONDS = 60


@shared_task(bind=True, max_retries=60)
def process_vod(self, vod_id: int) -> str:
    """Build the VOD's renditions (vods.processing); again in a moment while the relay finalizes the
    recording, later while storage is down."""
    try:
        outcome = vod_process(vod_id=vod_id)
    except StorageUnavailable as err:
        raise self.retry(countdown=STORAGE_RETRY_SECONDS, exc=err) from err
    if outcome == WAITING:
        raise self.retry(countdown=SOURCE_POLL_SECONDS)
    return outcome
