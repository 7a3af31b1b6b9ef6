"""Pieces several kinds share: scope lists, Pareto data in JSON form, number formatting for CSV."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from matplotlib.figure import Figure

from apps.reports.charts.pareto import pareto_figure
from apps.tqm import analysis

from ..scopes import DEPARTMENT, GLOBAL_SCOPE, TEAM, Scope
from .base import NothingToDraw, Table

# --- Scopes -------------------------------------------------------------------------------------


def team_scopes() -> list[Scope]:
    from apps.accounts.models import Team

    return [Scope(TEAM, pk) for pk in Team.objects.order_by("pk").values_list("pk", flat=True)]


def department_scopes() -> list[Scope]:
    from apps.accounts.models import Department

    return [Scope(DEPARTMENT, pk) for pk in Department.objects.order_by("pk").values_list("pk", flat=True)]


def global_and(*more: Iterable[Scope]) -> list[Scope]:
    scopes = [GLOBAL_SCOPE]
    for group in more:
        scopes.extend(group)
    return scopes


# --- Pareto data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """A stored Pareto row in the shape the chart toolkit draws."""

    label: str
    count: int
    percent: float
    cumulative_percent: float
    vital_few: bool
    is_other: bool


def pareto_data(items: Sequence[tuple[str, int]], *, other_after_percent: float | None = None) -> dict:
    """Pareto rows of (label, count) pairs as JSON-ready data; NothingToDraw if all counts are zero."""
    items = [(label, count) for label, count in items if count > 0]
    if not items:
        raise NothingToDraw("no counts in this period")
    result = analysis.pareto(items, other_label="Other", other_after_percent=other_after_percent)
    return {
        "total": result.total,
        "rows": [
            {
                "label": row.label,
                "count": row.count,
                "percent": float(row.percent),
                "cumulative_percent": float(row.cumulative_percent),
                "vital_few": row.vital_few,
                "is_other": row.is_other,
            }
            for row in result.rows
        ],
    }


def pareto_rows(data: dict) -> list[_Row]:
    """The stored rows, the merged tail named in the active language."""
    other = pgettext("pareto", "Other")
    return [_Row(**{**row, "label": other if row["is_other"] else row["label"]}) for row in data["rows"]]


def draw_pareto(data: dict, *, title: str) -> Figure:
    return pareto_figure(
        pareto_rows(data),
        title=title,
        count_label=_("Count"),
        cumulative_label=_("Cumulative %"),
        vital_label=_("Vital few"),
        other_label=_("Remaining categories"),
    )


def pareto_table(data: dict, *, label_header: str) -> Table:
    header = [label_header, _("Count"), _("Percent"), _("Cumulative %"), _("Vital few")]
    rows = [
        [row.label, row.count, row.percent, row.cumulative_percent, _("yes") if row.vital_few else ""]
        for row in pareto_rows(data)
    ]
    return header, rows


def rounded(value, places: int = 2) -> float | None:
    """A Decimal/float as a JSON number rounded for display; None stays None."""
    return None if value is None else round(float(value), places)
