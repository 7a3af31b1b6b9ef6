"""KPI pages: the overview, a team's and an agent's KPIs with their trend and the days' tags, an
agent's assessment against their team, the targets (edited by managers) and a glossary.

Parse → selector or service → render. Values come from selectors.kpi_rows (sums made by the
database, formulas applied by kpis.py), targets from targets.py, scope from access.py: people
without metrics get 403, a team or agent outside the user's scope 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from apps.accounts.models import Team, User
from apps.reports.dashboards import KPI_TREND
from apps.reports.embeds import embedded_chart
from apps.reports.scopes import GLOBAL_SCOPE, TEAM, Scope
from qa_center.errors import DomainError
from qa_center.pages import add_domain_error

from . import access, kpis, periods, selectors, targets
from .forms_kpis import GROUP_LABELS, OverviewForm, PeriodForm, TargetForm, TrendForm

STATUS_LABELS = {
    kpis.MET: gettext_lazy("Met"),
    kpis.MISSED: gettext_lazy("Missed"),
    kpis.NO_DATA: gettext_lazy("No data"),
    kpis.NO_TARGET: gettext_lazy("No target"),
}
STATUS_BADGES = {kpis.MET: "badge-ok", kpis.MISSED: "badge-danger", kpis.NO_DATA: "", kpis.NO_TARGET: ""}
BETTER_LABELS = {
    kpis.UP: gettext_lazy("Higher is better"),
    kpis.DOWN: gettext_lazy("Lower is better"),
    None: gettext_lazy("Judged against its target only"),
}
GROUP_HEADINGS = {
    selectors.TEAM: gettext_lazy("By team"),
    selectors.AGENT: gettext_lazy("By agent"),
    selectors.QUEUE: gettext_lazy("By queue"),
}
READING_LABELS = {
    selectors.BETTER: gettext_lazy("better than the team"),
    selectors.WORSE: gettext_lazy("worse than the team"),
    selectors.SAME: gettext_lazy("level with the team"),
}


def metrics_required(view):
    """Sign-in, then figures to see (managers, team leads, agents); else the 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.may_use_metrics(request.user):
            raise PermissionDenied(str(selectors.NO_METRICS))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


# --- How a KPI reads on a page ---------------------------------------------------------------


def _plain(number: Decimal) -> str:
    """A bound without trailing zeros: 90, 97.5 (never 1E+2)."""
    return format(number.normalize(), "f")


def with_unit(kpi: kpis.Kpi, text: str) -> str:
    if kpi.unit == kpis.PERCENT:
        return _("%(value)s%%") % {"value": text}
    return _("%(value)s s") % {"value": text}


def value_text(kpi: kpis.Kpi, value: Decimal | None) -> str:
    if value is None:
        return str(STATUS_LABELS[kpis.NO_DATA])
    return with_unit(kpi, number_format(value, decimal_pos=kpi.decimals))


def deviation_text(kpi: kpis.Kpi, deviation: Decimal | None) -> str:
    if deviation is None:
        return "—"
    sign = "+" if deviation > 0 else ""
    number = sign + number_format(deviation, decimal_pos=kpi.decimals)
    if kpi.unit == kpis.PERCENT:
        return _("%(value)s pp") % {"value": number}  # percentage points
    return with_unit(kpi, number)


def target_text(kpi: kpis.Kpi, target: kpis.Target | None) -> str:
    if target is None or (target.minimum is None and target.maximum is None):
        return "—"
    if target.minimum is not None and target.maximum is not None:
        return with_unit(kpi, f"{_plain(target.minimum)}–{_plain(target.maximum)}")
    if target.minimum is not None:
        return "≥ " + with_unit(kpi, _plain(target.minimum))
    return "≤ " + with_unit(kpi, _plain(target.maximum))


@dataclass(frozen=True)
class KpiCell:
    """One KPI's value as a page shows it, judged against its target."""

    kpi: kpis.Kpi
    value: Decimal | None
    text: str
    target: str
    status: str
    status_label: str
    badge: str


def kpi_cells(values: dict[str, Decimal | None], bands: dict[str, kpis.Target | None]) -> list[KpiCell]:
    cells = []
    for kpi in kpis.KPIS:
        value = values.get(kpi.key)
        status = kpis.status(value, bands.get(kpi.key))
        cells.append(
            KpiCell(
                kpi,
                value,
                value_text(kpi, value),
                target_text(kpi, bands.get(kpi.key)),
                status,
                str(STATUS_LABELS[status]),
                STATUS_BADGES[status],
            )
        )
    return cells


@dataclass(frozen=True)
class TableRow:
    """A row of a KPI grid: a group (name, link, the agent's team) or a trend bucket with its tags."""

    name: str
    url: str
    cells: list[KpiCell]
    note: str = ""
    bucket: date | None = None
    tags: tuple[tuple[date, str], ...] = ()


def _period_query(period: periods.Period) -> str:
    if period.month:
        return urlencode({"month": period.month})
    return urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})


def _row_url(row: selectors.KpiRow, query: str) -> str:
    if row.group == selectors.TEAM and row.group_id:
        return f"{reverse('metrics:kpi_team', args=[row.group_id])}?{query}"
    if row.group == selectors.AGENT:
        return f"{reverse('metrics:kpi_agent', args=[row.group_id])}?{query}"
    return ""


def _group_rows(rows: list[selectors.KpiRow], bands, query: str, *, show_team: bool = True) -> list[TableRow]:
    return [
        TableRow(
            row.group_name,
            _row_url(row, query),
            kpi_cells(row.values, bands),
            note=row.team_name if show_team else "",
        )
        for row in rows
    ]


def _trend_rows(rows: list[selectors.KpiRow], bands, bucket: str, period) -> list[TableRow]:
    tags = selectors.tags_by_bucket(selectors.day_tags(start=period.start, end=period.end), bucket)
    return [
        TableRow(
            "", "", kpi_cells(row.values, bands), bucket=row.bucket, tags=tuple(tags.get(row.bucket, []))
        )
        for row in rows
    ]


def _summary(rows: list[selectors.KpiRow], bands) -> list[KpiCell]:
    return kpi_cells(rows[0].values if rows else {}, bands)


def _scope_text(user) -> str:
    if access.sees_all(user):
        return _("All teams and agents.")
    if access.led_team_ids(user):
        return _("The teams you lead and their agents.")
    return _("Your own figures.")


# --- Pages -----------------------------------------------------------------------------------


@metrics_required
@require_safe
def kpi_overview(request):
    """This month's KPIs (or any period) against their targets, by team, agent or queue."""
    groups = selectors.kpi_groups_for(request.user)
    form = OverviewForm(request.GET, groups=groups)
    context = {
        "form": form,
        "kpis": kpis.KPIS,
        "scope_text": _scope_text(request.user),
        "may_manage": access.may_manage(request.user),
        # The stored chart of everyone's KPI trend, for those who may see it (reports.access).
        "kpi_chart": embedded_chart(request.user, KPI_TREND, GLOBAL_SCOPE.key),
    }
    period = form.period
    if period is not None:
        group = form.cleaned_data["group"]
        bands = targets.targets()
        query = _period_query(period)
        span = {"user": request.user, "start": period.start, "end": period.end}
        total = selectors.kpi_rows(group=None, **span)
        context.update(
            period=period,
            group=group,
            group_label=GROUP_LABELS[group],
            group_heading=GROUP_HEADINGS[group],
            summary=_summary(total, bands),
            has_data=bool(total),
            rows=_group_rows(selectors.kpi_rows(group=group, **span), bands, query),
        )
    return render(request, "metrics/kpi_overview.html", context, status=400 if form.errors else 200)


def _trend_page(request, *, template: str, subject: dict, filters: dict):
    form = TrendForm(request.GET)
    context = {"form": form, "kpis": kpis.KPIS, **subject}
    period = form.period
    if period is not None:
        bucket = form.cleaned_data["bucket"]
        bands = targets.targets()
        span = {"user": request.user, "start": period.start, "end": period.end, **filters}
        total = selectors.kpi_rows(group=None, **span)
        context.update(
            period=period,
            query=_period_query(period),
            bucket=bucket,
            summary=_summary(total, bands),
            has_data=bool(total),
            trend=_trend_rows(selectors.kpi_rows(group=None, bucket=bucket, **span), bands, bucket, period),
        )
        if "team" in filters:
            agents = selectors.kpi_rows(group=selectors.AGENT, **span)
            context["rows"] = _group_rows(agents, bands, context["query"], show_team=False)
    return render(request, template, context, status=400 if form.errors else 200)


@metrics_required
@require_safe
def kpi_team(request, pk: int):
    team = get_object_or_404(Team.objects.select_related("lead"), pk=pk)
    if not access.may_see_team(request.user, team):
        raise Http404(_("No such team."))
    # The team's stored KPI trend chart, for those who may see it (reports.access).
    chart = embedded_chart(request.user, KPI_TREND, Scope(TEAM, team.pk).key)
    return _trend_page(
        request,
        template="metrics/kpi_team.html",
        subject={"team": team, "kpi_chart": chart},
        filters={"team": team},
    )


def _visible_agent(request, pk: int) -> User:
    agent = get_object_or_404(User.objects.select_related("team"), pk=pk)
    if not access.may_see_agent(request.user, agent):
        raise Http404(_("No such agent."))
    return agent


def _team_visible(user, agent: User) -> bool:
    return agent.team_id is not None and access.may_see_team(user, agent.team)


@metrics_required
@require_safe
def kpi_agent(request, pk: int):
    agent = _visible_agent(request, pk)
    return _trend_page(
        request,
        template="metrics/kpi_agent.html",
        subject={"agent": agent, "team_visible": _team_visible(request.user, agent)},
        filters={"agent": agent},
    )


@dataclass(frozen=True)
class AssessmentLine:
    kpi: kpis.Kpi
    value: str
    team_value: str
    deviation: str
    reading: str
    reading_label: str
    rank: int | None
    ranked: int
    status: KpiCell


@metrics_required
@require_safe
def kpi_assessment(request, pk: int):
    """Where the agent stands in their team on each KPI: deviation from the team and rank."""
    agent = _visible_agent(request, pk)
    form = PeriodForm(request.GET)
    context = {"form": form, "agent": agent}
    period = form.period
    if period is not None:
        result = selectors.assessment(user=request.user, agent=agent, start=period.start, end=period.end)
        bands = targets.targets()
        cells = kpi_cells({row.kpi.key: row.value for row in result.kpis}, bands)
        context.update(
            period=period,
            query=_period_query(period),
            assessment=result,
            lines=[
                AssessmentLine(
                    row.kpi,
                    value_text(row.kpi, row.value),
                    value_text(row.kpi, row.team_value),
                    deviation_text(row.kpi, row.deviation),
                    row.reading,
                    str(READING_LABELS.get(row.reading, "")),
                    row.rank,
                    row.ranked,
                    cell,
                )
                for row, cell in zip(result.kpis, cells, strict=True)
            ],
        )
    return render(request, "metrics/kpi_assessment.html", context, status=400 if form.errors else 200)


@dataclass
class TargetLine:
    info: targets.TargetInfo
    target: str
    better: str
    form: TargetForm | None


@metrics_required
@require_http_methods(["GET", "HEAD", "POST"])
def kpi_targets(request):
    """Every KPI's target band; QA managers, duty managers and administrators edit them here."""
    may_edit = access.may_manage(request.user)
    posted = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(str(targets.NOT_A_MANAGER))
        kpi_key = request.POST.get("kpi", "")
        if kpi_key not in kpis.BY_KEY:
            raise Http404(_("No such KPI."))
        posted = TargetForm(request.POST, auto_id=f"id_{kpi_key}_%s")
        try:
            if "reset" in request.POST:
                targets.target_reset(by=request.user, kpi=kpi_key)
                messages.success(request, _("The target is back to its default."))
                return redirect("metrics:kpi_targets")
            if posted.is_valid():
                targets.target_set(
                    by=request.user,
                    kpi=posted.cleaned_data["kpi"],
                    minimum=posted.cleaned_data["minimum"],
                    maximum=posted.cleaned_data["maximum"],
                )
                messages.success(request, _("Target saved."))
                return redirect("metrics:kpi_targets")
        except DomainError as error:
            add_domain_error(posted, error)
    lines = []
    for info in targets.target_list():
        form = None
        if may_edit:
            if posted is not None and request.POST.get("kpi") == info.kpi.key:
                form = posted
            else:
                band = info.target or kpis.Target()
                form = TargetForm(
                    auto_id=f"id_{info.kpi.key}_%s",
                    initial={"kpi": info.kpi.key, "minimum": band.minimum, "maximum": band.maximum},
                )
        better = str(BETTER_LABELS[info.kpi.better])
        lines.append(TargetLine(info, target_text(info.kpi, info.target), better, form))
    status = 400 if posted is not None and posted.errors else 200
    return render(request, "metrics/kpi_targets.html", {"lines": lines, "may_edit": may_edit}, status=status)


@metrics_required
@require_safe
def kpi_glossary(request):
    """What each KPI means: its formula, its unit, which way is better, its default target."""
    entries = [
        {
            "kpi": kpi,
            "better": BETTER_LABELS[kpi.better],
            "default_target": target_text(kpi, kpis.DEFAULT_TARGETS.get(kpi.key)),
        }
        for kpi in kpis.KPIS
    ]
    return render(request, "metrics/kpi_glossary.html", {"entries": entries})
