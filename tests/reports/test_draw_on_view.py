"""An agent's own chart is drawn when they open it, once a day, instead of every night for every agent."""

from datetime import UTC, datetime

import pytest
import time_machine

from apps.accounts.roles import Role
from apps.reports import kinds, services
from apps.reports.models import ChartTask, TaskState
from apps.reports.scopes import Scope
from tests.reports.test_pages import make_snapshot

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Asia/Shanghai, week 2026-W48
TREND = kinds.get("qa_score_trend")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_opening_my_charts_queues_my_missing_chart_and_shows_its_progress(
    client, personas, team, django_capture_on_commit_callbacks
):
    agent = personas[Role.AGENT]
    make_snapshot("qa_score_trend", Scope("team", team.pk), generated_at=NOW)
    client.force_login(agent)

    with django_capture_on_commit_callbacks() as queued:
        body = client.get("/reports/mine/").content.decode()

    request = ChartTask.objects.get()
    assert (request.kind, request.scope, request.requested_by, request.state) == (
        "qa_score_trend",
        f"agent:{agent.pk}",
        agent,
        TaskState.PENDING,
    )
    assert len(queued) == 1  # handed to the worker once the request is committed
    assert f"/reports/tasks/{request.task_id}/" in body  # the card polls its progress
    # The team's chart is drawn on the schedule: opening it queues nothing.
    assert not ChartTask.objects.filter(scope=f"team:{team.pk}").exists()


def test_a_chart_drawn_today_for_this_period_is_not_drawn_again(client, personas):
    agent = personas[Role.AGENT]
    make_snapshot("qa_score_trend", Scope("agent", agent.pk), period="2026-W48", generated_at=NOW)
    client.force_login(agent)
    client.get("/reports/mine/")
    assert not ChartTask.objects.exists()


@pytest.mark.parametrize(
    ("period", "generated_at"),
    [
        ("2026-W48", datetime(2026, 11, 24, 15, 0, tzinfo=UTC)),  # 23:00 yesterday, Shanghai time
        ("2026-W47", NOW),  # last week's chart
    ],
)
def test_a_chart_of_yesterday_or_of_an_older_period_is_drawn_again(client, personas, period, generated_at):
    agent = personas[Role.AGENT]
    make_snapshot("qa_score_trend", Scope("agent", agent.pk), period=period, generated_at=generated_at)
    client.force_login(agent)
    client.get("/reports/mine/")
    assert ChartTask.objects.filter(scope=f"agent:{agent.pk}").count() == 1


def test_opening_the_page_again_while_it_is_drawn_follows_the_same_request(client, personas):
    agent = personas[Role.AGENT]
    client.force_login(agent)
    client.get("/reports/mine/")
    client.get("/reports/mine/")
    assert ChartTask.objects.count() == 1


def test_is_stale_rules():
    today = NOW.date()
    assert services.is_stale(TREND, None, today)
    fresh = make_snapshot("qa_score_trend", "global", period="2026-W48", generated_at=NOW)
    assert not services.is_stale(TREND, fresh, today)


def test_draw_on_view_leaves_scheduled_scopes_and_other_peoples_charts_alone(personas, team):
    agent = personas[Role.AGENT]
    assert services.draw_on_view(agent, TREND, Scope("team", team.pk), None) is None
    other = personas["other_agent"]
    assert services.draw_on_view(agent, TREND, Scope("agent", other.pk), None) is None  # not theirs to see
    assert not ChartTask.objects.exists()
