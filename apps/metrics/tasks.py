"""Metrics Celery tasks: thin — fetch by id, call the service, own the retry policy."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import imports
from .models import MetricsImport

IMPORT_MAX_RETRIES = 5


@shared_task(bind=True, name="metrics.import_daily_figures", max_retries=IMPORT_MAX_RETRIES)
def import_daily_figures(self, job_id: int) -> str | None:
    """Check and import a big CSV file of daily figures (a MetricsImport job). Idempotent; safe to retry."""
    job = MetricsImport.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return None
    try:
        return imports.metrics_import_run(job=job).status
    except OperationalError as error:
        # A locked SQLite file or a dropped connection passes: try again later; the service starts
        # the job over. When retries run out, fail the job so that its page stops waiting.
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=2**self.request.retries) from error
        imports.metrics_import_fail(job_id=job_id)
        raise
    except Exception:
        # A bug, not a passing problem: retrying would fail the same way.
        imports.metrics_import_fail(job_id=job_id)
        raise
