"""Calibration chart: each evaluator's alignment with the reference evaluator, session after session.

The figures are the results stored when each session was closed (``CalibrationScore``, computed by
``apps.scorecards.agreement.calibration_result`` through ``calibration.calibration_close``): a session
reads the same forever, and the chart shows exactly what its results page and the evaluator's history
show. Alignment exists only in sessions with a reference evaluator; the reference's own alignment
(always 100 %) is left out, so the lines compare the other evaluators with the benchmark.

The calibration pages set no alignment threshold, so no reference line is drawn; points of an evaluator
whose score fell outside the session's tolerance band are marked instead.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.reports.charts.trend import TrendSeries, trend_figure
from apps.scorecards.models import CalibrationScore, CalibrationStatus

from .. import periods
from ..scopes import GLOBAL, GLOBAL_SCOPE, Scope
from .base import CALIBRATION, WEEKLY, ChartKind, NothingToDraw, Table

WINDOW_WEEKS = 26


def _percent(alignment) -> float | None:
    """A stored alignment (a fraction of 1, 4 places) as a percentage with 2 decimals, as pages show it."""
    return None if alignment is None else float(alignment * 100)


def _collect(scope: Scope, period: periods.Period) -> dict:
    zone = timezone.get_current_timezone()
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    # One query whatever the number of sessions and evaluators: every stored result of the sessions
    # closed in the window, with its session and evaluator.
    results = list(
        CalibrationScore.objects.filter(
            session__status=CalibrationStatus.CLOSED,
            session__closed_at__gte=start,
            session__closed_at__lt=end,
        )
        .select_related("session", "session__scorecard_version__scorecard", "evaluator")
        .order_by("session__closed_at", "session_id", "evaluator_id")
    )
    if not results:
        raise NothingToDraw("no calibration session closed in this period")

    sessions: dict[int, dict] = {}
    evaluators: dict[int, dict] = {}
    for result in results:
        session = result.session
        if session.pk not in sessions:
            sessions[session.pk] = {
                "id": session.pk,
                "closed_on": timezone.localtime(session.closed_at, zone).date().isoformat(),
                "scorecard": session.scorecard_version.scorecard.name,
                "reference": session.reference_id,
                "alpha": session.alpha_interval,
            }
        evaluators.setdefault(
            result.evaluator_id, {"id": result.evaluator_id, "name": result.evaluator.name, "results": {}}
        )["results"][session.pk] = result

    order = list(sessions)
    rows = []
    for evaluator in sorted(evaluators.values(), key=lambda row: (row["name"], row["id"])):
        alignment, outside, took_part = [], [], []
        for session_id in order:
            result = evaluator["results"].get(session_id)
            is_reference = result is not None and sessions[session_id]["reference"] == evaluator["id"]
            took_part.append(result is not None)
            alignment.append(None if result is None or is_reference else _percent(result.alignment))
            outside.append(result is not None and result.outside_tolerance)
        rows.append(
            {
                "id": evaluator["id"],
                "name": evaluator["name"],
                "took_part": took_part,
                "alignment": alignment,
                "outside_tolerance": outside,
            }
        )
    return {"sessions": list(sessions.values()), "evaluators": rows}


def _session_labels(sessions: list[dict]) -> list[str]:
    """Close dates; a date shared by several sessions gets the session number to tell them apart."""
    repeated = Counter(session["closed_on"] for session in sessions)
    return [
        f"{session['closed_on']} #{session['id']}"
        if repeated[session["closed_on"]] > 1
        else session["closed_on"]
        for session in sessions
    ]


def _draw(data: dict):
    return trend_figure(
        _session_labels(data["sessions"]),
        [
            TrendSeries(row["name"], row["alignment"], marked=row["outside_tolerance"])
            for row in data["evaluators"]
            # Someone who was only ever the reference, or only in sessions without one, has no line
            # to draw; they stay in the table.
            if any(value is not None for value in row["alignment"])
        ],
        title=_("Calibration alignment per evaluator"),
        y_label=_("Alignment with the reference (%)"),
        x_label=_("Calibration session closed on"),
        y_limits=(0, 100),
        marked_label=_("Score outside the tolerance band"),
    )


def _table(data: dict) -> Table:
    header = [
        _("Session"),
        _("Closed on"),
        _("Scorecard"),
        _("Evaluator"),
        _("Reference evaluator"),
        _("Alignment %"),
        _("Outside tolerance"),
    ]
    rows = []
    for index, session in enumerate(data["sessions"]):
        for row in data["evaluators"]:
            if not row["took_part"][index]:
                continue
            rows.append(
                [
                    session["id"],
                    session["closed_on"],
                    session["scorecard"],
                    row["name"],
                    _("yes") if session["reference"] == row["id"] else "",
                    row["alignment"][index],
                    _("yes") if row["outside_tolerance"][index] else "",
                ]
            )
    return header, rows


CALIBRATION_ALIGNMENT = ChartKind(
    name="calibration_alignment",
    label=gettext_lazy("Calibration alignment per evaluator"),
    description=gettext_lazy(
        "Each evaluator's alignment with the reference evaluator in the calibration sessions closed in "
        "the last 26 weeks; scores outside the tolerance band are marked."
    ),
    family=CALIBRATION,
    schedule=WEEKLY,
    scope_types=(GLOBAL,),
    period_unit=periods.WEEK,
    window=WINDOW_WEEKS,
    scopes=lambda: [GLOBAL_SCOPE],
    collect=_collect,
    draw=_draw,
    table=_table,
)

KINDS = [CALIBRATION_ALIGNMENT]
