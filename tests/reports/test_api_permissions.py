"""Who sees which chart through the reports API: every persona × every endpoint.

The rules are apps/reports/access.py's; these tests pin what they mean for the API: an agent sees
their own and their team's QA charts, department staff the complaint charts of their department, and
an invisible chart is a 404 on every endpoint, as if it did not exist.
"""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.reports.models import ChartTask
from tests.factories import UserFactory
from tests.reports.test_api import make_snapshot
from tests.tqm.factories import project_rows

pytestmark = pytest.mark.django_db

CHARTS = "/api/v1/reports/charts/"
COMPLAINT_CHARTS = {"complaints_all", "complaints_billing", "complaints_logistics"}
QA_CHARTS = {"qa_team", "qa_other_team", "qa_own", "qa_teammate", "qa_other_agent"}
EVERY_CHART = QA_CHARTS | COMPLAINT_CHARTS | {"calibration", "kpi_team", "tqm"}

# What each persona sees (access.py's grants, spelt out).
SEES = {
    Role.AGENT: {"qa_team", "qa_own"},
    "other_agent": {"qa_other_team", "qa_other_agent"},
    "team_lead": {"qa_team", "qa_own", "qa_teammate", "kpi_team"},
    Role.QA_EVALUATOR: QA_CHARTS | {"calibration"},
    Role.QA_MANAGER: EVERY_CHART,
    Role.EXPERT: COMPLAINT_CHARTS,
    Role.DUTY_MANAGER: COMPLAINT_CHARTS | {"kpi_team", "tqm"},
    Role.DEPARTMENT_STAFF: {"complaints_billing"},
    "other_department_staff": {"complaints_logistics"},
    Role.IMPROVEMENT_MEMBER: {"tqm"},
    Role.ADMIN: EVERY_CHART,
}
PERSONAS = sorted(SEES, key=str)


@pytest.fixture
def people(personas, team):
    """The personas, plus a teammate of the agent and the lead of their team (a user with no role)."""
    people = dict(personas)
    people["teammate"] = UserFactory(username="teammate", roles=[Role.AGENT], team=team)
    people["team_lead"] = UserFactory(username="lead")
    team.lead = people["team_lead"]
    team.save()
    return people


@pytest.fixture
def project(people):
    [project] = project_rows(1, leader=people[Role.IMPROVEMENT_MEMBER], sponsor=people[Role.DUTY_MANAGER])
    return project


@pytest.fixture
def charts(people, team, other_team, department, other_department, project):
    """One chart of each family and kind of scope."""
    agent, other_agent, teammate = people[Role.AGENT], people["other_agent"], people["teammate"]
    return {
        "qa_team": make_snapshot("qa_score_trend", f"team:{team.pk}", "2026-W22"),
        "qa_other_team": make_snapshot("qa_score_trend", f"team:{other_team.pk}", "2026-W22"),
        "qa_own": make_snapshot("qa_score_trend", f"agent:{agent.pk}", "2026-W22"),
        "qa_teammate": make_snapshot("qa_score_trend", f"agent:{teammate.pk}", "2026-W22"),
        "qa_other_agent": make_snapshot("qa_score_trend", f"agent:{other_agent.pk}", "2026-W22"),
        "calibration": make_snapshot("calibration_alignment", "global", "2026-W22"),
        "complaints_all": make_snapshot("complaint_pareto", "global"),
        "complaints_billing": make_snapshot("complaint_pareto", f"department:{department.pk}"),
        "complaints_logistics": make_snapshot("complaint_pareto", f"department:{other_department.pk}"),
        "kpi_team": make_snapshot("kpi_trend", f"team:{team.pk}", "2026-05"),
        "tqm": make_snapshot("tqm_pareto", f"project:{project.pk}", "current"),
    }


def _listed(client) -> set[int]:
    response = client.get(CHARTS, {"page_size": 100})
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_holds_exactly_the_charts_the_persona_may_see(api_as, people, charts, persona):
    assert _listed(api_as(people[persona])) == {charts[name].pk for name in SEES[persona]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_endpoint_of_a_chart_agrees_with_the_list(api_as, people, charts, persona):
    client = api_as(people[persona])
    for name, snapshot in charts.items():
        expected = 200 if name in SEES[persona] else 404
        for suffix in ("", "png", "svg"):
            url = f"{CHARTS}{snapshot.pk}/{suffix}"
            assert (name, suffix, client.get(url).status_code) == (name, suffix, expected)
        if name in COMPLAINT_CHARTS:  # the stand-in data is a Pareto's: only those kinds tabulate it
            assert (name, "csv", client.get(f"{CHARTS}{snapshot.pk}/csv").status_code) == (
                name,
                "csv",
                expected,
            )


def test_an_invisible_chart_answers_exactly_like_a_missing_one(api_as, people, charts):
    client = api_as(people[Role.AGENT])
    hidden = client.get(f"{CHARTS}{charts['qa_other_agent'].pk}/png", HTTP_ACCEPT="image/png")
    missing = client.get(f"{CHARTS}987654/png", HTTP_ACCEPT="image/png")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
    assert hidden.json() == {"detail": "There is no such chart, or you may not see it."}


def test_an_agent_sees_the_charts_of_a_project_they_work_on(api_as, people, charts):
    agent = people[Role.AGENT]
    [their_project] = project_rows(1, leader=people[Role.IMPROVEMENT_MEMBER], sponsor=people[Role.ADMIN])
    their_project.members.add(agent)
    theirs = make_snapshot("tqm_pareto", f"project:{their_project.pk}", "current")
    assert _listed(api_as(agent)) == {charts["qa_team"].pk, charts["qa_own"].pk, theirs.pk}


def test_a_user_without_charts_is_refused_on_every_chart_endpoint(api_as, people, charts):
    client = api_as(people["no_role"])
    chart = charts["complaints_all"].pk
    for response in (
        client.get(CHARTS),
        client.get(f"{CHARTS}{chart}/"),
        client.get(f"{CHARTS}{chart}/png", HTTP_ACCEPT="image/png"),
        client.get(f"{CHARTS}{chart}/svg"),
        client.get(f"{CHARTS}{chart}/csv"),
        client.post(f"{CHARTS}regenerate/", {"kind": "complaint_pareto"}, format="json"),
    ):
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "Your role gives you no charts to see."},
        )
    # The kind names are not secret.
    assert client.get(f"{CHARTS}kinds/").status_code == 200


def test_without_credentials_every_endpoint_is_a_401(api, charts):
    chart = charts["complaints_all"].pk
    for response in (
        api.get(CHARTS),
        api.get(f"{CHARTS}{chart}/"),
        api.get(f"{CHARTS}{chart}/png", HTTP_ACCEPT="image/png"),
        api.get(f"{CHARTS}{chart}/svg"),
        api.get(f"{CHARTS}kinds/"),
        api.post(f"{CHARTS}regenerate/", {"kind": "complaint_pareto"}, format="json"),
        api.get("/api/v1/reports/tasks/abc/"),
    ):
        assert response.status_code == 401


def test_session_sign_in_works_as_well_as_a_token(client, people, charts):
    client.force_login(people[Role.DEPARTMENT_STAFF])
    response = client.get(f"{CHARTS}{charts['complaints_billing'].pk}/png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


# --- Regenerate now: the same grants ------------------------------------------------------------------


REGENERATE = {
    # name: (kind, scope), scope "team", "agent", "department", "other_department" or "project" filled in
    "complaints_all": ("complaint_pareto", "global"),
    "complaints_billing": ("complaint_pareto", "department"),
    "complaints_logistics": ("complaint_pareto", "other_department"),
    "qa_team": ("qa_score_trend", "team"),
    "qa_own": ("qa_score_trend", "agent"),
    "calibration": ("calibration_alignment", "global"),
    "kpi_team": ("kpi_trend", "team"),
    "tqm": ("tqm_pareto", "project"),
}


def _scope(kind_scope: str, people, team, department, other_department, project) -> str:
    return {
        "global": "global",
        "team": f"team:{team.pk}",
        "agent": f"agent:{people[Role.AGENT].pk}",
        "department": f"department:{department.pk}",
        "other_department": f"department:{other_department.pk}",
        "project": f"project:{project.pk}",
    }[kind_scope]


@pytest.mark.parametrize("persona", PERSONAS)
def test_regenerate_is_allowed_exactly_for_charts_the_persona_sees(
    api_as, people, team, department, other_department, project, persona
):
    client = api_as(people[persona])
    for name, (kind, scope_name) in REGENERATE.items():
        scope = _scope(scope_name, people, team, department, other_department, project)
        response = client.post(f"{CHARTS}regenerate/", {"kind": kind, "scope": scope}, format="json")
        if name in SEES[persona]:
            assert (name, response.status_code) == (name, 202)
            assert (response.json()["kind"], response.json()["scope"]) == (kind, scope)
        else:
            assert (name, response.status_code, response.json()) == (
                name,
                403,
                {"detail": "You may not see this chart."},
            )


def test_a_request_is_followed_only_by_the_person_who_made_it(api_as, people, department):
    staff = people[Role.DEPARTMENT_STAFF]
    ChartTask.objects.create(
        task_id="t-staff", kind="complaint_pareto", scope=f"department:{department.pk}", requested_by=staff
    )

    assert api_as(staff).get("/api/v1/reports/tasks/t-staff/").status_code == 200
    for persona in (Role.ADMIN, Role.DUTY_MANAGER, "other_department_staff", "no_role"):
        response = api_as(people[persona]).get("/api/v1/reports/tasks/t-staff/")
        assert (persona, response.status_code) == (persona, 404)
