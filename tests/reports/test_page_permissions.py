"""Who opens which dashboard and which chart (apps/reports/access.py, dashboards.py), as a matrix:
every role persona, an agent of another team, a team lead, staff of a second department, someone
without a role and an anonymous visitor × every dashboard, a chart of each kind of scope, its data,
and "regenerate now".

A chart the reader may not see answers 404 (as if it did not exist); a dashboard not meant for the
reader 403; regenerating a chart one may not see 403. Agents see their own and their team's charts,
department staff only their department's complaint charts.
"""

from __future__ import annotations

import re

import pytest

from apps.accounts.roles import Role
from apps.reports.scopes import Scope
from tests.factories import UserFactory
from tests.reports.test_pages import cards_in, make_snapshot
from tests.tqm.factories import new_project

pytestmark = pytest.mark.django_db

LOGIN = 302  # pages send anonymous visitors to the login page
HTMX = {"HTTP_HX_REQUEST": "true"}
PARETO_DATA = {
    "total": 3,
    "rows": [
        {
            "label": "Billing error",
            "count": 3,
            "percent": 100.0,
            "cumulative_percent": 100.0,
            "vital_few": True,
            "is_other": False,
        }
    ],
}

# Data in the shape each kind's CSV table reads (the kinds with a CSV checked below).
DATA = {"complaint_pareto": PARETO_DATA, "qa_score_trend": {"weeks": [], "pass_mark": 80}}

DASHBOARDS = ["index", "qa", "complaints", "improvement", "management", "mine"]
# The charts of the world below, by name: (kind, scope written with the world's ids).
CHARTS = {
    "complaints_everyone": ("complaint_pareto", "global"),
    "complaints_department": ("complaint_pareto", "department:{department}"),
    "complaints_other_department": ("complaint_pareto", "department:{other_department}"),
    "qa_everyone": ("qa_score_trend", "global"),
    "qa_team": ("qa_score_trend", "team:{team}"),
    "qa_other_team": ("qa_score_trend", "team:{other_team}"),
    "qa_agent": ("qa_score_trend", "agent:{agent}"),
    "qa_other_agent": ("qa_score_trend", "agent:{other_agent}"),
    "calibration": ("calibration_alignment", "global"),
    "kpi_everyone": ("kpi_trend", "global"),
    "ranking_team": ("monthly_ranking", "team:{team}"),
    "project": ("tqm_fishbone", "project:{project}"),
}
REGENERATE = ["complaints_department", "qa_agent"]

ALL_CHARTS = dict.fromkeys(CHARTS, 200)
NO_CHARTS = dict.fromkeys(CHARTS, 404)


def _charts(*visible: str) -> dict[str, int]:
    return NO_CHARTS | dict.fromkeys(visible, 200)


def _pages(index: str | int, *dashboards: str) -> dict[str, object]:
    """``index`` is where /reports/ leads (a path) or 403; the dashboards listed open, the rest are 403."""
    return {"index": index} | {name: 200 if name in dashboards else 403 for name in DASHBOARDS[1:]}


def _regenerate(*allowed: str) -> dict[str, int]:
    return {f"regenerate {name}": 200 if name in allowed else 403 for name in REGENERATE}


QA_CHARTS = ("qa_everyone", "qa_team", "qa_other_team", "qa_agent", "qa_other_agent", "calibration")
COMPLAINT_CHARTS = ("complaints_everyone", "complaints_department", "complaints_other_department")

MATRIX = {
    Role.ADMIN: _pages("/reports/qa/", "qa", "complaints", "improvement", "management")
    | ALL_CHARTS
    | _regenerate(*REGENERATE),
    Role.QA_MANAGER: _pages("/reports/qa/", "qa", "complaints", "improvement", "management")
    | ALL_CHARTS
    | _regenerate(*REGENERATE),
    Role.QA_EVALUATOR: _pages("/reports/qa/", "qa") | _charts(*QA_CHARTS) | _regenerate("qa_agent"),
    Role.DUTY_MANAGER: _pages("/reports/complaints/", "complaints", "improvement", "management")
    | _charts(*COMPLAINT_CHARTS, "kpi_everyone", "ranking_team", "project")
    | _regenerate("complaints_department"),
    Role.EXPERT: _pages("/reports/complaints/", "complaints")
    | _charts(*COMPLAINT_CHARTS)
    | _regenerate("complaints_department"),
    Role.DEPARTMENT_STAFF: _pages("/reports/complaints/", "complaints")
    | _charts("complaints_department")
    | _regenerate("complaints_department"),
    "other_department_staff": _pages("/reports/complaints/", "complaints")
    | _charts("complaints_other_department")
    | _regenerate(),
    Role.IMPROVEMENT_MEMBER: _pages("/reports/improvement/", "improvement")
    | _charts("project")
    | _regenerate(),
    Role.AGENT: _pages("/reports/mine/", "mine") | _charts("qa_team", "qa_agent") | _regenerate("qa_agent"),
    "other_agent": _pages("/reports/mine/", "mine")
    | _charts("qa_other_team", "qa_other_agent")
    | _regenerate(),
    # A team lead is an agent who leads a team: their team's and its agents' QA charts and figures.
    "lead": _pages("/reports/qa/", "qa", "management", "mine")
    | _charts("qa_team", "qa_agent", "ranking_team")
    | _regenerate("qa_agent"),
    "no_role": _pages(403) | NO_CHARTS | _regenerate(),
    "anonymous": {name: LOGIN for name in [*DASHBOARDS, *CHARTS, *(f"regenerate {n}" for n in REGENERATE)]},
}


@pytest.fixture
def world(personas, team, other_team, department, other_department):
    lead = UserFactory(username="lead", roles=[Role.AGENT], team=team)
    team.lead = lead
    team.save()
    project = new_project(title="Shorter queues")
    ids = {
        "team": team.pk,
        "other_team": other_team.pk,
        "department": department.pk,
        "other_department": other_department.pk,
        "agent": personas[Role.AGENT].pk,
        "other_agent": personas["other_agent"].pk,
        "project": project.pk,
    }
    charts = {}
    for name, (kind, scope) in CHARTS.items():
        data = DATA.get(kind, {})
        charts[name] = make_snapshot(kind, Scope.parse(scope.format(**ids)), data=data)
    return {"people": personas | {"lead": lead}, "charts": charts}


def _status(client, name: str, world) -> object:
    if name in DASHBOARDS:
        response = client.get("/reports/" if name == "index" else f"/reports/{name}/")
        if name == "index" and response.status_code == 302 and not response["Location"].startswith("/login/"):
            return response["Location"]
        return response.status_code
    if name.startswith("regenerate "):
        snapshot = world["charts"][name.removeprefix("regenerate ")]
        return client.post(
            "/reports/regenerate/", {"kind": snapshot.kind, "scope": snapshot.scope}, **HTMX
        ).status_code
    return client.get(f"/reports/charts/{world['charts'][name].pk}.svg").status_code


@pytest.mark.parametrize("actor", list(MATRIX))
def test_every_actor_opens_exactly_their_dashboards_and_charts(client, world, actor):
    if actor != "anonymous":
        client.force_login(world["people"][actor])
    statuses = {name: _status(client, name, world) for name in MATRIX[actor]}
    assert statuses == MATRIX[actor]


@pytest.mark.parametrize("actor", [Role.DEPARTMENT_STAFF, Role.AGENT, Role.EXPERT])
def test_data_and_png_follow_the_same_rule_as_the_image(client, world, actor):
    client.force_login(world["people"][actor])
    for name, snapshot in world["charts"].items():
        expected = MATRIX[actor][name]
        for extension in ("png", "csv") if snapshot.kind in DATA else ("png",):
            assert client.get(f"/reports/charts/{snapshot.pk}.{extension}").status_code == expected, (
                name,
                extension,
            )


def test_department_staff_get_only_their_departments_complaint_cards(client, world, department):
    client.force_login(world["people"][Role.DEPARTMENT_STAFF])
    body = client.get("/reports/complaints/").content.decode()
    suffix = f"department-{department.pk}"
    assert list(cards_in(body)) == [
        f"card-complaint_pareto-{suffix}",
        f"card-complaint_flow-{suffix}",
        f"card-complaint_sla_trend-{suffix}",
    ]
    assert "Not generated yet." not in cards_in(body)[f"card-complaint_pareto-{suffix}"]


def test_an_agent_gets_only_their_own_and_their_teams_cards(client, world, team):
    agent = world["people"][Role.AGENT]
    client.force_login(agent)
    body = client.get("/reports/mine/").content.decode()
    assert list(cards_in(body)) == [
        f"card-qa_score_trend-agent-{agent.pk}",
        f"card-qa_score_trend-team-{team.pk}",
    ]
    for card in cards_in(body).values():
        assert "Not generated yet." not in card
    images = set(re.findall(r"/reports/charts/(\d+)\.svg", body))
    assert sorted(map(int, images)) == sorted([world["charts"]["qa_agent"].pk, world["charts"]["qa_team"].pk])


def test_a_team_lead_sees_the_ranking_of_their_team_only(client, world, team, other_team):
    client.force_login(world["people"]["lead"])
    body = client.get("/reports/management/").content.decode()
    assert re.findall(r'<option value="([^"]+)"', body) == [f"team:{team.pk}"]
    assert f"card-monthly_ranking-team-{team.pk}" in cards_in(body)
    assert client.get(f"/reports/management/?scope=team:{other_team.pk}").status_code == 400
    assert client.get("/reports/management/?scope=global").status_code == 400


def test_the_projects_leader_without_a_reading_role_has_the_improvement_dashboard(client, world):
    project = world["charts"]["project"]
    leader = UserFactory(roles=[Role.AGENT])
    from apps.tqm.models import Project

    Project.objects.filter(pk=project.scope_id).update(leader=leader)
    client.force_login(leader)
    assert client.get("/reports/improvement/").status_code == 200
    assert client.get(f"/reports/charts/{project.pk}.svg").status_code == 200
    assert client.get(f"/reports/charts/{world['charts']['qa_team'].pk}.svg").status_code == 404
