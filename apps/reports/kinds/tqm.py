"""TQM project charts: the latest Pareto analysis, the fishbone diagram and the before/after Pareto.

They are redrawn when the project's data changes (tqm.signals.project_changed → receivers.py), so
their period is "current": one snapshot per project and kind, replaced on every change.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.reports.charts.comparison import before_after_pareto_figure
from apps.reports.charts.fishbone import FishboneCategory, FishboneCause, fishbone_figure
from apps.tqm import analysis
from apps.tqm.models import Cause, Dataset, DatasetPhase, Project
from apps.tqm.models import FishboneCategory as CategoryModel

from .. import periods
from ..scopes import PROJECT, Scope
from .base import ON_CHANGE, TQM, ChartKind, NothingToDraw, Table
from .common import draw_pareto, pareto_data, pareto_rows, pareto_table


def _project(scope: Scope) -> Project:
    """The project with the artefacts these charts draw, in a fixed number of queries."""
    causes = Cause.objects.filter(parent__isnull=True).prefetch_related(
        Prefetch("children", queryset=Cause.objects.order_by("position", "id"))
    )
    try:
        return Project.objects.prefetch_related(
            Prefetch(
                "datasets", queryset=Dataset.objects.prefetch_related("items").order_by("created_at", "id")
            ),
            "paretos",
            Prefetch(
                "fishbone_categories",
                queryset=CategoryModel.objects.prefetch_related(Prefetch("causes", queryset=causes)),
            ),
        ).get(pk=scope.id)
    except Project.DoesNotExist:
        raise NothingToDraw(f"{scope.key} does not exist") from None


def _scopes_of(queryset) -> list[Scope]:
    return [Scope(PROJECT, pk) for pk in queryset.order_by("pk").values_list("pk", flat=True).distinct()]


# --- The latest Pareto analysis ----------------------------------------------------------------------


def _collect_pareto(scope: Scope, period: periods.Period) -> dict:
    project = _project(scope)
    paretos = list(project.paretos.all())
    if not paretos:
        raise NothingToDraw("the project has no Pareto analysis")
    latest = paretos[-1]
    dataset = next(dataset for dataset in project.datasets.all() if dataset.pk == latest.dataset_id)
    other_after = float(latest.other_after_percent) if latest.other_after_percent is not None else None
    return {
        "project": project.title,
        "dataset": dataset.name,
        **pareto_data(dataset.pairs(), other_after_percent=other_after),
    }


def _draw_pareto(data: dict):
    return draw_pareto(data, title=_("Pareto analysis: %(dataset)s") % {"dataset": data["dataset"]})


def _table_pareto(data: dict) -> Table:
    return pareto_table(data, label_header=_("Category"))


TQM_PARETO = ChartKind(
    name="tqm_pareto",
    label=gettext_lazy("Project Pareto analysis"),
    description=gettext_lazy("The project's latest saved Pareto analysis, with its vital few."),
    family=TQM,
    schedule=ON_CHANGE,
    scope_types=(PROJECT,),
    period_unit=periods.CURRENT,
    window=1,
    scopes=lambda: _scopes_of(Project.objects.filter(paretos__isnull=False)),
    collect=_collect_pareto,
    draw=_draw_pareto,
    table=_table_pareto,
)


# --- Fishbone ----------------------------------------------------------------------------------------


def _cause_data(cause: Cause) -> dict:
    return {
        "text": cause.text,
        "verified": cause.is_root_cause,
        "children": [{"text": child.text, "verified": child.is_root_cause} for child in cause.children.all()],
    }


def _collect_fishbone(scope: Scope, period: periods.Period) -> dict:
    project = _project(scope)
    categories = [
        {
            "name": category.name,
            "causes": [_cause_data(cause) for cause in category.causes.all() if cause.parent_id is None],
        }
        for category in project.fishbone_categories.all()
    ]
    if not any(category["causes"] for category in categories):
        raise NothingToDraw("the project's fishbone has no causes")
    return {"project": project.title, "effect": project.effect_text, "categories": categories}


def _chart_cause(cause: dict) -> FishboneCause:
    return FishboneCause(
        text=cause["text"],
        verified=cause["verified"],
        children=tuple(_chart_cause({**child, "children": []}) for child in cause.get("children", [])),
    )


def _draw_fishbone(data: dict):
    return fishbone_figure(
        effect=data["effect"],
        categories=[
            FishboneCategory(name=category["name"], causes=tuple(_chart_cause(c) for c in category["causes"]))
            for category in data["categories"]
        ],
        verified_label=_("Verified root cause"),
        title=_("Cause analysis: %(project)s") % {"project": data["project"]},
    )


def _table_fishbone(data: dict) -> Table:
    header = [_("Category"), _("Cause"), _("Sub-cause"), _("Verified root cause")]
    rows: list[list[object]] = []
    for category in data["categories"]:
        for cause in category["causes"]:
            rows.append([category["name"], cause["text"], "", _("yes") if cause["verified"] else ""])
            for child in cause["children"]:
                rows.append(
                    [category["name"], cause["text"], child["text"], _("yes") if child["verified"] else ""]
                )
    return header, rows


TQM_FISHBONE = ChartKind(
    name="tqm_fishbone",
    label=gettext_lazy("Project fishbone diagram"),
    description=gettext_lazy("Causes of the project's effect by category; verified root causes marked."),
    family=TQM,
    schedule=ON_CHANGE,
    scope_types=(PROJECT,),
    period_unit=periods.CURRENT,
    window=1,
    scopes=lambda: _scopes_of(Project.objects.filter(fishbone_categories__causes__isnull=False)),
    collect=_collect_fishbone,
    draw=_draw_fishbone,
    table=_table_fishbone,
)


# --- Before and after ----------------------------------------------------------------------------------


def _latest(project: Project, phase: str) -> Dataset | None:
    found = [dataset for dataset in project.datasets.all() if dataset.phase == phase]
    return found[-1] if found else None


def _collect_before_after(scope: Scope, period: periods.Period) -> dict:
    project = _project(scope)
    before, after = _latest(project, DatasetPhase.BEFORE), _latest(project, DatasetPhase.AFTER)
    if before is None or after is None:
        raise NothingToDraw("the project has no before and after datasets")
    try:
        return {
            "project": project.title,
            "before": {"dataset": before.name, **pareto_data(before.pairs())},
            "after": {"dataset": after.name, **pareto_data(after.pairs())},
        }
    except analysis.AnalysisError as problem:
        raise NothingToDraw(str(problem)) from None


def _draw_before_after(data: dict):
    before, after = data["before"], data["after"]
    return before_after_pareto_figure(
        pareto_rows(before),
        pareto_rows(after),
        title=_("Before and after the countermeasures"),
        before_title=_("Before: %(dataset)s (total %(total)s)")
        % {"dataset": before["dataset"], "total": before["total"]},
        after_title=_("After: %(dataset)s (total %(total)s)")
        % {"dataset": after["dataset"], "total": after["total"]},
        count_label=_("Count"),
        cumulative_label=_("Cumulative %"),
    )


def _table_before_after(data: dict) -> Table:
    header, _rows = pareto_table(data["before"], label_header=_("Category"))
    rows = []
    for phase, label in (("before", _("Before")), ("after", _("After"))):
        rows.extend([label, *row] for row in pareto_table(data[phase], label_header="")[1])
    return [_("Phase"), *header], rows


TQM_BEFORE_AFTER = ChartKind(
    name="tqm_before_after",
    label=gettext_lazy("Project before and after"),
    description=gettext_lazy("Pareto of the latest data before and after the countermeasures, on one scale."),
    family=TQM,
    schedule=ON_CHANGE,
    scope_types=(PROJECT,),
    period_unit=periods.CURRENT,
    window=1,
    scopes=lambda: _scopes_of(
        Project.objects.filter(datasets__phase=DatasetPhase.BEFORE).filter(datasets__phase=DatasetPhase.AFTER)
    ),
    collect=_collect_before_after,
    draw=_draw_before_after,
    table=_table_before_after,
)

KINDS = [TQM_PARETO, TQM_FISHBONE, TQM_BEFORE_AFTER]
