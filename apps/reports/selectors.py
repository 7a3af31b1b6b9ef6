"""Reads for the dashboards: the latest snapshot of each chart, and the redraws a person is waiting for."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from . import access
from .models import ChartSnapshot, ChartTask, TaskState
from .services import OPEN_REQUEST_MAX_AGE

Pair = tuple[str, str]  # (kind name, scope key)


def _newest_of_each_chart() -> Subquery:
    """The id of the newest snapshot of the outer row's (kind, scope): its latest period, then redraw.

    Periods without an end ("current", TQM charts) have one snapshot per chart, so where they sort
    does not matter; ``nulls_last`` keeps SQLite and PostgreSQL agreeing anyway.
    """
    newest = (
        ChartSnapshot.objects.filter(kind=OuterRef("kind"), scope=OuterRef("scope"))
        .order_by(F("period_end").desc(nulls_last=True), "-generated_at", "-pk")
        .values("pk")[:1]
    )
    return Subquery(newest)


def latest_snapshots(user, condition: Q) -> QuerySet[ChartSnapshot]:
    """The newest snapshot of every chart matching ``condition`` that the user may see.

    One query (the newest per chart is a correlated subquery served by the unique (kind, scope,
    period) index) plus one for the images of every language.
    """
    return (
        access.visible_snapshots(user)
        .filter(condition)
        .filter(pk=_newest_of_each_chart())
        .prefetch_related("images")
        .order_by("kind", "scope_label", "scope")
    )


def charts_condition(pairs: Iterable[Pair] = (), kinds_by_scope_type: Iterable[Pair] = ()) -> Q:
    """Snapshots of these (kind, scope) charts, and of these kinds for every scope of a type."""
    condition = Q(pk__in=[])
    for kind, scope in pairs:
        condition |= Q(kind=kind, scope=scope)
    for kind, scope_type in kinds_by_scope_type:
        condition |= Q(kind=kind, scope_type=scope_type)
    return condition


def latest_snapshot(user, kind: str, scope: str) -> ChartSnapshot | None:
    return latest_snapshots(user, charts_condition([(kind, scope)])).first()


def open_requests(user, pairs: Iterable[Pair]) -> dict[Pair, ChartTask]:
    """The user's own "regenerate" requests for these charts still waiting or running (one query).

    A page reloaded while a chart is being redrawn keeps showing its progress. Requests older than
    the service's OPEN_REQUEST_MAX_AGE are forgotten there too (a lost task must not spin forever).
    """
    condition = Q(pk__in=[])
    for kind, scope in pairs:
        condition |= Q(kind=kind, scope=scope)
    requests = ChartTask.objects.filter(
        condition,
        requested_by=user,
        state__in=[TaskState.PENDING, TaskState.STARTED],
        created_at__gte=timezone.now() - OPEN_REQUEST_MAX_AGE,
    ).order_by("created_at")
    # Oldest first, so the newest request of a chart is the one kept.
    return {(request.kind, request.scope): request for request in requests}
