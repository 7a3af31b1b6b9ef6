"""Redraw a TQM project's stored charts after its data changed.

Several writes in a row (a form that saves five causes) would each queue the same work: the first
change queues the redrawing a few seconds later, and changes within that delay ride along, because the
task reads the project's data when it runs.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.dispatch import receiver

from apps.tqm.signals import project_changed

logger = logging.getLogger(__name__)


@receiver(project_changed, dispatch_uid="reports.redraw_project_charts")
def redraw_project_charts(sender, project_id: int, **kwargs) -> None:
    if not settings.REPORTS_REDRAW_ON_CHANGE:
        return
    delay = settings.REPORTS_REDRAW_DELAY_SECONDS
    if delay and not cache.add(f"reports:project-redraw:{project_id}", 1, timeout=delay):
        return  # already queued; the queued task will see this change too
    from .tasks import generate_project_charts

    try:
        generate_project_charts.apply_async(args=[project_id], countdown=delay)
    except Exception:
        # The project's change has committed and must not fail for this; the nightly run catches up.
        logger.exception("Could not queue the redrawing of project %s's charts", project_id)
