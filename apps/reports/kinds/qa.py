"""QA charts: weekly score trend against the pass mark, failed-criteria Pareto, pass-rate p-chart.

What counts: submitted evaluations outside calibration sessions (``Evaluation.objects.submitted()``),
whatever happened to them afterwards (acknowledged, disputed, re-scored). When: an evaluation belongs to
the week it was submitted in, on the centre's clock — as the monthly ranking and the failed-criteria
count source do — so a week's figures stop moving once the week is over, however late calls are scored.
Who: a team's charts are the evaluations of its current members (``User.team`` of the evaluated agent).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Team, User
from apps.reports.charts.control import p_chart_figure
from apps.reports.charts.trend import TrendSeries, trend_figure
from apps.scorecards.models import Evaluation, Scorecard
from apps.scorecards.selectors import failed_criteria_counts
from apps.tqm import analysis

from .. import periods, scopes
from ..scopes import AGENT, GLOBAL, GLOBAL_SCOPE, SCORECARD, TEAM, Scope
from .base import NIGHTLY, QA, ChartKind, NothingToDraw, Table
from .common import draw_pareto, pareto_data, pareto_table

TREND_WEEKS = 12
PCHART_WEEKS = 26
HUNDREDTH = Decimal("0.01")

# --- Shared reads ----------------------------------------------------------------------------------


def _bounds(period: periods.Period) -> tuple[datetime, datetime]:
    """The period's days as aware datetimes [start, end) in the centre's time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _current_period(window: int) -> periods.Period:
    return periods.current(periods.WEEK, timezone.localdate(), window=window)


def _evaluations(scope: Scope) -> QuerySet[Evaluation]:
    """Submitted, non-calibration evaluations of the scope: everyone's, a team's or one agent's."""
    evaluations = Evaluation.objects.submitted()
    if scope.type == TEAM:
        evaluations = evaluations.filter(agent__team_id=scope.id)
    elif scope.type == AGENT:
        evaluations = evaluations.filter(agent_id=scope.id)
    return evaluations


def _scope_name(scope: Scope) -> str:
    """The team's or agent's stored name ("" for everyone); NothingToDraw if it no longer exists."""
    if scope.type == GLOBAL:
        return ""
    if scope.type == TEAM:
        name = Team.objects.filter(pk=scope.id).values_list("name", flat=True).first()
    elif scope.type == AGENT:
        agent = User.objects.filter(pk=scope.id).first()
        name = agent.name if agent is not None else None
    else:
        name = Scorecard.objects.filter(pk=scope.id).values_list("name", flat=True).first()
    if name is None:
        raise NothingToDraw(f"{scope.key} does not exist")
    return name


def _display_name(data: dict) -> str:
    return data["scope_name"] or scopes.everyone()


@dataclass(frozen=True)
class _Week:
    monday: date
    evaluations: int
    passed: int
    scored: int
    score_sum: Decimal | None


def _weekly(evaluations: QuerySet[Evaluation], period: periods.Period) -> dict[date, _Week]:
    """Counts and score sums per ISO week of submission in the period: one GROUP BY query."""
    zone = timezone.get_current_timezone()
    start, end = _bounds(period)
    rows = (
        evaluations.filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(week=TruncWeek("submitted_at", tzinfo=zone))
        .values("week")
        # Sum and count rather than Avg: SQLite averages in floating point; this mean is exact.
        .annotate(
            evaluations=Count("pk"),
            passed=Count("pk", filter=Q(passed=True)),
            scored=Count("score"),
            score_sum=Sum("score"),
        )
        .order_by("week")
    )
    weeks = {}
    for row in rows:
        monday = timezone.localtime(row["week"], zone).date()
        weeks[monday] = _Week(monday, row["evaluations"], row["passed"], row["scored"], row["score_sum"])
    return weeks


def _hundredths(numerator: Decimal | int, denominator: int) -> float | None:
    """numerator ÷ denominator to 2 decimals, halves rounded up as on the QA pages; None for 0/0."""
    if not denominator:
        return None
    return float((Decimal(numerator) / denominator).quantize(HUNDREDTH, rounding=ROUND_HALF_UP))


# --- Score trend -----------------------------------------------------------------------------------


def _trend_scopes() -> list[Scope]:
    """Everyone and every team with members; an agent's own trend is drawn when they open it."""
    teams = Team.objects.filter(members__isnull=False).distinct().order_by("pk").values_list("pk", flat=True)
    return [GLOBAL_SCOPE, *(Scope(TEAM, pk) for pk in teams)]


def _main_scorecard(evaluations: QuerySet[Evaluation], period: periods.Period) -> dict | None:
    """The scorecard most used in the period (ties: lowest id) and the pass mark of its newest
    version used there — the bar the latest plotted scores were measured against."""
    start, end = _bounds(period)
    rows = (
        evaluations.filter(submitted_at__gte=start, submitted_at__lt=end)
        .values(
            "scorecard_version__scorecard_id",
            "scorecard_version__scorecard__name",
            "scorecard_version__number",
            "scorecard_version__pass_mark",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    used: dict[int, dict] = defaultdict(lambda: {"evaluations": 0, "version": 0})
    for row in rows:  # one row per scorecard version used: a handful
        card = used[row["scorecard_version__scorecard_id"]]
        card["id"] = row["scorecard_version__scorecard_id"]
        card["name"] = row["scorecard_version__scorecard__name"]
        card["evaluations"] += row["n"]
        if row["scorecard_version__number"] > card["version"]:
            card["version"] = row["scorecard_version__number"]
            card["pass_mark"] = float(row["scorecard_version__pass_mark"])
    if not used:
        return None
    return max(used.values(), key=lambda card: (card["evaluations"], -card["id"]))


def _collect_trend(scope: Scope, period: periods.Period) -> dict:
    name = _scope_name(scope)
    evaluations = _evaluations(scope)
    counted = _weekly(evaluations, period)
    if not counted:
        raise NothingToDraw("no submitted evaluation in this period")
    scorecard = _main_scorecard(evaluations, period)
    weeks = []
    for monday in periods.weeks_of(period):
        week = counted.get(monday)
        weeks.append(
            {
                "week": periods.week_key(monday),
                "start": monday.isoformat(),
                "evaluations": week.evaluations if week else 0,
                "average_score": _hundredths(week.score_sum, week.scored) if week and week.scored else None,
                "pass_rate": _hundredths(100 * week.passed, week.evaluations) if week else None,
            }
        )
    total = sum(week.evaluations for week in counted.values())
    scored = sum(week.scored for week in counted.values())
    return {
        "scope_name": name,
        "weeks": weeks,
        "evaluations": total,
        "average_score": _hundredths(sum(w.score_sum or 0 for w in counted.values()), scored),
        "pass_rate": _hundredths(100 * sum(week.passed for week in counted.values()), total),
        "pass_mark": scorecard["pass_mark"],
        "scorecard": {key: scorecard[key] for key in ("id", "name", "version", "evaluations")},
    }


def _mark(value: float) -> str:
    return f"{value:g}"  # 85.0 → "85", 82.5 → "82.5"


def _draw_trend(data: dict):
    pass_mark = data["pass_mark"]
    averages = [week["average_score"] for week in data["weeks"]]
    return trend_figure(
        [week["week"] for week in data["weeks"]],
        [
            TrendSeries(
                _("Weekly average score"),
                averages,
                marked=[value is not None and value < pass_mark for value in averages],
            )
        ],
        title=_("QA score trend: %(scope)s") % {"scope": _display_name(data)},
        y_label=_("Average score"),
        x_label=_("Week"),
        reference=(pass_mark, _("Pass mark %(mark)s") % {"mark": _mark(pass_mark)}),
        y_limits=(0, 100),
        marked_label=_("Below the pass mark"),
    )


def _table_trend(data: dict) -> Table:
    header = [
        _("Week"),
        _("Week starting"),
        _("Evaluations"),
        _("Average score"),
        _("Pass rate %"),
        _("Pass mark"),
    ]
    rows = [
        [
            week["week"],
            week["start"],
            week["evaluations"],
            week["average_score"],
            week["pass_rate"],
            data["pass_mark"],
        ]
        for week in data["weeks"]
    ]
    return header, rows


QA_SCORE_TREND = ChartKind(
    name="qa_score_trend",
    label=gettext_lazy("QA score trend"),
    description=gettext_lazy(
        "Average QA score per week over the last 12 weeks, against the pass mark of the scorecard "
        "used most; weeks below the pass mark are marked."
    ),
    family=QA,
    schedule=NIGHTLY,
    scope_types=(GLOBAL, TEAM, AGENT),
    on_view_scope_types=(AGENT,),
    period_unit=periods.WEEK,
    window=TREND_WEEKS,
    scopes=_trend_scopes,
    collect=_collect_trend,
    draw=_draw_trend,
    table=_table_trend,
)


# --- Failed criteria Pareto ------------------------------------------------------------------------


def _scorecard_scopes() -> list[Scope]:
    """Scorecards with a submitted evaluation in the window."""
    start, end = _bounds(_current_period(TREND_WEEKS))
    ids = (
        Evaluation.objects.submitted()
        .filter(submitted_at__gte=start, submitted_at__lt=end)
        .values_list("scorecard_version__scorecard_id", flat=True)
        .distinct()
        .order_by("scorecard_version__scorecard_id")
    )
    return [Scope(SCORECARD, pk) for pk in ids]


def _collect_failed(scope: Scope, period: periods.Period) -> dict:
    name = _scope_name(scope)
    counts = failed_criteria_counts(period.start, period.end, scorecard=scope.id)
    return {"scope_name": name, **pareto_data(counts, other_after_percent=95)}


def _draw_failed(data: dict):
    return draw_pareto(data, title=_("Failed criteria: %(scorecard)s") % {"scorecard": data["scope_name"]})


def _table_failed(data: dict) -> Table:
    return pareto_table(data, label_header=_("Criterion"))


QA_FAILED_CRITERIA = ChartKind(
    name="qa_failed_criteria",
    label=gettext_lazy("Failed-criteria Pareto"),
    description=gettext_lazy(
        "How often each criterion of a scorecard was scored below its maximum in the last 12 weeks, "
        "most first, with the cumulative share."
    ),
    family=QA,
    schedule=NIGHTLY,
    scope_types=(SCORECARD,),
    period_unit=periods.WEEK,
    window=TREND_WEEKS,
    scopes=_scorecard_scopes,
    collect=_collect_failed,
    draw=_draw_failed,
    table=_table_failed,
)


# --- Pass-rate p-chart -----------------------------------------------------------------------------


def _pchart_scopes() -> list[Scope]:
    teams = Team.objects.filter(members__isnull=False).distinct().order_by("pk").values_list("pk", flat=True)
    return [GLOBAL_SCOPE, *(Scope(TEAM, pk) for pk in teams)]


def _collect_pchart(scope: Scope, period: periods.Period) -> dict:
    name = _scope_name(scope)
    counted = _weekly(_evaluations(scope), period)
    # A week without evaluations is no sample (n = 0 has no proportion): it is left out, not zero.
    weeks = [counted[monday] for monday in periods.weeks_of(period) if monday in counted]
    if len(weeks) < 2:
        raise NothingToDraw("a p-chart needs at least two weekly samples")
    result = analysis.p_chart([(week.evaluations - week.passed, week.evaluations) for week in weeks])
    return {
        "scope_name": name,
        "center_line": result.center_line,
        "samples": [
            {
                "week": periods.week_key(week.monday),
                "start": week.monday.isoformat(),
                "size": point.size,
                "defectives": point.defectives,
                "proportion": point.proportion,
                "lcl": point.lcl,
                "ucl": point.ucl,
                "out_of_control": point.out_of_control,
            }
            for week, point in zip(weeks, result.points, strict=True)
        ],
    }


@dataclass(frozen=True)
class _Point:
    index: int
    proportion: float
    lcl: float
    ucl: float
    out_of_control: bool


def _draw_pchart(data: dict):
    samples = data["samples"]
    return p_chart_figure(
        [
            _Point(index, sample["proportion"], sample["lcl"], sample["ucl"], sample["out_of_control"])
            for index, sample in enumerate(samples, start=1)
        ],
        center_line=data["center_line"],
        title=_("QA pass-rate p-chart: %(scope)s") % {"scope": _display_name(data)},
        proportion_label=_("Share of evaluations not passed"),
        sample_label=_("Week"),
        ucl_label=_("UCL"),
        lcl_label=_("LCL"),
        center_label=_("CL"),
        out_of_control_label=_("Out of control"),
        x_labels=[sample["week"] for sample in samples],
    )


def _table_pchart(data: dict) -> Table:
    header = [
        _("Week"),
        _("Week starting"),
        _("Evaluations"),
        _("Not passed"),
        _("Proportion"),
        _("LCL"),
        _("UCL"),
        _("Centre line"),
        _("Out of control"),
    ]
    rows = [
        [
            sample["week"],
            sample["start"],
            sample["size"],
            sample["defectives"],
            round(sample["proportion"], 4),
            round(sample["lcl"], 4),
            round(sample["ucl"], 4),
            round(data["center_line"], 4),
            _("yes") if sample["out_of_control"] else "",
        ]
        for sample in data["samples"]
    ]
    return header, rows


QA_PASS_RATE_PCHART = ChartKind(
    name="qa_pass_rate_pchart",
    label=gettext_lazy("QA pass-rate p-chart"),
    description=gettext_lazy(
        "Share of evaluations not passed per week over the last 26 weeks, with control limits for "
        "each week's number of evaluations; weeks outside the limits are marked."
    ),
    family=QA,
    schedule=NIGHTLY,
    scope_types=(GLOBAL, TEAM),
    period_unit=periods.WEEK,
    window=PCHART_WEEKS,
    scopes=_pchart_scopes,
    collect=_collect_pchart,
    draw=_draw_pchart,
    table=_table_pchart,
)

KINDS = [QA_SCORE_TREND, QA_FAILED_CRITERIA, QA_PASS_RATE_PCHART]
