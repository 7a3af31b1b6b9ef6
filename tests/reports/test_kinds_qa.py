"""QA chart kinds: score trend, failed-criteria Pareto and pass-rate p-chart, from evaluations to snapshot.

The clock stands at Wednesday 2026-03-18 10:00 in Shanghai (ISO week 2026-W12): the trend and the Pareto
cover 2025-12-29 (2026-W01) to 2026-03-22, the p-chart 26 weeks from 2025-09-22 (2025-W39).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from apps.accounts.roles import Role
from apps.reports import kinds, periods, services
from apps.reports.charts import to_svg
from apps.reports.kinds import NothingToDraw
from apps.reports.kinds.base import NIGHTLY, QA
from apps.reports.kinds.qa import QA_FAILED_CRITERIA, QA_PASS_RATE_PCHART, QA_SCORE_TREND
from apps.reports.models import ChartSnapshot
from apps.reports.scopes import GLOBAL_SCOPE, Scope
from apps.scorecards.models import CalibrationSession, EvaluationStatus
from apps.tqm import analysis
from tests.factories import TeamFactory, UserFactory
from tests.reports.test_charts import assert_drawn, drawn_texts
from tests.scorecards.factories import (
    AnswerFactory,
    CallFactory,
    EvaluationFactory,
    ScorecardVersionFactory,
    typical_scorecard,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 18, 10, 0, tzinfo=SHANGHAI)


def local(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db):
    alpha, beta = TeamFactory(name="Team Alpha"), TeamFactory(name="Team Beta")
    empty = TeamFactory(name="Team Empty")
    inbound = typical_scorecard(name="Inbound service")  # version 1, pass mark 85
    inbound_v2 = ScorecardVersionFactory(scorecard=inbound.scorecard, number=2, pass_mark=Decimal("88.00"))
    outbound = typical_scorecard(name="Outbound sales", pass_mark=Decimal("80.00"))
    return {
        "alpha": alpha,
        "beta": beta,
        "empty": empty,
        "ann": UserFactory(display_name="Ann Lee", roles=[Role.AGENT], team=alpha),
        "bo": UserFactory(display_name="Bo Chen", roles=[Role.AGENT], team=alpha),
        "cy": UserFactory(display_name="Cy Diaz", roles=[Role.AGENT], team=beta),
        "dee": UserFactory(display_name="Dee Ng", roles=[Role.AGENT], team=beta),
        "evaluator": UserFactory(display_name="Eve QA", roles=[Role.QA_EVALUATOR]),
        "manager": UserFactory(roles=[Role.QA_MANAGER]),
        "inbound": inbound,
        "inbound_v2": inbound_v2,
        "outbound": outbound,
    }


def evaluate(world, agent: str, when: datetime, score, passed, *, version=None, **fields):
    """A submitted (or, with status=draft, unsubmitted) evaluation of a new call of ``agent``."""
    status = fields.pop("status", EvaluationStatus.SUBMITTED)
    return EvaluationFactory(
        call=CallFactory(agent=world[agent], started_at=when - timedelta(hours=3)),
        scorecard_version=version or world["inbound"].version,
        evaluator=world["evaluator"],
        status=status,
        score=None if score is None else Decimal(str(score)),
        passed=passed,
        submitted_at=None if status == EvaluationStatus.DRAFT else when,
        **fields,
    )


def calibration_scoring(world, agent: str, when: datetime, score, passed):
    """A participant's scoring in a calibration session: it never counts for the agent."""
    call = CallFactory(agent=world[agent], started_at=when - timedelta(hours=3))
    session = CalibrationSession.objects.create(
        call=call,
        scorecard_version=world["inbound"].version,
        deadline=NOW + timedelta(days=7),
        created_by=world["manager"],
    )
    return evaluate(world, agent, when, score, passed, calibration=session)


@pytest.fixture
def trend(world):
    """Team Alpha: 7 evaluations in weeks 1, 10, 11 and 12; Team Beta: 2 in week 11; noise around them."""
    outbound = world["outbound"].version
    evaluate(world, "ann", local(12, 30, year=2025), "86.50", True)  # 2026-W01
    evaluate(world, "ann", local(3, 8, 23, 30), 90, True)  # Sunday night: still 2026-W10
    evaluate(world, "bo", local(3, 4), 80, False)  # W10
    evaluate(world, "ann", local(3, 9, 0, 30), 95, True, version=world["inbound_v2"])  # Monday 00:30: W11
    evaluate(world, "ann", local(3, 11), 70, False)  # W11
    evaluate(world, "bo", local(3, 12), 88, True)  # W11
    evaluate(world, "bo", local(3, 17), 100, True, version=world["inbound_v2"])  # W12
    evaluate(world, "cy", local(3, 10), 50, False, version=outbound)  # W11, Team Beta
    evaluate(world, "cy", local(3, 11), 60, False, version=outbound)  # W11, Team Beta
    # Not counted: before the window (Sunday night of 2025-W52), a draft, a calibration scoring.
    evaluate(world, "ann", local(12, 28, 23, 30, year=2025), 10, False)
    evaluate(world, "ann", local(3, 11), 0, False, status=EvaluationStatus.DRAFT)
    calibration_scoring(world, "ann", local(3, 11), 0, False)
    evaluate(world, "dee", local(12, 1, year=2025), 75, False)  # Dee: only before the window
    evaluate(world, "dee", local(3, 11), 75, False, status=EvaluationStatus.DRAFT)
    return world


def period(kind):
    return kind.current_period(NOW.date())


def empty_week(key: str, start: str) -> dict:
    return {"week": key, "start": start, "evaluations": 0, "average_score": None, "pass_rate": None}


# --- Registry ----------------------------------------------------------------------------------------


def test_qa_kinds_are_registered_nightly_with_their_scopes_and_windows():
    assert [kinds.get(name) for name in ("qa_score_trend", "qa_failed_criteria", "qa_pass_rate_pchart")] == [
        QA_SCORE_TREND,
        QA_FAILED_CRITERIA,
        QA_PASS_RATE_PCHART,
    ]
    assert {kind.family for kind in kinds.of_family(QA)} == {QA}
    assert [(k.schedule, k.scope_types, k.period_unit, k.window) for k in kinds.of_family(QA)] == [
        (NIGHTLY, ("global", "team", "agent"), periods.WEEK, 12),
        (NIGHTLY, ("scorecard",), periods.WEEK, 12),
        (NIGHTLY, ("global", "team"), periods.WEEK, 26),
    ]
    assert str(QA_SCORE_TREND.label) == "QA score trend"
    with translation.override("zh-hans"):
        assert str(QA_PASS_RATE_PCHART.label)  # lazy: resolved in the active language


# --- Score trend --------------------------------------------------------------------------------------


def test_team_trend_has_every_week_with_exact_averages_and_pass_rates(trend):
    data = QA_SCORE_TREND.collect(Scope("team", trend["alpha"].pk), period(QA_SCORE_TREND))

    weeks = data["weeks"]
    assert len(weeks) == 12
    assert weeks[0] == {
        "week": "2026-W01",
        "start": "2025-12-29",
        "evaluations": 1,
        "average_score": 86.5,
        "pass_rate": 100.0,
    }
    assert weeks[1:9] == [
        empty_week(f"2026-W{n:02d}", (date(2026, 1, 5) + timedelta(weeks=n - 2)).isoformat())
        for n in range(2, 10)
    ]
    assert weeks[9:] == [
        {
            "week": "2026-W10",
            "start": "2026-03-02",
            "evaluations": 2,
            "average_score": 85.0,
            "pass_rate": 50.0,
        },
        # (95 + 70 + 88) / 3 = 84.333…; 2 of 3 passed
        {
            "week": "2026-W11",
            "start": "2026-03-09",
            "evaluations": 3,
            "average_score": 84.33,
            "pass_rate": 66.67,
        },
        {
            "week": "2026-W12",
            "start": "2026-03-16",
            "evaluations": 1,
            "average_score": 100.0,
            "pass_rate": 100.0,
        },
    ]
    # 609.5 / 7 = 87.071…; 5 of 7 passed
    assert (data["evaluations"], data["average_score"], data["pass_rate"]) == (7, 87.07, 71.43)
    assert data["scope_name"] == "Team Alpha"
    # Inbound service is used 7 times; its newest version used in the window (2) sets the pass mark.
    assert data["pass_mark"] == 88.0
    assert data["scorecard"] == {
        "id": trend["inbound"].scorecard.pk,
        "name": "Inbound service",
        "version": 2,
        "evaluations": 7,
    }


def test_global_trend_counts_every_team(trend):
    data = QA_SCORE_TREND.collect(GLOBAL_SCOPE, period(QA_SCORE_TREND))

    week_11 = data["weeks"][10]
    # (95 + 70 + 88 + 50 + 60) / 5 = 72.6; 2 of 5 passed
    assert (week_11["evaluations"], week_11["average_score"], week_11["pass_rate"]) == (5, 72.6, 40.0)
    assert data["evaluations"] == 9
    assert data["scope_name"] == ""
    assert (data["scorecard"]["name"], data["pass_mark"]) == ("Inbound service", 88.0)


def test_agent_trend_counts_only_that_agents_evaluations(trend):
    ann = QA_SCORE_TREND.collect(Scope("agent", trend["ann"].pk), period(QA_SCORE_TREND))
    cy = QA_SCORE_TREND.collect(Scope("agent", trend["cy"].pk), period(QA_SCORE_TREND))

    assert [(w["week"], w["evaluations"], w["average_score"]) for w in ann["weeks"] if w["evaluations"]] == [
        ("2026-W01", 1, 86.5),
        ("2026-W10", 1, 90.0),
        ("2026-W11", 2, 82.5),
    ]
    assert ann["scope_name"] == "Ann Lee"
    assert (cy["scorecard"]["name"], cy["scorecard"]["version"], cy["pass_mark"]) == (
        "Outbound sales",
        1,
        80.0,
    )
    assert cy["average_score"] == 55.0
    assert cy["pass_rate"] == 0.0


def test_trend_ignores_drafts_calibration_scorings_and_earlier_weeks(trend):
    """Ann's draft, calibration scoring and pre-window evaluation (all scored low) change nothing."""
    data = QA_SCORE_TREND.collect(Scope("agent", trend["ann"].pk), period(QA_SCORE_TREND))
    assert data["evaluations"] == 4
    assert data["average_score"] == 85.38  # (86.5 + 90 + 95 + 70) / 4 = 85.375


def test_trend_week_of_an_evaluation_is_its_submission_week_in_the_centres_time_zone(world):
    evaluate(world, "ann", local(3, 15, 23, 59), 60, False)  # Sunday 23:59 in Shanghai: 15:59 UTC
    evaluate(world, "ann", local(3, 16, 0, 1), 90, True)  # Monday 00:01 in Shanghai: still Sunday in UTC
    data = QA_SCORE_TREND.collect(Scope("agent", world["ann"].pk), period(QA_SCORE_TREND))
    assert [(w["week"], w["average_score"]) for w in data["weeks"][-2:]] == [
        ("2026-W11", 60.0),
        ("2026-W12", 90.0),
    ]


def test_trend_has_nothing_to_draw_without_evaluations_in_the_window(trend):
    with pytest.raises(NothingToDraw, match="no submitted evaluation"):
        QA_SCORE_TREND.collect(Scope("team", trend["empty"].pk), period(QA_SCORE_TREND))
    with pytest.raises(NothingToDraw):
        QA_SCORE_TREND.collect(Scope("agent", trend["dee"].pk), period(QA_SCORE_TREND))
    with pytest.raises(NothingToDraw, match="team:999999 does not exist"):
        QA_SCORE_TREND.collect(Scope("team", 999999), period(QA_SCORE_TREND))


def test_trend_scheduled_scopes_are_everyone_and_teams_with_members(trend):
    # Agents' own trends are drawn when they open them (services.draw_on_view), not every night.
    assert QA_SCORE_TREND.scopes() == [
        GLOBAL_SCOPE,
        Scope("team", trend["alpha"].pk),
        Scope("team", trend["beta"].pk),
    ]
    assert QA_SCORE_TREND.on_view_scope_types == ("agent",)


@pytest.mark.parametrize(("scope_type", "queries"), [("global", 2), ("team", 3), ("agent", 3)])
def test_trend_collect_runs_a_fixed_number_of_queries(trend, django_assert_num_queries, scope_type, queries):
    scope = {
        "global": GLOBAL_SCOPE,
        "team": Scope("team", trend["alpha"].pk),
        "agent": Scope("agent", trend["bo"].pk),
    }[scope_type]
    with django_assert_num_queries(queries):
        before = QA_SCORE_TREND.collect(scope, period(QA_SCORE_TREND))
    for day in range(1, 21):
        evaluate(trend, "bo", local(1, day), 70 + day, day % 2 == 0, version=trend["outbound"].version)
    with django_assert_num_queries(queries):
        after = QA_SCORE_TREND.collect(scope, period(QA_SCORE_TREND))
    assert after["evaluations"] == before["evaluations"] + 20
    assert [week["evaluations"] for week in after["weeks"][1:4]] == [7, 7, 2]  # 5–11, 12–18, 19–20 Jan


def test_trend_draws_title_pass_mark_weeks_and_last_average(trend):
    data = QA_SCORE_TREND.collect(Scope("team", trend["alpha"].pk), period(QA_SCORE_TREND))
    with translation.override("en"):
        svg = to_svg(QA_SCORE_TREND.draw(data))
    assert_drawn(svg, "QA score trend: Team Alpha", "Pass mark 88", "Average score", "Week")
    assert_drawn(svg, "2026-W01", "2026-W12", "Weekly average score", "Below the pass mark")
    assert "100.0" in drawn_texts(svg)
    with translation.override("zh-hans"):
        chinese = to_svg(QA_SCORE_TREND.draw(data))
    assert_drawn(chinese, "Team Alpha", "2026-W12")
    assert "Pass mark 88" not in "".join(drawn_texts(chinese))


def test_global_trend_is_titled_for_everyone(trend):
    data = QA_SCORE_TREND.collect(GLOBAL_SCOPE, period(QA_SCORE_TREND))
    with translation.override("en"):
        assert_drawn(to_svg(QA_SCORE_TREND.draw(data)), "QA score trend: Everyone")


def test_trend_table_has_a_row_per_week(trend):
    data = QA_SCORE_TREND.collect(Scope("team", trend["alpha"].pk), period(QA_SCORE_TREND))
    with translation.override("en"):
        header, rows = QA_SCORE_TREND.table(data)
    assert header == ["Week", "Week starting", "Evaluations", "Average score", "Pass rate %", "Pass mark"]
    assert len(rows) == 12
    assert rows[1] == ["2026-W02", "2026-01-05", 0, None, None, 88.0]
    assert rows[-2] == ["2026-W11", "2026-03-09", 3, 84.33, 66.67, 88.0]


def test_generate_stores_one_trend_snapshot_per_week(trend, media_root):
    scope = Scope("team", trend["alpha"].pk)
    first = services.generate(QA_SCORE_TREND, scope)
    second = services.generate(QA_SCORE_TREND, scope)

    assert ChartSnapshot.objects.count() == 1
    assert second.pk == first.pk
    assert (second.kind, second.scope, second.period, second.scope_label) == (
        "qa_score_trend",
        f"team:{trend['alpha'].pk}",
        "2026-W12",
        "Team Alpha",
    )
    assert second.data == QA_SCORE_TREND.collect(scope, period(QA_SCORE_TREND))
    images = {image.language: image for image in second.images.all()}
    assert set(images) == {"en", "zh-hans"}
    assert "QA score trend: Team Alpha" in "".join(
        drawn_texts((media_root / images["en"].svg.name).read_text())
    )


# --- Failed criteria Pareto ---------------------------------------------------------------------------


def answer(evaluation, card, **points) -> None:
    """Answers of the typical scorecard: greet 0..2, verify 0..3, resolve 0..10, offer 0..4 or "na"."""
    for criterion, value in zip(card.criteria, card.answers(**points), strict=True):
        AnswerFactory(evaluation=evaluation, criterion=criterion, points=value.points, is_na=value.na)


@pytest.fixture
def failures(world):
    inbound, outbound = world["inbound"], world["outbound"]
    answer(
        evaluate(world, "ann", local(3, 4), 60, False), inbound, greet=0, offer_help="na"
    )  # greet, resolve
    answer(evaluate(world, "bo", local(3, 11), 70, False), inbound, resolve=5, offer_help=0)  # resolve, offer
    answer(evaluate(world, "bo", local(3, 12), 100, True), inbound, resolve=10)  # nothing failed
    # Not counted for Inbound service: before the window, a draft, a calibration scoring, another scorecard.
    answer(evaluate(world, "ann", local(12, 20, year=2025), 0, False), inbound, greet=0, resolve=10)
    answer(
        evaluate(world, "ann", local(3, 11), 0, False, status=EvaluationStatus.DRAFT),
        inbound,
        greet=0,
        resolve=10,
    )
    answer(calibration_scoring(world, "ann", local(3, 11), 0, False), inbound, greet=0, resolve=10)
    answer(
        evaluate(world, "cy", local(3, 11), 0, False, version=outbound.version), outbound, greet=0, resolve=10
    )
    archived = typical_scorecard(name="Old script")
    evaluate(world, "cy", local(11, 3, year=2025), 50, False, version=archived.version)
    return world


def test_failed_criteria_counts_only_this_scorecards_submitted_evaluations(failures):
    scope = Scope("scorecard", failures["inbound"].scorecard.pk)
    data = QA_FAILED_CRITERIA.collect(scope, period(QA_FAILED_CRITERIA))

    assert data["scope_name"] == "Inbound service"
    assert data["total"] == 4
    assert [
        (r["label"], r["count"], r["percent"], r["cumulative_percent"], r["vital_few"]) for r in data["rows"]
    ] == [
        ("Explains the solution", 2, 50.0, 50.0, True),
        ("Greets the customer", 1, 25.0, 75.0, True),
        ("Offers further help", 1, 25.0, 100.0, True),
    ]
    outbound = QA_FAILED_CRITERIA.collect(
        Scope("scorecard", failures["outbound"].scorecard.pk), period(QA_FAILED_CRITERIA)
    )
    assert [(r["label"], r["count"]) for r in outbound["rows"]] == [("Greets the customer", 1)]


def test_failed_criteria_collect_runs_two_queries(failures, django_assert_num_queries):
    scope = Scope("scorecard", failures["inbound"].scorecard.pk)
    with django_assert_num_queries(2):
        QA_FAILED_CRITERIA.collect(scope, period(QA_FAILED_CRITERIA))
    for day in range(1, 11):
        answer(evaluate(failures, "bo", local(2, day), 50, False), failures["inbound"], verify=0, resolve=10)
    with django_assert_num_queries(2):
        data = QA_FAILED_CRITERIA.collect(scope, period(QA_FAILED_CRITERIA))
    assert data["rows"][0]["label"] == "Verifies identity"
    assert data["rows"][0]["count"] == 10


def test_failed_criteria_has_nothing_to_draw_without_failures(failures):
    perfect = typical_scorecard(name="Perfect")
    answer(evaluate(failures, "bo", local(3, 13), 100, True, version=perfect.version), perfect, resolve=10)
    # Failures of this scorecard in a draft or before the window do not count either.
    answer(
        evaluate(failures, "bo", local(3, 13), 0, False, version=perfect.version, status="draft"),
        perfect,
        greet=0,
    )
    answer(
        evaluate(failures, "bo", local(12, 1, year=2025), 0, False, version=perfect.version), perfect, greet=0
    )
    with pytest.raises(NothingToDraw, match="no counts"):
        QA_FAILED_CRITERIA.collect(Scope("scorecard", perfect.scorecard.pk), period(QA_FAILED_CRITERIA))


def test_failed_criteria_scopes_are_scorecards_evaluated_in_the_window(failures):
    assert QA_FAILED_CRITERIA.scopes() == [
        Scope("scorecard", failures["inbound"].scorecard.pk),
        Scope("scorecard", failures["outbound"].scorecard.pk),
    ]


def test_failed_criteria_draw_and_table(failures, media_root):
    scope = Scope("scorecard", failures["inbound"].scorecard.pk)
    data = QA_FAILED_CRITERIA.collect(scope, period(QA_FAILED_CRITERIA))
    with translation.override("en"):
        svg = to_svg(QA_FAILED_CRITERIA.draw(data))
        header, rows = QA_FAILED_CRITERIA.table(data)
    assert_drawn(svg, "Failed criteria: Inbound service", "Explains the solution", "Greets the customer")
    assert {"2", "1"} <= set(drawn_texts(svg))
    assert header == ["Criterion", "Count", "Percent", "Cumulative %", "Vital few"]
    assert rows == [
        ["Explains the solution", 2, 50.0, 50.0, "yes"],
        ["Greets the customer", 1, 25.0, 75.0, "yes"],
        ["Offers further help", 1, 25.0, 100.0, "yes"],
    ]
    snapshot = services.generate(QA_FAILED_CRITERIA, scope)
    assert ChartSnapshot.objects.get() == snapshot
    assert (snapshot.scope_label, snapshot.period, snapshot.data["total"]) == (
        "Inbound service",
        "2026-W12",
        4,
    )


# --- Pass-rate p-chart --------------------------------------------------------------------------------


@pytest.fixture
def samples(world):
    """Team Alpha: weeks 3, 5 and 7 of 2026 with 20 evaluations each, 2, 3 and 12 not passed.
    Team Beta: 10 evaluations in week 5, none passed."""
    for monday, failed in ((local(1, 12), 2), (local(1, 26), 3), (local(2, 9), 12)):
        for number in range(20):
            agent = "ann" if number % 2 else "bo"
            evaluate(
                world,
                agent,
                monday + timedelta(hours=number),
                60 if number < failed else 90,
                number >= failed,
            )
    for number in range(10):
        evaluate(world, "cy", local(1, 27) + timedelta(hours=number), 50, False)
    evaluate(world, "ann", local(9, 19, year=2025), 10, False)  # the Friday before the 26 weeks
    evaluate(world, "ann", local(2, 10), 10, False, status=EvaluationStatus.DRAFT)
    calibration_scoring(world, "ann", local(2, 10), 10, False)
    return world


def expected_samples(pairs, weeks):
    result = analysis.p_chart(pairs)
    return result.center_line, [
        {
            "week": week,
            "start": start,
            "size": point.size,
            "defectives": point.defectives,
            "proportion": point.proportion,
            "lcl": point.lcl,
            "ucl": point.ucl,
            "out_of_control": point.out_of_control,
        }
        for (week, start), point in zip(weeks, result.points, strict=True)
    ]


WEEKS_3_5_7 = [("2026-W03", "2026-01-12"), ("2026-W05", "2026-01-26"), ("2026-W07", "2026-02-09")]


def test_team_p_chart_has_weekly_samples_with_limits_from_the_p_chart_analysis(samples):
    data = QA_PASS_RATE_PCHART.collect(Scope("team", samples["alpha"].pk), period(QA_PASS_RATE_PCHART))

    center, expected = expected_samples([(2, 20), (3, 20), (12, 20)], WEEKS_3_5_7)
    assert data["center_line"] == center == pytest.approx(17 / 60)
    assert data["samples"] == expected
    assert [(s["size"], s["defectives"], s["proportion"]) for s in data["samples"]] == [
        (20, 2, 0.1),
        (20, 3, 0.15),
        (20, 12, 0.6),
    ]
    # p̄ = 17/60; UCL = p̄ + 3·√(p̄(1 − p̄)/20) = 0.5856…: week 7 (0.6) is out of control.
    assert data["samples"][2]["ucl"] == pytest.approx(0.585616, abs=1e-6)
    assert [s["out_of_control"] for s in data["samples"]] == [False, False, True]
    assert data["scope_name"] == "Team Alpha"


def test_global_p_chart_adds_every_team_and_skips_empty_weeks(samples):
    data = QA_PASS_RATE_PCHART.collect(GLOBAL_SCOPE, period(QA_PASS_RATE_PCHART))
    center, expected = expected_samples([(2, 20), (13, 30), (12, 20)], WEEKS_3_5_7)
    assert (data["center_line"], data["samples"]) == (center, expected)


def test_p_chart_needs_two_weekly_samples(samples):
    with pytest.raises(NothingToDraw, match="at least two weekly samples"):
        QA_PASS_RATE_PCHART.collect(Scope("team", samples["beta"].pk), period(QA_PASS_RATE_PCHART))
    with pytest.raises(NothingToDraw):
        QA_PASS_RATE_PCHART.collect(Scope("team", samples["empty"].pk), period(QA_PASS_RATE_PCHART))


@pytest.mark.parametrize(("scope_type", "queries"), [("global", 1), ("team", 2)])
def test_p_chart_collect_runs_a_fixed_number_of_queries(
    samples, django_assert_num_queries, scope_type, queries
):
    scope = GLOBAL_SCOPE if scope_type == "global" else Scope("team", samples["alpha"].pk)
    with django_assert_num_queries(queries):
        QA_PASS_RATE_PCHART.collect(scope, period(QA_PASS_RATE_PCHART))
    for number in range(30):
        evaluate(samples, "bo", local(3, 2) + timedelta(hours=number), 80, number % 3 == 0)
    with django_assert_num_queries(queries):
        data = QA_PASS_RATE_PCHART.collect(scope, period(QA_PASS_RATE_PCHART))
    assert (data["samples"][-1]["size"], data["samples"][-1]["defectives"]) == (30, 20)


def test_p_chart_scopes_are_everyone_and_teams_with_members(samples):
    assert QA_PASS_RATE_PCHART.scopes() == [
        GLOBAL_SCOPE,
        Scope("team", samples["alpha"].pk),
        Scope("team", samples["beta"].pk),
    ]


def test_p_chart_draws_weeks_limits_and_out_of_control_points(samples):
    data = QA_PASS_RATE_PCHART.collect(Scope("team", samples["alpha"].pk), period(QA_PASS_RATE_PCHART))
    with translation.override("en"):
        fig = QA_PASS_RATE_PCHART.draw(data)
        svg = to_svg(fig)
    assert_drawn(svg, "QA pass-rate p-chart: Team Alpha", "Share of evaluations not passed", "Out of control")
    assert_drawn(svg, "2026-W03", "2026-W05", "2026-W07")
    texts = set(drawn_texts(svg))
    assert {f"UCL = {data['samples'][-1]['ucl']:.4f}", f"CL = {17 / 60:.4f}", "LCL = 0.0000"} <= texts
    (flagged,) = [line for line in fig.axes[0].lines if line.get_marker() == "D"]
    assert list(flagged.get_ydata()) == [0.6]


def test_p_chart_table_and_snapshot(samples, media_root):
    scope = Scope("team", samples["alpha"].pk)
    data = QA_PASS_RATE_PCHART.collect(scope, period(QA_PASS_RATE_PCHART))
    with translation.override("en"):
        header, rows = QA_PASS_RATE_PCHART.table(data)
    assert header == [
        "Week",
        "Week starting",
        "Evaluations",
        "Not passed",
        "Proportion",
        "LCL",
        "UCL",
        "Centre line",
        "Out of control",
    ]
    assert rows[2] == ["2026-W07", "2026-02-09", 20, 12, 0.6, 0.0, 0.5856, 0.2833, "yes"]
    assert rows[0][-1] == ""

    snapshot = services.generate(QA_PASS_RATE_PCHART, scope)
    assert ChartSnapshot.objects.get() == snapshot
    assert (snapshot.period, snapshot.period_start.isoformat()) == ("2026-W12", "2025-09-22")
    assert snapshot.data["samples"] == data["samples"]
    assert snapshot.images.count() == 2
