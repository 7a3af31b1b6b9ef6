"""The KPI pages: overview, team and agent pages with trend and tags, the assessment, targets and
glossary — values, targets, status badges, formulas, bad periods, and pinned query counts."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.metrics import kpis, targets
from apps.metrics.models import DayTag, KpiTarget, Queue
from tests.factories import TeamFactory, UserFactory
from tests.metrics.kpi_builders import calls, figure, team_world

pytestmark = pytest.mark.django_db

OVERVIEW = "/metrics/kpis/"


@pytest.fixture
def world():
    w = team_world()
    figure(w.ann, w.voice, date(2024, 3, 4), **calls(100, 95, fcr_count=95, acw_seconds=4275))
    figure(w.ben, w.voice, date(2024, 3, 12), **calls(100, 85, fcr_count=80, acw_seconds=2125))
    figure(w.carl, w.billing, date(2024, 3, 5), **calls(50, 50))
    DayTag.objects.create(date=date(2024, 3, 12), label="storm")
    DayTag.objects.create(date=date(2024, 3, 4), label="campaign")
    return w


@pytest.fixture
def manager(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    return client


def _cell(body: str, testid: str, row_text: str, kpi: str) -> str:
    """The text of one KPI cell in the row of a grid that starts with ``row_text``."""
    table = body.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    row = next(r for r in table.split("<tr>") if row_text in r)
    return re.sub(r"<[^>]+>", "", re.search(rf'data-kpi="{kpi}"[^>]*>(.*?)</td>', row, re.S).group(1)).strip()


def _summary(body: str, kpi: str) -> tuple[str, str, str]:
    """(value, target, status) of one KPI in the summary table."""
    row = body.split(f'<tr data-kpi="{kpi}">', 1)[1].split("</tr>", 1)[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    status = re.search(r'data-status="([a-z_]+)"', row).group(1)
    return cells[0], cells[1], status


def test_overview_shows_each_kpi_with_target_status_and_formula(world, manager):
    response = manager.get(OVERVIEW, {"month": "2024-03"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "From 1 Mar 2024 to 31 Mar 2024." in body
    assert "All teams and agents." in body
    # Everyone: 230 / 250 answered = 92%; FCR 175 / 230 = 76.09%; ACW 6400 / 230 = 27.8 s
    assert _summary(body, "connection_rate") == ("92.00%", "≥ 90%", "met")
    assert _summary(body, "fcr_rate") == ("76.09%", "≥ 95%", "missed")
    assert _summary(body, "acw_seconds") == ("27.8 s", "30–60 s", "missed")
    assert _summary(body, "csat") == ("No data", "≥ 97%", "no_data")
    assert _summary(body, "abandon_rate") == ("0.00%", "—", "no_target")
    for kpi in kpis.KPIS:
        assert str(kpi.formula) in body.replace("&#x27;", "'")
    # By team (the default): North 180 / 200 = 90%, South 100%
    assert _cell(body, "kpi-groups", "North", "connection_rate") == "90.00%"
    assert _cell(body, "kpi-groups", "South", "connection_rate") == "100.00%"
    assert f'href="/metrics/kpis/teams/{world.north.pk}/?month=2024-03"' in body


def test_overview_marks_values_that_miss_their_target(world, manager):
    body = manager.get(OVERVIEW, {"month": "2024-03", "group": "agent"}).content.decode()
    assert re.search(r'class="num kpi-missed" data-kpi="connection_rate"[^>]*>85.00%', body)  # Ben
    assert re.search(r'class="num kpi-met" data-kpi="connection_rate"[^>]*>95.00%', body)  # Ann


def test_overview_by_agent_links_each_agents_page(world, manager):
    body = manager.get(OVERVIEW, {"month": "2024-03", "group": "agent"}).content.decode()
    assert "<h2>By agent</h2>" in body
    assert f'href="/metrics/kpis/agents/{world.ann.pk}/?month=2024-03">Ann</a>' in body
    assert _cell(body, "kpi-groups", "Ben", "fcr_rate") == "94.12%"  # 80 / 85


def test_overview_by_queue_between_two_dates(world, manager):
    body = manager.get(
        OVERVIEW, {"start": "2024-03-01", "end": "2024-03-10", "group": "queue"}
    ).content.decode()
    assert "From 1 Mar 2024 to 10 Mar 2024." in body
    assert _cell(body, "kpi-groups", "Voice", "connection_rate") == "95.00%"  # Ben's 12th is outside
    assert _cell(body, "kpi-groups", "Billing", "connection_rate") == "100.00%"


def test_overview_follows_edited_targets(world, manager, personas):
    targets.target_set(by=personas[Role.ADMIN], kpi="connection_rate", minimum=Decimal("95"), maximum=None)
    body = manager.get(OVERVIEW, {"month": "2024-03"}).content.decode()
    assert _summary(body, "connection_rate") == ("92.00%", "≥ 95%", "missed")


def test_overview_defaults_to_this_month(world, manager):
    with time_machine.travel(datetime(2024, 3, 20, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        body = manager.get(OVERVIEW).content.decode()
    assert 'value="2024-03"' in body
    assert "From 1 Mar 2024 to 31 Mar 2024." in body
    assert '<option value="team" selected>' in body


def test_overview_of_a_month_without_figures(world, manager):
    body = manager.get(OVERVIEW, {"month": "2023-07"}).content.decode()
    assert 'data-testid="kpi-empty"' in body
    assert "No figures for this period." in body
    assert 'data-testid="kpi-summary"' not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "2024-13"}, "Enter a month as YYYY-MM, for example 2024-03."),
        ({"start": "2024-03-10", "end": "2024-03-01"}, "The end date must not be before the start date."),
        ({"start": "2024-03-10"}, "Give both a start and an end date."),
        ({"start": "yesterday", "end": "2024-03-01"}, "Enter a valid date."),
        (
            {"month": "2024-03", "group": "floor"},
            "Select a valid choice. floor is not one of the available choices.",
        ),
    ],
)
def test_a_bad_period_is_shown_next_to_the_field(world, manager, query, message):
    response = manager.get(OVERVIEW, query)
    assert response.status_code == 400
    body = response.content.decode()
    assert f'<p class="error" role="alert">{message}</p>' in body
    assert 'data-testid="kpi-summary"' not in body


def test_an_agent_sees_only_their_own_row(world, client):
    client.force_login(world.ann)
    body = client.get(OVERVIEW, {"month": "2024-03"}).content.decode()
    assert "Your own figures." in body
    assert re.findall(r'<option value="([a-z]+)"', body) == ["agent"]
    assert _summary(body, "connection_rate") == ("95.00%", "≥ 90%", "met")
    assert "Ben" not in body
    assert "North</a>" not in body


def test_team_page_trend_by_week_with_the_days_tags(world, manager):
    response = manager.get(f"/metrics/kpis/teams/{world.north.pk}/", {"month": "2024-03"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "KPIs of North" in body
    assert "Team lead: Lena Lead" in body
    assert _summary(body, "connection_rate") == ("90.00%", "≥ 90%", "met")  # 180 / 200: on the bound
    assert _cell(body, "kpi-trend", "Week of 4 Mar 2024", "connection_rate") == "95.00%"
    assert _cell(body, "kpi-trend", "Week of 11 Mar 2024", "connection_rate") == "85.00%"
    assert "4 Mar: campaign" in body
    assert "12 Mar: storm" in body
    assert f'href="/metrics/kpis/agents/{world.ben.pk}/?month=2024-03">Ben</a>' in body
    assert _cell(body, "kpi-agents", "Ann", "acw_seconds") == "45.0 s"  # 4275 / 95
    assert "Carl" not in body


def test_team_page_trend_by_day(world, manager):
    body = manager.get(
        f"/metrics/kpis/teams/{world.north.pk}/", {"month": "2024-03", "bucket": "day"}
    ).content
    body = body.decode()
    assert _cell(body, "kpi-trend", "Tue 12 Mar 2024", "connection_rate") == "85.00%"
    assert '<span class="tag" title="12 Mar 2024">storm</span>' in body


def test_agent_page_shows_their_kpis_trend_and_assessment_link(world, manager):
    body = manager.get(f"/metrics/kpis/agents/{world.ben.pk}/", {"month": "2024-03"}).content.decode()
    assert "KPIs of Ben" in body
    assert "Team: North" in body
    assert _summary(body, "connection_rate") == ("85.00%", "≥ 90%", "missed")
    assert _summary(body, "acw_seconds") == ("25.0 s", "30–60 s", "missed")
    assert _cell(body, "kpi-trend", "Week of 11 Mar 2024", "fcr_rate") == "94.12%"
    assert f'href="/metrics/kpis/agents/{world.ben.pk}/assessment/?month=2024-03"' in body
    assert f'href="/metrics/kpis/teams/{world.north.pk}/?month=2024-03"' in body


def test_an_agents_own_page_has_no_team_link(world, client):
    client.force_login(world.ann)
    body = client.get(f"/metrics/kpis/agents/{world.ann.pk}/", {"month": "2024-03"}).content.decode()
    assert _summary(body, "connection_rate") == ("95.00%", "≥ 90%", "met")
    assert f"/metrics/kpis/teams/{world.north.pk}/" not in body


def _assessment_row(body: str, kpi: str) -> list[str]:
    row = body.split(f'<tr data-kpi="{kpi}">', 1)[1].split("</tr>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def test_assessment_page_shows_deviation_and_rank(world, manager):
    response = manager.get(f"/metrics/kpis/agents/{world.ben.pk}/assessment/", {"month": "2024-03"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Assessment of Ben" in body
    assert "North: 2 agents with figures." in body
    value, team, deviation, rank, target = _assessment_row(body, "connection_rate")
    assert (value, team, deviation, rank) == ("85.00%", "90.00%", "-5.00 pp worse than the team", "2 of 2")
    assert target == "Missed ≥ 90%"
    assert _assessment_row(body, "acw_seconds")[:4] == ["25.0 s", "35.6 s", "-10.6 s", "—"]  # 6400 / 180
    assert "it is not the average of the agents' values" in body


def test_assessment_of_an_agent_without_a_team(world, manager):
    loner = UserFactory(username="loner", display_name="Lone", roles=[Role.AGENT])
    figure(loner, world.voice, date(2024, 3, 7), **calls(10, 9))
    body = manager.get(f"/metrics/kpis/agents/{loner.pk}/assessment/", {"month": "2024-03"}).content.decode()
    assert 'data-testid="no-team"' in body
    assert _assessment_row(body, "connection_rate")[:4] == ["90.00%", "No data", "—", "—"]


# --- Targets and glossary ---------------------------------------------------------------------


def test_targets_page_lists_bands_and_offers_managers_a_form(world, manager):
    body = manager.get("/metrics/kpis/targets/").content.decode()
    assert body.count('<form method="post" class="kpi-target-form"') == len(kpis.KPIS)
    assert 'id="id_acw_seconds_minimum"' in body
    assert re.search(r'<tr data-kpi="acw_seconds">.*?data-testid="target-band">30–60 s<', body, re.S)


def test_a_manager_saves_a_band(world, manager):
    response = manager.post("/metrics/kpis/targets/", {"kpi": "aht_seconds", "minimum": "", "maximum": "360"})
    assert response.status_code == 302
    assert KpiTarget.objects.get().maximum == Decimal("360")
    body = manager.get(response["Location"]).content.decode()
    assert "Target saved." in body
    assert re.search(r'<tr data-kpi="aht_seconds">.*?data-testid="target-band">≤ 360 s<', body, re.S)


def test_a_band_out_of_order_is_shown_next_to_the_field(world, manager):
    response = manager.post(
        "/metrics/kpis/targets/", {"kpi": "acw_seconds", "minimum": "70", "maximum": "60"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The lower bound must not be above the upper bound." in body
    assert 'id="id_acw_seconds_maximum"' in body
    assert not KpiTarget.objects.exists()


def test_an_unknown_kpi_is_not_found(world, manager):
    assert manager.post("/metrics/kpis/targets/", {"kpi": "speed", "minimum": "1"}).status_code == 404
    assert manager.post("/metrics/kpis/targets/", {"kpi": "speed", "reset": "1"}).status_code == 404
    assert not KpiTarget.objects.exists()


def test_a_manager_resets_a_band_to_its_default(world, manager, personas):
    targets.target_set(by=personas[Role.QA_MANAGER], kpi="csat", minimum=Decimal("99"), maximum=None)
    response = manager.post("/metrics/kpis/targets/", {"kpi": "csat", "reset": "1"})
    assert response.status_code == 302
    assert not KpiTarget.objects.exists()


def test_agents_see_targets_without_forms(world, client):
    client.force_login(world.ann)
    body = client.get("/metrics/kpis/targets/").content.decode()
    assert "kpi-target-form" not in body
    assert "≥ 97%" in body
    assert client.post("/metrics/kpis/targets/", {"kpi": "csat", "minimum": "1"}).status_code == 403
    assert not KpiTarget.objects.exists()


def test_glossary_lists_every_formula_and_default_target(world, manager):
    body = manager.get("/metrics/kpis/glossary/").content.decode()
    for kpi in kpis.KPIS:
        assert f'<dt id="{kpi.key}">{kpi.label}</dt>' in body
    assert "default target 30–60 s" in body
    assert "Lower is better" in body


# --- Query counts ---------------------------------------------------------------------------


def _agents(count: int, queue: Queue, team) -> None:
    for number in range(count):
        agent = UserFactory(roles=[Role.AGENT], team=team)
        figure(agent, queue, date(2024, 3, 4 + number % 7), **calls(10, 9))
        DayTag.objects.get_or_create(date=date(2024, 3, 4 + number % 7), label="busy")


@pytest.mark.parametrize(
    "url",
    [
        "/metrics/kpis/?month=2024-03&group=agent",
        "/metrics/kpis/?month=2024-03&group=team",
        "/metrics/kpis/teams/{team}/?month=2024-03&bucket=day",
        "/metrics/kpis/agents/{agent}/?month=2024-03",
        "/metrics/kpis/agents/{agent}/assessment/?month=2024-03",
    ],
)
def test_pages_run_the_same_queries_for_5_and_50_agents(manager, url):
    team, queue = TeamFactory(name="Crowd"), Queue.objects.create(name="Voice")
    _agents(5, queue, team)
    agent = team.members.first()
    url = url.format(team=team.pk, agent=agent.pk)
    with CaptureQueriesContext(connection) as few:
        assert manager.get(url).status_code == 200
    _agents(45, queue, team)
    with CaptureQueriesContext(connection) as many:
        assert manager.get(url).status_code == 200
    assert len(few) == len(many)
