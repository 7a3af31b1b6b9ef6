"""apps/tqm/services.py: every artefact rule and every refused input, with nothing written on refusal.

Gates, step back and status changes are in test_gates.py; the count-source pulls in test_sources.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.roles import Role
from apps.tqm import services
from apps.tqm.models import (
    Cause,
    Countermeasure,
    DataPlan,
    Dataset,
    DatasetItem,
    FishboneCategory,
    Measurement,
    ParetoAnalysis,
    Project,
    ProjectEvent,
    Standard,
    Topic,
    TrainingRecord,
)
from apps.tqm.steps import ActionStatus, DatasetPhase, DatasetSource, EventKind, Status, Step
from qa_center.errors import PermissionDenied, ValidationFailed
from tests.factories import UserFactory
from tests.tqm.factories import (
    BEFORE_COUNTS,
    cancelled_project,
    completed_project,
    improvement_member,
    new_project,
    project_at_step,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def row_counts() -> dict[str, int]:
    """How many rows each artefact table holds: a refused write must leave every one alone."""
    models = [
        Topic,
        DataPlan,
        Dataset,
        DatasetItem,
        ParetoAnalysis,
        FishboneCategory,
        Cause,
        Countermeasure,
        Measurement,
        Standard,
        TrainingRecord,
        ProjectEvent,
    ]
    return {model.__name__: model.objects.count() for model in models}


def first_bone(project: Project) -> FishboneCategory:
    return FishboneCategory.objects.filter(project=project).order_by("position", "id").first()


# --- Projects: create and update ----------------------------------------------------------


def test_create_opens_step_1_with_the_6m_bones_and_a_created_event():
    leader, member, sponsor = (
        improvement_member(),
        improvement_member(),
        UserFactory(roles=[Role.DUTY_MANAGER]),
    )
    project = new_project(
        leader=leader, members=[member, leader, sponsor], sponsor=sponsor, title="  Faster  "
    )

    assert (project.title, project.status, project.current_step) == ("Faster", Status.ACTIVE, 1)
    # The leader and the sponsor have their own roles: they are not listed as members too.
    assert list(project.members.all()) == [member]
    assert list(FishboneCategory.objects.filter(project=project).values_list("name", "position")) == [
        ("People", 0),
        ("Method", 1),
        ("Machine", 2),
        ("Material", 3),
        ("Measurement", 4),
        ("Environment", 5),
    ]
    assert list(
        ProjectEvent.objects.filter(project=project).values_list("kind", "from_step", "to_step", "actor")
    ) == [(EventKind.CREATED, None, 1, leader.pk)]


@pytest.mark.parametrize(
    "role", [Role.AGENT, Role.QA_EVALUATOR, Role.EXPERT, Role.DUTY_MANAGER, Role.DEPARTMENT_STAFF, None]
)
def test_roles_without_create_permission_cannot_start_a_project(role):
    user = UserFactory(roles=[role] if role else [])
    with pytest.raises(
        PermissionDenied, match=r"^Your role does not allow you to start improvement projects\.$"
    ):
        new_project(by=user)
    assert Project.objects.count() == 0


@pytest.mark.parametrize("role", [Role.IMPROVEMENT_MEMBER, Role.QA_MANAGER, Role.ADMIN])
def test_creator_roles_start_projects(role):
    creator = UserFactory(roles=[role])
    project = new_project(by=creator)
    assert project.created_by == creator


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"same_person": True}, {"sponsor": ["The sponsor and the leader must be different people."]}),
        (
            {"metric_direction": "up", "baseline": Decimal("70"), "target": Decimal("70")},
            {"target": ["Higher is better for this metric, so the target must be above the baseline."]},
        ),
        (
            {"metric_direction": "down", "baseline": Decimal("20"), "target": Decimal("25")},
            {"target": ["Lower is better for this metric, so the target must be below the baseline."]},
        ),
        (
            {"metric_direction": "sideways"},
            {"metric_direction": ["Choose whether higher or lower is better."]},
        ),
        (
            {"baseline_successes": 501, "baseline_sample_size": 500},
            {"baseline_successes": ["Successes cannot exceed the sample size."]},
        ),
        (
            {"baseline_successes": 0, "baseline_sample_size": 0},
            {"baseline_sample_size": ["The sample size must be at least 1."]},
        ),
        (
            {"baseline_successes": 350, "baseline_sample_size": None},
            {"baseline_sample_size": ["Give both the baseline successes and its sample size, or neither."]},
        ),
        (
            {"start_date": date(2026, 3, 1), "target_date": date(2026, 2, 28)},
            {"target_date": ["The target date cannot be before the start date."]},
        ),
    ],
)
def test_create_refuses_inconsistent_details(fields, errors):
    fields = dict(fields)
    leader = improvement_member()
    if fields.pop("same_person", False):
        fields["sponsor"] = leader
    with pytest.raises(ValidationFailed, match=r"^Please correct the project's details\.$") as info:
        new_project(leader=leader, **fields)
    assert info.value.fields == errors
    assert Project.objects.count() == 0
    assert ProjectEvent.objects.count() == 0


def test_create_refuses_an_inactive_sponsor():
    sponsor = UserFactory(is_active=False)
    with pytest.raises(ValidationFailed) as info:
        new_project(sponsor=sponsor)
    assert info.value.fields == {"sponsor": ["This account is inactive."]}


def test_create_lists_every_error_at_once():
    leader = improvement_member()
    with pytest.raises(ValidationFailed) as info:
        new_project(
            leader=leader,
            sponsor=leader,
            metric_direction="down",
            baseline=Decimal("10"),
            target=Decimal("20"),
            baseline_successes=9,
            baseline_sample_size=8,
        )
    assert info.value.fields == {
        "sponsor": ["The sponsor and the leader must be different people."],
        "target": ["Lower is better for this metric, so the target must be below the baseline."],
        "baseline_successes": ["Successes cannot exceed the sample size."],
    }


def test_member_updates_details_and_team():
    project = new_project()
    member = project.members.get()
    new_member = improvement_member()
    services.project_update(
        project=project,
        by=member,
        title=" Connection satisfaction 92% ",
        target=Decimal("92.00"),
        members=[member, new_member, project.leader],
    )
    project.refresh_from_db()
    assert project.title == "Connection satisfaction 92%"
    assert project.target == Decimal("92.00")
    assert set(project.members.all()) == {member, new_member}


def test_update_revalidates_the_whole_project():
    project = new_project(metric_direction="up", baseline=Decimal("70"), target=Decimal("90"))
    with pytest.raises(ValidationFailed) as info:
        services.project_update(project=project, by=project.leader, metric_direction="down")
    assert info.value.fields == {
        "target": ["Lower is better for this metric, so the target must be below the baseline."]
    }
    project.refresh_from_db()
    assert project.metric_direction == "up"


def test_update_refuses_baseline_successes_above_the_sample_size():
    project = new_project()
    with pytest.raises(ValidationFailed) as info:
        services.project_update(project=project, by=project.leader, baseline_successes=600)
    assert info.value.fields == {"baseline_successes": ["Successes cannot exceed the sample size."]}
    project.refresh_from_db()
    assert project.baseline_successes == 350


def test_update_refuses_making_the_sponsor_the_leader():
    project = new_project()
    with pytest.raises(ValidationFailed) as info:
        services.project_update(project=project, by=project.leader, sponsor=project.leader)
    assert info.value.fields == {"sponsor": ["The sponsor and the leader must be different people."]}


def test_update_refuses_fields_that_are_not_details():
    project = new_project()
    with pytest.raises(ValidationFailed, match=r"^These fields cannot be changed: current_step, status$"):
        services.project_update(project=project, by=project.leader, status="completed", current_step=7)
    project.refresh_from_db()
    assert (project.status, project.current_step) == (Status.ACTIVE, 1)


def test_only_the_leader_hands_the_project_to_a_new_leader():
    project = new_project()
    member = project.members.get()
    with pytest.raises(
        PermissionDenied, match=r"^Only the current leader can hand the project to a new leader\.$"
    ):
        services.project_update(project=project, by=member, leader=member)
    project.refresh_from_db()
    assert project.leader != member

    services.project_update(project=project, by=project.leader, leader=member)
    project.refresh_from_db()
    assert project.leader == member


def test_member_may_resend_the_current_leader_unchanged():
    project = new_project()
    member = project.members.get()
    services.project_update(project=project, by=member, leader=project.leader, title="Same leader")
    project.refresh_from_db()
    assert project.title == "Same leader"


@pytest.mark.parametrize("who", ["sponsor", "stranger"])
def test_sponsor_and_others_cannot_update(who):
    project = new_project()
    user = project.sponsor if who == "sponsor" else improvement_member()
    with pytest.raises(PermissionDenied, match=r"^Only the project's leader and members can change it\.$"):
        services.project_update(project=project, by=user, title="Mine")
    project.refresh_from_db()
    assert project.title == "Raise satisfaction with call connection"


# --- Artefacts only once their step is open ----------------------------------------------


def _write_step(step: int, project: Project, by) -> None:
    """One artefact write of ``step``, with valid input."""
    if step == Step.SELECT_TOPIC:
        services.topic_add(project=project, by=by, title="More", urgency=1, controllability=1, time_bound=1)
    elif step == Step.COLLECT_DATA:
        services.data_plan_save(
            project=project,
            by=by,
            source="Survey",
            sampling_method="All",
            sample_size=5,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 1, 2),
        )
    elif step == Step.CAUSES:
        services.fishbone_category_add(project=project, by=by, name="Money")
    elif step == Step.COUNTERMEASURES:
        services.countermeasure_add(
            project=project, by=by, title="Callback", controllability=3, expected_effect=3, cost=3
        )
    elif step == Step.EFFECT:
        services.measurement_record(
            project=project,
            by=by,
            value=Decimal("80"),
            period_start=date(2026, 4, 1),
            period_end=date(2026, 4, 2),
        )
    elif step == Step.STANDARDIZE:
        services.standard_create(
            project=project, by=by, title="Rota", body="8:30 start", effective_date=date(2026, 5, 1)
        )
    elif step == Step.REFLECT:
        services.reflection_save(project=project, by=by, lessons_learned="Measure first.")


@pytest.mark.parametrize("step", range(2, 8))
def test_artefacts_of_a_step_not_reached_yet_are_refused(step):
    project = project_at_step(step - 1)
    before = row_counts()
    with pytest.raises(
        ValidationFailed, match=rf"^Step {step} is not open yet: the project is at step {step - 1}\.$"
    ):
        _write_step(step, project, project.members.get())
    assert row_counts() == before
    project.refresh_from_db()
    assert project.lessons_learned == ""


def test_earlier_steps_stay_editable():
    project = project_at_step(Step.EFFECT)
    services.topic_add(
        project=project, by=project.leader, title="Later idea", urgency=1, controllability=1, time_bound=1
    )
    _write_step(Step.COLLECT_DATA, project, project.leader)
    assert project.topics.count() == 2


@pytest.mark.parametrize(
    ("make", "shown"), [(completed_project, "completed"), (cancelled_project, "cancelled")]
)
@pytest.mark.parametrize("step", range(1, 8))
def test_closed_projects_refuse_every_artefact(make, shown, step):
    project = make()
    before = row_counts()
    message = rf"^This project is {shown}; it can no longer be changed\.$"
    with pytest.raises(ValidationFailed, match=message):
        _write_step(step, project, project.leader)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("make", "shown"), [(completed_project, "completed"), (cancelled_project, "cancelled")]
)
def test_closed_projects_refuse_details_and_progress_reports(make, shown):
    project = make()
    message = rf"^This project is {shown}; it can no longer be changed\.$"
    with pytest.raises(ValidationFailed, match=message):
        services.project_update(project=project, by=project.leader, title="Renamed")
    measure = project.countermeasures.get()
    with pytest.raises(ValidationFailed, match=message):
        services.countermeasure_set_status(measure=measure, by=project.leader, status=ActionStatus.DONE)
    measure.refresh_from_db()
    assert measure.status == ActionStatus.PLANNED
    with pytest.raises(ValidationFailed, match=message):
        services.topic_choose(topic=project.topics.get(), by=project.leader, rationale="again")


def test_strangers_cannot_write_artefacts():
    project = project_at_step(Step.COLLECT_DATA)
    before = row_counts()
    with pytest.raises(PermissionDenied, match=r"^Only the project's leader and members can change it\.$"):
        _write_step(Step.COLLECT_DATA, project, project.sponsor)
    assert row_counts() == before


# --- Step 1: topics -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 6, -1, "3", 2.5, True, None])
def test_topic_ratings_must_be_whole_numbers_from_1_to_5(bad):
    project = new_project()
    with pytest.raises(ValidationFailed, match=r"^Please correct the topic\.$") as info:
        services.topic_add(
            project=project, by=project.leader, title="T", urgency=bad, controllability=bad, time_bound=3
        )
    assert info.value.fields == {"urgency": ["Rate from 1 to 5."], "controllability": ["Rate from 1 to 5."]}
    assert Topic.objects.count() == 0


def test_topic_needs_a_title():
    project = new_project()
    with pytest.raises(ValidationFailed) as info:
        services.topic_add(
            project=project, by=project.leader, title="  ", urgency=1, controllability=1, time_bound=1
        )
    assert info.value.fields == {"title": ["Give the topic a title."]}


def test_topic_score_is_the_sum_of_its_ratings():
    project = new_project()
    topic = services.topic_add(
        project=project, by=project.leader, title="T", urgency=5, controllability=1, time_bound=3
    )
    assert topic.score == 9


def test_choosing_a_topic_unchooses_the_other():
    project = new_project()
    member = project.members.get()
    first = services.topic_add(
        project=project, by=member, title="A", urgency=5, controllability=4, time_bound=4
    )
    second = services.topic_add(
        project=project, by=member, title="B", urgency=3, controllability=3, time_bound=3
    )
    services.topic_choose(topic=first, by=member, rationale="Most complaints")
    services.topic_choose(topic=second, by=member, rationale=" Cheaper to fix ")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_chosen, second.is_chosen, second.rationale) == (False, True, "Cheaper to fix")
    assert Topic.objects.filter(project=project, is_chosen=True).count() == 1


def test_choosing_a_topic_needs_a_rationale():
    project = new_project()
    topic = services.topic_add(
        project=project, by=project.leader, title="A", urgency=5, controllability=4, time_bound=4
    )
    with pytest.raises(ValidationFailed, match=r"^Say why this topic was chosen\.$"):
        services.topic_choose(topic=topic, by=project.leader, rationale="  ")
    topic.refresh_from_db()
    assert topic.is_chosen is False


def test_the_chosen_topic_of_a_project_past_step_1_cannot_be_removed():
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(
        ValidationFailed, match=r"^The chosen topic of a project past step 1 cannot be removed\.$"
    ):
        services.topic_delete(topic=project.topics.get(), by=project.leader)
    assert project.topics.count() == 1


# --- Step 2: data plan and datasets -------------------------------------------------------


def _plan(project, **changes):
    values = {
        "source": "Survey",
        "sampling_method": "All answers",
        "sample_size": 500,
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 1, 31),
        **changes,
    }
    return services.data_plan_save(project=project, by=project.leader, **values)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"sample_size": 0}, {"sample_size": ["The sample size must be a whole number of at least 1."]}),
        ({"sample_size": -5}, {"sample_size": ["The sample size must be a whole number of at least 1."]}),
        ({"sample_size": "500"}, {"sample_size": ["The sample size must be a whole number of at least 1."]}),
        ({"sample_size": True}, {"sample_size": ["The sample size must be a whole number of at least 1."]}),
        ({"period_end": date(2025, 12, 31)}, {"period_end": ["The period cannot end before it starts."]}),
        (
            {"source": " ", "sampling_method": ""},
            {
                "source": ["Say where the data comes from."],
                "sampling_method": ["Describe how the sample is drawn."],
            },
        ),
    ],
)
def test_data_plan_refuses_bad_period_and_sample_size(changes, errors):
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed, match=r"^Please correct the data plan\.$") as info:
        _plan(project, **changes)
    assert info.value.fields == errors
    assert DataPlan.objects.count() == 0


def test_saving_the_data_plan_again_replaces_it():
    project = project_at_step(Step.COLLECT_DATA)
    _plan(project)
    _plan(project, sample_size=800, period_start=date(2026, 2, 1), period_end=date(2026, 2, 1))
    plan = DataPlan.objects.get(project=project)
    assert (plan.sample_size, plan.period_start, plan.period_end) == (800, date(2026, 2, 1), date(2026, 2, 1))


def _dataset(project, items, **kwargs):
    return services.dataset_create(
        project=project, by=project.leader, name=kwargs.pop("name", "Reasons"), items=items, **kwargs
    )


def test_dataset_keeps_the_entry_order_and_strips_labels():
    project = project_at_step(Step.COLLECT_DATA)
    dataset = _dataset(
        project, [{"label": " IVR maze ", "count": 60}, {"label": "Long queue", "count": 120}, ("Zero", 0)]
    )
    assert dataset.source == DatasetSource.MANUAL
    assert dataset.phase == DatasetPhase.BEFORE
    assert list(dataset.items.values_list("label", "count", "position")) == [
        ("IVR maze", 60, 0),
        ("Long queue", 120, 1),
        ("Zero", 0, 2),
    ]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([("A", 5), ("B", -1)], 'The count of "B" cannot be negative.'),
        ([("A", "5")], 'The count of "A" must be a whole number.'),
        ([("A", 2.0)], 'The count of "A" must be a whole number.'),
        ([("A", None)], 'The count of "A" must be a whole number.'),
        ([("A", 1), (" A ", 2)], 'The category "A" appears more than once.'),
        ([], "Enter at least one category."),
        ([("A", 0), ("B", 0)], "All counts are zero: there is nothing to analyse."),
        ([("", 3)], "Category 1 has no label."),
        ([("A", 1), ("B",)], "Category 2 must be a label and a count."),
    ],
)
def test_dataset_refuses_bad_counts(items, message):
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed) as info:
        _dataset(project, items)
    assert info.value.message == message
    assert info.value.fields == {"items": [message]}
    assert Dataset.objects.count() == 0
    assert DatasetItem.objects.count() == 0


def test_dataset_refuses_counts_and_labels_the_columns_cannot_hold():
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed, match=r"^The count of “A” is too large\.$") as info:
        _dataset(project, [("A", 2**31)])
    assert list(info.value.fields) == ["items"]
    long_label = "x" * 201
    with pytest.raises(ValidationFailed, match=r"^The category “x{40}…” is longer than 200 characters\.$"):
        _dataset(project, [(long_label, 1)])
    assert Dataset.objects.count() == 0
    # 200 characters and 2³¹ − 1 fit.
    dataset = _dataset(project, [("y" * 200, 2**31 - 1)])
    assert dataset.items.get().count == 2**31 - 1


def test_dataset_refuses_more_than_200_categories():
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed, match=r"^A dataset has at most 200 categories\.$"):
        _dataset(project, [(f"C{n}", 1) for n in range(201)])
    assert Dataset.objects.count() == 0


def test_dataset_names_are_unique_in_a_project():
    project = project_at_step(Step.COLLECT_DATA)
    _dataset(project, [("A", 1)], name="Reasons July")
    with pytest.raises(ValidationFailed, match=r"^Please correct the dataset\.$") as info:
        _dataset(project, [("A", 1)], name=" Reasons July ")
    assert info.value.fields == {"name": ["This project already has a dataset with this name."]}
    assert Dataset.objects.count() == 1
    # Another project may use the same name.
    other = project_at_step(Step.COLLECT_DATA)
    _dataset(other, [("A", 1)], name="Reasons July")


def test_dataset_needs_a_name():
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed) as info:
        _dataset(project, [("A", 1)], name="")
    assert info.value.fields == {"name": ["Give the dataset a name."]}


@pytest.mark.parametrize("step", [Step.COLLECT_DATA, Step.CAUSES, Step.COUNTERMEASURES])
def test_after_data_is_refused_before_step_5(step):
    project = project_at_step(step)
    before = row_counts()
    with pytest.raises(ValidationFailed) as info:
        _dataset(project, [("A", 1)], name="After", phase=DatasetPhase.AFTER)
    assert info.value.fields == {"phase": ["“After” data belongs to step 5 (evaluate effect)."]}
    assert row_counts() == before


def test_after_data_is_accepted_from_step_5():
    project = project_at_step(Step.EFFECT)
    dataset = _dataset(project, [("Long queue", 30)], name="After", phase=DatasetPhase.AFTER)
    assert dataset.phase == DatasetPhase.AFTER


def test_unknown_phase_is_refused():
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed) as info:
        _dataset(project, [("A", 1)], phase="during")
    assert info.value.fields == {"phase": ["Choose before or after."]}


# --- Step 2: CSV import -------------------------------------------------------------------


def _import(project, raw: bytes, name="Imported"):
    return services.dataset_import_csv(project=project, by=project.leader, name=name, raw=raw)


def test_csv_in_utf8_with_bom_is_imported():
    project = project_at_step(Step.COLLECT_DATA)
    raw = "\ufeffcategory,count\nLong queue,120\n\nIVR maze, 60 \n".encode()
    dataset = _import(project, raw)
    assert dataset.source == DatasetSource.CSV
    assert list(dataset.items.values_list("label", "count")) == [("Long queue", 120), ("IVR maze", 60)]


def test_csv_in_gb18030_with_chinese_header_is_imported():
    project = project_at_step(Step.COLLECT_DATA)
    raw = "类别,数量\n排队时间长,120\n语音导航复杂,60\n掉线,20\n".encode("gb18030")
    dataset = _import(project, raw)
    assert list(dataset.items.values_list("label", "count")) == [
        ("排队时间长", 120),
        ("语音导航复杂", 60),
        ("掉线", 20),
    ]


def test_csv_columns_may_come_in_any_order():
    project = project_at_step(Step.COLLECT_DATA)
    dataset = _import(project, b"Count,Label\n5,A\n3,B\n")
    assert list(dataset.items.values_list("label", "count")) == [("A", 5), ("B", 3)]


def test_csv_with_bad_rows_reports_every_bad_line_and_writes_nothing():
    project = project_at_step(Step.COLLECT_DATA)
    long_label = "x" * 201
    raw = (
        "category,count\n"
        "Long queue,120\n"  # line 2: fine
        "IVR maze,abc\n"  # line 3
        "Dropped calls\n"  # line 4
        "Rude agent,-3\n"  # line 5
        ",7\n"  # line 6
        "Long queue,5\n"  # line 7: a duplicate of line 2
        "Huge,99999999999999999999\n"  # line 8
        f"{long_label},1\n"  # line 9
        "Hold music,2.5\n"  # line 10
    ).encode()
    before = row_counts()
    with pytest.raises(ValidationFailed, match=r"^The file has errors; nothing was imported\.$") as info:
        _import(project, raw)
    assert info.value.fields == {
        "file": [
            "Line 3: “abc” is not a whole number.",
            "Line 4: expected a category and a count.",
            "Line 5: the count cannot be negative.",
            "Line 6: the category is empty.",
            "Line 7: “Long queue” appears more than once.",
            "Line 8: “99999999999999999999” is too large.",
            "Line 9: the category is longer than 200 characters.",
            "Line 10: “2.5” is not a whole number.",
        ]
    }
    assert row_counts() == before


def test_csv_without_the_header_is_refused():
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed, match=r"^The first line must be the header “category,count”\.$"):
        _import(project, b"Long queue,120\n")
    with pytest.raises(ValidationFailed, match=r"^The first line must be the header “category,count”\.$"):
        _import(project, b"")
    assert Dataset.objects.count() == 0


def test_csv_with_only_a_header_or_only_zeros_is_refused():
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed, match=r"^Enter at least one category\.$"):
        _import(project, b"category,count\n")
    with pytest.raises(ValidationFailed, match=r"^All counts are zero: there is nothing to analyse\.$"):
        _import(project, b"category,count\nA,0\nB,0\n")
    assert Dataset.objects.count() == 0


def test_csv_larger_than_1_mb_is_refused():
    project = project_at_step(Step.COLLECT_DATA)
    with pytest.raises(ValidationFailed, match=r"^The file is larger than 1 MB\.$"):
        _import(project, b"category,count\n" + b"A,1\n" * 300_000)


# --- Step 3: Pareto and fishbone ----------------------------------------------------------


def test_pareto_of_the_projects_dataset_is_saved():
    project = project_at_step(Step.CAUSES)
    pareto = services.pareto_save(
        project=project, by=project.leader, dataset=project.datasets.get(), other_after_percent=Decimal("90")
    )
    assert (pareto.dataset.name, pareto.other_after_percent) == ("Reasons before", Decimal("90"))


def test_pareto_of_another_projects_dataset_is_refused():
    project = project_at_step(Step.CAUSES)
    other = project_at_step(Step.CAUSES)
    with pytest.raises(ValidationFailed, match=r"^The dataset belongs to another project\.$") as info:
        services.pareto_save(project=project, by=project.leader, dataset=other.datasets.get())
    assert list(info.value.fields) == ["dataset"]
    assert ParetoAnalysis.objects.count() == 0


def test_fishbone_category_is_added_after_the_6m():
    project = project_at_step(Step.CAUSES)
    category = services.fishbone_category_add(project=project, by=project.leader, name=" Money ")
    assert (category.name, category.position) == ("Money", 6)


def test_fishbone_category_names_are_unique():
    project = project_at_step(Step.CAUSES)
    with pytest.raises(ValidationFailed, match=r"^This category is already on the diagram\.$"):
        services.fishbone_category_add(project=project, by=project.leader, name="Method")
    people = first_bone(project)
    with pytest.raises(ValidationFailed, match=r"^This category is already on the diagram\.$"):
        services.fishbone_category_rename(category=people, by=project.leader, name="Method")
    people.refresh_from_db()
    assert people.name == "People"
    assert FishboneCategory.objects.filter(project=project).count() == 6


def test_fishbone_has_at_most_8_categories():
    project = project_at_step(Step.CAUSES)
    services.fishbone_category_add(project=project, by=project.leader, name="Money")
    services.fishbone_category_add(project=project, by=project.leader, name="Management")
    with pytest.raises(ValidationFailed, match=r"^A fishbone has at most 8 categories\.$"):
        services.fishbone_category_add(project=project, by=project.leader, name="Mother Nature")
    assert FishboneCategory.objects.filter(project=project).count() == 8


def test_fishbone_category_needs_a_name():
    project = project_at_step(Step.CAUSES)
    with pytest.raises(ValidationFailed, match=r"^Give the category a name\.$"):
        services.fishbone_category_add(project=project, by=project.leader, name="  ")


def test_removing_a_bone_removes_its_causes():
    project = project_at_step(Step.COUNTERMEASURES)
    services.fishbone_category_delete(category=first_bone(project), by=project.leader)
    assert Cause.objects.filter(category__project=project).count() == 0
    assert FishboneCategory.objects.filter(project=project).count() == 5


def test_causes_nest_two_levels_and_no_deeper():
    project = project_at_step(Step.CAUSES)
    bone = first_bone(project)
    cause = services.cause_add(category=bone, by=project.leader, text="Staffing")
    sub = services.cause_add(category=bone, by=project.leader, text="Late start", parent=cause)
    assert (sub.parent, sub.position) == (cause, 0)
    with pytest.raises(ValidationFailed, match=r"^Causes nest two levels deep at most\.$") as info:
        services.cause_add(category=bone, by=project.leader, text="Bus timetable", parent=sub)
    assert list(info.value.fields) == ["parent"]
    assert Cause.objects.count() == 2


def test_a_sub_cause_must_be_on_its_parents_bone():
    project = project_at_step(Step.CAUSES)
    people, method = FishboneCategory.objects.filter(project=project).order_by("position")[:2]
    cause = services.cause_add(category=people, by=project.leader, text="Staffing")
    with pytest.raises(ValidationFailed, match=r"^The parent cause is on another bone\.$"):
        services.cause_add(category=method, by=project.leader, text="Script", parent=cause)
    assert Cause.objects.count() == 1


def test_a_root_cause_needs_its_evidence():
    project = project_at_step(Step.CAUSES)
    bone = first_bone(project)
    with pytest.raises(ValidationFailed, match=r"^Say how the root cause was verified\.$") as info:
        services.cause_add(
            category=bone, by=project.leader, text="Staffing", is_root_cause=True, evidence=" "
        )
    assert list(info.value.fields) == ["evidence"]
    assert Cause.objects.count() == 0

    cause = services.cause_add(category=bone, by=project.leader, text="Staffing")
    with pytest.raises(ValidationFailed, match=r"^Say how the root cause was verified\.$"):
        services.cause_update(cause=cause, by=project.leader, is_root_cause=True)
    cause.refresh_from_db()
    assert cause.is_root_cause is False

    services.cause_update(cause=cause, by=project.leader, is_root_cause=True, evidence=" Rota vs arrivals ")
    cause.refresh_from_db()
    assert (cause.is_root_cause, cause.evidence) == (True, "Rota vs arrivals")


def test_a_cause_needs_text():
    project = project_at_step(Step.CAUSES)
    with pytest.raises(ValidationFailed, match=r"^Describe the cause\.$"):
        services.cause_add(category=first_bone(project), by=project.leader, text="")


# --- Step 4: countermeasures --------------------------------------------------------------


@pytest.mark.parametrize(
    ("controllability", "effect", "cost", "alone", "priority"),
    [
        (5, 4, 2, True, 160),
        (5, 4, 2, False, 80),
        (1, 1, 5, False, 1),
        (5, 5, 1, True, 250),
        (3, 2, 4, True, 24),
    ],
)
def test_countermeasure_priority_is_effect_times_control_times_6_minus_cost_doubled_if_alone(
    controllability, effect, cost, alone, priority
):
    project = project_at_step(Step.COUNTERMEASURES)
    measure = services.countermeasure_add(
        project=project,
        by=project.leader,
        title="Action",
        controllability=controllability,
        expected_effect=effect,
        cost=cost,
        team_decides_alone=alone,
    )
    assert measure.priority == priority


def test_countermeasures_are_listed_by_priority():
    project = project_at_step(Step.COUNTERMEASURES)
    for title, effect in [("Low", 1), ("High", 5), ("Mid", 3)]:
        services.countermeasure_add(
            project=project, by=project.leader, title=title, controllability=3, expected_effect=effect, cost=3
        )
    assert list(project.countermeasures.values_list("title", "priority")) == [
        ("High", 45),
        ("Mid", 27),
        ("Low", 9),
    ]


def test_countermeasure_ratings_and_title_are_checked():
    project = project_at_step(Step.COUNTERMEASURES)
    with pytest.raises(ValidationFailed, match=r"^Please correct the countermeasure\.$") as info:
        services.countermeasure_add(
            project=project, by=project.leader, title=" ", controllability=0, expected_effect=6, cost="2"
        )
    assert info.value.fields == {
        "controllability": ["Rate from 1 to 5."],
        "expected_effect": ["Rate from 1 to 5."],
        "cost": ["Rate from 1 to 5."],
        "title": ["Describe the action."],
    }
    assert Countermeasure.objects.count() == 0


def test_countermeasure_for_another_projects_cause_is_refused():
    project = project_at_step(Step.COUNTERMEASURES)
    other = project_at_step(Step.COUNTERMEASURES)
    with pytest.raises(ValidationFailed) as info:
        services.countermeasure_add(
            project=project,
            by=project.leader,
            title="A",
            controllability=3,
            expected_effect=3,
            cost=3,
            cause=Cause.objects.get(category__project=other),
        )
    assert info.value.fields == {"cause": ["The cause belongs to another project."]}


def _candidate(project):
    return services.countermeasure_add(
        project=project, by=project.leader, title="Callback", controllability=3, expected_effect=3, cost=3
    )


def test_selecting_an_action_needs_an_owner_and_a_due_date():
    project = project_at_step(Step.COUNTERMEASURES)
    measure = _candidate(project)
    with pytest.raises(
        ValidationFailed, match=r"^A selected action needs an owner and a due date\.$"
    ) as info:
        services.countermeasure_select(measure=measure, by=project.leader, owner=None, due_date=None)
    assert info.value.fields == {
        "owner": ["Choose an active person to own the action."],
        "due_date": ["Give the action a due date."],
    }
    with pytest.raises(ValidationFailed) as info:
        services.countermeasure_select(
            measure=measure, by=project.leader, owner=UserFactory(is_active=False), due_date=TODAY()
        )
    assert info.value.fields == {"owner": ["Choose an active person to own the action."]}
    measure.refresh_from_db()
    assert (measure.selected, measure.owner, measure.due_date) == (False, None, None)


def test_selected_action_may_be_owned_by_someone_outside_the_team():
    project = project_at_step(Step.COUNTERMEASURES)
    agent = UserFactory(roles=[Role.AGENT])
    measure = services.countermeasure_select(
        measure=_candidate(project), by=project.leader, owner=agent, due_date=date(2026, 9, 30)
    )
    assert (measure.selected, measure.owner, measure.due_date, measure.status) == (
        True,
        agent,
        date(2026, 9, 30),
        ActionStatus.PLANNED,
    )


def test_owner_outside_the_team_reports_progress_and_done_sets_done_on():
    project = project_at_step(Step.COUNTERMEASURES)
    agent = UserFactory(roles=[Role.AGENT])
    measure = services.countermeasure_select(
        measure=_candidate(project), by=project.leader, owner=agent, due_date=date(2026, 9, 30)
    )
    services.countermeasure_set_status(measure=measure, by=agent, status=ActionStatus.IN_PROGRESS)
    measure.refresh_from_db()
    assert (measure.status, measure.done_on) == (ActionStatus.IN_PROGRESS, None)

    with time_machine.travel(date(2026, 9, 12), tick=False):
        services.countermeasure_set_status(measure=measure, by=agent, status=ActionStatus.DONE)
    measure.refresh_from_db()
    assert (measure.status, measure.done_on) == (ActionStatus.DONE, date(2026, 9, 12))

    # Reopened by a member: not done any more.
    services.countermeasure_set_status(
        measure=measure, by=project.members.get(), status=ActionStatus.IN_PROGRESS
    )
    measure.refresh_from_db()
    assert (measure.status, measure.done_on) == (ActionStatus.IN_PROGRESS, None)


def test_strangers_and_sponsors_cannot_report_progress():
    project = project_at_step(Step.COUNTERMEASURES, filled=True)
    measure = project.countermeasures.get()
    for user in (UserFactory(roles=[Role.AGENT]), project.sponsor):
        with pytest.raises(
            PermissionDenied, match=r"^Only the project team or the action's owner can report progress\.$"
        ):
            services.countermeasure_set_status(measure=measure, by=user, status=ActionStatus.DONE)
    measure.refresh_from_db()
    assert (measure.status, measure.done_on) == (ActionStatus.PLANNED, None)


def test_progress_needs_a_selected_action_and_a_known_status():
    project = project_at_step(Step.COUNTERMEASURES)
    measure = _candidate(project)
    with pytest.raises(
        ValidationFailed, match=r"^Select the action \(owner and due date\) before reporting progress\.$"
    ):
        services.countermeasure_set_status(measure=measure, by=project.leader, status=ActionStatus.DONE)
    services.countermeasure_select(measure=measure, by=project.leader, owner=project.leader, due_date=TODAY())
    with pytest.raises(ValidationFailed, match=r"^Unknown status\.$"):
        services.countermeasure_set_status(measure=measure, by=project.leader, status="cancelled")
    measure.refresh_from_db()
    assert measure.status == ActionStatus.PLANNED


# --- Step 5: measurements -----------------------------------------------------------------


def _measure(project, **changes):
    values = {
        "value": Decimal("92.00"),
        "successes": 460,
        "sample_size": 500,
        "period_start": date(2026, 4, 1),
        "period_end": date(2026, 4, 30),
        **changes,
    }
    return services.measurement_record(project=project, by=project.leader, **values)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"successes": 460, "sample_size": None},
            {"sample_size": ["Give both the successes and the sample size, or neither."]},
        ),
        (
            {"successes": None, "sample_size": 500},
            {"sample_size": ["Give both the successes and the sample size, or neither."]},
        ),
        (
            {"successes": 501, "sample_size": 500},
            {"successes": ["Successes must be between 0 and the sample size."]},
        ),
        (
            {"successes": -1, "sample_size": 500},
            {"successes": ["Successes must be between 0 and the sample size."]},
        ),
        ({"successes": 0, "sample_size": 0}, {"sample_size": ["The sample size must be at least 1."]}),
        ({"period_end": date(2026, 3, 31)}, {"period_end": ["The period cannot end before it starts."]}),
    ],
)
def test_measurement_refuses_inconsistent_counts_and_periods(changes, errors):
    project = project_at_step(Step.EFFECT)
    with pytest.raises(ValidationFailed, match=r"^Please correct the measurement\.$") as info:
        _measure(project, **changes)
    assert info.value.fields == errors
    assert Measurement.objects.count() == 0


def test_measurement_without_counts_is_a_plain_value():
    project = project_at_step(Step.EFFECT)
    measurement = _measure(project, successes=None, sample_size=None, note=" Survey ")
    assert (measurement.value, measurement.successes, measurement.sample_size, measurement.note) == (
        Decimal("92.00"),
        None,
        None,
        "Survey",
    )


# --- Step 6: standards and training -------------------------------------------------------


def _standard(project, **changes):
    values = {
        "title": "Morning staffing",
        "body": "Two agents start at 8:30.",
        "effective_date": date(2026, 5, 1),
        **changes,
    }
    return services.standard_create(project=project, by=project.leader, **values)


def test_a_new_version_supersedes_the_old_one():
    project = project_at_step(Step.STANDARDIZE)
    first = _standard(project)
    second = _standard(
        project, body="Three agents start at 8:30.", effective_date=date(2026, 6, 1), supersedes=first
    )
    assert (first.version, second.version, second.supersedes) == (1, 2, first)
    third = _standard(project, effective_date=date(2026, 6, 1), supersedes=second)
    assert third.version == 3


def test_a_version_is_superseded_only_once():
    project = project_at_step(Step.STANDARDIZE)
    first = _standard(project)
    _standard(project, effective_date=date(2026, 6, 1), supersedes=first)
    with pytest.raises(ValidationFailed, match=r"^Please correct the standard\.$") as info:
        _standard(project, effective_date=date(2026, 7, 1), supersedes=first)
    assert info.value.fields == {"supersedes": ["This version has already been superseded."]}
    assert Standard.objects.count() == 2


def test_a_standard_of_another_project_cannot_be_superseded():
    project = project_at_step(Step.STANDARDIZE)
    done = completed_project()
    theirs = done.standards.get()
    with pytest.raises(ValidationFailed) as info:
        _standard(project, effective_date=date(2026, 6, 1), supersedes=theirs)
    assert info.value.fields == {"supersedes": ["The standard belongs to another project."]}
    assert Standard.objects.filter(project=project).count() == 0
    assert not Standard.objects.filter(supersedes=theirs).exists()


def test_a_new_version_cannot_take_effect_before_the_old_one():
    project = project_at_step(Step.STANDARDIZE)
    first = _standard(project)
    with pytest.raises(ValidationFailed) as info:
        _standard(project, effective_date=date(2026, 4, 30), supersedes=first)
    assert info.value.fields == {
        "effective_date": ["A new version cannot take effect before the version it replaces."]
    }
    assert Standard.objects.count() == 1


def test_a_standard_needs_a_title_and_a_body():
    project = project_at_step(Step.STANDARDIZE)
    with pytest.raises(ValidationFailed) as info:
        _standard(project, title=" ", body="")
    assert info.value.fields == {
        "title": ["Give the standard a title."],
        "body": ["Write the standard's text."],
    }


def test_training_is_recorded_once_per_person_and_standard():
    project = project_at_step(Step.STANDARDIZE)
    standard = _standard(project)
    trainee = UserFactory(display_name="Wang Fang", roles=[Role.AGENT])
    record = services.training_record_add(
        standard=standard, by=project.leader, trainee=trainee, trained_on=TODAY()
    )
    assert (record.trainee, record.recorded_by) == (trainee, project.leader)
    with pytest.raises(
        ValidationFailed, match=r"^Wang Fang is already recorded as trained on this standard\.$"
    ):
        services.training_record_add(
            standard=standard, by=project.leader, trainee=trainee, trained_on=TODAY()
        )
    assert TrainingRecord.objects.count() == 1


def test_training_cannot_be_dated_in_the_future():
    project = project_at_step(Step.STANDARDIZE)
    standard = _standard(project)
    with pytest.raises(ValidationFailed, match=r"^A training date cannot be in the future\.$") as info:
        services.training_record_add(
            standard=standard,
            by=project.leader,
            trainee=project.leader,
            trained_on=TODAY() + timedelta(days=1),
        )
    assert list(info.value.fields) == ["trained_on"]
    assert TrainingRecord.objects.count() == 0


# --- Step 7: reflection -------------------------------------------------------------------


@pytest.mark.parametrize("lessons", ["", "   "])
def test_reflection_requires_lessons(lessons):
    project = project_at_step(Step.REFLECT)
    with pytest.raises(ValidationFailed, match=r"^Write the lessons learned\.$"):
        services.reflection_save(
            project=project, by=project.leader, lessons_learned=lessons, next_topic="IVR"
        )
    project.refresh_from_db()
    assert (project.lessons_learned, project.next_topic) == ("", "")


def test_reflection_saves_lessons_and_next_topic():
    project = project_at_step(Step.REFLECT)
    services.reflection_save(
        project=project, by=project.members.get(), lessons_learned=" Measure first. ", next_topic=" IVR maze "
    )
    project.refresh_from_db()
    assert (project.lessons_learned, project.next_topic) == ("Measure first.", "IVR maze")


def test_the_next_project_links_to_the_completed_one():
    done = completed_project()
    follow_up = new_project(leader=done.leader, title="Simplify the IVR", previous_project=done)
    assert follow_up.previous_project == done
    assert list(done.next_projects.all()) == [follow_up]


def test_the_minimum_dataset_matches_the_factory_counts():
    """Guards the factory the other tests build on."""
    project = project_at_step(Step.CAUSES)
    assert project.datasets.get().pairs() == BEFORE_COUNTS


# --- Texts longer than their columns -------------------------------------------------------------


def test_a_title_longer_than_its_column_is_refused_not_a_database_error():
    with pytest.raises(ValidationFailed, match="Some texts are too long.") as refused:
        new_project(title="x" * 201)
    assert refused.value.fields == {"title": ["At most 200 characters."]}
    assert Project.objects.count() == 0


def test_long_texts_are_refused_on_every_artefact():
    project = project_at_step(Step.REFLECT)
    leader = project.leader
    category = project.fishbone_categories.first()
    attempts = [
        lambda: services.topic_add(
            project=project, by=leader, title="t" * 201, urgency=1, controllability=1, time_bound=1
        ),
        lambda: services.fishbone_category_add(project=project, by=leader, name="n" * 101),
        lambda: services.cause_add(category=category, by=leader, text="c" * 301),
        lambda: services.countermeasure_add(
            project=project, by=leader, title="a" * 301, controllability=1, expected_effect=1, cost=1
        ),
        lambda: services.reflection_save(
            project=project, by=leader, lessons_learned="ok", next_topic="n" * 201
        ),
        lambda: services.project_update(project=project, by=leader, metric_unit="u" * 31),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationFailed, match="Some texts are too long."):
            attempt()
