from celery import shared_task

from .services.calls import calls_expire


@shared_task
def expire_ringing_calls() -> int:
    """Beat: calls unanswered for 30 s are missed (also done lazily when answered; idempotent)."""
    return calls_expire()
