"""Complaint charts: Pareto by category, ticket flow, SLA compliance — for everyone or one department."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.complaints.models import Ticket

from .. import periods
from ..scopes import DEPARTMENT, GLOBAL, Scope
from .base import COMPLAINTS, HOURLY, ChartKind, Table
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

KINDS = [COMPLAINT_PARETO]

__all__ = ["KINDS", "Q"]
