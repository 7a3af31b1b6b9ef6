"""TQM data → figures of the shared chart toolkit (apps/reports/charts).

The toolkit draws; this module only maps projects, datasets and analysis results onto its inputs.
Titles and axis labels are translated here, at call time, so a chart speaks the language of the
request that draws it (and the language is part of the chart views' ETag).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from matplotlib.figure import Figure

from apps.reports.charts.comparison import before_after_pareto_figure
from apps.reports.charts.control import p_chart_figure
from apps.reports.charts.fishbone import FishboneCategory as ChartCategory
from apps.reports.charts.fishbone import FishboneCause as ChartCause
from apps.reports.charts.fishbone import fishbone_figure
from apps.reports.charts.pareto import pareto_figure

from . import analysis
from .models import Cause, Dataset, Project
from .selectors import ParetoView


def other_label() -> str:
    """The merged tail's bar label; the API uses the same words."""
    return pgettext("pareto", "Other")


# --- Pareto ----------------------------------------------------------------------------------


def _pareto_labels() -> dict[str, str]:
    return {"count_label": _("Count"), "cumulative_label": _("Cumulative %")}


def pareto_result_figure(result: analysis.ParetoResult, *, title: str) -> Figure:
    """A Pareto chart of a computed result, with the vital few named in a legend."""
    return pareto_figure(
        result.rows,
        title=title,
        vital_label=_("Vital few"),
        other_label=_("Remaining categories"),
        **_pareto_labels(),
    )


def pareto_figure_for(view: ParetoView, *, with_title: bool = True) -> Figure:
    """The chart of one saved Pareto analysis of a project (untitled where a page heads it)."""
    title = _("Pareto analysis: %(dataset)s") % {"dataset": view.pareto.dataset.name} if with_title else ""
    return pareto_result_figure(view.result, title=title)


def before_after_results(
    before: Dataset, after: Dataset
) -> tuple[analysis.ParetoResult, analysis.ParetoResult]:
    """Pareto analyses of two datasets (items prefetched); raises AnalysisError on unusable data."""
    return (
        analysis.pareto(before.pairs(), other_label=other_label()),
        analysis.pareto(after.pairs(), other_label=other_label()),
    )


def before_after_figure_for(before: Dataset, after: Dataset) -> Figure:
    """Before | after Pareto panels on one count scale, so the reduction shows."""
    before_result, after_result = before_after_results(before, after)
    return before_after_pareto_figure(
        before_result.rows,
        after_result.rows,
        title=_("Before and after the countermeasures"),
        before_title=_("Before: %(dataset)s (total %(total)s)")
        % {"dataset": before.name, "total": before_result.total},
        after_title=_("After: %(dataset)s (total %(total)s)")
        % {"dataset": after.name, "total": after_result.total},
        **_pareto_labels(),
    )


# --- Fishbone --------------------------------------------------------------------------------


def _chart_cause(cause: Cause) -> ChartCause:
    return ChartCause(
        text=cause.text,
        verified=cause.is_root_cause,
        children=tuple(
            ChartCause(text=child.text, verified=child.is_root_cause) for child in cause.children.all()
        ),
    )


def fishbone_categories(project: Project) -> list[ChartCategory]:
    """The project's bones as the toolkit's dataclasses (uses selectors.project_detail's prefetch).

    Only top-level causes hang on a bone; their sub-causes come through ``children``. The parent
    filter is in Python so that it also holds for a project loaded without the prefetch.
    """
    return [
        ChartCategory(
            name=category.name,
            causes=tuple(_chart_cause(cause) for cause in category.causes.all() if cause.parent_id is None),
        )
        for category in project.fishbone_categories.all()
    ]


def has_causes(categories: Iterable[ChartCategory]) -> bool:
    return any(category.causes for category in categories)


def fishbone_figure_for(project: Project, *, with_title: bool = True) -> Figure:
    """The project's fishbone diagram; its head is the effect (untitled where a page heads it)."""
    return fishbone_figure(
        effect=project.effect_text,
        categories=fishbone_categories(project),
        verified_label=_("Verified root cause"),
        title=_("Cause analysis: %(project)s") % {"project": project.title} if with_title else None,
    )


# --- p-chart ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _NumberedPoint:
    """A p-chart point numbered from 1, as people count samples (analysis indexes from 0)."""

    index: int
    proportion: float
    lcl: float
    ucl: float
    out_of_control: bool


def p_chart_figure_for(points: Iterable[analysis.PChartPoint], *, center_line: float, title: str) -> Figure:
    return p_chart_figure(
        [
            _NumberedPoint(
                index=point.index + 1,
                proportion=point.proportion,
                lcl=point.lcl,
                ucl=point.ucl,
                out_of_control=point.out_of_control,
            )
            for point in points
        ],
        center_line=center_line,
        title=title,
        proportion_label=_("Proportion defective"),
        sample_label=_("Sample"),
        ucl_label=_("UCL"),
        lcl_label=_("LCL"),
        center_label=_("CL"),
        out_of_control_label=_("Out of control"),
    )


def p_chart_figures(result: analysis.PChartResult) -> list[Figure]:
    """The trial-limits chart, and the revised-limits chart when limits were revised."""
    figures = [p_chart_figure_for(result.points, center_line=result.center_line, title=_("p-chart"))]
    if result.revised is not None:
        figures.append(
            p_chart_figure_for(
                result.revised.points,
                center_line=result.revised.center_line,
                title=_("p-chart, revised limits (flagged samples excluded)"),
            )
        )
    return figures
