"""Read-side queries for TQM: the project list, one project with everything its pages show,
derived results (ranked topics, Pareto rows, effect check), and "my work" lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from . import analysis
from .access import projects_for
from .models import (
    Cause,
    Countermeasure,
    Dataset,
    FishboneCategory,
    Measurement,
    ParetoAnalysis,
    Project,
    ProjectEvent,
    Standard,
    Topic,
)
from .steps import CLOSED_STATUSES, ActionStatus, DatasetPhase


def projects_list(user) -> QuerySet[Project]:
    """Projects the user may see with what the list shows: one query (plus the page count)."""
    return (
        projects_for(user)
        .select_related("leader", "sponsor")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("-created_at", "-id")
    )


def filter_projects(
    queryset: QuerySet[Project], *, status: str = "", step: int | None = None, mine_for=None, q: str = ""
) -> QuerySet[Project]:
    if status:
        queryset = queryset.filter(status=status)
    if step:
        queryset = queryset.filter(current_step=step)
    if mine_for is not None:
        members = Project.objects.filter(members=mine_for).values("pk")
        queryset = queryset.filter(Q(leader=mine_for) | Q(sponsor=mine_for) | Q(pk__in=members))
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(problem_statement__icontains=q))
    return queryset


def my_open_projects(user) -> QuerySet[Project]:
    """Open projects the user leads, sponsors or works on: the home page's "My projects"."""
    members = Project.objects.filter(members=user).values("pk")
    return (
        Project.objects.open()
        .filter(Q(leader=user) | Q(sponsor=user) | Q(pk__in=members))
        .order_by("-updated_at", "-id")
    )


def overdue_actions_for(user, today: date | None = None) -> QuerySet[Countermeasure]:
    """Selected countermeasures the user owns that are past due and not done (open projects)."""
    today = today or timezone.localdate()
    return (
        Countermeasure.objects.filter(owner=user, selected=True, due_date__lt=today)
        .exclude(status=ActionStatus.DONE)
        .exclude(project__status__in=CLOSED_STATUSES)
        .select_related("project")
        .order_by("due_date", "id")
    )


def project_detail(user, pk: int) -> Project:
    """One visible project with its people and every artefact prefetched (a fixed number of
    queries whatever the project holds). Raises Project.DoesNotExist when not visible."""
    causes = Cause.objects.filter(parent__isnull=True).prefetch_related(
        Prefetch("children", queryset=Cause.objects.order_by("position", "id"))
    )
    return (
        projects_for(user)
        .select_related("leader", "sponsor", "created_by", "previous_project", "data_plan")
        .prefetch_related(
            "members",
            Prefetch("topics", queryset=Topic.objects.order_by("id")),
            Prefetch(
                "datasets", queryset=Dataset.objects.prefetch_related("items").order_by("created_at", "id")
            ),
            Prefetch(
                "paretos",
                queryset=ParetoAnalysis.objects.select_related("dataset").order_by("created_at", "id"),
            ),
            Prefetch(
                "fishbone_categories",
                queryset=FishboneCategory.objects.prefetch_related(Prefetch("causes", queryset=causes)),
            ),
            Prefetch(
                "countermeasures",
                queryset=Countermeasure.objects.select_related("owner", "cause").order_by("-priority", "id"),
            ),
            Prefetch("measurements", queryset=Measurement.objects.select_related("recorded_by")),
            Prefetch(
                "standards",
                queryset=Standard.objects.select_related("supersedes").prefetch_related(
                    "trainings__trainee", "superseded_by"
                ),
            ),
            Prefetch("events", queryset=ProjectEvent.objects.select_related("actor")),
            "next_projects",
        )
        .get(pk=pk)
    )


def ranked_topics(topics) -> list[Topic]:
    """Topics by score (highest first); ties keep their entry order."""
    return sorted(topics, key=lambda topic: -topic.score)


@dataclass(frozen=True)
class ParetoView:
    pareto: ParetoAnalysis
    result: analysis.ParetoResult


def pareto_views(project: Project, other_label: str) -> list[ParetoView]:
    """Every saved Pareto of the project, computed from its dataset (prefetched)."""
    items_by_dataset = {dataset.pk: dataset.pairs() for dataset in project.datasets.all()}
    views = []
    for pareto in project.paretos.all():
        result = analysis.pareto(
            items_by_dataset[pareto.dataset_id],
            other_after_percent=pareto.other_after_percent,
            other_label=other_label,
        )
        views.append(ParetoView(pareto=pareto, result=result))
    return views


def datasets_by_phase(project: Project, phase: str) -> list[Dataset]:
    return [dataset for dataset in project.datasets.all() if dataset.phase == phase]


def before_after_datasets(project: Project) -> tuple[Dataset | None, Dataset | None]:
    """The latest "before" and "after" datasets: the default pair for the side-by-side Pareto."""
    before = datasets_by_phase(project, DatasetPhase.BEFORE)
    after = datasets_by_phase(project, DatasetPhase.AFTER)
    return (before[-1] if before else None, after[-1] if after else None)


@dataclass(frozen=True)
class EffectCheck:
    measurement: Measurement
    baseline: Decimal
    target: Decimal
    value: Decimal
    change: Decimal
    met: bool
    test: analysis.EffectTestResult | None


def effect_check(project: Project) -> EffectCheck | None:
    """The latest after-measurement against baseline and target, with the z-test when both the
    baseline and the measurement are given as successes out of n."""
    measurements = list(project.measurements.all())
    if not measurements:
        return None
    latest = measurements[-1]
    test = None
    if (
        project.baseline_sample_size
        and project.baseline_successes is not None
        and latest.sample_size
        and latest.successes is not None
    ):
        test = analysis.two_proportion_test(
            before_successes=project.baseline_successes,
            before_n=project.baseline_sample_size,
            after_successes=latest.successes,
            after_n=latest.sample_size,
        )
    return EffectCheck(
        measurement=latest,
        baseline=project.baseline,
        target=project.target,
        value=latest.value,
        change=latest.value - project.baseline,
        met=analysis.goal_met(direction=project.metric_direction, value=latest.value, target=project.target),
        test=test,
    )


def current_standards(project: Project) -> list[Standard]:
    """Standards not superseded by a later version."""
    return [s for s in project.standards.all() if not _has_successor(s)]


def _has_successor(standard: Standard) -> bool:
    try:
        standard.superseded_by  # noqa: B018 - reverse one-to-one, prefetched
    except Standard.DoesNotExist:
        return False
    return True


def overdue_count(project: Project, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return sum(
        1
        for m in project.countermeasures.all()
        if m.selected and m.due_date and m.due_date < today and m.status != ActionStatus.DONE
    )


def step_counts(user) -> dict[int, int]:
    """Open projects per current step (the list page's summary), in one aggregate query."""
    rows = projects_for(user).open().values("current_step").annotate(n=Count("id")).order_by()
    return {row["current_step"]: row["n"] for row in rows}
