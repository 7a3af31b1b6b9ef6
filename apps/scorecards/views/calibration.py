"""Pages: calibration sessions — the list, a new session, one session (blind until closed, then its
results), closing it, and an evaluator's calibration history.

Participants score through the ordinary scoring page with ``?calibration=<id>`` (views/evaluations.py).
Blindness is kept here by never passing a score or an answer of an open session to a template.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.accounts.permissions import has_role, role_required
from apps.accounts.roles import Role
from apps.reports.dashboards import CALIBRATION_ALIGNMENT
from apps.reports.embeds import embedded_chart
from apps.reports.scopes import GLOBAL_SCOPE
from qa_center.errors import DomainError
from qa_center.pages import add_domain_error, flash_domain_error

from .. import calibration, selectors
from ..access import QA_STAFF
from ..forms.calibration import CalibrationForm
from ..models import CalibrationStatus

CLOSED_PER_PAGE = 50
HISTORY_PER_PAGE = 50

# Krippendorff's reading of alpha (agreement.ALPHA_GOOD, ALPHA_TENTATIVE), in plain words.
ALPHA_READINGS = {
    "good": gettext_lazy("Good agreement (α ≥ 0.8): the evaluators apply the scorecard alike."),
    "tentative": gettext_lazy(
        "Tentative agreement (0.667 ≤ α < 0.8): draw only tentative conclusions; "
        "discuss the criteria where evaluators differed."
    ),
    "unreliable": gettext_lazy(
        "Unreliable (α below 0.667): the evaluators do not apply the scorecard alike; "
        "go through the criteria together."
    ),
    "not_available": gettext_lazy(
        "Not available: too few criteria were rated by two or more evaluators to compute it."
    ),
}
ALPHA_LABELS = {
    "good": gettext_lazy("Good agreement"),
    "tentative": gettext_lazy("Tentative agreement"),
    "unreliable": gettext_lazy("Unreliable agreement"),
    "not_available": gettext_lazy("Agreement not available"),
}
ALPHA_BADGES = {"good": "badge-ok", "tentative": "badge-warn", "unreliable": "badge-danger"}


def _is_manager(user) -> bool:
    return has_role(user, Role.QA_MANAGER)


def _signed(value) -> str:
    """A deviation as shown: +1.25, −3.00, 0.00; empty when there is none."""
    if value is None:
        return ""
    return f"{value:+.2f}".replace("-", "−") if value else f"{value:.2f}"


def _percent(fraction) -> str:
    if fraction is None:
        return ""
    return f"{(Decimal(fraction) * 100).quantize(Decimal('0.1'))}%"


def _progress(session, user) -> None:
    """Who submitted, from the prefetched evaluations: names only, never what anyone scored."""
    submitted = {e.evaluator_id for e in session.evaluations.all() if e.submitted_at is not None}
    mine = next((e for e in session.evaluations.all() if e.evaluator_id == user.pk), None)
    participants = list(session.participants.all())
    session.participant_rows = [(p, p.pk in submitted) for p in participants]
    session.missing_names = [p.name for p in participants if p.pk not in submitted]
    session.is_participant = any(p.pk == user.pk for p in participants)
    session.my_evaluation = mine
    session.i_submitted = mine is not None and mine.submitted_at is not None
    session.alpha_reading = calibration.alpha_reading(session.alpha_interval)
    session.alpha_display = "" if session.alpha_interval is None else f"{session.alpha_interval:.3f}"
    session.alpha_label = ALPHA_LABELS[session.alpha_reading]
    session.alpha_badge = ALPHA_BADGES.get(session.alpha_reading, "")


@role_required(*QA_STAFF)
def calibration_list(request):
    """Open sessions with their progress, then closed ones with alpha: a constant number of queries."""
    sessions = selectors.calibrations_list(request.user)
    overdue_ids = set(selectors.overdue_calibrations(request.user).values_list("pk", flat=True))
    open_sessions = list(sessions.filter(status=CalibrationStatus.OPEN).order_by("deadline", "id"))
    closed_page = Paginator(
        sessions.filter(status=CalibrationStatus.CLOSED).order_by("-closed_at", "-id"), CLOSED_PER_PAGE
    ).get_page(request.GET.get("page"))
    for session in [*open_sessions, *closed_page]:
        _progress(session, request.user)
        session.is_overdue = session.pk in overdue_ids
    is_manager = _is_manager(request.user)
    return render(
        request,
        "scorecards/calibration_list.html",
        {
            "open_sessions": open_sessions,
            "page_obj": closed_page,
            "query": "",
            "is_manager": is_manager,
            # QA managers read the evaluators' alignment over time next to the closed sessions (the stored
            # chart); evaluators keep this page as their work list and find the chart on the dashboard.
            "alignment_chart": (
                embedded_chart(request.user, CALIBRATION_ALIGNMENT, GLOBAL_SCOPE.key) if is_manager else None
            ),
        },
    )


@role_required(Role.QA_MANAGER)
def calibration_create(request):
    form = CalibrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = calibration.calibration_create(
                by=request.user,
                call=data["call"],
                version=data["scorecard_version"],
                participants=data["participants"],
                reference=data["reference"],
                deadline=data["deadline"],
                tolerance=data["tolerance"],
                note=data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Calibration session #%(id)s is open; its participants find it in their work list.")
                % {"id": session.pk},
            )
            return redirect("scorecards:calibration_detail", pk=session.pk)
    return render(
        request, "scorecards/calibration_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _results(session, user) -> dict:
    """The stored results of a closed session, shaped for the results tables."""
    scores = list(session.scores.all())  # prefetched with their evaluator, by evaluator id
    is_manager = _is_manager(user)
    evaluators = [
        {
            "row": row,
            "is_reference": row.evaluator_id == session.reference_id,
            "deviation_from_reference": _signed(row.deviation_from_reference),
            "deviation_from_mean": _signed(row.deviation_from_mean),
            "alignment": _percent(row.alignment),
            "history_url": reverse("scorecards:calibration_history", args=[row.evaluator_id])
            if is_manager or row.evaluator_id == user.pk
            else "",
        }
        for row in scores
    ]
    criteria = []
    for item in session.criteria_results:
        differing = set(item.get("differing_evaluators", []))
        points = item.get("points", {})
        criteria.append(
            {
                "text": item.get("text", ""),
                "max_points": item.get("max_points"),
                "reference_points": item.get("reference_points"),
                "spread": item.get("spread"),
                "cells": [
                    {
                        "evaluator_id": row.evaluator_id,
                        "points": points.get(str(row.evaluator_id)),
                        "differs": row.evaluator_id in differing,
                    }
                    for row in scores
                ],
                "differing_names": [row.evaluator.name for row in scores if row.evaluator_id in differing],
            }
        )
    scored = {row.evaluator_id for row in scores}
    return {
        "evaluators": evaluators,
        "criteria": criteria,
        "columns": [row.evaluator for row in scores],
        "has_reference": any(e["is_reference"] for e in evaluators),
        "not_submitted": [p.name for p in session.participants.all() if p.pk not in scored],
        "reading": ALPHA_READINGS[session.alpha_reading],
    }


@role_required(*QA_STAFF)
def calibration_detail(request, pk: int):
    """Before closing: who has submitted, nothing more. After: the results."""
    session = get_object_or_404(selectors.calibrations_list(request.user), pk=pk)
    _progress(session, request.user)
    context = {
        "session": session,
        "is_manager": _is_manager(request.user),
        "now": timezone.now(),
        "results": _results(session, request.user) if session.is_closed else None,
    }
    return render(request, "scorecards/calibration_detail.html", context)


@role_required(Role.QA_MANAGER)
@require_POST
def calibration_close(request, pk: int):
    session = get_object_or_404(selectors.calibrations_list(request.user), pk=pk)
    try:
        calibration.calibration_close(session=session, by=request.user)
    except DomainError as error:
        flash_domain_error(request, error)
    else:
        messages.success(request, _("The session is closed and its results are computed."))
    url = reverse("scorecards:calibration_detail", args=[pk])
    if request.headers.get("HX-Request") == "true":
        # The button asks for confirmation through htmx: send the browser to the page itself.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@role_required(*QA_STAFF)
def calibration_history(request, user_id: int):
    """An evaluator's results in closed sessions: their own, or anyone's for a QA manager."""
    if user_id != request.user.pk and not _is_manager(request.user):
        raise DjangoPermissionDenied(_("You can see only your own calibration history."))
    evaluator = get_object_or_404(User, pk=user_id)
    page = Paginator(selectors.calibration_history(evaluator), HISTORY_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for row in page:
        row.deviation_from_reference_display = _signed(row.deviation_from_reference)
        row.deviation_from_mean_display = _signed(row.deviation_from_mean)
        row.alignment_display = _percent(row.alignment)
    return render(
        request,
        "scorecards/calibration_history.html",
        {"evaluator": evaluator, "page_obj": page, "query": "", "is_own": evaluator.pk == request.user.pk},
    )


urlpatterns = [
    path("calibrations/", calibration_list, name="calibration_list"),
    path("calibrations/new/", calibration_create, name="calibration_create"),
    path("calibrations/<int:pk>/", calibration_detail, name="calibration_detail"),
    path("calibrations/<int:pk>/close/", calibration_close, name="calibration_close"),
    path("calibrations/history/<int:user_id>/", calibration_history, name="calibration_history"),
]
