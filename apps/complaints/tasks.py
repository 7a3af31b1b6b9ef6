from celery import shared_task

from . import services


@shared_task(name="complaints.sla_sweep")
def sla_sweep() -> dict[str, int]:
    """Every minute: breached stages, notifications, auto-escalation. Idempotent."""
    return services.sla_sweep()
