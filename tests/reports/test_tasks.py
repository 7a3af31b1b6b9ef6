"""Celery tasks of the reports app, run in this process: one chart, fan-outs, and redraw on TQM changes."""

import contextlib
from datetime import UTC, datetime

import pytest
from celery.signals import before_task_publish
from django.utils import translation

from apps.accounts.roles import Role
from apps.complaints.models import Ticket
from apps.reports import kinds, tasks
from apps.reports.models import ChartSnapshot, ChartTask, TaskState
from apps.tqm import services as tqm_services
from apps.tqm.steps import Step
from qa_center.celery import app as celery_app
from tests.complaints.factories import CategoryFactory, TicketFactory
from tests.factories import DepartmentFactory, UserFactory
from tests.tqm.factories import project_at_step

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def eager():
    """Celery runs sent tasks here, at once (what a worker would do, without one)."""
    settings = {"task_always_eager": True, "task_eager_propagates": True}
    before = {name: celery_app.conf[name] for name in settings}
    celery_app.conf.update(settings)
    try:
        yield
    finally:
        celery_app.conf.update(before)


@contextlib.contextmanager
def published():
    """Names of the tasks sent to the broker while the block runs."""
    names: list[str] = []

    def record(sender=None, **kwargs):
        names.append(sender)

    before_task_publish.connect(record, weak=False)
    try:
        yield names
    finally:
        before_task_publish.disconnect(record)


@pytest.fixture
def tickets():
    billing = DepartmentFactory(name="Billing dept")
    category = CategoryFactory(name="Wrong charge")
    TicketFactory.create_batch(2, category=category, department=billing)
    TicketFactory(category=CategoryFactory(name="Rude agent"))
    return billing


def test_generate_chart_is_idempotent(tickets):
    first = tasks.generate_chart.apply(args=["complaint_pareto", "global"]).get()
    second = tasks.generate_chart.apply(args=["complaint_pareto", "global"]).get()
    assert first == second == {"snapshot": ChartSnapshot.objects.get().pk}


def test_generate_chart_records_progress_on_the_request(tickets):
    requester = UserFactory(roles=[Role.DUTY_MANAGER])
    ChartTask.objects.create(task_id="t-1", kind="complaint_pareto", scope="global", requested_by=requester)
    tasks.generate_chart.apply(args=["complaint_pareto", "global"], task_id="t-1")
    request = ChartTask.objects.get(task_id="t-1")
    assert (request.state, request.snapshot, request.error) == (
        TaskState.SUCCESS,
        ChartSnapshot.objects.get(),
        "",
    )
    assert request.finished_at is not None


def test_a_chart_with_nothing_to_draw_fails_the_request_with_the_reason(db):
    requester = UserFactory(roles=[Role.DUTY_MANAGER])
    ChartTask.objects.create(task_id="t-2", kind="complaint_pareto", scope="global", requested_by=requester)
    result = tasks.generate_chart.apply(args=["complaint_pareto", "global"], task_id="t-2").get()
    assert result == {"snapshot": None, "reason": "no counts in this period"}
    request = ChartTask.objects.get(task_id="t-2")
    assert (request.state, request.error) == (TaskState.FAILURE, tasks.NOTHING_TO_DRAW)
    with translation.override("zh-hans"):
        assert request.error_message not in ("", tasks.NOTHING_TO_DRAW)
    assert not ChartSnapshot.objects.exists()


def test_a_given_period_is_drawn_for_that_period(tickets):
    Ticket.objects.update(created_at=datetime(2026, 1, 20, 10, tzinfo=UTC))
    tasks.generate_chart.apply(args=["complaint_pareto", "global", "2026-01-31"]).get()
    snapshot = ChartSnapshot.objects.get()
    assert (snapshot.period, str(snapshot.period_start), str(snapshot.period_end)) == (
        "2026-01-31",
        "2026-01-02",
        "2026-01-31",
    )
    assert snapshot.data["total"] == 3


def test_generate_kind_queues_one_task_per_scope(tickets):
    other = DepartmentFactory(name="Quiet dept")
    with published() as names:
        assert tasks.generate_kind.apply(args=["complaint_pareto"]).get() == 3  # global + 2 departments
    assert names == ["reports.generate_chart"] * 3
    with eager():
        tasks.generate_kind.apply(args=["complaint_pareto"]).get()
    # The quiet department has no tickets: nothing to draw, no snapshot.
    assert set(ChartSnapshot.objects.values_list("scope", flat=True)) == {
        "global",
        f"department:{tickets.pk}",
    }
    assert not ChartSnapshot.objects.filter(scope=f"department:{other.pk}").exists()


def test_generate_schedule_covers_every_kind_on_that_schedule(tickets):
    with eager():
        queued = tasks.generate_schedule.apply(args=["hourly"]).get()
    hourly = {kind.name for kind in kinds.on_schedule("hourly")}
    assert set(queued) == hourly
    assert "complaint_pareto" in hourly
    assert "qa_score_trend" not in queued


def test_a_project_change_queues_its_charts_after_commit(settings, django_capture_on_commit_callbacks):
    settings.REPORTS_REDRAW_ON_CHANGE = True
    settings.REPORTS_REDRAW_DELAY_SECONDS = 0
    project = project_at_step(Step.CAUSES)
    category = project.fishbone_categories.order_by("position", "id").first()
    with eager(), django_capture_on_commit_callbacks(execute=True):
        tqm_services.cause_add(category=category, by=project.leader, text="Shift starts too late")
    drawn = set(ChartSnapshot.objects.filter(scope=f"project:{project.pk}").values_list("kind", flat=True))
    assert drawn == {"tqm_fishbone"}  # no Pareto saved and no "after" data yet: nothing else to draw
    fishbone = ChartSnapshot.objects.get(kind="tqm_fishbone")
    assert "Shift starts too late" in str(fishbone.data)


def test_changes_in_a_row_queue_the_redrawing_once(settings, django_capture_on_commit_callbacks):
    settings.REPORTS_REDRAW_ON_CHANGE = True
    settings.REPORTS_REDRAW_DELAY_SECONDS = 30
    project = project_at_step(Step.CAUSES)
    category = project.fishbone_categories.order_by("position", "id").first()
    with published() as names, django_capture_on_commit_callbacks(execute=True):
        tqm_services.cause_add(category=category, by=project.leader, text="First cause")
    with published() as more, django_capture_on_commit_callbacks(execute=True):
        tqm_services.cause_add(category=category, by=project.leader, text="Second cause")
    assert names == ["reports.generate_project_charts"]
    assert more == []


def test_redrawing_can_be_switched_off(settings, django_capture_on_commit_callbacks):
    settings.REPORTS_REDRAW_ON_CHANGE = False
    project = project_at_step(Step.CAUSES)
    category = project.fishbone_categories.order_by("position", "id").first()
    with published() as names, django_capture_on_commit_callbacks(execute=True):
        tqm_services.cause_add(category=category, by=project.leader, text="A cause")
    assert names == []
