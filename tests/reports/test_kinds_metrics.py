"""Operations chart kinds: daily KPIs against targets (everyone or a team) and a team's monthly ranking.

The clock stands at Wednesday 2026-03-18 10:00 in Shanghai (ISO week 2026-W12): the KPI trend covers
the six weeks 2026-02-09 to 2026-03-22, the ranking the last complete month, February 2026.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.accounts.roles import Role
from apps.metrics import ranking_selectors, selectors, targets
from apps.metrics.models import DailyFigure, DayTag, RankingWeights
from apps.reports import kinds, services
from apps.reports.charts import to_svg
from apps.reports.kinds import NothingToDraw
from apps.reports.kinds.base import METRICS, MONTHLY, NIGHTLY
from apps.reports.kinds.metrics import KPI_TREND, MONTHLY_RANKING, TREND_KPIS
from apps.reports.models import ChartSnapshot
from apps.reports.scopes import GLOBAL_SCOPE, Scope
from tests.factories import TeamFactory, UserFactory
from tests.metrics.kpi_builders import calls, figure, team_world
from tests.metrics.ranking_builders import add_ability, add_figures, complete_month, make_agent
from tests.reports.test_charts import assert_drawn, drawn_texts

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 18, 10, 0, tzinfo=SHANGHAI)
FIRST_DAY, LAST_DAY = date(2026, 2, 9), date(2026, 3, 22)
FEBRUARY = date(2026, 2, 1)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", roles=[Role.QA_MANAGER])


def period(kind):
    return kind.current_period(NOW.date())


def day_index(day: date) -> int:
    return (day - FIRST_DAY).days


# --- Registry -------------------------------------------------------------------------------------


def test_metrics_kinds_are_registered_with_their_schedules_scopes_and_periods():
    assert kinds.get("kpi_trend") is KPI_TREND
    assert kinds.get("monthly_ranking") is MONTHLY_RANKING
    assert (KPI_TREND.family, KPI_TREND.schedule, KPI_TREND.scope_types) == (
        METRICS,
        NIGHTLY,
        ("global", "team"),
    )
    assert (MONTHLY_RANKING.family, MONTHLY_RANKING.schedule, MONTHLY_RANKING.scope_types) == (
        METRICS,
        MONTHLY,
        ("team",),
    )
    trend_period = period(KPI_TREND)
    assert (trend_period.key, trend_period.start, trend_period.end) == ("2026-W12", FIRST_DAY, LAST_DAY)
    ranking_period = period(MONTHLY_RANKING)
    assert (ranking_period.key, ranking_period.start, ranking_period.end) == (
        "2026-02",
        FEBRUARY,
        date(2026, 2, 28),
    )


# --- KPI trend ------------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """North (Ann, Ben; Lena leads) and South (Carl); figures on 2 March, 10 and 11 March; context tags."""
    w = team_world()
    monday = date(2026, 3, 2)
    figure(
        w.ann,
        w.voice,
        monday,
        **calls(100, 90, answered_within_sl=80, fcr_count=81, acw_seconds=2700, survey_responses=20),
        survey_satisfied=19,
    )
    figure(
        w.ben,
        w.billing,
        monday,
        **calls(50, 45, answered_within_sl=30, fcr_count=45, acw_seconds=1800, survey_responses=10),
        survey_satisfied=10,
    )
    figure(w.carl, w.voice, monday, **calls(40, 40, answered_within_sl=36, fcr_count=38, acw_seconds=1000))
    figure(
        w.ann,
        w.voice,
        date(2026, 3, 10),
        **calls(10, 10, answered_within_sl=10, fcr_count=10, acw_seconds=600),
    )
    figure(w.carl, w.voice, date(2026, 3, 11), **calls(20, 10, acw_seconds=200))
    # Outside the window: the Sunday before it and the Monday after it.
    figure(w.ann, w.voice, date(2026, 2, 8), **calls(999, 1))
    figure(w.ann, w.voice, date(2026, 3, 23), **calls(999, 1))
    for day, label in [
        (monday, "Typhoon"),
        (date(2026, 3, 3), "Typhoon"),
        (date(2026, 3, 3), "System outage"),
        (date(2026, 2, 8), "Before the window"),
    ]:
        DayTag.objects.create(date=day, label=label)
    return w


def series(data: dict, kpi: str) -> dict:
    return next(row for row in data["kpis"] if row["kpi"] == kpi)


def test_kpi_trend_has_every_day_of_six_weeks_with_the_scopes_daily_kpis(world):
    data = KPI_TREND.collect(Scope("team", world.north.pk), period(KPI_TREND))
    assert data["team"] == "North"
    assert len(data["days"]) == 42
    assert (data["days"][0], data["days"][-1]) == ("2026-02-09", "2026-03-22")
    assert data["figures"] == 3
    assert [row["kpi"] for row in data["kpis"]] == list(TREND_KPIS)
    monday, tenth = day_index(date(2026, 3, 2)), day_index(date(2026, 3, 10))
    # 2 March, Ann + Ben: 135 of 150 answered, 110 within the threshold, 126 resolved at first call,
    # 29 of 30 satisfied, 4500 s of after-call work.
    assert {row["kpi"]: row["values"][monday] for row in data["kpis"]} == {
        "connection_rate": 90.0,
        "fcr_rate": 93.33,
        "csat": 96.67,
        "acw_seconds": 33.3,
        "service_level": 73.33,
    }
    assert {row["kpi"]: row["values"][tenth] for row in data["kpis"]} == {
        "connection_rate": 100.0,
        "fcr_rate": 100.0,
        "csat": None,  # no survey responses: no data, not 0
        "acw_seconds": 60.0,
        "service_level": 100.0,
    }
    present = [i for i, value in enumerate(series(data, "connection_rate")["values"]) if value is not None]
    assert present == [monday, tenth]  # Carl's 11 March is South's


def test_global_kpi_trend_adds_every_agent(world):
    data = KPI_TREND.collect(GLOBAL_SCOPE, period(KPI_TREND))
    assert data["team"] is None
    assert data["figures"] == 5
    monday = day_index(date(2026, 3, 2))
    # 175 of 190 answered = 92.105…; 146 of 190 within the threshold; 164 of 175 resolved; 5500 s ÷ 175.
    assert {row["kpi"]: row["values"][monday] for row in data["kpis"]} == {
        "connection_rate": 92.11,
        "fcr_rate": 93.71,
        "csat": 96.67,
        "acw_seconds": 31.4,
        "service_level": 76.84,
    }
    assert series(data, "connection_rate")["values"][day_index(date(2026, 3, 11))] == 50.0


@pytest.mark.parametrize("scope_type", ["global", "team"])
def test_kpi_trend_values_are_the_kpi_pages_values_for_each_day(world, manager, scope_type):
    scope = GLOBAL_SCOPE if scope_type == "global" else Scope("team", world.north.pk)
    data = KPI_TREND.collect(scope, period(KPI_TREND))
    rows = selectors.kpi_rows(
        user=manager,
        group=None,
        bucket="day",
        start=FIRST_DAY,
        end=LAST_DAY,
        team=world.north if scope_type == "team" else None,
    )
    by_day = {row.bucket: row.values for row in rows}
    assert by_day  # the selector sees the same days
    for offset, day in enumerate(data["days"]):
        expected = by_day.get(date.fromisoformat(day))
        for row in data["kpis"]:
            value = None if expected is None or expected[row["kpi"]] is None else float(expected[row["kpi"]])
            assert row["values"][offset] == value, (day, row["kpi"])


def test_kpi_trend_carries_each_kpis_target_direction_and_unit(world, manager):
    targets.target_set(by=manager, kpi="connection_rate", minimum=Decimal("92"), maximum=None)
    targets.target_set(by=manager, kpi="csat", minimum=None, maximum=None)  # "no target"
    data = KPI_TREND.collect(GLOBAL_SCOPE, period(KPI_TREND))
    assert {
        row["kpi"]: (row["unit"], row["decimals"], row["higher_is_better"], row["target"])
        for row in data["kpis"]
    } == {
        "connection_rate": ("%", 2, True, {"minimum": 92.0, "maximum": None}),
        "fcr_rate": ("%", 2, True, {"minimum": 95.0, "maximum": None}),
        "csat": ("%", 2, True, None),
        "acw_seconds": ("s", 1, None, {"minimum": 30.0, "maximum": 60.0}),
        "service_level": ("%", 2, True, {"minimum": 80.0, "maximum": None}),
    }


def test_kpi_trend_lists_the_tags_of_the_window(world):
    data = KPI_TREND.collect(GLOBAL_SCOPE, period(KPI_TREND))
    assert data["tags"] == [
        {"day": "2026-03-02", "label": "Typhoon"},
        {"day": "2026-03-03", "label": "System outage"},
        {"day": "2026-03-03", "label": "Typhoon"},
    ]


def test_kpi_trend_has_nothing_to_draw_without_figures_in_the_window(world):
    empty = TeamFactory(name="Empty")
    with pytest.raises(NothingToDraw, match="no daily figures in this period"):
        KPI_TREND.collect(Scope("team", empty.pk), period(KPI_TREND))
    DailyFigure.objects.filter(date__gte=FIRST_DAY, date__lte=LAST_DAY).delete()
    with pytest.raises(NothingToDraw):
        KPI_TREND.collect(GLOBAL_SCOPE, period(KPI_TREND))
    with pytest.raises(NothingToDraw, match="team:9999 does not exist"):
        KPI_TREND.collect(Scope("team", 9999), period(KPI_TREND))


def test_kpi_trend_scopes_are_everyone_and_every_team(world):
    assert KPI_TREND.scopes() == [GLOBAL_SCOPE, Scope("team", world.north.pk), Scope("team", world.south.pk)]


@pytest.mark.parametrize(("scope_type", "queries"), [("global", 3), ("team", 4)])
def test_kpi_trend_collect_runs_a_fixed_number_of_queries(
    world, django_assert_num_queries, scope_type, queries
):
    scope = GLOBAL_SCOPE if scope_type == "global" else Scope("team", world.north.pk)
    with django_assert_num_queries(queries):
        KPI_TREND.collect(scope, period(KPI_TREND))
    agents = [UserFactory(roles=[Role.AGENT], team=world.north) for _ in range(10)]
    DailyFigure.objects.bulk_create(
        DailyFigure(agent=agent, queue=world.voice, date=FIRST_DAY + timedelta(days=offset), calls_offered=10)
        for agent in agents
        for offset in range(42)
    )
    with django_assert_num_queries(queries):
        data = KPI_TREND.collect(scope, period(KPI_TREND))
    assert series(data, "connection_rate")["values"][0] == 0.0


def test_kpi_trend_draws_a_panel_per_kpi_with_targets_tags_and_title(world):
    data = KPI_TREND.collect(Scope("team", world.north.pk), period(KPI_TREND))
    fig = KPI_TREND.draw(data)
    assert len(fig.axes) == 6  # the tags' strip and five panels
    svg = to_svg(fig)
    assert_drawn(svg, "KPIs against target, 2026-02-09 to 2026-03-22: North")
    assert_drawn(svg, "Connection rate (%)", "First-call resolution (%)", "Customer satisfaction (%)")
    assert_drawn(svg, "After-call work (seconds)", "Service level (%)")
    texts = drawn_texts(svg)
    assert {"Target 90.00", "Target 95.00", "Target 97.00", "Target 30.0–60.0", "Target 80.00"} <= set(texts)
    assert {"Missed target", "Tagged day", "System outage"} <= set(texts)
    assert texts.count("Typhoon") == 1  # two days, named once
    assert {"100.00", "60.0"} <= set(texts)  # the latest values (10 March)


def test_kpi_trend_marks_days_missing_the_target(world):
    data = KPI_TREND.collect(Scope("team", world.north.pk), period(KPI_TREND))
    fig = KPI_TREND.draw(data)
    monday = day_index(date(2026, 3, 2))

    def missed(ax):
        return [
            (x, y)
            for line in ax.lines
            if line.get_linestyle() == "None"
            for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
        ]

    connection, fcr, csat, acw, service_level = fig.axes[1:]
    assert missed(connection) == []  # 90.00 meets "at least 90"
    assert missed(fcr) == [(monday, 93.33)]
    assert missed(csat) == [(monday, 96.67)]
    assert missed(acw) == []  # 33.3 and 60.0 are inside 30–60
    assert missed(service_level) == [(monday, 73.33)]


def test_kpi_trend_table_has_a_row_per_day(world):
    header, rows = KPI_TREND.table(KPI_TREND.collect(Scope("team", world.north.pk), period(KPI_TREND)))
    assert header == [
        "Date",
        "Connection rate",
        "First-call resolution",
        "Customer satisfaction",
        "After-call work",
        "Service level",
        "Tags",
    ]
    assert len(rows) == 42
    assert rows[0] == ["2026-02-09", None, None, None, None, None, ""]
    assert rows[day_index(date(2026, 3, 2))] == ["2026-03-02", 90.0, 93.33, 96.67, 33.3, 73.33, "Typhoon"]
    assert rows[day_index(date(2026, 3, 3))] == [
        "2026-03-03",
        None,
        None,
        None,
        None,
        None,
        "System outage; Typhoon",
    ]


def test_generate_kpi_trend_end_to_end(world, media_root):
    snapshot = services.generate(kinds.get("kpi_trend"), Scope("team", world.north.pk))
    assert ChartSnapshot.objects.get() == snapshot
    assert (snapshot.scope, snapshot.scope_label, snapshot.period) == (
        f"team:{world.north.pk}",
        "North",
        "2026-W12",
    )
    assert (snapshot.period_start, snapshot.period_end) == (FIRST_DAY, LAST_DAY)
    assert snapshot.data["figures"] == 3
    images = {image.language: image for image in snapshot.images.all()}
    assert set(images) == {"en", "zh-hans"}
    assert_drawn((media_root / images["en"].svg.name).read_text(), "KPIs against target", "Typhoon")
    with pytest.raises(NothingToDraw):
        services.generate(KPI_TREND, Scope("team", TeamFactory().pk))


# --- Monthly ranking ------------------------------------------------------------------------------


@pytest.fixture
def teams(db):
    """February: North has Ann (best), Ben and Dan (tied) and Eve (no QA evaluation); South has Carl."""
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    quiet = TeamFactory(name="Quiet")  # a member, but nothing recorded in February
    empty = TeamFactory(name="Empty")  # no members
    people = {
        "ann": make_agent(north, "ann"),
        "ben": make_agent(north, "ben"),
        "dan": make_agent(north, "dan"),
        "eve": make_agent(north, "eve"),
        "carl": make_agent(south, "carl"),
        "quinn": make_agent(quiet, "quinn"),
    }
    complete_month(people["ann"], answered=120, score="90", ability="80", month=FEBRUARY)
    complete_month(people["ben"], answered=100, score="80", ability="90", month=FEBRUARY)
    complete_month(people["dan"], answered=100, score="80", ability="90", month=FEBRUARY)
    add_figures(people["eve"], [(date(2026, 2, 10), 90, 480, 480)])
    add_ability(people["eve"], "70", FEBRUARY)
    complete_month(people["carl"], month=FEBRUARY)
    complete_month(people["quinn"], month=date(2026, 3, 1))  # this month: not yet ranked
    return {"north": north, "south": south, "quiet": quiet, "empty": empty, **people}


def page_table(manager, team):
    """The team's table on the ranking page, as a manager sees it."""
    result = ranking_selectors.monthly_ranking(user=manager, month=FEBRUARY)
    return next(table for table in result.teams if table.team.pk == team.pk)


def test_ranking_ranks_the_teams_agents_and_lists_the_others_with_reasons(teams):
    data = MONTHLY_RANKING.collect(Scope("team", teams["north"].pk), period(MONTHLY_RANKING))
    assert (data["team"], data["month"]) == ("North", "2026-02")
    assert data["weights"] == {"volume": 30, "quality": 40, "attendance": 15, "ability": 15}
    # Ann leads volume and quality (30 + 40 + 15 attendance shared by all); Ben and Dan lead ability.
    assert [(row["name"], row["rank"], row["score"]) for row in data["ranked"]] == [
        ("Ann", 1, 85.0),
        ("Ben", 2, 30.0),
        ("Dan", 2, 30.0),
    ]
    assert data["ranked"][0]["raw"] == {"volume": 120, "quality": 90.0, "attendance": 97.92, "ability": 80.0}
    assert data["unranked"] == [
        {
            "agent_id": teams["eve"].pk,
            "name": "Eve",
            "reasons": ["no_qa_evaluation"],
            "raw": {"volume": 90, "quality": None, "attendance": 100.0, "ability": 70.0},
        }
    ]


def test_ranking_is_the_ranking_pages_ranking(teams, manager):
    RankingWeights.objects.create(volume=50, quality=20, attendance=0, ability=30, updated_by=manager)
    for team in (teams["north"], teams["south"]):
        data = MONTHLY_RANKING.collect(Scope("team", team.pk), period(MONTHLY_RANKING))
        table = page_table(manager, team)
        assert data["weights"] == {"volume": 50, "quality": 20, "attendance": 0, "ability": 30}
        assert [(row["agent_id"], row["rank"], row["score"]) for row in data["ranked"]] == [
            (row.agent.pk, row.rank, float(row.composite)) for row in table.ranked
        ]
        assert [(row["agent_id"], tuple(row["reasons"])) for row in data["unranked"]] == [
            (row.agent.pk, row.reasons) for row in table.unranked
        ]


def test_ranking_has_nothing_to_draw_for_a_team_without_data_in_the_month(teams):
    with pytest.raises(NothingToDraw, match="nothing recorded for this team in the month"):
        MONTHLY_RANKING.collect(Scope("team", teams["quiet"].pk), period(MONTHLY_RANKING))
    with pytest.raises(NothingToDraw, match="team:9999 does not exist"):
        MONTHLY_RANKING.collect(Scope("team", 9999), period(MONTHLY_RANKING))


def test_ranking_scopes_are_the_teams_with_members(teams):
    assert MONTHLY_RANKING.scopes() == [
        Scope("team", teams["north"].pk),
        Scope("team", teams["south"].pk),
        Scope("team", teams["quiet"].pk),
    ]


def test_ranking_collect_runs_a_fixed_number_of_queries(teams, django_assert_num_queries):
    scope = Scope("team", teams["north"].pk)
    with django_assert_num_queries(6):  # team, weights, agents, figures, QA scores, ability scores
        MONTHLY_RANKING.collect(scope, period(MONTHLY_RANKING))
    for number in range(15):
        complete_month(make_agent(teams["north"], f"extra{number:02d}"), answered=50 + number, month=FEBRUARY)
    with django_assert_num_queries(6):
        data = MONTHLY_RANKING.collect(scope, period(MONTHLY_RANKING))
    assert len(data["ranked"]) == 18


def test_ranking_draws_ranked_bars_scores_and_the_unranked_note(teams):
    data = MONTHLY_RANKING.collect(Scope("team", teams["north"].pk), period(MONTHLY_RANKING))
    fig = MONTHLY_RANKING.draw(data)
    ax = fig.axes[0]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["1. Ann", "2. Ben", "2. Dan"]
    assert [bar.get_width() for bar in ax.patches] == [85.0, 30.0, 30.0]
    svg = to_svg(fig)
    assert_drawn(svg, "Monthly ranking, North, 2026-02", "1. Ann", "2. Ben", "2. Dan")
    assert_drawn(svg, "Composite score (volume 30%, quality 40%, attendance 15%, ability 15%)")
    assert_drawn(svg, "Not ranked: Eve (No submitted QA evaluation in the month.)")
    assert {"85.00", "30.00"} <= set(drawn_texts(svg))


def test_ranking_without_unranked_agents_has_no_note(teams):
    data = MONTHLY_RANKING.collect(Scope("team", teams["south"].pk), period(MONTHLY_RANKING))
    assert data["unranked"] == []
    svg = to_svg(MONTHLY_RANKING.draw(data))
    assert "Not ranked" not in " ".join(drawn_texts(svg))
    assert_drawn(svg, "1. Carl", "100.00")  # alone in the team: 100 on every component


def test_ranking_table_lists_ranked_then_unranked_agents(teams):
    header, rows = MONTHLY_RANKING.table(
        MONTHLY_RANKING.collect(Scope("team", teams["north"].pk), period(MONTHLY_RANKING))
    )
    assert header == [
        "Rank",
        "Agent",
        "Composite score",
        "Answered calls",
        "QA score",
        "Attendance %",
        "Business ability",
        "Not ranked because",
    ]
    assert rows == [
        [1, "Ann", 85.0, 120, 90.0, 97.92, 80.0, ""],
        [2, "Ben", 30.0, 100, 80.0, 97.92, 90.0, ""],
        [2, "Dan", 30.0, 100, 80.0, 97.92, 90.0, ""],
        ["", "Eve", "", 90, None, 100.0, 70.0, "No submitted QA evaluation in the month."],
    ]


def test_generate_ranking_end_to_end_stores_last_months_snapshot(teams, media_root):
    scope = Scope("team", teams["north"].pk)
    snapshot = services.generate(kinds.get("monthly_ranking"), scope)
    assert (snapshot.scope, snapshot.scope_label, snapshot.period) == (scope.key, "North", "2026-02")
    assert (snapshot.period_start, snapshot.period_end) == (FEBRUARY, date(2026, 2, 28))
    assert [row["name"] for row in snapshot.data["ranked"]] == ["Ann", "Ben", "Dan"]
    english = next(image for image in snapshot.images.all() if image.language == "en")
    assert_drawn((media_root / english.svg.name).read_text(), "Monthly ranking, North, 2026-02")
    with pytest.raises(NothingToDraw):
        services.generate(MONTHLY_RANKING, GLOBAL_SCOPE)  # ranked within teams only
