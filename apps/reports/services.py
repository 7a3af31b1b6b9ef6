"""Drawing snapshots and asking for them to be redrawn: the reports app's writes."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.reports.charts.render import to_png, to_svg
from qa_center.errors import PermissionDenied, ValidationFailed

from . import access, files, kinds, scopes
from .kinds import ChartKind, NothingToDraw
from .models import ChartImage, ChartSnapshot, ChartTask, TaskState
from .periods import CURRENT, Period
from .scopes import Scope

logger = logging.getLogger(__name__)

# A second "regenerate" press while the first request still waits or runs follows the first one.
OPEN_REQUEST_MAX_AGE = timedelta(minutes=10)


def languages() -> list[str]:
    """Every language the site speaks: each snapshot is drawn once in each."""
    return [code for code, _name in settings.LANGUAGES]


def _render(kind: ChartKind, data: dict) -> dict[str, tuple[bytes, bytes]]:
    images = {}
    for language in languages():
        with translation.override(language):
            figure = kind.draw(data)
            images[language] = (to_svg(figure).encode("utf-8"), to_png(figure))
    return images


def generate(kind: ChartKind, scope: Scope, period: Period | None = None) -> ChartSnapshot:
    """Draw one chart from the current data and store it, replacing the snapshot of the same period.

    Idempotent: running it twice leaves one snapshot. Images are written atomically before the row,
    so a run killed at any point leaves the previous snapshot intact (or nothing) and the retry
    completes. Raises NothingToDraw when the scope is gone or has no data of this kind.
    """
    if not kind.accepts(scope):
        raise NothingToDraw(f"{kind.name} is not drawn for {scope.type} scopes")
    if not scopes.exists(scope):
        raise NothingToDraw(f"{scope.key} does not exist")
    period = period or kind.current_period(timezone.localdate())
    started = time.perf_counter()
    try:
        data = kind.collect(scope, period)
    except NothingToDraw:
        if period.key == CURRENT:
            # "As the data is now" with nothing left to draw (the project's last Pareto was
            # deleted): the old chart would show data that no longer exists.
            discard(kind.name, scope.key, period.key)
        raise
    images = _render(kind, data)

    files.remove_leftovers(files.folder(kind.name, scope.key, period.key))
    paths = {}
    for language, (svg, png) in images.items():
        svg_path = files.relative_path(kind.name, scope.key, period.key, language, "svg")
        png_path = files.relative_path(kind.name, scope.key, period.key, language, "png")
        files.write_atomically(svg_path, svg)
        files.write_atomically(png_path, png)
        paths[language] = (svg_path, png_path)

    duration_ms = round((time.perf_counter() - started) * 1000)
    fields = {
        "scope_type": scope.type,
        "scope_id": scope.id,
        "scope_label": scopes.label(scope)[:200],
        "period_start": period.start,
        "period_end": period.end,
        "data": data,
        "generated_at": timezone.now(),
        "duration_ms": duration_ms,
    }
    try:
        return _store(kind.name, scope.key, period.key, fields, paths)
    except IntegrityError:
        # Another worker stored the same chart between our read and our insert: ours replaces it.
        return _store(kind.name, scope.key, period.key, fields, paths)


def discard(kind: str, scope: str, period: str) -> None:
    """Delete a snapshot and its images."""
    with transaction.atomic():
        ChartSnapshot.objects.filter(kind=kind, scope=scope, period=period).delete()
    folder = files.absolute(files.folder(kind, scope, period))
    for path in folder.glob("*") if folder.is_dir() else ():
        path.unlink(missing_ok=True)


@transaction.atomic
def _store(kind: str, scope: str, period: str, fields: dict, paths: dict) -> ChartSnapshot:
    snapshot, _created = ChartSnapshot.objects.update_or_create(
        kind=kind, scope=scope, period=period, defaults=fields
    )
    for language, (svg_path, png_path) in paths.items():
        ChartImage.objects.update_or_create(
            snapshot=snapshot, language=language, defaults={"svg": svg_path, "png": png_path}
        )
    snapshot.images.exclude(language__in=list(paths)).delete()
    return snapshot


# --- "Regenerate now" ------------------------------------------------------------------------------


def parse_request(kind_name: str, scope_text: str | None) -> tuple[ChartKind, Scope]:
    """The kind and scope a regenerate request names; ValidationFailed with field errors otherwise."""
    errors: dict[str, list[str]] = {}
    kind = None
    try:
        kind = kinds.get(kind_name or "")
    except KeyError:
        errors["kind"] = [_("Unknown kind of chart. The kinds are listed at reports/charts/kinds/.")]
    scope = None
    if not scope_text:
        if kind is not None and scopes.GLOBAL not in kind.scope_types:
            errors["scope"] = [
                _("This kind of chart is drawn per %(types)s: give a scope such as %(example)s.")
                % {"types": ", ".join(kind.scope_types), "example": f"{kind.scope_types[0]}:1"}
            ]
        scope = scopes.GLOBAL_SCOPE
    else:
        try:
            scope = Scope.parse(scope_text)
        except ValueError:
            errors["scope"] = [_('Write the scope as "global" or as type:id, for example team:3.')]
        else:
            if kind is not None and not kind.accepts(scope):
                errors["scope"] = [
                    _("This kind of chart is drawn for: %(types)s.") % {"types": ", ".join(kind.scope_types)}
                ]
            elif not scopes.exists(scope):
                errors["scope"] = [_("There is no %(scope)s.") % {"scope": scope.key}]
    if errors:
        raise ValidationFailed(_("The chart cannot be regenerated."), fields=errors)
    return kind, scope


def request_regeneration(user, kind_name: str, scope_text: str | None) -> ChartTask:
    """Queue the redrawing of one chart for ``user``; returns the request to follow.

    Refuses unknown kinds and scopes (ValidationFailed) and charts the user may not see
    (PermissionDenied). While an earlier request for the same chart still waits or runs, that
    request is returned instead of queueing the same work twice.
    """
    kind, scope = parse_request(kind_name, scope_text)
    if not access.can_view(user, kind, scope):
        raise PermissionDenied(_("You may not see this chart."))
    with transaction.atomic():
        open_request = (
            ChartTask.objects.select_for_update()
            .filter(
                kind=kind.name,
                scope=scope.key,
                state__in=[TaskState.PENDING, TaskState.STARTED],
                created_at__gte=timezone.now() - OPEN_REQUEST_MAX_AGE,
            )
            .first()
        )
        if open_request is not None:
            # Follow the task already queued, under a request of one's own.
            request, _created = ChartTask.objects.get_or_create(
                task_id=open_request.task_id,
                requested_by=user,
                defaults={"kind": kind.name, "scope": scope.key, "state": open_request.state},
            )
            return request
        request = ChartTask.objects.create(
            task_id=str(uuid.uuid4()), kind=kind.name, scope=scope.key, requested_by=user
        )
        transaction.on_commit(partial(_enqueue, request.pk))
    return request


def is_stale(kind: ChartKind, snapshot: ChartSnapshot | None, today: date) -> bool:
    """Whether a chart drawn on view must be drawn again: never drawn, of an older period, or not today."""
    if snapshot is None:
        return True
    if snapshot.period != kind.current_period(today).key:
        return True
    return timezone.localdate(snapshot.generated_at) < today


def draw_on_view(user, kind: ChartKind, scope: Scope, snapshot: ChartSnapshot | None) -> ChartTask | None:
    """Queue the drawing of a chart the schedule leaves to its first viewer of the day (agents' own
    charts), when it is stale; returns the request to follow, or None when the chart is current."""
    if scope.type not in kind.on_view_scope_types or not is_stale(kind, snapshot, timezone.localdate()):
        return None
    try:
        return request_regeneration(user, kind.name, scope.key)
    except (ValidationFailed, PermissionDenied):
        return None


def _enqueue(request_pk: int) -> None:
    from .tasks import generate_chart  # tasks imports this module

    request = ChartTask.objects.get(pk=request_pk)
    try:
        generate_chart.apply_async(args=[request.kind, request.scope], task_id=request.task_id)
    except Exception:
        # The request has committed: a broker that is down must not become a 500 page, nor a
        # request that waits forever. Say so where the person follows it.
        logger.exception("Could not queue chart %s %s", request.kind, request.scope)
        ChartTask.objects.filter(pk=request_pk).update(
            state=TaskState.FAILURE,
            error=_("The task queue cannot be reached; try again in a minute."),
            finished_at=timezone.now(),
        )


def task_for(user, task_id: str) -> ChartTask:
    """The user's own request with this id (ChartTask.DoesNotExist otherwise)."""
    return ChartTask.objects.select_related("snapshot").get(task_id=task_id, requested_by=user)


def mark_task(
    task_id: str | None, state: str, *, snapshot: ChartSnapshot | None = None, error: str = ""
) -> None:
    """Record a worker's progress on the requests that follow its task (none for scheduled runs)."""
    if not task_id:
        return
    fields = {"state": state, "error": error}
    if snapshot is not None:
        fields["snapshot"] = snapshot
    if state in (TaskState.SUCCESS, TaskState.FAILURE):
        fields["finished_at"] = timezone.now()
    ChartTask.objects.filter(task_id=task_id).update(**fields)
