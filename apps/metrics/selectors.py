"""KPI reads: sums of the daily figures per group and period, the days' context tags, and an
agent's assessment against their team.

Every sum is made by the database — one ``.values(group keys[, bucket]).annotate(Sum(...))`` query
scoped by ``access.figures_for`` — and turned into KPI values by ``kpis.values()``, the one place
the formulas are written. Nothing here adds rows up in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DateField, QuerySet, Sum
from django.db.models.functions import Trunc
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Team, User
from qa_center.errors import NotFound

from . import access, kpis
from .models import DailyFigure, DayTag, Queue

NO_METRICS = gettext_lazy("Your role does not allow you to see operations metrics.")

AGENT, TEAM, QUEUE = "agent", "team", "queue"
GROUPS = (AGENT, TEAM, QUEUE)
DAY, WEEK, MONTH = "day", "week", "month"
BUCKETS = (DAY, WEEK, MONTH)

# The columns a group is keyed by. An agent's team rides along: it depends on the agent alone,
# so it does not split the agent's group.
_GROUP_KEYS = {
    AGENT: ("agent_id", "agent__team_id", "agent__team__name"),
    TEAM: ("agent__team_id", "agent__team__name"),
    QUEUE: ("queue_id", "queue__name"),
}
_SUMS = {name: Sum(name) for name in kpis.BASE_FIELDS}


@dataclass(frozen=True)
class KpiRow:
    """One group's (and bucket's) summed figures and KPI values."""

    group: str | None
    group_id: int | None  # None for the whole scope, or for agents without a team
    group_name: str
    bucket: date | None  # the first day of the day, week (Monday) or month
    figures: int  # daily rows summed
    sums: dict[str, int]
    values: dict[str, Decimal | None]
    team_id: int | None = None  # agent rows: the agent's team
    team_name: str = ""


def kpi_groups_for(user) -> tuple[str, ...]:
    """The groupings ``user`` may ask for, the default first. An agent who leads no team sees only
    their own figures: a "team" or "queue" row of them would look like the whole team's."""
    if access.sees_all(user) or access.led_team_ids(user):
        return (TEAM, AGENT, QUEUE)
    return (AGENT,)


def _scoped(
    user, *, start: date, end: date, agent: User | None, team: Team | None, queue: Queue | None
) -> QuerySet[DailyFigure]:
    figures = access.figures_for(user).filter(date__gte=start, date__lte=end)
    if agent is not None:
        figures = figures.filter(agent=agent)
    if team is not None:
        figures = figures.filter(agent__team=team)
    if queue is not None:
        figures = figures.filter(queue=queue)
    return figures


def _sums(row: dict) -> dict[str, int]:
    return {name: row[name] or 0 for name in kpis.BASE_FIELDS}


def kpi_rows(
    *,
    user,
    group: str | None,
    start: date,
    end: date,
    bucket: str | None = None,
    agent: User | None = None,
    team: Team | None = None,
    queue: Queue | None = None,
) -> list[KpiRow]:
    """KPIs of the figures ``user`` may see from ``start`` to ``end`` (inclusive), per ``group``
    (None: one row for everything) and per ``bucket`` (None: the whole period); optionally only one
    agent's, team's or queue's figures. Sorted by group name, then bucket. Two queries at most
    (the second names the agents)."""
    if group not in (None, *GROUPS):
        raise ValueError(f"unknown group {group!r}")
    if bucket not in (None, *BUCKETS):
        raise ValueError(f"unknown bucket {bucket!r}")
    figures = _scoped(user, start=start, end=end, agent=agent, team=team, queue=queue)
    keys = list(_GROUP_KEYS[group]) if group else []
    if bucket:
        figures = figures.annotate(bucket=Trunc("date", bucket, output_field=DateField()))
        keys.append("bucket")
    if not keys:
        total = figures.aggregate(figures=Count("id"), **_SUMS)
        if not total["figures"]:
            return []
        sums = _sums(total)
        return [KpiRow(None, None, "", None, total["figures"], sums, kpis.values(sums))]

    grouped = figures.values(*keys).annotate(figures=Count("id"), **_SUMS).order_by()
    agent_names = {}
    if group == AGENT:
        grouped = list(grouped)
        agent_names = {
            pk: person.name
            for pk, person in User.objects.only("username", "display_name", "first_name", "last_name")
            .in_bulk({row["agent_id"] for row in grouped})
            .items()
        }
    rows = []
    for row in grouped:
        sums = _sums(row)
        team_id, team_name = row.get("agent__team_id"), row.get("agent__team__name") or ""
        if group == AGENT:
            group_id, group_name = row["agent_id"], agent_names.get(row["agent_id"], "")
        elif group == TEAM:
            group_id, group_name = team_id, team_name or _("No team")
        elif group == QUEUE:
            group_id, group_name = row["queue_id"], row["queue__name"]
        else:
            group_id, group_name = None, ""
        rows.append(
            KpiRow(
                group,
                group_id,
                group_name,
                row.get("bucket"),
                row["figures"],
                sums,
                kpis.values(sums),
                team_id=team_id if group == AGENT else None,
                team_name=team_name if group == AGENT else "",
            )
        )
    rows.sort(key=lambda r: (r.group_name.casefold(), r.group_id or 0, r.bucket or date.min))
    return rows


# --- Context tags ------------------------------------------------------------------------------


def bucket_start(day: date, bucket: str) -> date:
    """The bucket a day falls in, as the database's Trunc names it (weeks start on Monday)."""
    if bucket == WEEK:
        return day - timedelta(days=day.weekday())
    if bucket == MONTH:
        return day.replace(day=1)
    return day


def day_tags(*, start: date, end: date) -> dict[date, list[str]]:
    """The context tags (weather, holiday, incident, campaign) of each tagged day of the period."""
    tags: dict[date, list[str]] = defaultdict(list)
    for day, label in DayTag.objects.filter(date__gte=start, date__lte=end).values_list("date", "label"):
        tags[day].append(label)
    return dict(tags)


def tags_by_bucket(tags: dict[date, list[str]], bucket: str) -> dict[date, list[tuple[date, str]]]:
    """The tagged days grouped by the trend table's buckets, in date order."""
    grouped: dict[date, list[tuple[date, str]]] = defaultdict(list)
    for day in sorted(tags):
        for label in tags[day]:
            grouped[bucket_start(day, bucket)].append((day, label))
    return dict(grouped)


# --- An agent against their team ---------------------------------------------------------------


SAME, BETTER, WORSE = "level", "better", "worse"


@dataclass(frozen=True)
class KpiAssessment:
    kpi: kpis.Kpi
    value: Decimal | None
    team_value: Decimal | None
    deviation: Decimal | None  # agent − team, in the KPI's unit (percentage points for rates)
    reading: str  # BETTER / WORSE / SAME than the team, "" without a direction or data
    rank: int | None  # 1 = best in the team; None: no direction or no value
    ranked: int  # team members with a value on this KPI


@dataclass(frozen=True)
class Assessment:
    agent: User
    team: Team | None
    start: date
    end: date
    team_agents: int  # team members with figures in the period
    kpis: list[KpiAssessment] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return any(row.value is not None for row in self.kpis)


def competition_ranks(values: dict[int, Decimal | None], better: str | None) -> dict[int, int]:
    """Standard competition ranking ("1224"): equal values share a rank, the next rank skips.
    Agents without a value, and KPIs without a better direction, are not ranked."""
    if better not in (kpis.UP, kpis.DOWN):
        return {}
    present = {pk: v for pk, v in values.items() if v is not None}
    ordered = sorted(present.values(), reverse=better == kpis.UP)
    first_place = {}
    for place, value in enumerate(ordered, start=1):
        first_place.setdefault(value, place)
    return {pk: first_place[v] for pk, v in present.items()}


def _reading(kpi: kpis.Kpi, deviation: Decimal | None) -> str:
    if deviation is None or kpi.better is None:
        return ""
    if deviation == 0:
        return SAME
    return BETTER if (deviation > 0) == (kpi.better == kpis.UP) else WORSE


def assessment(*, user, agent: User, start: date, end: date) -> Assessment:
    """Each KPI of ``agent`` beside their team's and their rank in the team, for coaching.

    The team's value is the KPI of the team's summed figures (every call weighs the same), not the
    mean of the agents' values. The team's figures are read beyond the user's own scope — an agent
    sees their rank — but only the team's totals and the agent's rank leave this function.
    Raises NotFound when ``user`` may not see ``agent``. Two queries.
    """
    if not access.may_see_agent(user, agent):
        raise NotFound(_("No such agent."))
    period = DailyFigure.objects.filter(date__gte=start, date__lte=end)
    team = agent.team if agent.team_id else None
    if team is None:
        own = period.filter(agent=agent).aggregate(figures=Count("id"), **_SUMS)
        values = kpis.values(_sums(own))
        rows = [KpiAssessment(kpi, values[kpi.key], None, None, "", None, 0) for kpi in kpis.KPIS]
        return Assessment(agent, None, start, end, 0, rows)

    members = period.filter(agent__team_id=team.pk)
    per_agent = {
        row["agent_id"]: kpis.values(_sums(row))
        for row in members.values("agent_id").annotate(**_SUMS).order_by()
    }
    team_values = kpis.values(_sums(members.aggregate(**_SUMS)))
    own_values = per_agent.get(agent.pk) or kpis.values({})
    rows = []
    for kpi in kpis.KPIS:
        value, team_value = own_values[kpi.key], team_values[kpi.key]
        deviation = value - team_value if value is not None and team_value is not None else None
        ranks = competition_ranks({pk: v[kpi.key] for pk, v in per_agent.items()}, kpi.better)
        rows.append(
            KpiAssessment(
                kpi,
                value,
                team_value,
                deviation,
                _reading(kpi, deviation),
                ranks.get(agent.pk),
                len(ranks),
            )
        )
    return Assessment(agent, team, start, end, len(per_agent), rows)
