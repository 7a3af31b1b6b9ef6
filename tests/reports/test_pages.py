"""Dashboard pages: the cards each dashboard shows with their snapshot (period, generated time, image in
the reader's language), "regenerate now" and its polled progress, and the charts' files (SVG, PNG, CSV).
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from apps.accounts.roles import Role
from apps.reports import files, kinds, scopes
from apps.reports.models import ChartImage, ChartSnapshot, ChartTask, TaskState
from apps.reports.scopes import Scope
from qa_center.celery import app as celery_app
from tests.complaints.factories import CategoryFactory, TicketFactory
from tests.factories import UserFactory
from tests.scorecards.factories import ScorecardFactory
from tests.tqm.factories import improvement_member, new_project

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
GENERATED = datetime(2026, 11, 29, 10, 15, 30, tzinfo=UTC)  # 18:15:30 in Asia/Shanghai


# --- Builders (also used by test_page_permissions.py) ----------------------------------------------


def make_snapshot(
    kind: str,
    scope: Scope | str,
    *,
    period: str = "2026-W48",
    start: date | None = date(2026, 9, 7),
    end: date | None = date(2026, 11, 29),
    generated_at: datetime = GENERATED,
    data: dict | None = None,
    languages: tuple[str, ...] = ("en", "zh-hans"),
) -> ChartSnapshot:
    """A snapshot row with a small SVG and PNG per language, as services.generate would leave it."""
    scope = Scope.parse(scope) if isinstance(scope, str) else scope
    snapshot = ChartSnapshot.objects.create(
        kind=kind,
        scope=scope.key,
        scope_type=scope.type,
        scope_id=scope.id,
        scope_label=scopes.label(scope),
        period=period,
        period_start=start,
        period_end=end,
        data=data if data is not None else {"rows": []},
        generated_at=generated_at,
        duration_ms=42,
    )
    for language in languages:
        svg = files.relative_path(kind, scope.key, period, language, "svg")
        png = files.relative_path(kind, scope.key, period, language, "png")
        text = f"{kind} {scope.key} {period} {language}"
        files.write_atomically(
            svg, f'<svg xmlns="http://www.w3.org/2000/svg"><text>{text}</text></svg>'.encode()
        )
        files.write_atomically(png, b"\x89PNG\r\n\x1a\n" + text.encode())
        ChartImage.objects.create(snapshot=snapshot, language=language, svg=svg, png=png)
    return snapshot


def cards_in(body: str) -> dict[str, str]:
    """The chart cards of a page by element id (``card-<kind>-<scope>``), each with its HTML."""
    pattern = re.compile(r'<article id="(card-[^"]+)".*?</article>', flags=re.S)
    return {match.group(1): match.group(0) for match in pattern.finditer(body)}


def card_html(body: str, kind: str, scope: str) -> str:
    return cards_in(body)[f"card-{kind}-{scope.replace(':', '-')}"]


def options_of(body: str) -> list[str]:
    select = re.search(r'<select name="scope".*?</select>', body, flags=re.S)
    return re.findall(r'<option value="([^"]+)"', select.group(0)) if select else []


def selected_option(body: str) -> str | None:
    match = re.search(r'<option value="([^"]+)"[^>]*selected', body)
    return match.group(1) if match else None


def label(kind: str) -> str:
    return str(kinds.get(kind).label)


@pytest.fixture
def lead(team):
    """An agent who leads the Aurora team (team leads are agents with a team)."""
    person = UserFactory(username="lead", roles=[Role.AGENT], team=team)
    team.lead = person
    team.save()
    return person


@pytest.fixture
def eager_celery():
    """Celery runs a task as it is sent (tests/metrics/test_imports.py does the same by hand)."""
    eager = {"task_always_eager": True, "task_eager_propagates": True}
    before = {name: celery_app.conf[name] for name in eager}
    celery_app.conf.update(eager)
    yield
    celery_app.conf.update(before)


@pytest.fixture
def tickets():
    billing, delivery = CategoryFactory(name="Billing error"), CategoryFactory(name="Late delivery")
    TicketFactory.create_batch(3, category=billing)
    TicketFactory.create_batch(1, category=delivery)


# --- /reports/ ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "target"),
    [
        (Role.AGENT, "/reports/mine/"),
        (Role.QA_MANAGER, "/reports/qa/"),
        (Role.DUTY_MANAGER, "/reports/complaints/"),
        (Role.DEPARTMENT_STAFF, "/reports/complaints/"),
        (Role.IMPROVEMENT_MEMBER, "/reports/improvement/"),
    ],
)
def test_reports_opens_the_first_dashboard_of_the_role(client, personas, role, target):
    client.force_login(personas[role])
    response = client.get("/reports/")
    assert (response.status_code, response["Location"]) == (302, target)


def test_someone_without_a_dashboard_gets_the_403_page(client, personas):
    client.force_login(personas["no_role"])
    response = client.get("/reports/")
    assert response.status_code == 403
    assert "Your role has no dashboard of charts." in response.content.decode()


def test_the_tabs_list_the_dashboards_of_the_reader(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    body = client.get("/reports/qa/").content.decode()
    assert re.findall(r'data-dashboard="([a-z]+)"', body) == ["qa", "complaints", "improvement", "management"]
    assert 'data-dashboard="qa" aria-current="page"' in body
    assert 'data-nav="reports" aria-current="page"' in body


# --- The QA dashboard -----------------------------------------------------------------------------


def test_qa_dashboard_shows_everyone_by_default_with_period_and_generated_time(client, personas, team):
    make_snapshot("qa_score_trend", "global")
    make_snapshot("qa_pass_rate_pchart", "global", generated_at=GENERATED + timedelta(minutes=1))
    make_snapshot("calibration_alignment", "global")
    make_snapshot("qa_score_trend", Scope("team", team.pk))  # another scope: not on this page
    client.force_login(personas[Role.QA_MANAGER])

    response = client.get("/reports/qa/")

    assert response.status_code == 200
    body = response.content.decode()
    assert selected_option(body) == "global"
    assert list(cards_in(body)) == [
        "card-qa_score_trend-global",
        "card-qa_pass_rate_pchart-global",
        "card-calibration_alignment-global",
    ]
    trend = card_html(body, "qa_score_trend", "global")
    assert label("qa_score_trend") in trend
    assert "Everyone" in trend
    assert "2026-W48" in trend
    assert "Sept. 7, 2026 to Nov. 29, 2026" in trend
    assert 'datetime="2026-11-29T18:15:30+08:00"' in trend
    assert "Nov. 29, 2026 18:15:30" in trend
    assert 'data-testid="chart-card-qa_score_trend"' in trend
    pchart = card_html(body, "qa_pass_rate_pchart", "global")
    assert "18:16:30" in pchart


def test_qa_dashboard_for_a_team_shows_the_latest_period_of_each_chart(client, personas, team, other_team):
    scope = Scope("team", team.pk)
    make_snapshot("qa_score_trend", scope, period="2026-W47", end=date(2026, 11, 22))
    latest = make_snapshot(
        "qa_score_trend", scope, period="2026-W48", generated_at=GENERATED - timedelta(days=1)
    )
    make_snapshot("qa_score_trend", scope, period="2026-W46", end=date(2026, 11, 15))
    client.force_login(personas[Role.QA_EVALUATOR])

    body = client.get(f"/reports/qa/?scope=team:{team.pk}").content.decode()

    assert options_of(body) == ["global", f"team:{team.pk}", f"team:{other_team.pk}"]
    assert selected_option(body) == f"team:{team.pk}"
    trend = card_html(body, "qa_score_trend", f"team:{team.pk}")
    assert "2026-W48" in trend
    assert "2026-W47" not in trend
    assert f"/reports/charts/{latest.pk}.svg?lang=en&amp;v=" in trend
    assert "Team Aurora" in trend
    # The p-chart of this team is not drawn yet: its card says so and offers the button.
    pchart = card_html(body, "qa_pass_rate_pchart", f"team:{team.pk}")
    assert "Not generated yet." in pchart
    assert "Team Aurora" in pchart
    assert 'data-testid="regenerate"' in pchart


def test_qa_dashboard_has_one_failed_criteria_card_per_drawn_scorecard(client, personas):
    greeting, closing, never_drawn = (
        ScorecardFactory(name="Greeting"),
        ScorecardFactory(name="Closing"),
        ScorecardFactory(name="Unused"),
    )
    make_snapshot("qa_failed_criteria", Scope("scorecard", greeting.pk))
    make_snapshot("qa_failed_criteria", Scope("scorecard", closing.pk))
    client.force_login(personas[Role.QA_MANAGER])

    body = client.get("/reports/qa/").content.decode()

    failed = [key for key in cards_in(body) if key.startswith("card-qa_failed_criteria-")]
    assert failed == [
        f"card-qa_failed_criteria-scorecard-{closing.pk}",
        f"card-qa_failed_criteria-scorecard-{greeting.pk}",
    ]
    assert f"scorecard-{never_drawn.pk}" not in body
    assert "Failed criteria by scorecard" in body
    assert "Closing" in cards_in(body)[failed[0]]


def test_a_team_lead_chooses_among_the_teams_they_lead_only(client, lead, team, other_team):
    make_snapshot("qa_score_trend", Scope("team", team.pk))
    client.force_login(lead)

    body = client.get("/reports/qa/").content.decode()

    assert options_of(body) == [f"team:{team.pk}"]
    assert list(cards_in(body)) == [
        f"card-qa_score_trend-team-{team.pk}",
        f"card-qa_pass_rate_pchart-team-{team.pk}",
    ]
    # Calibration and the scorecards' Paretos are for QA staff.
    assert "calibration_alignment" not in body
    response = client.get(f"/reports/qa/?scope=team:{other_team.pk}")
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert cards_in(response.content.decode()) == {}


@pytest.mark.parametrize("value", ["everyone", "team:abc", "team:999999", "global;drop"])
def test_a_scope_that_is_not_on_offer_is_a_400_with_the_message_by_the_filter(client, personas, value):
    client.force_login(personas[Role.QA_MANAGER])
    response = client.get("/reports/qa/", {"scope": value})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="field field-error"' in body
    assert "Select a valid choice." in body
    assert cards_in(body) == {}


# --- The complaints dashboard ---------------------------------------------------------------------


def test_complaints_dashboard_for_a_duty_manager_offers_every_department(
    client, personas, department, other_department
):
    make_snapshot("complaint_pareto", "global", period="2026-11-29", start=date(2026, 10, 31))
    make_snapshot(
        "complaint_flow", Scope("department", department.pk), period="2026-11-29", start=date(2026, 10, 31)
    )
    client.force_login(personas[Role.DUTY_MANAGER])

    body = client.get("/reports/complaints/").content.decode()
    assert options_of(body) == ["global", f"department:{department.pk}", f"department:{other_department.pk}"]
    assert list(cards_in(body)) == [
        "card-complaint_pareto-global",
        "card-complaint_flow-global",
        "card-complaint_sla_trend-global",
    ]
    assert "Oct. 31, 2026 to Nov. 29, 2026" in card_html(body, "complaint_pareto", "global")

    body = client.get(f"/reports/complaints/?scope=department:{department.pk}").content.decode()
    flow = card_html(body, "complaint_flow", f"department:{department.pk}")
    assert "Billing" in flow
    assert "Not generated yet." not in flow
    assert "Not generated yet." in card_html(body, "complaint_pareto", f"department:{department.pk}")


def test_department_staff_see_their_department_only(client, personas, department, other_department):
    make_snapshot("complaint_pareto", Scope("department", department.pk))
    make_snapshot("complaint_pareto", Scope("department", other_department.pk))
    make_snapshot("complaint_pareto", "global")
    client.force_login(personas[Role.DEPARTMENT_STAFF])

    body = client.get("/reports/complaints/").content.decode()

    assert options_of(body) == [f"department:{department.pk}"]
    assert selected_option(body) == f"department:{department.pk}"
    assert "Not generated yet." not in card_html(body, "complaint_pareto", f"department:{department.pk}")
    for refused in ("global", f"department:{other_department.pk}"):
        assert client.get("/reports/complaints/", {"scope": refused}).status_code == 400


def test_department_staff_in_no_department_are_told_there_is_nothing_yet(client):
    staff = UserFactory(roles=[Role.DEPARTMENT_STAFF])
    client.force_login(staff)
    response = client.get("/reports/complaints/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is nothing here for you to chart yet." in body
    assert 'data-testid="dashboard-filter"' not in body


# --- Improvement projects -------------------------------------------------------------------------


def test_improvement_dashboard_lists_the_members_projects_first(client):
    member = improvement_member(username="mei")
    theirs = new_project(leader=member, title="Shorter queues")
    also_theirs = new_project(members=[member], title="Fewer transfers")
    others = new_project(title="Better greetings")
    make_snapshot("tqm_fishbone", Scope("project", theirs.pk), period="current", start=None, end=None)
    client.force_login(member)

    body = client.get("/reports/improvement/").content.decode()

    assert re.findall(r'<optgroup label="([^"]+)"', body) == ["My projects", "Other projects"]
    assert options_of(body) == [f"project:{also_theirs.pk}", f"project:{theirs.pk}", f"project:{others.pk}"]
    assert selected_option(body) == f"project:{also_theirs.pk}"
    body = client.get(f"/reports/improvement/?scope=project:{theirs.pk}").content.decode()
    assert list(cards_in(body)) == [
        f"card-tqm_pareto-project-{theirs.pk}",
        f"card-tqm_fishbone-project-{theirs.pk}",
        f"card-tqm_before_after-project-{theirs.pk}",
    ]
    fishbone = card_html(body, "tqm_fishbone", f"project:{theirs.pk}")
    assert "As the data is now" in fishbone
    assert "Shorter queues" in fishbone


def test_a_project_member_without_a_reading_role_sees_only_their_projects(client):
    member = UserFactory(roles=[Role.AGENT])
    mine = new_project(members=[member], title="Fewer transfers")
    new_project(title="Better greetings")
    client.force_login(member)

    body = client.get("/reports/improvement/").content.decode()

    assert options_of(body) == [f"project:{mine.pk}"]
    assert "optgroup" not in body


# --- Management and an agent's own charts ---------------------------------------------------------


def test_management_dashboard_shows_the_kpi_trend_and_for_a_team_the_ranking(client, personas, team):
    make_snapshot("kpi_trend", "global")
    make_snapshot(
        "monthly_ranking",
        Scope("team", team.pk),
        period="2026-10",
        start=date(2026, 10, 1),
        end=date(2026, 10, 31),
    )
    client.force_login(personas[Role.DUTY_MANAGER])

    body = client.get("/reports/management/").content.decode()
    assert list(cards_in(body)) == ["card-kpi_trend-global"]
    assert f"Not drawn for this choice: {label('monthly_ranking')}." in body

    body = client.get(f"/reports/management/?scope=team:{team.pk}").content.decode()
    assert list(cards_in(body)) == [f"card-kpi_trend-team-{team.pk}", f"card-monthly_ranking-team-{team.pk}"]
    ranking = card_html(body, "monthly_ranking", f"team:{team.pk}")
    assert "2026-10" in ranking
    assert "Oct. 1, 2026 to Oct. 31, 2026" in ranking
    assert 'data-testid="elsewhere"' not in body


def test_an_agent_sees_their_own_trend_and_their_teams(client, personas, team):
    agent = personas[Role.AGENT]
    make_snapshot("qa_score_trend", Scope("agent", agent.pk))
    make_snapshot("qa_score_trend", Scope("team", team.pk))
    make_snapshot("qa_score_trend", Scope("agent", personas["other_agent"].pk))
    client.force_login(agent)

    body = client.get("/reports/mine/").content.decode()

    assert list(cards_in(body)) == [
        f"card-qa_score_trend-agent-{agent.pk}",
        f"card-qa_score_trend-team-{team.pk}",
    ]
    assert "My scores" in body
    assert "My team" in body
    assert agent.name in card_html(body, "qa_score_trend", f"agent:{agent.pk}")
    assert 'data-testid="dashboard-filter"' not in body


# --- Images in the reader's language, queries -----------------------------------------------------


def test_the_card_shows_the_image_in_the_readers_language_else_the_default(client, personas):
    chinese = make_snapshot("complaint_pareto", "global", period="2026-11-29")
    english_only = make_snapshot("complaint_flow", "global", period="2026-11-29", languages=("en",))
    client.force_login(personas[Role.DUTY_MANAGER])
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    body = client.get("/reports/complaints/").content.decode()

    pareto = card_html(body, "complaint_pareto", "global")
    assert f"/reports/charts/{chinese.pk}.svg?lang=zh-hans&amp;v=" in pareto
    assert 'loading="lazy"' in pareto
    flow = card_html(body, "complaint_flow", "global")
    assert f"/reports/charts/{english_only.pk}.svg?lang=en&amp;v=" in flow


def test_the_generated_time_says_how_long_ago(client, personas):
    make_snapshot("complaint_pareto", "global", generated_at=timezone.now() - timedelta(minutes=5))
    client.force_login(personas[Role.DUTY_MANAGER])
    body = client.get("/reports/complaints/").content.decode()
    assert "(5\xa0minutes ago)" in card_html(body, "complaint_pareto", "global")


# Session, user, roles, teams for the filter, teams led, the latest snapshots, their images, the
# reader's open requests.
QA_PAGE_QUERIES = 8


def test_dashboard_queries_do_not_grow_with_snapshots(client, personas, django_assert_num_queries):
    manager = personas[Role.QA_MANAGER]
    client.force_login(manager)
    scorecards = [ScorecardFactory() for _ in range(12)]
    make_snapshot("qa_score_trend", "global")
    make_snapshot("qa_failed_criteria", Scope("scorecard", scorecards[0].pk))

    with django_assert_num_queries(QA_PAGE_QUERIES):
        body = client.get("/reports/qa/").content.decode()
    assert len(cards_in(body)) == 4

    # More periods of the same charts, more scorecards, more kinds drawn, an open request.
    for week in range(40, 48):
        end = date(2026, 11, 29) - timedelta(weeks=48 - week)
        make_snapshot("qa_score_trend", "global", period=f"2026-W{week}", end=end)
    for scorecard in scorecards[1:]:
        make_snapshot("qa_failed_criteria", Scope("scorecard", scorecard.pk))
    make_snapshot("calibration_alignment", "global")
    make_snapshot("qa_pass_rate_pchart", "global")
    ChartTask.objects.create(task_id="t-1", kind="qa_pass_rate_pchart", scope="global", requested_by=manager)

    with django_assert_num_queries(QA_PAGE_QUERIES):
        body = client.get("/reports/qa/").content.decode()
    assert len([key for key in cards_in(body) if "qa_failed_criteria" in key]) == 12
    assert 'data-testid="chart-progress"' in card_html(body, "qa_pass_rate_pchart", "global")


# --- Regenerate now -------------------------------------------------------------------------------


def test_regenerate_creates_a_request_queued_on_commit_and_answers_with_the_working_card(
    client, personas, tickets, django_capture_on_commit_callbacks, eager_celery
):
    manager = personas[Role.DUTY_MANAGER]
    old = make_snapshot("complaint_pareto", "global", period=timezone.localdate().isoformat())
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/reports/regenerate/",
            {"kind": "complaint_pareto", "scope": "global", "next": "/reports/complaints/"},
            **HTMX,
        )

    assert response.status_code == 200
    request = ChartTask.objects.get()
    assert (request.kind, request.scope, request.requested_by, request.state) == (
        "complaint_pareto",
        "global",
        manager,
        TaskState.PENDING,
    )
    assert len(callbacks) == 1
    body = response.content.decode()
    assert body.lstrip().startswith('<article id="card-complaint_pareto-global"')
    assert 'id="card-complaint_pareto-global"' in body
    assert f'hx-get="/reports/tasks/{request.task_id}/"' in body
    assert 'hx-trigger="every 1s"' in body
    assert "Waiting for a worker…" in body
    assert 'data-testid="regenerate"' not in body  # no second press while it runs
    assert "Nov. 29, 2026 18:15:30" in body  # the old chart stays visible meanwhile

    # The committed callback sends the task; with Celery eager it draws the chart here.
    callbacks[0]()
    request.refresh_from_db()
    assert request.state == TaskState.SUCCESS
    snapshot = ChartSnapshot.objects.get(kind="complaint_pareto", scope="global")
    assert snapshot.pk == old.pk
    assert snapshot.generated_at > GENERATED
    assert snapshot.data["total"] == 4

    poll = client.get(f"/reports/tasks/{request.task_id}/", **HTMX)
    assert poll.status_code == 200
    assert poll["HX-Retarget"] == "#card-complaint_pareto-global"
    assert poll["HX-Reswap"] == "outerHTML"
    fresh = poll.content.decode()
    assert "Nov. 29, 2026 18:15:30" not in fresh
    stamp = round(snapshot.generated_at.timestamp() * 1000)
    assert f"/reports/charts/{snapshot.pk}.svg?lang=en&amp;v={stamp}" in fresh
    assert f'datetime="{timezone.localtime(snapshot.generated_at).isoformat()}"' in fresh
    assert 'data-testid="regenerate"' in fresh
    assert 'hx-trigger="every 1s"' not in fresh


def test_a_second_press_follows_the_request_already_waiting(client, personas):
    client.force_login(personas[Role.DUTY_MANAGER])
    first = client.post("/reports/regenerate/", {"kind": "complaint_flow", "scope": "global"}, **HTMX)
    second = client.post("/reports/regenerate/", {"kind": "complaint_flow", "scope": "global"}, **HTMX)
    assert first.status_code == second.status_code == 200
    assert ChartTask.objects.count() == 1
    task_id = ChartTask.objects.get().task_id
    assert f"/reports/tasks/{task_id}/" in second.content.decode()


def test_regenerate_without_htmx_goes_back_to_the_dashboard_with_a_message(client, personas):
    client.force_login(personas[Role.DUTY_MANAGER])
    response = client.post(
        "/reports/regenerate/", {"kind": "complaint_flow", "scope": "global", "next": "/reports/complaints/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/reports/complaints/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The chart is being redrawn; it appears here when it is ready."
    ]
    # Reloaded, the dashboard shows the request's progress on its card.
    body = client.get("/reports/complaints/").content.decode()
    flow = card_html(body, "complaint_flow", "global")
    assert 'data-state="pending"' in flow
    assert f"/reports/tasks/{ChartTask.objects.get().task_id}/" in flow


def test_regenerate_refuses_a_next_url_elsewhere(client, personas):
    client.force_login(personas[Role.DUTY_MANAGER])
    response = client.post(
        "/reports/regenerate/", {"kind": "complaint_flow", "scope": "global", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/reports/"


@pytest.mark.parametrize(
    ("kind", "scope", "message"),
    [
        ("no_such_chart", "global", "Unknown kind of chart."),
        ("complaint_pareto", "department", 'Write the scope as "global" or as type:id, for example team:3.'),
        ("complaint_pareto", "team:1", "This kind of chart is drawn for: global, department."),
        ("complaint_pareto", "department:999999", "There is no department:999999."),
    ],
)
def test_regenerate_with_bad_input_is_a_400_with_the_reason(client, personas, kind, scope, message):
    client.force_login(personas[Role.DUTY_MANAGER])
    for headers in ({}, HTMX):
        response = client.post("/reports/regenerate/", {"kind": kind, "scope": scope}, **headers)
        assert response.status_code == 400
        body = html.unescape(response.content.decode())
        assert "The chart cannot be regenerated." in body
        assert message in body
    assert not ChartTask.objects.exists()


def test_regenerating_a_chart_one_may_not_see_is_refused_in_the_card(
    client, personas, department, other_department
):
    client.force_login(personas[Role.DEPARTMENT_STAFF])
    response = client.post(
        "/reports/regenerate/",
        {"kind": "complaint_pareto", "scope": f"department:{other_department.pk}"},
        **HTMX,
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="chart-error"' in body
    assert "You may not see this chart." in body
    assert (
        client.post("/reports/regenerate/", {"kind": "complaint_pareto", "scope": "global"}).status_code
        == 403
    )
    assert not ChartTask.objects.exists()


def test_regenerate_is_a_post(client, personas):
    client.force_login(personas[Role.DUTY_MANAGER])
    assert client.get("/reports/regenerate/?kind=complaint_flow&scope=global").status_code == 405


# --- Polling a request ----------------------------------------------------------------------------


def _request(user, state, **fields) -> ChartTask:
    return ChartTask.objects.create(
        task_id=f"task-{state}",
        kind="complaint_pareto",
        scope="global",
        requested_by=user,
        state=state,
        **fields,
    )


@pytest.mark.parametrize(
    ("state", "text"), [(TaskState.PENDING, "Waiting for a worker…"), (TaskState.STARTED, "Drawing…")]
)
def test_polling_a_request_in_progress_answers_with_the_progress_element(client, personas, state, text):
    manager = personas[Role.DUTY_MANAGER]
    request = _request(manager, state)
    client.force_login(manager)

    response = client.get(f"/reports/tasks/{request.task_id}/", **HTMX)

    assert response.status_code == 200
    assert "HX-Retarget" not in response
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="chart-progress"')
    assert f'data-state="{state}"' in body
    assert text in body
    assert f'hx-get="/reports/tasks/{request.task_id}/" hx-trigger="every 1s" hx-swap="outerHTML"' in body


def test_polling_a_finished_request_answers_with_the_fresh_card(client, personas):
    manager = personas[Role.DUTY_MANAGER]
    snapshot = make_snapshot("complaint_pareto", "global", period="2026-11-29", generated_at=GENERATED)
    request = _request(manager, TaskState.SUCCESS, snapshot=snapshot)
    client.force_login(manager)

    response = client.get(f"/reports/tasks/{request.task_id}/", **HTMX)

    assert response["HX-Retarget"] == "#card-complaint_pareto-global"
    body = response.content.decode()
    assert 'data-testid="chart-progress"' not in body
    assert "Nov. 29, 2026 18:15:30" in body
    assert f"v={round(GENERATED.timestamp() * 1000)}" in body


def test_polling_a_failed_request_shows_the_error_and_the_button_again(client, personas):
    manager = personas[Role.DUTY_MANAGER]
    request = _request(manager, TaskState.FAILURE, error="no counts in this period")
    client.force_login(manager)

    response = client.get(f"/reports/tasks/{request.task_id}/", **HTMX)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#card-complaint_pareto-global"
    body = response.content.decode()
    assert "The chart could not be drawn: no counts in this period" in body
    assert 'data-testid="regenerate"' in body
    assert "Not generated yet." in body


def test_someone_elses_request_and_an_unknown_one_are_404(client, personas):
    request = _request(personas[Role.QA_MANAGER], TaskState.PENDING)
    client.force_login(personas[Role.DUTY_MANAGER])
    assert client.get(f"/reports/tasks/{request.task_id}/", **HTMX).status_code == 404
    assert client.get("/reports/tasks/no-such-task/", **HTMX).status_code == 404


# --- The charts' files ----------------------------------------------------------------------------


@pytest.fixture
def pareto(tickets):
    from apps.reports import services

    return services.generate(kinds.get("complaint_pareto"), scopes.GLOBAL_SCOPE)


def test_svg_is_shown_inline_in_the_requested_language_with_a_strict_policy(client, personas, pareto):
    client.force_login(personas[Role.DUTY_MANAGER])

    english = client.get(f"/reports/charts/{pareto.pk}.svg")
    chinese = client.get(f"/reports/charts/{pareto.pk}.svg?lang=zh-hans")

    assert english.status_code == chinese.status_code == 200
    assert english["Content-Type"] == "image/svg+xml"
    assert english["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    period = pareto.period
    assert english["Content-Disposition"] == f'inline; filename="complaint_pareto-global-{period}-en.svg"'
    assert "Complaints by category" in english.content.decode()
    assert "Complaints by category" not in chinese.content.decode()
    assert "Billing error" in chinese.content.decode()


def test_the_active_language_is_used_without_lang_and_a_bad_lang_falls_back(client, personas, pareto):
    client.force_login(personas[Role.DUTY_MANAGER])
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "Complaints by category" not in client.get(f"/reports/charts/{pareto.pk}.svg").content.decode()
    response = client.get(f"/reports/charts/{pareto.pk}.svg?lang=xx")
    assert response.status_code == 200
    assert "Complaints by category" not in response.content.decode()


def test_png_is_a_download(client, personas, pareto):
    client.force_login(personas[Role.DUTY_MANAGER])
    response = client.get(f"/reports/charts/{pareto.pk}.png?lang=zh-hans")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="complaint_pareto-global-{pareto.period}-zh-hans.png"'
    )
    assert response.content.startswith(b"\x89PNG")


def test_csv_holds_the_snapshot_data_with_the_header_in_the_readers_language(client, personas, pareto):
    client.force_login(personas[Role.DUTY_MANAGER])

    response = client.get(f"/reports/charts/{pareto.pk}.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="complaint_pareto-global-{pareto.period}-en.csv"'
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Category", "Count", "Percent", "Cumulative %", "Vital few"]
    assert [row[:3] for row in rows[1:]] == [["Billing error", "3", "75.0"], ["Late delivery", "1", "25.0"]]

    chinese = client.get(f"/reports/charts/{pareto.pk}.csv?lang=zh-hans").content.decode("utf-8")
    header = next(csv.reader(io.StringIO(chinese.lstrip("\ufeff"))))
    assert header[:3] == ["业务分类", "频数", "百分比"] or header[:2] == ["业务分类", "频数"]
    assert "Billing error" in chinese


def test_files_are_private_and_revalidated_against_the_generated_time(client, personas, pareto, tickets):
    client.force_login(personas[Role.DUTY_MANAGER])
    url = f"/reports/charts/{pareto.pk}.svg"

    first = client.get(url)
    cache_control = {part.strip() for part in first["Cache-Control"].split(",")}
    assert {"private", "no-cache"} <= cache_control
    assert first["Last-Modified"]
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(f"{url}?lang=zh-hans", HTTP_IF_NONE_MATCH=etag).status_code == 200

    from apps.reports import services

    TicketFactory(category=CategoryFactory(name="Rude agent"))
    services.generate(kinds.get("complaint_pareto"), scopes.GLOBAL_SCOPE)
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag
    assert "Rude agent" in again.content.decode()


def test_a_missing_image_file_is_404_not_500(client, personas, pareto, media_root):
    client.force_login(personas[Role.DUTY_MANAGER])
    image = pareto.images.get(language="en")
    (media_root / image.png.name).unlink()
    assert client.get(f"/reports/charts/{pareto.pk}.png?lang=en").status_code == 404


def test_an_unknown_chart_is_404(client, personas):
    client.force_login(personas[Role.DUTY_MANAGER])
    assert client.get("/reports/charts/999999.svg").status_code == 404
    assert client.get("/reports/charts/999999.csv").status_code == 404


def test_an_agent_on_an_improvement_project_lands_on_their_own_charts(client, personas):
    agent = personas[Role.AGENT]
    new_project(members=[agent])
    client.force_login(agent)
    assert client.get("/reports/")["Location"] == "/reports/mine/"
    body = client.get("/reports/mine/").content.decode()
    assert re.findall(r'data-dashboard="([a-z]+)"', body) == ["mine", "improvement"]
