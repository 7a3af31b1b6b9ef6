"""The quality tools: Pareto, p-chart and before/after test calculators, usable without a project.

Stateless: the forms are sent with GET (nothing is written, and a result can be bookmarked or
shared as a link). Parse → analysis.py → render; a refusal from analysis.py is shown next to the
field it names, in the words the API uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from apps.reports.charts.render import to_svg

from .. import analysis, charts, services
from ..forms.calculators import EffectTestCalculatorForm, ParetoCalculatorForm, PChartCalculatorForm
from ..report import describe_effect_test, format_p_value


def inline_svg(figure) -> SafeString:
    """A figure as an <svg> element for the page: matplotlib's XML prolog and DOCTYPE dropped.

    Safe to mark: matplotlib writes every label as escaped XML (glyphs as paths, text only in
    escaped comments), so user input cannot become markup.
    """
    svg = to_svg(figure)
    return mark_safe(svg[svg.index("<svg") :])


def _show_refusal(form: forms.Form, error: analysis.AnalysisError) -> None:
    form.add_error(error.field if error.field in form.fields else None, services.analysis_message(error))


def _bound(form_class, request, key: str):
    """The form bound to the query string once it was submitted (``key`` present), else unbound."""
    return form_class(request.GET if key in request.GET else None)


@login_required
@require_safe
def calculators(request):
    return render(request, "tqm/calculators.html")


@login_required
@require_safe
def pareto_calculator(request):
    form = _bound(ParetoCalculatorForm, request, "items")
    result = chart = None
    if form.is_bound and form.is_valid():
        try:
            result = analysis.pareto(
                form.cleaned_data["items"],
                other_after_percent=form.cleaned_data["other_after_percent"],
                other_label=charts.other_label(),
            )
        except analysis.AnalysisError as error:
            _show_refusal(form, error)
        else:
            chart = inline_svg(charts.pareto_result_figure(result, title=_("Pareto chart")))
    return render(request, "tqm/pareto_calculator.html", {"form": form, "result": result, "chart": chart})


@dataclass(frozen=True)
class SampleRow:
    """One sample of the p-chart table: its trial limits and, when revised, its revised limits."""

    number: int
    trial: analysis.PChartPoint
    revised: analysis.PChartPoint | None
    excluded: bool


@login_required
@require_safe
def p_chart_calculator(request):
    form = _bound(PChartCalculatorForm, request, "samples")
    result = None
    rows: list[SampleRow] = []
    chart_list = []
    if form.is_bound and form.is_valid():
        try:
            result = analysis.p_chart(form.cleaned_data["samples"], revise=form.cleaned_data["revise"])
        except analysis.AnalysisError as error:
            _show_refusal(form, error)
        else:
            revised = result.revised.points if result.revised else [None] * len(result.points)
            rows = [
                SampleRow(
                    number=trial.index + 1,
                    trial=trial,
                    revised=again,
                    excluded=trial.index in result.excluded,
                )
                for trial, again in zip(result.points, revised, strict=True)
            ]
            chart_list = [inline_svg(figure) for figure in charts.p_chart_figures(result)]
    context = {
        "form": form,
        "result": result,
        "rows": rows,
        "charts": chart_list,
        "flagged_numbers": [index + 1 for index in result.out_of_control_indices] if result else [],
        "excluded_numbers": [index + 1 for index in result.excluded] if result else [],
    }
    return render(request, "tqm/p_chart_calculator.html", context)


@login_required
@require_safe
def effect_test_calculator(request):
    form = _bound(EffectTestCalculatorForm, request, "before_n")
    result = reading = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            result = analysis.two_proportion_test(
                before_successes=data["before_successes"],
                before_n=data["before_n"],
                after_successes=data["after_successes"],
                after_n=data["after_n"],
                confidence=data["confidence"],
            )
        except analysis.AnalysisError as error:
            _show_refusal(form, error)
        else:
            reading = describe_effect_test(result)
    context = {
        "form": form,
        "result": result,
        "reading": reading,
        "p_value_text": format_p_value(result.p_value) if result and result.p_value is not None else "",
        "shown": _shown(result) if result else None,
    }
    return render(request, "tqm/effect_test_calculator.html", context)


def _shown(result: analysis.EffectTestResult) -> dict[str, str]:
    """The result as the page prints it: rates in percent, the change and its interval in signed
    percentage points, z to 4 decimals and a p-value that stays readable when it is tiny."""
    p_value = result.p_value
    if p_value is None:
        p_text = "—"
    elif p_value < 1e-6:
        p_text = f"{p_value:.1e}"
    else:
        p_text = f"{p_value:.6f}"
    return {
        "before": f"{result.before_rate * 100:.2f}%",
        "after": f"{result.after_rate * 100:.2f}%",
        "difference": f"{result.difference * 100:+.2f}",
        "pooled": f"{result.pooled_rate * 100:.2f}%",
        "z": "—" if result.z is None else f"{result.z:.4f}",
        "p_value": p_text,
        "ci_low": f"{result.ci_low * 100:+.2f}",
        "ci_high": f"{result.ci_high * 100:+.2f}",
        "confidence": f"{round(result.confidence * 100, 2):g}",
    }
