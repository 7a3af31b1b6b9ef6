"""Celery tasks: draw one chart, and fan out over every scope of a kind or of a schedule.

Every task is idempotent (a snapshot per kind, scope and period is replaced, never duplicated) and
acknowledged late (settings.CELERY_TASK_ACKS_LATE): a worker killed mid-task leaves the message on the
broker, another worker redraws the chart from scratch, and the atomic file writes mean nobody sees a
half-written image.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import kinds, services
from .kinds import NothingToDraw
from .kinds.base import ON_CHANGE
from .models import TaskState
from .scopes import PROJECT, Scope

logger = logging.getLogger(__name__)

# Stored untranslated on the request; ChartTask.error_message translates it for the reader.
NOTHING_TO_DRAW = gettext_noop("there are no figures to draw for this scope and period yet.")


@shared_task(
    name="reports.generate_chart",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),  # a database restart or lock timeout: try again shortly
    retry_backoff=5,
    max_retries=3,
)
def generate_chart(self, kind_name: str, scope_key: str, period_key: str | None = None) -> dict:
    """Draw one chart: ``{"snapshot": id}``, or ``{"snapshot": None, "reason": …}`` if nothing to draw."""
    task_id = self.request.id
    services.mark_task(task_id, TaskState.STARTED)
    try:
        kind = kinds.get(kind_name)
        scope = Scope.parse(scope_key)
        period = kind.parse_period(period_key) if period_key else None
        snapshot = services.generate(kind, scope, period)
    except NothingToDraw as reason:
        # People read the general message in their own language; the detail is for logs and results.
        services.mark_task(task_id, TaskState.FAILURE, error=NOTHING_TO_DRAW)
        logger.info("Nothing to draw for %s %s: %s", kind_name, scope_key, reason)
        return {"snapshot": None, "reason": str(reason)}
    except OperationalError:
        raise  # retried; the request stays "started"
    except Exception as exc:
        services.mark_task(task_id, TaskState.FAILURE, error=f"{type(exc).__name__}: {exc}")
        raise
    services.mark_task(task_id, TaskState.SUCCESS, snapshot=snapshot)
    return {"snapshot": snapshot.pk}


@shared_task(name="reports.generate_kind", acks_late=True)
def generate_kind(kind_name: str, period_key: str | None = None) -> int:
    """Queue one task per scope of a kind (all for the same period); returns how many."""
    kind = kinds.get(kind_name)
    period_key = period_key or kind.current_period(timezone.localdate()).key
    count = 0
    for scope in kind.scopes():
        generate_chart.delay(kind.name, scope.key, period_key)
        count += 1
    return count


@shared_task(name="reports.generate_schedule", acks_late=True)
def generate_schedule(schedule: str) -> dict[str, int]:
    """The beat entry point: queue every chart of every kind on ``schedule`` (hourly, nightly, …)."""
    return {kind.name: generate_kind(kind.name) for kind in kinds.on_schedule(schedule)}


@shared_task(name="reports.generate_project_charts", acks_late=True)
def generate_project_charts(project_id: int) -> list[str]:
    """Queue the redrawing of a TQM project's charts after its data changed; returns the kinds queued."""
    queued = []
    for kind in kinds.on_schedule(ON_CHANGE):
        if PROJECT in kind.scope_types:
            generate_chart.delay(kind.name, Scope(PROJECT, project_id).key)
            queued.append(kind.name)
    return queued


@shared_task(name="reports.generate_everything", acks_late=True)
def generate_everything() -> dict[str, int]:
    """Queue every chart of every kind (after loading demo data, or by hand)."""
    return {name: generate_kind(name) for name in kinds.names()}
