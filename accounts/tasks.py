from celery import shared_task

from .services.presence import presence_sweep as presence_sweep_service
from .services.users import user_purge, users_purge_deactivated


@shared_task
def purge_user(user_id: int) -> bool:
    return user_purge(user_id=user_id)


@shared_task
def purge_deactivated_accounts() -> int:
    return users_purge_deactivated()


@shared_task
def presence_sweep() -> int:
    return presence_sweep_service()
