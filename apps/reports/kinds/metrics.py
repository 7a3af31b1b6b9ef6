"""Operations charts: daily KPIs against their targets (everyone or one team) and a team's monthly ranking.

The figures are summed by the database and turned into KPI values by apps.metrics.kpis, the one place
the formulas are written; the ranking is apps.metrics.ranking's, computed from the same inputs as the
ranking page (ranking_selectors.ranking_inputs and the configured weights).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Team, User
from apps.metrics import kpis, ranking, ranking_selectors, selectors, targets
from apps.metrics.models import DailyFigure
from apps.reports.charts.bars import ranking_bar_figure
from apps.reports.charts.panels import DayTag, KpiPanel, kpi_panels_figure

from .. import periods
from ..scopes import GLOBAL, TEAM, Scope
from .base import METRICS, MONTHLY, NIGHTLY, ChartKind, NothingToDraw, Table
from .common import global_and, rounded, team_scopes


def _team_name(scope: Scope) -> str | None:
    """The team's name for titles (None for everyone); NothingToDraw if the team is gone."""
    if scope.type != TEAM:
        return None
    name = Team.objects.filter(pk=scope.id).values_list("name", flat=True).first()
    if name is None:
        raise NothingToDraw(f"{scope.key} does not exist")
    return name


# --- KPI trend against targets (42 days) -----------------------------------------------------------

# The KPIs the operating manual sets targets for, in the order the panels are stacked.
TREND_KPIS = ("connection_rate", "fcr_rate", "csat", "acw_seconds", "service_level")
_BETTER = {kpis.UP: True, kpis.DOWN: False}


def _kpi_scopes() -> list[Scope]:
    return global_and(team_scopes())


def _bound(value) -> float | None:
    return None if value is None else float(value)


def _collect_kpi_trend(scope: Scope, period: periods.Period) -> dict:
    team = _team_name(scope)
    days = [period.start + timedelta(days=offset) for offset in range((period.end - period.start).days + 1)]
    figures = DailyFigure.objects.filter(date__gte=period.start, date__lte=period.end)
    if scope.type == TEAM:
        # As selectors.kpi_rows(team=…): the figures of the team's current agents.
        figures = figures.filter(agent__team_id=scope.id)
    # One GROUP BY date: each day's sums of every base field; kpis.values() applies the formulas.
    sums_by_day = {
        row["date"]: row
        for row in figures.values("date")
        .annotate(figures=Count("id"), **{name: Sum(name) for name in kpis.BASE_FIELDS})
        .order_by()
    }
    if not sums_by_day:
        raise NothingToDraw("no daily figures in this period")
    values_by_day = {day: kpis.values(row) for day, row in sums_by_day.items()}
    # KpiTarget has no team column: a KPI's target is the centre's, for every team.
    bands = targets.targets()
    series = []
    for key in TREND_KPIS:
        kpi, band = kpis.BY_KEY[key], bands.get(key)
        series.append(
            {
                "kpi": key,
                "unit": kpi.unit,
                "decimals": kpi.decimals,
                "higher_is_better": _BETTER.get(kpi.better),
                "target": None
                if band is None
                else {"minimum": _bound(band.minimum), "maximum": _bound(band.maximum)},
                "values": [
                    rounded(values_by_day[day][key], kpi.decimals) if day in values_by_day else None
                    for day in days
                ],
            }
        )
    tags = selectors.day_tags(start=period.start, end=period.end)
    return {
        "team": team,
        "days": [day.isoformat() for day in days],
        "figures": sum(row["figures"] for row in sums_by_day.values()),
        "kpis": series,
        "tags": [{"day": day.isoformat(), "label": label} for day in sorted(tags) for label in tags[day]],
    }


def _panel(row: dict) -> KpiPanel:
    """The panel of one KPI: a band, a minimum or a maximum as kpis.status() judges them."""
    kpi = kpis.BY_KEY[row["kpi"]]
    unit = "%" if row["unit"] == kpis.PERCENT else _("seconds")
    band = row["target"] or {}
    low, high = band.get("minimum"), band.get("maximum")
    if low is not None and high is not None:
        target, target_high, higher = low, high, None
    elif low is not None:
        target, target_high, higher = low, None, True
    else:
        target, target_high, higher = high, None, False if high is not None else None
    return KpiPanel(
        title=str(kpi.label),
        unit=unit,
        values=row["values"],
        target=target,
        higher_is_better=higher,
        target_high=target_high,
        value_format=f"{{:.{row['decimals']}f}}",
    )


def _draw_kpi_trend(data: dict):
    days = [date.fromisoformat(day) for day in data["days"]]
    title = _("KPIs against target, %(first)s to %(last)s") % {
        "first": data["days"][0],
        "last": data["days"][-1],
    }
    if data["team"]:
        title = _("%(title)s: %(team)s") % {"title": title, "team": data["team"]}
    return kpi_panels_figure(
        days,
        [_panel(row) for row in data["kpis"]],
        title=title,
        tags=[DayTag(date.fromisoformat(tag["day"]), tag["label"]) for tag in data["tags"]],
        target_label=_("Target"),
        missed_label=_("Missed target"),
        tag_label=_("Tagged day"),
    )


def _table_kpi_trend(data: dict) -> Table:
    header = [_("Date"), *(str(kpis.BY_KEY[row["kpi"]].label) for row in data["kpis"]), _("Tags")]
    tags: dict[str, list[str]] = {}
    for tag in data["tags"]:
        tags.setdefault(tag["day"], []).append(tag["label"])
    rows = [
        [day, *(row["values"][index] for row in data["kpis"]), "; ".join(tags.get(day, []))]
        for index, day in enumerate(data["days"])
    ]
    return header, rows


KPI_TREND = ChartKind(
    name="kpi_trend",
    label=gettext_lazy("KPI trend against target"),
    description=gettext_lazy(
        "Daily connection rate, first-call resolution, customer satisfaction, after-call work and "
        "service level over six weeks against their targets, with the days' context tags."
    ),
    family=METRICS,
    schedule=NIGHTLY,
    scope_types=(GLOBAL, TEAM),
    period_unit=periods.WEEK,
    window=6,
    scopes=_kpi_scopes,
    collect=_collect_kpi_trend,
    draw=_draw_kpi_trend,
    table=_table_kpi_trend,
)


# --- Monthly ranking of a team (the last complete month) --------------------------------------------


def _ranking_scopes() -> list[Scope]:
    members = User.objects.filter(team=OuterRef("pk"))
    teams = Team.objects.filter(Exists(members)).order_by("pk").values_list("pk", flat=True)
    return [Scope(TEAM, pk) for pk in teams]


def _figure(value) -> float | int | None:
    """A ranking figure as JSON: answered calls stay whole, Decimals become floats."""
    if value is None or isinstance(value, int):
        return value
    return float(value)


def _collect_ranking(scope: Scope, period: periods.Period) -> dict:
    team = _team_name(scope)
    weights = ranking_selectors.weights_current()
    # The ranking page's computation for this one team: normalisation is within a team, so ranking
    # the team alone gives the same ranks and scores as ranking every team.
    inputs = ranking_selectors.ranking_inputs(period.start, [scope.id])
    if not inputs.has_data:
        raise NothingToDraw("nothing recorded for this team in the month")
    names = {agent.pk: agent.name for agent in inputs.agents}
    results = ranking.rank(inputs.inputs, weights)
    ranked = [row for result in results for row in result.ranked]
    unranked = [row for result in results for row in result.unranked]
    return {
        "team": team,
        "month": f"{period.start:%Y-%m}",
        "weights": weights.as_dict(),
        "ranked": [
            {
                "agent_id": row.agent_id,
                "name": names[row.agent_id],
                "rank": row.rank,
                "score": float(row.composite),
                "raw": {name: _figure(value) for name, value in row.raw.items()},
            }
            for row in ranked
        ],
        "unranked": [
            {
                "agent_id": row.agent_id,
                "name": names[row.agent_id],
                "reasons": list(row.reasons),
                "raw": {name: _figure(value) for name, value in row.raw.items()},
            }
            for row in unranked
        ],
    }


def _reasons(codes: list[str]) -> str:
    return " ".join(ranking_selectors.reason_messages(codes))


def _draw_ranking(data: dict):
    ranked = data["ranked"]
    weights = data["weights"]
    footnote = ""
    if data["unranked"]:
        footnote = _("Not ranked: %(agents)s") % {
            "agents": "; ".join(f"{row['name']} ({_reasons(row['reasons'])})" for row in data["unranked"])
        }
    return ranking_bar_figure(
        [row["name"] for row in ranked],
        [row["score"] for row in ranked],
        [row["rank"] for row in ranked],
        title=_("Monthly ranking, %(team)s, %(month)s") % {"team": data["team"], "month": data["month"]},
        x_label=_(
            "Composite score (volume %(volume)s%%, quality %(quality)s%%, attendance %(attendance)s%%, "
            "ability %(ability)s%%)"
        )
        % weights,
        footnote=footnote,
    )


def _table_ranking(data: dict) -> Table:
    header = [
        _("Rank"),
        _("Agent"),
        _("Composite score"),
        _("Answered calls"),
        _("QA score"),
        _("Attendance %"),
        _("Business ability"),
        _("Not ranked because"),
    ]
    components = (ranking.VOLUME, ranking.QUALITY, ranking.ATTENDANCE, ranking.ABILITY)
    rows: list[list[object]] = [
        [row["rank"], row["name"], row["score"], *(row["raw"][name] for name in components), ""]
        for row in data["ranked"]
    ]
    rows += [
        ["", row["name"], "", *(row["raw"][name] for name in components), _reasons(row["reasons"])]
        for row in data["unranked"]
    ]
    return header, rows


MONTHLY_RANKING = ChartKind(
    name="monthly_ranking",
    label=gettext_lazy("Monthly ranking"),
    description=gettext_lazy(
        "A team's agents ranked on the weighted composite of volume, QA quality, attendance and "
        "business ability for the last complete month; agents missing data are listed apart."
    ),
    family=METRICS,
    schedule=MONTHLY,
    scope_types=(TEAM,),
    period_unit=periods.MONTH,
    window=1,
    period_offset=-1,
    scopes=_ranking_scopes,
    collect=_collect_ranking,
    draw=_draw_ranking,
    table=_table_ranking,
)

KINDS = [KPI_TREND, MONTHLY_RANKING]
