"""Who opens which KPI page and endpoint (apps/metrics/access.py), as a matrix: every role persona,
an agent of another team, a team lead, and an anonymous visitor × every KPI page and endpoint.

Agents see their own figures (their page and assessment); team leads their team and its agents;
QA managers, duty managers and administrators everything, and only they change targets. Everyone
else gets 403; a team or agent outside the user's scope is 404.
"""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.metrics.models import KpiTarget, Queue
from tests.factories import UserFactory
from tests.metrics.kpi_builders import calls, figure

pytestmark = pytest.mark.django_db

LOGIN = 302  # pages send anonymous visitors to the login page

# (kind, url template, method); {team}/{other_team} are the agent persona's and the other
# agent's teams, {agent}/{other_agent} those two agents.
ENDPOINTS = {
    "overview": ("page", "/metrics/kpis/?month=2024-03", "get"),
    "team_page": ("page", "/metrics/kpis/teams/{team}/?month=2024-03", "get"),
    "agent_page": ("page", "/metrics/kpis/agents/{agent}/?month=2024-03", "get"),
    "other_agent_page": ("page", "/metrics/kpis/agents/{other_agent}/?month=2024-03", "get"),
    "assessment_page": ("page", "/metrics/kpis/agents/{agent}/assessment/?month=2024-03", "get"),
    "targets_page": ("page", "/metrics/kpis/targets/", "get"),
    "targets_save": ("page", "/metrics/kpis/targets/", "post"),
    "glossary": ("page", "/metrics/kpis/glossary/", "get"),
    "api_kpis": ("api", "/api/v1/metrics/kpis/?month=2024-03&group=agent", "get"),
    "api_kpis_by_team": ("api", "/api/v1/metrics/kpis/?month=2024-03&group=team", "get"),
    "api_assessment": ("api", "/api/v1/metrics/assessment/?agent={agent}&month=2024-03", "get"),
    "api_targets": ("api", "/api/v1/metrics/targets/", "get"),
    "api_target_put": ("api", "/api/v1/metrics/targets/csat/", "put"),
}

ALL = dict.fromkeys(ENDPOINTS, 200) | {"targets_save": 302}
REFUSED = dict.fromkeys(ENDPOINTS, 403)
MATRIX = {
    Role.QA_MANAGER: ALL,
    Role.DUTY_MANAGER: ALL,
    Role.ADMIN: ALL,
    "lead": ALL | {"other_agent_page": 404, "targets_save": 403, "api_target_put": 403},
    Role.AGENT: ALL
    | {
        "team_page": 404,
        "other_agent_page": 404,
        "targets_save": 403,
        "api_kpis_by_team": 403,
        "api_target_put": 403,
    },
    "other_agent": ALL
    | {
        "team_page": 404,
        "agent_page": 404,
        "assessment_page": 404,
        "targets_save": 403,
        "api_kpis_by_team": 403,
        "api_assessment": 404,
        "api_target_put": 403,
    },
    Role.QA_EVALUATOR: REFUSED,
    Role.EXPERT: REFUSED,
    Role.DEPARTMENT_STAFF: REFUSED,
    Role.IMPROVEMENT_MEMBER: REFUSED,
    "no_role": REFUSED,
    "anonymous": {name: LOGIN if kind == "page" else 401 for name, (kind, _url, _m) in ENDPOINTS.items()},
}
CASES = [(actor, endpoint) for actor in MATRIX for endpoint in ENDPOINTS]


@pytest.fixture
def world(personas, team, other_team):
    """The agent persona's team (Aurora) led by a lead who is an agent; figures for both agents."""
    lead = UserFactory(username="lead", roles=[Role.AGENT], team=team)
    team.lead = lead
    team.save()
    queue = Queue.objects.create(name="Voice")
    figure(personas[Role.AGENT], queue, date(2024, 3, 4), **calls(10, 9))
    figure(personas["other_agent"], queue, date(2024, 3, 4), **calls(10, 8))
    return {**personas, "lead": lead}


def _request(client, api_as, world, actor, endpoint):
    kind, template, method = ENDPOINTS[endpoint]
    url = template.format(
        team=world[Role.AGENT].team_id,
        agent=world[Role.AGENT].pk,
        other_agent=world["other_agent"].pk,
    )
    payload = (
        {"kpi": "csat", "minimum": "98", "maximum": ""}
        if kind == "page"
        else {"minimum": 98, "maximum": None}
    )
    if kind == "page":
        if actor != "anonymous":
            client.force_login(world[actor])
        return client.get(url) if method == "get" else client.post(url, payload)
    api = APIClient() if actor == "anonymous" else api_as(world[actor])
    return getattr(api, method)(url, payload, format="json") if method == "put" else api.get(url)


@pytest.mark.parametrize(("actor", "endpoint"), CASES)
def test_role_matrix(client, api_as, world, actor, endpoint):
    response = _request(client, api_as, world, actor, endpoint)
    expected = MATRIX[actor][endpoint]
    assert response.status_code == expected, (actor, endpoint)
    if actor == "anonymous" and ENDPOINTS[endpoint][0] == "page":
        assert response["Location"].startswith("/login/")
    if endpoint in ("targets_save", "api_target_put"):
        written = actor in (Role.QA_MANAGER, Role.DUTY_MANAGER, Role.ADMIN)
        assert KpiTarget.objects.exists() == written


def test_refusals_say_why(client, api_as, world):
    client.force_login(world[Role.QA_EVALUATOR])
    assert (
        "Your role does not allow you to see operations metrics."
        in client.get("/metrics/kpis/").content.decode()
    )
    response = api_as(world[Role.EXPERT]).get("/api/v1/metrics/kpis/")
    assert response.json() == {"detail": "Your role does not allow you to see operations metrics."}


def test_a_team_lead_does_not_see_another_team(client, world, other_team):
    client.force_login(world["lead"])
    assert client.get(f"/metrics/kpis/teams/{other_team.pk}/").status_code == 404
    assert client.get(f"/metrics/kpis/agents/{world['other_agent'].pk}/assessment/").status_code == 404


def test_unknown_team_or_agent_is_404(client, world):
    client.force_login(world[Role.QA_MANAGER])
    assert client.get("/metrics/kpis/teams/999999/").status_code == 404
    assert client.get("/metrics/kpis/agents/999999/").status_code == 404
