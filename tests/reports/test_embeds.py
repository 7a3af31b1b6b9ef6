"""Stored charts on the pages whose tables they draw: the KPI overview and team pages (kpi_trend), the
monthly ranking (monthly_ranking of each team for the month shown) and, for QA managers, the
calibration list (calibration_alignment). Each embed shows the image in the reader's language, the
period, the generated time and a link to its dashboard; it is absent when not drawn, not drawn for that
month, or not the reader's to see — and then it costs no query.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.roles import Role
from apps.reports.embeds import embedded_chart, embedded_charts
from apps.reports.models import ChartImage
from tests.factories import UserFactory
from tests.metrics.ranking_builders import complete_month, make_agent
from tests.reports.test_pages import GENERATED, make_snapshot

pytestmark = pytest.mark.django_db

OVERVIEW = "/metrics/kpis/?month=2024-03"
RANKING = "/metrics/ranking/?month=2024-03"
CALIBRATIONS = "/qa/calibrations/"
TWO_HOURS_LATER = GENERATED + timedelta(hours=2)


def team_page(team) -> str:
    return f"/metrics/kpis/teams/{team.pk}/?month=2024-03"


@pytest.fixture
def lead(team):
    """A team lead: an agent who leads Team Aurora (their KPI and ranking charts, nobody else's)."""
    user = UserFactory(username="lead", roles=[Role.AGENT], team=team)
    team.lead = user
    team.save()
    return user


def get(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def embeds_in(body: str) -> dict[str, str]:
    """The embedded charts of a page by element id (``chart-embed-<kind>-<scope>``), each with its HTML."""
    pattern = re.compile(r'<figure id="(chart-embed-[^"]+)".*?</figure>', flags=re.S)
    return {match[1]: match[0] for match in pattern.finditer(body)}


def image_url(snapshot, language: str = "en") -> str:
    version = round(snapshot.generated_at.timestamp() * 1000)
    return f"{reverse('reports:chart_svg', args=[snapshot.pk])}?lang={language}&amp;v={version}"


def snapshot_queries(captured) -> list[str]:
    return [query["sql"] for query in captured if "reports_chart" in query["sql"]]


# --- KPI pages ---------------------------------------------------------------------------------


def test_the_kpi_overview_shows_the_global_trend_with_image_period_and_generated_time(client, personas):
    snapshot = make_snapshot("kpi_trend", "global")
    with time_machine.travel(TWO_HOURS_LATER, tick=False):
        body = get(client, personas[Role.QA_MANAGER], OVERVIEW)
    embeds = embeds_in(body)
    assert list(embeds) == ["chart-embed-kpi_trend-global"]
    embed = embeds["chart-embed-kpi_trend-global"]
    assert f'src="{image_url(snapshot)}"' in embed
    assert "KPI trend against target" in embed
    assert "Everyone" in embed
    assert '<span class="chart-period-key">2026-W48</span> · Sept. 7, 2026 to Nov. 29, 2026' in embed
    # Generated 10:15:30 UTC, shown in the site's time zone (Asia/Shanghai), with its age.
    assert 'datetime="2026-11-29T18:15:30+08:00"' in embed
    assert "Nov. 29, 2026 18:15:30" in embed
    assert "(2\xa0hours ago)" in html.unescape(embed)
    assert 'href="/reports/management/?scope=global"' in embed
    assert "Open in dashboards" in embed
    # The page's own tables are still there.
    assert 'data-testid="kpi-period"' in body


def test_the_newest_snapshot_is_shown(client, personas):
    make_snapshot("kpi_trend", "global", period="2026-W47", end=GENERATED.date() - timedelta(days=7))
    newest = make_snapshot("kpi_trend", "global", generated_at=GENERATED + timedelta(minutes=5))
    embed = embeds_in(get(client, personas[Role.QA_MANAGER], OVERVIEW))["chart-embed-kpi_trend-global"]
    assert f'src="{image_url(newest)}"' in embed
    assert "2026-W47" not in embed


def test_without_a_snapshot_the_page_shows_no_chart(client, personas, team):
    make_snapshot("kpi_trend", f"team:{team.pk}")  # another chart: not the overview's
    body = get(client, personas[Role.QA_MANAGER], OVERVIEW)
    assert embeds_in(body) == {}
    assert 'data-testid="chart-embed"' not in body
    assert "css/reports.css" not in body


def test_the_chinese_reader_gets_the_chinese_image_and_labels(client, personas):
    snapshot = make_snapshot("kpi_trend", "global")
    client.force_login(personas[Role.QA_MANAGER])
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    body = client.get(OVERVIEW).content.decode()
    embed = embeds_in(body)["chart-embed-kpi_trend-global"]
    assert f'src="{image_url(snapshot, "zh-hans")}"' in embed
    assert "KPI 趋势与目标对比" in embed
    assert "生成时间" in embed
    assert "统计期间" in embed


def test_a_missing_translation_falls_back_to_the_default_language(client, personas):
    snapshot = make_snapshot("kpi_trend", "global", languages=("en",))
    client.force_login(personas[Role.QA_MANAGER])
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    embed = embeds_in(client.get(OVERVIEW).content.decode())["chart-embed-kpi_trend-global"]
    assert f'src="{image_url(snapshot, "en")}"' in embed


def test_a_snapshot_without_images_shows_its_facts_without_an_image(client, personas):
    snapshot = make_snapshot("kpi_trend", "global")
    ChartImage.objects.filter(snapshot=snapshot).delete()
    embed = embeds_in(get(client, personas[Role.QA_MANAGER], OVERVIEW))["chart-embed-kpi_trend-global"]
    assert "<img" not in embed
    assert 'data-testid="chart-embed-generated"' in embed


def test_an_agent_on_the_overview_sees_no_chart_and_costs_no_snapshot_query(client, personas):
    """Agents open the overview (their own figures) but not everyone's KPI chart."""
    make_snapshot("kpi_trend", "global")
    client.force_login(personas[Role.AGENT])
    with CaptureQueriesContext(connection) as captured:
        body = client.get(OVERVIEW).content.decode()
    assert embeds_in(body) == {}
    assert snapshot_queries(captured) == []


def test_a_team_lead_sees_their_teams_chart_but_not_everyones(client, lead, team):
    make_snapshot("kpi_trend", "global")
    mine = make_snapshot("kpi_trend", f"team:{team.pk}")
    assert embeds_in(get(client, lead, OVERVIEW)) == {}
    embeds = embeds_in(get(client, lead, team_page(team)))
    assert list(embeds) == [f"chart-embed-kpi_trend-team-{team.pk}"]
    embed = embeds[f"chart-embed-kpi_trend-team-{team.pk}"]
    assert f'src="{image_url(mine)}"' in embed
    assert "Team Aurora" in embed
    assert f'href="/reports/management/?scope=team%3A{team.pk}"' in embed


def test_a_team_page_shows_its_own_teams_chart_only(client, personas, team, other_team):
    make_snapshot("kpi_trend", f"team:{other_team.pk}")
    body = get(client, personas[Role.QA_MANAGER], team_page(team))
    assert embeds_in(body) == {}
    aurora = make_snapshot("kpi_trend", f"team:{team.pk}")
    embeds = embeds_in(get(client, personas[Role.QA_MANAGER], team_page(team)))
    assert list(embeds) == [f"chart-embed-kpi_trend-team-{team.pk}"]
    assert f'src="{image_url(aurora)}"' in embeds[f"chart-embed-kpi_trend-team-{team.pk}"]


def test_the_embed_costs_one_query_without_a_snapshot_and_two_with_one(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    client.get(OVERVIEW)  # warm up (session, caches)
    with CaptureQueriesContext(connection) as without:
        client.get(OVERVIEW)
    make_snapshot("kpi_trend", "global")
    with CaptureQueriesContext(connection) as with_snapshot:
        client.get(OVERVIEW)
    assert len(snapshot_queries(without)) == 1
    assert len(snapshot_queries(with_snapshot)) == 2  # the snapshot, then its images
    assert len(with_snapshot) == len(without) + 1


# --- Ranking -----------------------------------------------------------------------------------


@pytest.fixture
def march(personas, team, other_team):
    """Ranked agents in both teams for March 2024."""
    for name in ("ann", "bob"):
        complete_month(make_agent(team, name))
    complete_month(personas[Role.AGENT])
    complete_month(personas["other_agent"])
    complete_month(make_agent(other_team, "cy"))


def ranking_snapshot(team, period: str):
    year, month = (int(part) for part in period.split("-"))
    start = GENERATED.date().replace(year=year, month=month, day=1)
    return make_snapshot("monthly_ranking", f"team:{team.pk}", period=period, start=start, end=start)


def test_the_ranking_shows_each_teams_chart_of_the_month_shown(client, personas, team, other_team, march):
    aurora = ranking_snapshot(team, "2024-03")
    ranking_snapshot(other_team, "2024-02")  # Bamboo: drawn for another month only
    body = get(client, personas[Role.QA_MANAGER], RANKING)
    embeds = embeds_in(body)
    assert list(embeds) == [f"chart-embed-monthly_ranking-team-{team.pk}"]
    embed = embeds[f"chart-embed-monthly_ranking-team-{team.pk}"]
    assert f'src="{image_url(aurora)}"' in embed
    assert '<span class="chart-period-key">2024-03</span>' in embed
    assert f'href="/reports/management/?scope=team%3A{team.pk}"' in embed
    # Under Aurora's table, not Bamboo's.
    sections = re.findall(r'<section class="ranking-team".*?</section>', body, flags=re.S)
    assert ["chart-embed" in section for section in sections] == [True, False]
    # Another month: no chart, though the teams are listed (no figures, no tables, no charts).
    assert embeds_in(get(client, personas[Role.QA_MANAGER], "/metrics/ranking/?month=2024-04")) == {}


def test_a_team_lead_sees_their_teams_ranking_chart(client, lead, team, march):
    ranking_snapshot(team, "2024-03")
    assert list(embeds_in(get(client, lead, RANKING))) == [f"chart-embed-monthly_ranking-team-{team.pk}"]


def test_an_agent_sees_their_row_but_not_the_teams_ranking_chart(client, personas, team, march):
    ranking_snapshot(team, "2024-03")
    client.force_login(personas[Role.AGENT])
    with CaptureQueriesContext(connection) as captured:
        body = client.get(RANKING).content.decode()
    assert body.count('data-testid="ranked-row"') == 1
    assert embeds_in(body) == {}
    assert snapshot_queries(captured) == []


def test_the_ranking_charts_cost_the_same_queries_for_one_or_two_teams(
    client, personas, team, other_team, march
):
    client.force_login(personas[Role.QA_MANAGER])
    ranking_snapshot(team, "2024-03")
    client.get(RANKING)
    with CaptureQueriesContext(connection) as one:
        client.get(RANKING)
    ranking_snapshot(other_team, "2024-03")
    with CaptureQueriesContext(connection) as two:
        body = client.get(RANKING).content.decode()
    assert len(embeds_in(body)) == 2
    assert len(snapshot_queries(one)) == len(snapshot_queries(two)) == 2
    assert len(one) == len(two)


# --- Calibration list --------------------------------------------------------------------------


def test_qa_managers_see_the_calibration_alignment_on_the_calibration_list(client, personas):
    snapshot = make_snapshot("calibration_alignment", "global")
    body = get(client, personas[Role.QA_MANAGER], CALIBRATIONS)
    embeds = embeds_in(body)
    assert list(embeds) == ["chart-embed-calibration_alignment-global"]
    embed = embeds["chart-embed-calibration_alignment-global"]
    assert f'src="{image_url(snapshot)}"' in embed
    assert "Calibration alignment per evaluator" in embed
    assert 'href="/reports/qa/?scope=global"' in embed
    assert "css/reports.css" in body
    # Next to the closed sessions it draws.
    assert (
        body.index("Closed sessions")
        < body.index("chart-embed")
        < body.index('data-testid="closed-calibrations"')
    )


def test_evaluators_keep_the_calibration_list_without_the_chart(client, personas):
    make_snapshot("calibration_alignment", "global")
    client.force_login(personas[Role.QA_EVALUATOR])
    with CaptureQueriesContext(connection) as captured:
        body = client.get(CALIBRATIONS).content.decode()
    assert embeds_in(body) == {}
    assert snapshot_queries(captured) == []


def test_without_a_snapshot_the_calibration_list_shows_no_chart(client, personas):
    assert embeds_in(get(client, personas[Role.QA_MANAGER], CALIBRATIONS)) == {}


# --- The helper --------------------------------------------------------------------------------


def test_the_helper_answers_none_for_unknown_kinds_bad_scopes_and_scopes_the_kind_is_not_drawn_for(
    personas, team
):
    manager = personas[Role.QA_MANAGER]
    make_snapshot("kpi_trend", "global")
    assert embedded_chart(manager, "no_such_kind", "global") is None
    assert embedded_chart(manager, "kpi_trend", "team:x") is None
    assert embedded_chart(manager, "monthly_ranking", "global") is None  # drawn per team only
    chart = embedded_chart(manager, "kpi_trend", "global")
    assert chart["kind"] == "kpi_trend"
    assert chart["period"] == "2026-W48"
    assert chart["generated_at"] == GENERATED
    assert chart["dashboard_url"] == "/reports/management/?scope=global"


def test_the_helper_leaves_out_scopes_the_reader_may_not_see(personas, lead, team, other_team):
    for each in (team, other_team):
        make_snapshot("monthly_ranking", f"team:{each.pk}", period="2024-03")
    charts = embedded_charts(
        lead, "monthly_ranking", [f"team:{team.pk}", f"team:{other_team.pk}"], period="2024-03"
    )
    assert list(charts) == [f"team:{team.pk}"]
    assert embedded_charts(lead, "monthly_ranking", [f"team:{team.pk}"], period="2024-02") == {}
