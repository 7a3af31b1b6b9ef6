"""What each step must produce before the project may advance (DESIGN.md §6).

``missing_for(project)`` lists, in words a user can act on, every artefact the current step still
lacks; an empty list means the gate is open. The service refuses to advance otherwise, and the
project page shows the same list — one definition for both.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from .models import Cause, DataPlan, Project, Standard, TrainingRecord
from .steps import Step


def _select_topic(project: Project) -> list[str]:
    if not project.topics.filter(is_chosen=True).exists():
        return [_("Choose one of the candidate topics (with the reason for choosing it).")]
    return []


def _collect_data(project: Project) -> list[str]:
    missing = []
    if not DataPlan.objects.filter(project=project).exists():
        missing.append(_("Write the data plan (source, sampling method, sample size, period)."))
    if not project.datasets.exists():
        missing.append(_("Add a dataset of counts by cause category."))
    return missing


def _causes(project: Project) -> list[str]:
    missing = []
    if not project.paretos.exists():
        missing.append(_("Save a Pareto analysis of a dataset."))
    causes = Cause.objects.filter(category__project=project)
    if not causes.exists():
        missing.append(_("Add causes to the fishbone diagram."))
    if not causes.filter(is_root_cause=True).exists():
        missing.append(_("Mark at least one fishbone cause as a verified root cause."))
    return missing


def _countermeasures(project: Project) -> list[str]:
    if not project.countermeasures.filter(
        selected=True, owner__isnull=False, due_date__isnull=False
    ).exists():
        return [_("Select at least one countermeasure, with an owner and a due date.")]
    return []


def _effect(project: Project) -> list[str]:
    if not project.measurements.exists():
        return [_("Record the after-measurement of the metric.")]
    return []


def _standardize(project: Project) -> list[str]:
    has_standard = Standard.objects.filter(project=project).exists()
    has_training = TrainingRecord.objects.filter(standard__project=project).exists()
    if not (has_standard or has_training):
        return [_("Record at least one standard or training record.")]
    return []


def _reflect(project: Project) -> list[str]:
    if not project.lessons_learned.strip():
        return [_("Write the lessons learned.")]
    return []


GATES: dict[int, Callable[[Project], list[str]]] = {
    Step.SELECT_TOPIC: _select_topic,
    Step.COLLECT_DATA: _collect_data,
    Step.CAUSES: _causes,
    Step.COUNTERMEASURES: _countermeasures,
    Step.EFFECT: _effect,
    Step.STANDARDIZE: _standardize,
    Step.REFLECT: _reflect,
}


def missing_for(project: Project, step: int | None = None) -> list[str]:
    """What ``step`` (default: the current one) still lacks; empty when its gate is open."""
    return GATES[step or project.current_step](project)
