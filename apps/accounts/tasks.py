from celery import shared_task

from . import services


@shared_task(name="accounts.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Nightly: delete expired login sessions. Idempotent."""
    return services.sessions_clear_expired()
