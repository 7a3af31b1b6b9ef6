"""Step gates, step back and status changes (apps/tqm/services.py + gates.py): every step's gate
refuses with the exact list of what is missing and writes nothing; passing it writes one event."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from apps.tqm import gates, services
from apps.tqm.models import Cause, FishboneCategory, Project, ProjectEvent
from apps.tqm.steps import EventKind, Status, Step
from qa_center.errors import Conflict, PermissionDenied, ValidationFailed
from tests.factories import UserFactory
from tests.tqm.factories import fill_step, project_at_step

pytestmark = pytest.mark.django_db

TOPIC = "Choose one of the candidate topics (with the reason for choosing it)."
PLAN = "Write the data plan (source, sampling method, sample size, period)."
DATASET = "Add a dataset of counts by cause category."
PARETO = "Save a Pareto analysis of a dataset."
CAUSES = "Add causes to the fishbone diagram."
ROOT = "Mark at least one fishbone cause as a verified root cause."
ACTION = "Select at least one countermeasure, with an owner and a due date."
MEASUREMENT = "Record the after-measurement of the metric."
STANDARD = "Record at least one standard or training record."
LESSONS = "Write the lessons learned."

MISSING_AT = {
    1: [TOPIC],
    2: [PLAN, DATASET],
    3: [PARETO, CAUSES, ROOT],
    4: [ACTION],
    5: [MEASUREMENT],
    6: [STANDARD],
    7: [LESSONS],
}


def history(project: Project) -> list[tuple]:
    return list(
        ProjectEvent.objects.filter(project=project).values_list(
            "kind", "from_step", "to_step", "actor_id", "note"
        )
    )


def assert_refused_with(project: Project, missing: list[str]) -> None:
    """Advancing is refused with exactly ``missing``, and nothing about the project changes."""
    before = history(project)
    step = project.current_step
    with pytest.raises(ValidationFailed, match=rf"^Step {step} is not finished yet\.$") as info:
        services.project_advance(project=project, by=project.leader)
    assert info.value.fields == {"step": missing}
    project.refresh_from_db()
    assert project.current_step == step
    assert project.status == Status.ACTIVE
    assert history(project) == before


@pytest.mark.parametrize("step", range(1, 8))
def test_gate_refuses_while_the_current_step_lacks_its_artefacts(step):
    project = project_at_step(step)
    assert gates.missing_for(project) == MISSING_AT[step]
    assert_refused_with(project, MISSING_AT[step])


@pytest.mark.parametrize("step", range(1, 7))
def test_gate_with_its_artefacts_advances_and_writes_one_event(step):
    project = project_at_step(step)
    fill_step(project, step)
    before = ProjectEvent.objects.filter(project=project).count()

    moved = services.project_advance(project=project, by=project.leader, expected_step=step)

    assert moved.current_step == step + 1
    project.refresh_from_db()
    assert project.current_step == step + 1
    assert project.status == Status.ACTIVE
    events = list(ProjectEvent.objects.filter(project=project).order_by("id"))
    assert len(events) == before + 1
    last = events[-1]
    assert (last.kind, last.from_step, last.to_step, last.actor_id, last.note) == (
        EventKind.ADVANCED,
        step,
        step + 1,
        project.leader_id,
        "",
    )


def test_step_7_with_lessons_completes_the_project_today():
    project = project_at_step(Step.REFLECT, filled=True)
    before = ProjectEvent.objects.filter(project=project).count()

    services.project_advance(project=project, by=project.leader, expected_step=7)

    project.refresh_from_db()
    assert project.status == Status.COMPLETED
    assert project.completed_on == timezone.localdate()
    assert project.current_step == Step.REFLECT
    assert ProjectEvent.objects.filter(project=project).count() == before + 1
    assert history(project)[-1] == (EventKind.COMPLETED, 7, None, project.leader_id, "")


def test_completed_project_cannot_advance_again():
    project = project_at_step(Step.REFLECT, filled=True)
    services.project_advance(project=project, by=project.leader)
    before = history(project)
    with pytest.raises(ValidationFailed, match=r"^This project is completed; it can no longer be changed\.$"):
        services.project_advance(project=project, by=project.leader)
    assert history(project) == before


def test_whitespace_lessons_do_not_open_step_7():
    project = project_at_step(Step.REFLECT)
    Project.objects.filter(pk=project.pk).update(lessons_learned="   ")
    project.refresh_from_db()
    assert_refused_with(project, [LESSONS])


# --- Each missing artefact is listed separately -------------------------------------------


def test_step_2_with_a_plan_but_no_dataset_lists_only_the_dataset():
    project = project_at_step(Step.COLLECT_DATA)
    services.data_plan_save(
        project=project,
        by=project.leader,
        source="Survey",
        sampling_method="All",
        sample_size=10,
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
    )
    assert_refused_with(project, [DATASET])


def test_step_2_with_a_dataset_but_no_plan_lists_only_the_plan():
    project = project_at_step(Step.COLLECT_DATA)
    services.dataset_create(project=project, by=project.leader, name="Reasons", items=[("A", 1)])
    assert_refused_with(project, [PLAN])


def test_step_3_with_only_a_pareto_lists_the_causes_and_the_root_cause():
    project = project_at_step(Step.CAUSES)
    services.pareto_save(project=project, by=project.leader, dataset=project.datasets.get())
    assert_refused_with(project, [CAUSES, ROOT])


def test_step_3_with_an_unverified_cause_and_no_pareto_lists_both():
    project = project_at_step(Step.CAUSES)
    category = FishboneCategory.objects.filter(project=project).first()
    services.cause_add(category=category, by=project.leader, text="Few agents at 9:00")
    assert_refused_with(project, [PARETO, ROOT])


def test_step_3_with_a_verified_root_cause_but_no_pareto_lists_the_pareto():
    project = project_at_step(Step.CAUSES)
    category = FishboneCategory.objects.filter(project=project).first()
    services.cause_add(
        category=category, by=project.leader, text="Few agents", is_root_cause=True, evidence="Logs"
    )
    assert_refused_with(project, [PARETO])


def test_step_3_root_cause_may_be_a_sub_cause():
    project = project_at_step(Step.CAUSES)
    services.pareto_save(project=project, by=project.leader, dataset=project.datasets.get())
    category = FishboneCategory.objects.filter(project=project).first()
    parent = services.cause_add(category=category, by=project.leader, text="Staffing")
    services.cause_add(
        category=category,
        by=project.leader,
        text="Late shift start",
        parent=parent,
        is_root_cause=True,
        evidence="Rota",
    )
    assert gates.missing_for(project) == []


def test_step_4_candidate_actions_that_are_not_selected_do_not_open_the_gate():
    project = project_at_step(Step.COUNTERMEASURES)
    services.countermeasure_add(
        project=project, by=project.leader, title="Callback", controllability=3, expected_effect=3, cost=3
    )
    assert_refused_with(project, [ACTION])


def test_step_6_a_standard_without_training_opens_the_gate():
    project = project_at_step(Step.STANDARDIZE)
    services.standard_create(
        project=project,
        by=project.leader,
        title="Rota",
        body="Start at 8:30.",
        effective_date=timezone.localdate(),
    )
    assert gates.missing_for(project) == []


def test_missing_for_an_explicit_step_ignores_the_current_one():
    project = project_at_step(Step.COUNTERMEASURES)
    assert gates.missing_for(project, Step.CAUSES) == []
    assert gates.missing_for(project, Step.EFFECT) == [MEASUREMENT]


# --- Who advances, stale clients, on hold -------------------------------------------------


@pytest.mark.parametrize("who", ["member", "sponsor", "stranger"])
def test_only_the_leader_advances(who):
    project = project_at_step(Step.SELECT_TOPIC, filled=True)
    user = {
        "member": project.members.first(),
        "sponsor": project.sponsor,
        "stranger": UserFactory(),
    }[who]
    before = history(project)
    with pytest.raises(PermissionDenied, match=r"^Only the project's leader can do this\.$"):
        services.project_advance(project=project, by=user)
    project.refresh_from_db()
    assert project.current_step == 1
    assert history(project) == before


def test_stale_expected_step_is_a_conflict():
    project = project_at_step(Step.COLLECT_DATA, filled=True)
    before = history(project)
    with pytest.raises(
        Conflict, match=r"^The project has moved on: it is at step 2, not 1\. Reload and try again\.$"
    ):
        services.project_advance(project=project, by=project.leader, expected_step=1)
    project.refresh_from_db()
    assert project.current_step == 2
    assert history(project) == before


def test_a_project_on_hold_cannot_advance():
    project = project_at_step(Step.SELECT_TOPIC, filled=True)
    services.project_set_status(
        project=project, by=project.sponsor, status=Status.ON_HOLD, note="Budget freeze"
    )
    before = history(project)
    with pytest.raises(Conflict, match=r"^The project is on hold; resume it before advancing\.$"):
        services.project_advance(project=project, by=project.leader)
    project.refresh_from_db()
    assert project.current_step == 1
    assert history(project) == before


def test_advance_uses_the_database_row_not_a_stale_object():
    project = project_at_step(Step.SELECT_TOPIC, filled=True)
    stale = Project.objects.get(pk=project.pk)
    fill_step(services.project_advance(project=project, by=project.leader), Step.COLLECT_DATA)
    # The stale copy still says step 1; the service reads the locked row (step 2) and moves to 3.
    moved = services.project_advance(project=stale, by=project.leader)
    assert moved.current_step == 3


# --- Step back ----------------------------------------------------------------------------


def test_leader_steps_back_one_step_with_the_reason_recorded():
    project = project_at_step(Step.CAUSES)
    before = ProjectEvent.objects.filter(project=project).count()

    services.project_step_back(
        project=project, by=project.leader, reason="  The data did not confirm the cause.  ", expected_step=3
    )

    project.refresh_from_db()
    assert project.current_step == 2
    assert ProjectEvent.objects.filter(project=project).count() == before + 1
    assert history(project)[-1] == (
        EventKind.STEPPED_BACK,
        3,
        2,
        project.leader_id,
        "The data did not confirm the cause.",
    )


def test_stepping_back_keeps_the_later_steps_artefacts():
    project = project_at_step(Step.COUNTERMEASURES)
    services.project_step_back(project=project, by=project.leader, reason="Recheck causes")
    assert Cause.objects.filter(category__project=project, is_root_cause=True).count() == 1
    assert project.paretos.count() == 1


@pytest.mark.parametrize("who", ["member", "sponsor"])
def test_only_the_leader_steps_back(who):
    project = project_at_step(Step.CAUSES)
    user = project.members.first() if who == "member" else project.sponsor
    before = history(project)
    with pytest.raises(PermissionDenied, match=r"^Only the project's leader can do this\.$"):
        services.project_step_back(project=project, by=user, reason="Why not")
    project.refresh_from_db()
    assert project.current_step == 3
    assert history(project) == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_stepping_back_needs_a_reason(reason):
    project = project_at_step(Step.CAUSES)
    before = history(project)
    with pytest.raises(ValidationFailed, match=r"^Say why the project goes back a step\.$") as info:
        services.project_step_back(project=project, by=project.leader, reason=reason)
    assert info.value.fields == {"reason": ["Say why the project goes back a step."]}
    project.refresh_from_db()
    assert project.current_step == 3
    assert history(project) == before


def test_step_1_has_no_step_to_go_back_to():
    project = project_at_step(Step.SELECT_TOPIC)
    before = history(project)
    with pytest.raises(
        ValidationFailed, match=r"^The project is at the first step; there is no step to go back to\.$"
    ):
        services.project_step_back(project=project, by=project.leader, reason="Oops")
    project.refresh_from_db()
    assert project.current_step == 1
    assert history(project) == before


def test_step_back_with_stale_expected_step_is_a_conflict():
    project = project_at_step(Step.CAUSES)
    with pytest.raises(Conflict, match=r"^The project has moved on: it is at step 3, not 4\."):
        services.project_step_back(project=project, by=project.leader, reason="x", expected_step=4)
    project.refresh_from_db()
    assert project.current_step == 3


def test_a_completed_project_cannot_step_back():
    project = project_at_step(Step.REFLECT, filled=True)
    services.project_advance(project=project, by=project.leader)
    with pytest.raises(ValidationFailed, match=r"^This project is completed; it can no longer be changed\.$"):
        services.project_step_back(project=project, by=project.leader, reason="Reopen")
    project.refresh_from_db()
    assert project.status == Status.COMPLETED


# --- Status: hold, resume, cancel ---------------------------------------------------------


@pytest.mark.parametrize("who", ["leader", "sponsor"])
def test_leader_or_sponsor_puts_on_hold_and_resumes_with_a_note(who):
    project = project_at_step(Step.COLLECT_DATA)
    user = project.leader if who == "leader" else project.sponsor

    services.project_set_status(project=project, by=user, status=Status.ON_HOLD, note=" Budget freeze ")
    project.refresh_from_db()
    assert project.status == Status.ON_HOLD
    assert history(project)[-1] == (EventKind.PUT_ON_HOLD, 2, 2, user.pk, "Budget freeze")

    services.project_set_status(project=project, by=user, status=Status.ACTIVE, note="Budget approved")
    project.refresh_from_db()
    assert project.status == Status.ACTIVE
    assert history(project)[-1] == (EventKind.RESUMED, 2, 2, user.pk, "Budget approved")
    assert project.current_step == 2


@pytest.mark.parametrize("start", [Status.ACTIVE, Status.ON_HOLD])
def test_sponsor_cancels_an_active_or_held_project(start):
    project = project_at_step(Step.COLLECT_DATA)
    if start == Status.ON_HOLD:
        services.project_set_status(project=project, by=project.leader, status=Status.ON_HOLD, note="Wait")
    services.project_set_status(project=project, by=project.sponsor, status=Status.CANCELLED, note="Merged")
    project.refresh_from_db()
    assert project.status == Status.CANCELLED
    assert project.completed_on is None
    assert history(project)[-1] == (EventKind.CANCELLED, 2, 2, project.sponsor_id, "Merged")


@pytest.mark.parametrize("who", ["member", "stranger"])
def test_members_and_others_cannot_change_the_status(who):
    project = project_at_step(Step.COLLECT_DATA)
    user = project.members.first() if who == "member" else UserFactory()
    before = history(project)
    with pytest.raises(
        PermissionDenied, match=r"^Only the project's leader or sponsor can change its status\.$"
    ):
        services.project_set_status(project=project, by=user, status=Status.ON_HOLD, note="Wait")
    project.refresh_from_db()
    assert project.status == Status.ACTIVE
    assert history(project) == before


@pytest.mark.parametrize("note", ["", "  "])
def test_a_status_change_needs_a_note(note):
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed, match=r"^Add a note saying why\.$") as info:
        services.project_set_status(project=project, by=project.leader, status=Status.ON_HOLD, note=note)
    assert info.value.fields == {"note": ["Add a note saying why."]}
    project.refresh_from_db()
    assert project.status == Status.ACTIVE


@pytest.mark.parametrize("status", [Status.COMPLETED, "archived"])
def test_completed_and_unknown_statuses_cannot_be_set(status):
    project = project_at_step(Step.REFLECT, filled=True)
    before = history(project)
    with pytest.raises(ValidationFailed, match=r"^A project is completed by finishing step 7\.$"):
        services.project_set_status(project=project, by=project.leader, status=status, note="Done")
    project.refresh_from_db()
    assert project.status == Status.ACTIVE
    assert history(project) == before


@pytest.mark.parametrize(
    ("start", "target", "shown"),
    [
        (Status.ACTIVE, Status.ACTIVE, "active"),
        (Status.ON_HOLD, Status.ON_HOLD, "on hold"),
        (Status.CANCELLED, Status.ACTIVE, "cancelled"),
        (Status.CANCELLED, Status.CANCELLED, "cancelled"),
        (Status.COMPLETED, Status.CANCELLED, "completed"),
        (Status.COMPLETED, Status.ON_HOLD, "completed"),
    ],
)
def test_status_changes_not_allowed_from_the_current_status_are_conflicts(start, target, shown):
    project = project_at_step(Step.REFLECT, filled=True)
    if start == Status.ON_HOLD:
        services.project_set_status(project=project, by=project.leader, status=Status.ON_HOLD, note="x")
    elif start == Status.CANCELLED:
        services.project_set_status(project=project, by=project.leader, status=Status.CANCELLED, note="x")
    elif start == Status.COMPLETED:
        services.project_advance(project=project, by=project.leader)
    before = history(project)
    with pytest.raises(
        Conflict, match=rf"^A project that is {re.escape(shown)} cannot be changed this way\.$"
    ):
        services.project_set_status(project=project, by=project.sponsor, status=target, note="Try")
    project.refresh_from_db()
    assert project.status == start
    assert history(project) == before
