"""seed_demo's TQM projects: one at each step, one on hold, a completed showcase with a significant
effect, an overdue action for the demo improver, every gate behind a project passed; idempotent."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.complaints import selectors as complaint_selectors
from apps.tqm import demo, gates, selectors, services
from apps.tqm.models import (
    Cause,
    Countermeasure,
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

MODELS = (
    Project,
    ProjectEvent,
    Topic,
    Dataset,
    DatasetItem,
    ParetoAnalysis,
    FishboneCategory,
    Cause,
    Countermeasure,
    Measurement,
    Standard,
    TrainingRecord,
)


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True  # seed_demo refuses without it
    return _seed()


def _snapshot() -> dict:
    return {
        "counts": {model.__name__: model.objects.count() for model in (*MODELS, User)},
        "projects": list(
            Project.objects.order_by("title").values_list(
                "title", "status", "current_step", "leader__username", "start_date", "created_at"
            )
        ),
        "events": list(
            ProjectEvent.objects.order_by("project__title", "id").values_list(
                "project__title", "kind", "created_at"
            )
        ),
    }


def _showcase() -> Project:
    return Project.objects.get(title=demo.SHOWCASE.title)


def test_small_seed_has_a_project_at_each_step_one_on_hold_and_one_completed(seeded):
    active = Project.objects.filter(status=Status.ACTIVE)
    assert set(active.values_list("current_step", flat=True)) == set(Step.values)
    for spec in demo.STORIES:
        project = Project.objects.get(title=spec.title)
        assert project.current_step == spec.step, spec.title
        assert project.leader.username == spec.leader, spec.title
    assert Project.objects.filter(status=Status.ON_HOLD).count() == 1
    assert list(Project.objects.filter(status=Status.COMPLETED).values_list("title", flat=True)) == [
        demo.SHOWCASE.title
    ]
    stories = 1 + len(demo.STORIES)
    assert Project.objects.count() == stories + demo.VOLUMES["small"].extra_projects
    assert Project.objects.filter(status=Status.CANCELLED).count() == 0
    assert f"TQM: {stories + 4} improvement projects ({active.count()} active: step 1 " in seeded


def test_the_demo_improver_leads_most_projects_with_two_more_improvement_members(seeded):
    improver = User.objects.get(username="improver")
    stories = Project.objects.filter(title__in=[s.title for s in (demo.SHOWCASE, *demo.STORIES)])
    assert stories.filter(leader=improver).count() > stories.count() / 2
    assert set(stories.values_list("sponsor__username", flat=True)) == {"dutymanager", "qamanager"}
    for username, _name in demo.IMPROVERS:
        user = User.objects.get(username=username)
        assert set(user.groups.values_list("name", flat=True)) == {Role.IMPROVEMENT_MEMBER}
        assert Project.objects.with_member(user).exists()


def test_the_showcase_was_completed_with_its_target_met_and_a_significant_effect(seeded):
    project = selectors.project_detail(User.objects.get(username="improver"), _showcase().pk)

    assert project.status == Status.COMPLETED
    assert project.completed_on < timezone.localdate()
    check = selectors.effect_check(project)
    assert (check.baseline, check.target, check.value) == (70, 90, 92)
    assert check.met
    assert (check.measurement.successes, check.measurement.sample_size) == (460, 500)
    assert (check.test.before_rate, check.test.after_rate) == (0.7, 0.92)
    assert check.test.z == pytest.approx(8.8669, abs=1e-4)
    assert check.test.significant

    topics = selectors.ranked_topics(project.topics.all())
    assert len(topics) == 3
    assert topics[0].is_chosen
    assert topics[0].score == 14
    assert project.data_plan.sample_size == 500
    before, after = selectors.before_after_datasets(project)
    assert sum(count for _label, count in before.pairs()) == 150  # the 500 − 350 dissatisfied callers
    assert sum(count for _label, count in after.pairs()) == 40  # the 500 − 460
    assert "排队时间长" in before.pairs()[0][0]
    [pareto] = selectors.pareto_views(project, other_label="Other")
    assert pareto.result.vital_few_labels == [label for label, _count in before.pairs()[:3]]

    causes = Cause.objects.filter(category__project=project)
    assert causes.values("category").distinct().count() == 6  # every bone of the 6M
    assert causes.filter(parent__isnull=False).exists()
    roots = causes.filter(is_root_cause=True)
    assert roots.count() == 2
    assert all(root.evidence for root in roots)

    measures = list(project.countermeasures.all())
    assert len(measures) == 5
    selected = [m for m in measures if m.selected]
    assert len(selected) == 3
    for measure in selected:
        assert measure.owner_id
        assert measure.status == ActionStatus.DONE
        assert measure.done_on <= measure.due_date < project.completed_on

    [current] = selectors.current_standards(project)
    assert current.version == 2
    assert current.supersedes.version == 1
    assert current.trainings.count() == 5
    assert project.lessons_learned
    [follower] = project.next_projects.all()
    assert (follower.title, follower.current_step) == (project.next_topic, Step.SELECT_TOPIC)


def test_history_is_dated_along_the_story_and_ends_on_the_completion_day(seeded):
    project = _showcase()
    events = list(project.events.order_by("id"))

    assert [e.kind for e in events] == [EventKind.CREATED, *[EventKind.ADVANCED] * 6, EventKind.COMPLETED]
    moments = [e.created_at for e in events]
    assert moments == sorted(moments)
    assert moments[-1] < timezone.now() - timedelta(days=7)
    assert timezone.localdate(moments[0]) == project.start_date
    assert timezone.localdate(moments[-1]) == project.completed_on
    assert project.created_at == moments[0]


def test_the_demo_improver_owns_an_overdue_action_on_an_active_project(seeded):
    improver = User.objects.get(username="improver")

    [action] = selectors.overdue_actions_for(improver)

    assert action.project.status == Status.ACTIVE
    assert action.project.current_step == Step.COUNTERMEASURES
    assert action.status == ActionStatus.IN_PROGRESS
    assert action.due_date < timezone.localdate()


def test_every_project_passed_the_gates_of_the_steps_behind_it(seeded):
    for project in Project.objects.all():
        behind = Step.values if project.status == Status.COMPLETED else range(1, project.current_step)
        for step in behind:
            assert gates.missing_for(project, step) == [], (project.title, step)
        advances = project.events.filter(kind=EventKind.ADVANCED)
        assert advances.count() == project.current_step - 1, project.title
        assert project.events.filter(kind=EventKind.CREATED).count() == 1


def test_the_step_two_project_pulled_complaint_counts_of_the_last_90_days(seeded):
    dataset = Dataset.objects.get(source=DatasetSource.PULLED)

    assert dataset.project.title == "Reduce repeat complaints about billing"
    assert dataset.source_key == demo.COMPLAINTS_SOURCE
    assert dataset.phase == DatasetPhase.BEFORE
    assert (dataset.period_end - dataset.period_start).days == demo.PULL_DAYS
    expected = complaint_selectors.category_counts(dataset.period_start, dataset.period_end)
    assert dataset.pairs() == expected
    assert not gates.missing_for(dataset.project)  # the data plan and a dataset: ready to advance


def test_demo_projects_can_take_their_next_step_through_the_services(seeded):
    improver = User.objects.get(username="improver")
    first = Project.objects.get(
        status=Status.ACTIVE, current_step=Step.SELECT_TOPIC, previous_project__isnull=False
    )
    last = Project.objects.get(status=Status.ACTIVE, current_step=Step.REFLECT)

    services.topic_choose(
        topic=first.topics.first(), by=improver, rationale="Second reason after the project."
    )
    assert services.project_advance(project=first, by=improver).current_step == Step.COLLECT_DATA
    services.reflection_save(project=last, by=improver, lessons_learned="Put both identifiers first.")
    assert services.project_advance(project=last, by=improver).status == Status.COMPLETED


def test_rerunning_changes_nothing_and_another_seed_adds_no_projects(seeded, settings):
    before = _snapshot()

    _seed()
    assert _snapshot() == before

    _seed(seed=7)
    assert _snapshot()["counts"] == before["counts"]
