"""Builders for TQM tests: projects at a given step, made through the services as a team would.

``project_at_step(4)`` is a project whose steps 1–3 each hold the minimum their gate asks for
(``STEP_FILLERS``) and were advanced by the leader, so its history, artefacts and gates are the
real ones. ``fill_step(project, step)`` adds the minimum artefacts of one step, so a test can open
a gate on purpose. ``project_rows(n)`` writes rows directly, for list and query-count tests.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.accounts.roles import Role
from apps.tqm import access, services
from apps.tqm.models import FishboneCategory, Project
from apps.tqm.steps import Status, Step
from tests.factories import UserFactory

# The counts the step-2 dataset holds: a Pareto of 60 / 30 / 10 %.
BEFORE_COUNTS = [("Long queue", 120), ("IVR maze", 60), ("Dropped calls", 20)]
ROOT_CAUSE = "Too few agents at 9:00"


def improvement_member(**fields):
    return UserFactory(roles=[Role.IMPROVEMENT_MEMBER], **fields)


def new_project(*, leader=None, members=None, sponsor=None, by=None, **fields) -> Project:
    """A project at step 1 through ``project_create`` (the leader creates it when allowed to)."""
    leader = leader or improvement_member()
    sponsor = sponsor or UserFactory(roles=[Role.DUTY_MANAGER])
    members = [improvement_member()] if members is None else list(members)
    if by is None:
        by = leader if access.may_create(leader) else improvement_member()
    values = {
        "title": "Raise satisfaction with call connection",
        "problem_statement": "Only 70% of callers are satisfied with how fast they get through.",
        "metric_name": "Connection satisfaction",
        "metric_unit": "%",
        "metric_direction": "up",
        "baseline": Decimal("70.00"),
        "target": Decimal("90.00"),
        "baseline_successes": 350,
        "baseline_sample_size": 500,
        "start_date": date(2026, 1, 5),
        **fields,
    }
    return services.project_create(by=by, leader=leader, sponsor=sponsor, members=members, **values)


def _fill_topic(project: Project, by) -> None:
    topic = services.topic_add(
        project=project, by=by, title="Slow connection", urgency=5, controllability=4, time_bound=4
    )
    services.topic_choose(topic=topic, by=by, rationale="Most complaints are about it.")


def _fill_data(project: Project, by) -> None:
    services.data_plan_save(
        project=project,
        by=by,
        source="Post-call survey",
        sampling_method="Every survey answer",
        sample_size=500,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
    )
    services.dataset_create(project=project, by=by, name="Reasons before", items=BEFORE_COUNTS)


def _fill_causes(project: Project, by) -> None:
    dataset = project.datasets.order_by("id").first()
    services.pareto_save(project=project, by=by, dataset=dataset)
    people = FishboneCategory.objects.filter(project=project).order_by("position", "id").first()
    services.cause_add(
        category=people, by=by, text=ROOT_CAUSE, is_root_cause=True, evidence="Staffing vs arrivals, January"
    )


def _fill_countermeasures(project: Project, by) -> None:
    measure = services.countermeasure_add(
        project=project,
        by=by,
        title="Shift two agents to 8:30",
        controllability=5,
        expected_effect=4,
        cost=2,
        team_decides_alone=True,
    )
    services.countermeasure_select(
        measure=measure, by=by, owner=project.leader, due_date=timezone.localdate() + timedelta(days=30)
    )


def _fill_effect(project: Project, by) -> None:
    services.measurement_record(
        project=project,
        by=by,
        value=Decimal("92.00"),
        successes=460,
        sample_size=500,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 4, 30),
    )


def _fill_standardize(project: Project, by) -> None:
    standard = services.standard_create(
        project=project,
        by=by,
        title="Morning staffing",
        body="Two agents start at 8:30.",
        effective_date=date(2026, 5, 1),
    )
    services.training_record_add(
        standard=standard, by=by, trainee=project.leader, trained_on=timezone.localdate() - timedelta(days=1)
    )


def _fill_reflect(project: Project, by) -> None:
    services.reflection_save(project=project, by=by, lessons_learned="Measure first.", next_topic="IVR maze")


# The minimum each step's gate asks for, added through the services.
STEP_FILLERS = {
    Step.SELECT_TOPIC: _fill_topic,
    Step.COLLECT_DATA: _fill_data,
    Step.CAUSES: _fill_causes,
    Step.COUNTERMEASURES: _fill_countermeasures,
    Step.EFFECT: _fill_effect,
    Step.STANDARDIZE: _fill_standardize,
    Step.REFLECT: _fill_reflect,
}


def fill_step(project: Project, step: int, by=None) -> None:
    """Add the minimum artefacts of ``step`` (by the leader unless ``by`` is given)."""
    STEP_FILLERS[step](project, by or project.leader)


def project_at_step(
    step: int, *, leader=None, members=None, sponsor=None, filled: bool = False, **fields
) -> Project:
    """A project at ``step`` whose earlier gates were passed (artefacts added, leader advanced).

    ``filled=True`` also adds the current step's artefacts, so its gate is open too.
    """
    project = new_project(leader=leader, members=members, sponsor=sponsor, **fields)
    for passed in range(Step.SELECT_TOPIC, step):
        fill_step(project, passed)
        project = services.project_advance(project=project, by=project.leader)
    if filled:
        fill_step(project, step)
    return Project.objects.get(pk=project.pk)


def completed_project(**kwargs) -> Project:
    """A project that went through all seven steps and was completed by its leader."""
    project = project_at_step(Step.REFLECT, filled=True, **kwargs)
    services.project_advance(project=project, by=project.leader)
    project.refresh_from_db()
    assert project.status == Status.COMPLETED
    return project


def cancelled_project(**kwargs) -> Project:
    project = project_at_step(Step.COUNTERMEASURES, filled=True, **kwargs)
    services.project_set_status(project=project, by=project.leader, status=Status.CANCELLED, note="Merged.")
    project.refresh_from_db()
    return project


def project_rows(count: int, *, leader, sponsor, members=(), **fields) -> list[Project]:
    """``count`` project rows written directly (no artefacts, no history): for lists and query counts."""
    projects = Project.objects.bulk_create(
        Project(
            title=f"Project {n:03d}",
            problem_statement="Too many repeat calls.",
            metric_name="Repeat calls",
            metric_direction="down",
            baseline=Decimal("20.00"),
            target=Decimal("10.00"),
            leader=leader,
            sponsor=sponsor,
            created_by=leader,
            start_date=date(2026, 1, 5),
            **fields,
        )
        for n in range(count)
    )
    for project in projects:
        project.members.set(members)
    return projects
