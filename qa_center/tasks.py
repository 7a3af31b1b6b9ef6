"""Project-wide diagnostic tasks."""

from celery import shared_task


@shared_task(name="qa_center.ping")
def ping(payload: str = "pong") -> dict[str, str]:
    """Answer with ``payload``: proves that a worker consumes and reports results."""
    return {"reply": payload}
