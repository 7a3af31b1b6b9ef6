"""Ranking pages: the month's ranking per team and its CSV export, the weights (managers), and
the business-ability scores (managers: one at a time or a CSV file). Parse → service or selector →
render; the rules are ranking.py's and ranking_services.py's, the scope access.py's."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.permissions import role_required
from apps.reports.dashboards import MONTHLY_RANKING
from apps.reports.embeds import embedded_charts
from apps.reports.scopes import TEAM, Scope
from qa_center.errors import DomainError
from qa_center.pages import add_domain_error

from . import access, ranking, ranking_selectors, ranking_services
from .forms_ranking import AbilityImportForm, AbilityScoreForm, RankingMonthForm, WeightsForm
from .models import AbilityScore


def _default_month() -> date:
    """The last complete month: the ranking is read once a month has closed."""
    return _shift(timezone.localdate().replace(day=1), -1)


def _month_from(request) -> tuple[RankingMonthForm, date | None]:
    """The month asked for (the last complete one when none is), or None with the form's error."""
    if not request.GET.get("month"):
        month = _default_month()
        return RankingMonthForm(initial={"month": month}), month
    form = RankingMonthForm(request.GET)
    return form, form.cleaned_data["month"] if form.is_valid() else None


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _require_metrics_user(request) -> None:
    if not access.may_use_metrics(request.user):
        raise PermissionDenied(_("Your role does not allow you to see the ranking."))


def _rows_for_template(result: ranking_selectors.MonthlyRanking) -> list[dict]:
    """Each team's rows with the components in display order (templates cannot index dicts by a
    variable) and the reasons in the user's language."""
    tables = []
    for table in result.teams:
        tables.append(
            {
                "team": table.team,
                "ranked_count": table.ranked_count,
                "ranked": [
                    {
                        "row": row,
                        "components": [(row.raw[name], row.normalised[name]) for name in ranking.COMPONENTS],
                    }
                    for row in table.ranked
                ],
                "unranked": [
                    {
                        "row": row,
                        "reasons": ranking_selectors.reason_messages(row.reasons),
                        "components": [row.raw[name] for name in ranking.COMPONENTS],
                    }
                    for row in table.unranked
                ],
            }
        )
    return tables


def _weights_display(weights: ranking.Weights) -> list[tuple[str, int]]:
    labels = {
        ranking.VOLUME: _("Volume (answered calls)"),
        ranking.QUALITY: _("Quality (mean QA score)"),
        ranking.ATTENDANCE: _("Attendance"),
        ranking.ABILITY: _("Business ability"),
    }
    return [(labels[name], getattr(weights, name)) for name in ranking.COMPONENTS]


def _add_charts(user, tables: list[dict], month: date | None) -> None:
    """Each team's stored ranking chart of the month shown, if drawn and the reader may see it
    (reports.access: not an agent); one query for every team, none when there is no table."""
    if not tables or month is None:
        return
    keys = {table["team"].pk: Scope(TEAM, table["team"].pk).key for table in tables}
    charts = embedded_charts(user, MONTHLY_RANKING, keys.values(), period=f"{month:%Y-%m}")
    for table in tables:
        table["chart"] = charts.get(keys[table["team"].pk])


@login_required
def ranking_page(request):
    """The month's ranking per team, with the weights and how the figures are normalised."""
    _require_metrics_user(request)
    form, month = _month_from(request)
    result = None
    if month is not None:
        result = ranking_selectors.monthly_ranking(user=request.user, month=month)
    tables = _rows_for_template(result) if result else []
    _add_charts(request.user, tables, month)
    context = {
        "form": form,
        "month": month,
        "previous_month": _shift(month, -1) if month else None,
        "next_month": _shift(month, 1) if month else None,
        "result": result,
        "tables": tables,
        "weights": _weights_display(result.weights if result else ranking_selectors.weights_current()),
        "can_manage": access.may_manage(request.user),
    }
    return render(request, "metrics/ranking.html", context, status=200 if month else 400)


EXPORT_HEADER = [
    "month",
    "team",
    "rank",
    "agent",
    "agent_name",
    "composite",
    "volume",
    "quality",
    "attendance",
    "ability",
    "volume_normalised",
    "quality_normalised",
    "attendance_normalised",
    "ability_normalised",
    "unranked_reasons",
]


def _cell(value) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else f"{value:.2f}"


@login_required
def ranking_export(request):
    """The page's rows as CSV: ranked agents with rank and composite, then the unranked ones with
    their reasons (codes, ``;``-separated). Same scope and month as the page."""
    _require_metrics_user(request)
    form, month = _month_from(request)
    if month is None:
        return ranking_page(request)
    result = ranking_selectors.monthly_ranking(user=request.user, month=month)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: Excel opens UTF-8 (Chinese names) correctly
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    for table in result.teams:
        for row in table.ranked:
            writer.writerow(
                [
                    result.month_text,
                    table.team.name,
                    row.rank,
                    row.agent.username,
                    row.agent.name,
                    _cell(row.composite),
                    *(_cell(row.raw[name]) for name in ranking.COMPONENTS),
                    *(_cell(row.normalised[name]) for name in ranking.COMPONENTS),
                    "",
                ]
            )
        for row in table.unranked:
            writer.writerow(
                [
                    result.month_text,
                    table.team.name,
                    "",
                    row.agent.username,
                    row.agent.name,
                    "",
                    *(_cell(row.raw[name]) for name in ranking.COMPONENTS),
                    "",
                    "",
                    "",
                    "",
                    ";".join(row.reasons),
                ]
            )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ranking-{result.month_text}.csv"'
    return response


@role_required(*access.MANAGER_ROLES)
def ranking_weights(request):
    """Edit the four weights; they must add up to 100."""
    current = ranking_selectors.weights_current()
    form = WeightsForm(request.POST or None, initial=current.as_dict())
    if request.method == "POST" and form.is_valid():
        try:
            ranking_services.weights_set(by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The ranking weights are saved."))
            return redirect("metrics:ranking")
    return render(request, "metrics/ranking_weights.html", {"form": form, "current": current})


@role_required(*access.MANAGER_ROLES)
def ability_scores(request):
    """Enter one agent's ability score or import a CSV file of them; lists the month's scores."""
    month_form, month = _month_from(request)
    month = month or _default_month()
    score_form = AbilityScoreForm(initial={"month": month})
    import_form = AbilityImportForm()
    import_errors: list = []
    if request.method == "POST" and request.POST.get("action") == "import":
        import_form = AbilityImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            upload = import_form.cleaned_data["file"]
            try:
                if upload.size > ranking_services.MAX_ABILITY_FILE_BYTES:
                    raise ranking_services.AbilityImportRejected(
                        [ranking_services.RowError(None, "file", _("The file is larger than 2 MB."))]
                    )
                result = ranking_services.ability_scores_import_csv(by=request.user, raw=upload.read())
            except ranking_services.AbilityImportRejected as rejected:
                import_errors = rejected.errors  # listed row by row above the forms
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d ability score imported (%(replaced)d replaced).",
                        "%(count)d ability scores imported (%(replaced)d replaced).",
                        result.total,
                    )
                    % {"count": result.total, "replaced": result.replaced},
                )
                return redirect(reverse("metrics:ability_scores"))
    elif request.method == "POST":
        score_form = AbilityScoreForm(request.POST)
        if score_form.is_valid():
            data = score_form.cleaned_data
            try:
                row = ranking_services.ability_score_set(
                    by=request.user, agent=data["agent"], month=data["month"], score=data["score"]
                )
            except DomainError as error:
                add_domain_error(score_form, error)
            else:
                messages.success(
                    request,
                    _("%(agent)s: %(score)s for %(month)s.")
                    % {"agent": row.agent.name, "score": f"{row.score:.2f}", "month": f"{row.month:%Y-%m}"},
                )
                return redirect(f"{reverse('metrics:ability_scores')}?month={row.month:%Y-%m}")
    scores = (
        AbilityScore.objects.filter(month=month)
        .select_related("agent__team")
        .order_by("agent__team__name", "agent__display_name", "agent__username")
    )
    context = {
        "month_form": month_form,
        "month": month,
        "score_form": score_form,
        "import_form": import_form,
        "import_errors": import_errors,
        "scores": scores,
    }
    return render(request, "metrics/ranking_ability.html", context, status=400 if import_errors else 200)


@role_required(*access.MANAGER_ROLES)
def ability_template(request):
    """An example CSV file for the import."""
    response = HttpResponse(ranking_services.ABILITY_TEMPLATE, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ability-scores-example.csv"'
    return response
