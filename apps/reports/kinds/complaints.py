"""Complaint charts: Pareto by category, ticket flow, SLA compliance — for everyone or one department."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Department
from apps.complaints.models import Ticket, TicketEvent
from apps.complaints.states import ACTIVE_STATES, Action, State
from apps.reports.charts.bars import BarStack, stacked_bar_figure
from apps.reports.charts.trend import TrendSeries, trend_figure

from .. import periods
from ..scopes import DEPARTMENT, GLOBAL, Scope
from .base import COMPLAINTS, HOURLY, ChartKind, NothingToDraw, Table
from .common import department_scopes, draw_pareto, global_and, pareto_data, pareto_table


def _tickets(scope: Scope):
    """Tickets of the scope: all, or those currently routed to the department."""
    tickets = Ticket.objects.all()
    if scope.type == DEPARTMENT:
        tickets = tickets.filter(department_id=scope.id)
    return tickets


def _local_bounds(period: periods.Period) -> tuple[datetime, datetime]:
    """The period's first and last day as aware datetimes [start, end) in the site's time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _all_scopes() -> list[Scope]:
    return global_and(department_scopes())


def _department_name(scope: Scope) -> str | None:
    """The department's name for titles (None for everyone); NothingToDraw if it is gone."""
    if scope.type != DEPARTMENT:
        return None
    name = Department.objects.filter(pk=scope.id).values_list("name", flat=True).first()
    if name is None:
        raise NothingToDraw(f"{scope.key} does not exist")
    return name


def _for_scope(title: str, department: str | None) -> str:
    return (
        title
        if department is None
        else _("%(title)s: %(department)s") % {"title": title, "department": department}
    )


# --- Pareto by category (last 30 days) ------------------------------------------------------------


def _collect_pareto(scope: Scope, period: periods.Period) -> dict:
    start, end = _local_bounds(period)
    counts = (
        _tickets(scope)
        .filter(created_at__gte=start, created_at__lt=end)
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")
    )
    return pareto_data([(row["category__name"], row["n"]) for row in counts], other_after_percent=95)


def _draw_pareto(data: dict):
    return draw_pareto(data, title=_("Complaints by category"))


def _table_pareto(data: dict) -> Table:
    return pareto_table(data, label_header=_("Category"))


COMPLAINT_PARETO = ChartKind(
    name="complaint_pareto",
    label=gettext_lazy("Complaint Pareto by category"),
    description=gettext_lazy(
        "Tickets opened in the last 30 days per category, most first, with the cumulative share."
    ),
    family=COMPLAINTS,
    schedule=HOURLY,
    scope_types=(GLOBAL, DEPARTMENT),
    period_unit=periods.DAY,
    window=30,
    scopes=_all_scopes,
    collect=_collect_pareto,
    draw=_draw_pareto,
    table=_table_pareto,
)


# --- Ticket flow: open tickets per stage, within SLA or overdue (now) -----------------------------


def _overdue(now: datetime) -> Q:
    """The complaint pages' "overdue" (selectors.filter_tickets(overdue=True)): breached, or past due."""
    return Q(sla_breached_at__isnull=False) | Q(due_at__lt=now)


def _collect_flow(scope: Scope, period: periods.Period) -> dict:
    department = _department_name(scope)
    now = timezone.now()
    start, end = _local_bounds(period)
    # One GROUP BY state: the open tickets of every active state, and the tickets closed in the
    # period's day (the "closed" group), each split by the overdue condition.
    counts = {
        row["state"]: row
        for row in _tickets(scope)
        .filter(Q(state__in=ACTIVE_STATES) | Q(state=State.CLOSED, closed_at__gte=start, closed_at__lt=end))
        .values("state")
        .annotate(total=Count("id"), overdue=Count("id", filter=_overdue(now) & ~Q(state=State.CLOSED)))
        .order_by()
    }
    states = []
    for state in ACTIVE_STATES:  # the workflow's order
        row = counts.get(state, {"total": 0, "overdue": 0})
        states.append(
            {
                "state": state,
                "within_sla": row["total"] - row["overdue"],
                "overdue": row["overdue"],
                "total": row["total"],
            }
        )
    return {
        "as_of": timezone.localtime(now).isoformat(timespec="minutes"),
        "department": department,
        "states": states,
        "open_total": sum(row["total"] for row in states),
        "overdue_total": sum(row["overdue"] for row in states),
        "closed_today": counts.get(State.CLOSED, {"total": 0})["total"],
    }


def _as_of(data: dict) -> str:
    return f"{timezone.localtime(parse_datetime(data['as_of'])):%Y-%m-%d %H:%M}"


def _draw_flow(data: dict):
    states = data["states"]
    return stacked_bar_figure(
        [str(State(row["state"]).label) for row in states],
        [
            BarStack(_("Within SLA"), [row["within_sla"] for row in states], "primary"),
            BarStack(_("Overdue"), [row["overdue"] for row in states], "alert"),
        ],
        title=_for_scope(_("Open complaints by stage"), data["department"]),
        y_label=_("Tickets"),
        subtitle=_("As of %(time)s: %(open)s open, %(overdue)s overdue, %(closed)s closed today")
        % {
            "time": _as_of(data),
            "open": data["open_total"],
            "overdue": data["overdue_total"],
            "closed": data["closed_today"],
        },
    )


def _table_flow(data: dict) -> Table:
    header = [_("State"), _("Within SLA"), _("Overdue"), _("Total")]
    rows: list[list[object]] = [
        [str(State(row["state"]).label), row["within_sla"], row["overdue"], row["total"]]
        for row in data["states"]
    ]
    rows.append(
        [
            _("All open tickets"),
            data["open_total"] - data["overdue_total"],
            data["overdue_total"],
            data["open_total"],
        ]
    )
    rows.append([_("Closed today"), "", "", data["closed_today"]])
    return header, rows


COMPLAINT_FLOW = ChartKind(
    name="complaint_flow",
    label=gettext_lazy("Complaint flow"),
    description=gettext_lazy(
        "Open tickets in each stage of the escalation chain, within their SLA or overdue, as of the "
        "time drawn, and the tickets closed today."
    ),
    family=COMPLAINTS,
    schedule=HOURLY,
    scope_types=(GLOBAL, DEPARTMENT),
    period_unit=periods.DAY,
    window=1,
    scopes=_all_scopes,
    collect=_collect_flow,
    draw=_draw_flow,
    table=_table_flow,
)


# --- SLA compliance per week (12 weeks) -----------------------------------------------------------

# The share of closed tickets that should never have breached a stage's SLA. No setting holds such a
# target yet (the SLA policies budget each stage, not the share met), so the chart's reference line
# is this constant; the data records it, so a snapshot keeps the line it was drawn with.
SLA_TARGET_PERCENT = 90


def _week_bounds(monday: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(monday, time.min, tzinfo=zone)
    return start, datetime.combine(monday + timedelta(days=7), time.min, tzinfo=zone)


def _percent(part: int, whole: int) -> float | None:
    if not whole:
        return None
    exact = Decimal(part * 100) / Decimal(whole)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _collect_sla_trend(scope: Scope, period: periods.Period) -> dict:
    department = _department_name(scope)
    mondays = periods.weeks_of(period)
    first, last = _week_bounds(mondays[0])[0], _week_bounds(mondays[-1])[1]
    # A closed ticket's clock fields are reset on closing; its timeline keeps every breach the SLA
    # sweep recorded, so "closed without a breach" = no SLA_BREACHED event in its life.
    breached = Exists(TicketEvent.objects.filter(ticket=OuterRef("pk"), action=Action.SLA_BREACHED))
    counts = {}
    for index, monday in enumerate(mondays):
        start, end = _week_bounds(monday)
        in_week = Q(closed_at__gte=start, closed_at__lt=end)
        counts[f"closed_{index}"] = Count("id", filter=in_week)
        counts[f"breached_{index}"] = Count("id", filter=in_week & Q(breached=True))
    # One query: a conditional count per week over the window's closed tickets.
    totals = (
        _tickets(scope)
        .filter(state=State.CLOSED, closed_at__gte=first, closed_at__lt=last)
        .annotate(breached=breached)
        .aggregate(**counts)
    )
    weeks = []
    for index, monday in enumerate(mondays):
        closed = totals[f"closed_{index}"]
        within = closed - totals[f"breached_{index}"]
        weeks.append(
            {
                "week": periods.week_key(monday),
                "start": monday.isoformat(),
                "closed": closed,
                "within_sla": within,
                "compliance": _percent(within, closed),
            }
        )
    if not any(week["closed"] for week in weeks):
        raise NothingToDraw("no tickets closed in these weeks")
    return {"department": department, "target": SLA_TARGET_PERCENT, "weeks": weeks}


def _draw_sla_trend(data: dict):
    target = data["target"]
    values = [week["compliance"] for week in data["weeks"]]
    return trend_figure(
        [week["week"] for week in data["weeks"]],
        [
            TrendSeries(
                _("Closed within SLA"),
                values,
                marked=[value is not None and value < target for value in values],
            )
        ],
        title=_for_scope(_("Complaint SLA compliance per week"), data["department"]),
        y_label=_("Closed tickets without an SLA breach (%)"),
        reference=(target, _("Target %(percent)s%%") % {"percent": target}),
        y_limits=(0, 105),
        value_format="{:.1f}%",
        marked_label=_("Below target"),
    )


def _table_sla_trend(data: dict) -> Table:
    header = [_("Week"), _("Week starting"), _("Closed"), _("Closed within SLA"), _("Compliance %")]
    rows = [
        [week["week"], week["start"], week["closed"], week["within_sla"], week["compliance"]]
        for week in data["weeks"]
    ]
    return header, rows


COMPLAINT_SLA_TREND = ChartKind(
    name="complaint_sla_trend",
    label=gettext_lazy("Complaint SLA compliance"),
    description=gettext_lazy(
        "Per week for twelve weeks: the tickets closed that week and the share of them that never "
        "breached a stage's SLA, against a target of 90%."
    ),
    family=COMPLAINTS,
    schedule=HOURLY,
    scope_types=(GLOBAL, DEPARTMENT),
    period_unit=periods.WEEK,
    window=12,
    scopes=_all_scopes,
    collect=_collect_sla_trend,
    draw=_draw_sla_trend,
    table=_table_sla_trend,
)

KINDS = [COMPLAINT_PARETO, COMPLAINT_FLOW, COMPLAINT_SLA_TREND]
