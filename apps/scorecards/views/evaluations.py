"""Pages for scoring calls, the agent's view of their evaluations, disputes, queues, sampling and exports."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import has_role, role_required
from apps.accounts.roles import Role
from qa_center.errors import DomainError
from qa_center.pages import add_domain_error, flash_domain_error

from .. import access, selectors, services
from ..access import QA_STAFF, QA_USERS
from ..forms.evaluations import AnswersForm, ArbitrationForm, DisputeForm, EvaluationFilterForm, SampleForm
from ..models import (
    Answer,
    DisputeStatus,
    EvaluationStatus,
    SampleRun,
    ScorecardVersion,
    VersionStatus,
)

PAGE_SIZE = 50


def _version_for_scoring(version_id: int) -> ScorecardVersion:
    try:
        return selectors.version_with_content(version_id)
    except ScorecardVersion.DoesNotExist:
        raise Http404(_("No such scorecard version.")) from None


def _scorable_versions():
    return (
        ScorecardVersion.objects.filter(status=VersionStatus.PUBLISHED, scorecard__archived_at__isnull=True)
        .filter(scorecard__current_version=F("pk"))  # the current version of each scorecard
        .select_related("scorecard")
        .order_by("scorecard__name")
    )


# --- Scoring ---------------------------------------------------------------------------


def _calibration_scoring(request):
    """?calibration=<id>: the session fixes the call and the version. Returns (session, None), or
    (None, response) when there is nothing to score: already scored, or the session is closed."""
    session_id = request.GET.get("calibration", "")
    if not session_id.isdigit() or int(session_id) > 2**63 - 1:
        raise Http404(_("No such calibration session."))
    session = get_object_or_404(
        selectors.calibrations_list(request.user).select_related("call__agent__team"), pk=session_id
    )
    mine = next((e for e in session.evaluations.all() if e.evaluator_id == request.user.pk), None)
    if not any(p.pk == request.user.pk for p in session.participants.all()):
        raise DjangoPermissionDenied(_("You are not a participant of this calibration session."))
    if mine is not None and mine.submitted_at is None:
        return None, redirect("scorecards:evaluation_edit", pk=mine.pk)
    if mine is not None or session.is_closed:
        if session.is_closed:
            messages.info(request, _("This calibration session is closed; it takes no more scorings."))
        else:
            messages.info(request, _("You have already scored this call in this calibration session."))
        return None, redirect("scorecards:calibration_detail", pk=session.pk)
    return session, None


@role_required(*QA_STAFF)
def evaluation_create(request):
    """Score a call: ?call=<id>, and ?version=<id> when the call is not in a queue with a scorecard;
    or ?calibration=<id>, a participant's blind scoring in a calibration session."""
    if request.GET.get("calibration"):
        return _calibration_create(request)
    call = get_object_or_404(selectors.calls_list(request.user), pk=request.GET.get("call") or 0)
    assignment = services.assignment_for(call, request.user)
    version_id = request.GET.get("version") or (
        assignment.sample.scorecard_version_id if assignment else None
    )
    versions = list(_scorable_versions())
    if not version_id and len(versions) == 1:
        version_id = versions[0].pk
    if not version_id:
        return render(
            request, "scorecards/evaluation_choose_version.html", {"call": call, "versions": versions}
        )
    version = _version_for_scoring(version_id)

    form = AnswersForm(request.POST or None, version=version)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            evaluation = services.evaluation_save(
                by=request.user,
                call=call,
                version=version,
                answers=form.answers(),
                comment=form.cleaned_data["comment"],
                submit=submit,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after_save(request, evaluation, submit)
    return _scoring_page(request, form, call=call, version=version, evaluation=None)


def _calibration_create(request):
    session, elsewhere = _calibration_scoring(request)
    if elsewhere is not None:
        return elsewhere
    version = _version_for_scoring(session.scorecard_version_id)
    form = AnswersForm(request.POST or None, version=version)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            evaluation = services.evaluation_save(
                by=request.user,
                call=session.call,
                version=version,
                answers=form.answers(),
                comment=form.cleaned_data["comment"],
                submit=submit,
                calibration=session,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after_save(request, evaluation, submit)
    return _scoring_page(
        request, form, call=session.call, version=version, evaluation=None, calibration=session
    )


@role_required(*QA_STAFF)
def evaluation_edit(request, pk: int):
    evaluation = get_object_or_404(selectors.evaluations_list(request.user), pk=pk)
    if evaluation.status != EvaluationStatus.DRAFT:
        messages.info(request, _("This evaluation is submitted; it can no longer be edited."))
        return redirect("scorecards:evaluation_detail", pk=pk)
    version = _version_for_scoring(evaluation.scorecard_version_id)
    form = AnswersForm(request.POST or None, version=version, initial=AnswersForm.initial_from(evaluation))
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            services.evaluation_save(
                by=request.user,
                call=evaluation.call,
                version=version,
                answers=form.answers(),
                comment=form.cleaned_data["comment"],
                submit=submit,
                evaluation=evaluation,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after_save(request, evaluation, submit)
    return _scoring_page(request, form, call=evaluation.call, version=version, evaluation=evaluation)


def _after_save(request, evaluation, submit: bool):
    if submit and evaluation.calibration_id is not None:
        messages.success(
            request, _("Your calibration scoring is submitted. The results appear when the session closes.")
        )
        return redirect("scorecards:calibration_detail", pk=evaluation.calibration_id)
    if submit:
        messages.success(request, _("Evaluation submitted. The agent can now see it."))
        return redirect("scorecards:evaluation_detail", pk=evaluation.pk)
    messages.success(request, _("Draft saved."))
    return redirect("scorecards:evaluation_edit", pk=evaluation.pk)


def _scoring_page(request, form, *, call, version, evaluation, calibration=None):
    preview = services.preview_score(version, form.answers()) if form.is_bound and form.is_valid() else None
    if evaluation is not None and not form.is_bound:
        preview = services.preview_score(
            version,
            [
                services.AnswerInput(a.criterion_id, a.points, a.is_na, a.comment)
                for a in evaluation.answers.all()
            ],
        )
    if calibration is None and evaluation is not None and evaluation.calibration_id is not None:
        calibration = evaluation.calibration
    context = {
        "form": form,
        "call": call,
        "version": version,
        "evaluation": evaluation,
        "preview": preview,
        "calibration": calibration,
    }
    return render(request, "scorecards/evaluation_form.html", context, status=400 if form.errors else 200)


@role_required(*QA_STAFF)
@require_POST
def score_preview(request, version_pk: int):
    """htmx: the live score of the form as it stands. Writes nothing."""
    version = _version_for_scoring(version_pk)
    form = AnswersForm(request.POST, version=version)
    preview = services.preview_score(version, form.answers()) if form.is_valid() else None
    return render(request, "scorecards/_evaluation_score.html", {"preview": preview, "version": version})


# --- Detail, agent actions, arbitration --------------------------------------------------


@role_required(*QA_USERS)
def evaluation_detail(request, pk: int):
    evaluation = get_object_or_404(selectors.evaluations_list(request.user), pk=pk)
    if evaluation.status == EvaluationStatus.DRAFT and evaluation.evaluator_id == request.user.pk:
        return redirect("scorecards:evaluation_edit", pk=pk)
    disputes = list(
        evaluation.disputes.select_related("raised_by", "resolved_by").prefetch_related("criteria")
    )
    open_dispute = next((d for d in disputes if d.status == DisputeStatus.OPEN), None)
    is_own = evaluation.agent_id == request.user.pk
    window_ends = evaluation.submitted_at + services.dispute_window() if evaluation.submitted_at else None
    can_dispute = (
        is_own
        and evaluation.status == EvaluationStatus.SUBMITTED
        and window_ends
        and timezone.now() <= window_ends
    )
    can_arbitrate = (
        open_dispute is not None
        and has_role(request.user, Role.QA_MANAGER)
        and evaluation.evaluator_id != request.user.pk
    )
    sections = _answers_by_section(evaluation)
    context = {
        "evaluation": evaluation,
        "sections": sections,
        "events": evaluation.events.select_related("actor"),
        "disputes": disputes,
        "open_dispute": open_dispute,
        "is_own": is_own,
        "can_acknowledge": is_own
        and evaluation.status
        in (EvaluationStatus.SUBMITTED, EvaluationStatus.DISPUTE_UPHELD, EvaluationStatus.DISPUTE_REJECTED),
        "can_dispute": can_dispute,
        "window_ends": window_ends,
        "dispute_form": DisputeForm(evaluation=evaluation) if can_dispute else None,
        "arbitration_form": ArbitrationForm(evaluation=evaluation) if can_arbitrate else None,
        "criteria_by_id": {a.criterion_id: a.criterion for a in evaluation.answers.all()},
        "can_coach": evaluation.calibration_id is None
        and evaluation.submitted_at is not None
        and access.is_coach(request.user)
        and access.may_coach(request.user, evaluation.agent),
    }
    return render(request, "scorecards/evaluation_detail.html", context)


def _answers_by_section(evaluation) -> list[tuple[str, list[Answer]]]:
    sections: dict[int, tuple[str, list[Answer]]] = {}
    for answer in evaluation.answers.all():
        section = answer.criterion.section
        sections.setdefault(section.pk, (section.title, []))[1].append(answer)
    return list(sections.values())


@role_required(Role.AGENT)
@require_POST
def evaluation_acknowledge(request, pk: int):
    evaluation = get_object_or_404(selectors.evaluations_list(request.user), pk=pk)
    try:
        services.evaluation_acknowledge(by=request.user, evaluation=evaluation)
    except DomainError as error:
        flash_domain_error(request, error)
    else:
        messages.success(request, _("Thank you: the evaluation is acknowledged."))
    return redirect("scorecards:evaluation_detail", pk=pk)


@role_required(Role.AGENT)
@require_POST
def evaluation_dispute(request, pk: int):
    evaluation = get_object_or_404(selectors.evaluations_list(request.user), pk=pk)
    form = DisputeForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        try:
            services.dispute_open(
                by=request.user,
                evaluation=evaluation,
                reason=form.cleaned_data["reason"],
                criterion_ids=form.criterion_ids(),
            )
        except DomainError as error:
            flash_domain_error(request, error)
        else:
            messages.success(request, _("Your dispute was sent to the QA managers."))
    else:
        messages.error(request, _("Please give a reason for the dispute."))
    return redirect("scorecards:evaluation_detail", pk=pk)


@role_required(Role.QA_MANAGER)
@require_POST
def dispute_resolve(request, pk: int):
    dispute = get_object_or_404(selectors.disputes_for(request.user), pk=pk)
    evaluation = selectors.evaluations_list(request.user).get(pk=dispute.evaluation_id)
    form = ArbitrationForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        try:
            services.dispute_resolve(
                by=request.user,
                dispute=dispute,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                answers=form.corrected_answers(),
            )
        except DomainError as error:
            flash_domain_error(request, error)
        else:
            messages.success(request, _("The dispute is resolved and the agent can see the outcome."))
    else:
        messages.error(request, _("Choose a decision and explain it to the agent."))
    return redirect("scorecards:evaluation_detail", pk=dispute.evaluation_id)


# --- Lists and exports ---------------------------------------------------------------------


def _filtered(request):
    staff = has_role(request.user, *QA_STAFF)
    form = EvaluationFilterForm(request.GET or None, staff=staff)
    queryset = selectors.filter_evaluations(
        selectors.evaluations_list(request.user, with_answers=False), **form.filters()
    )
    return form, queryset


@role_required(*QA_USERS)
def evaluation_list(request):
    form, queryset = _filtered(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    context = {
        "filter_form": form,
        "page_obj": page,
        "query": query,
        "staff": has_role(request.user, *QA_STAFF),
        "summary": selectors.agent_summary(request.user) if has_role(request.user, Role.AGENT) else None,
    }
    return render(request, "scorecards/evaluation_list.html", context)


class _Echo:
    def write(self, value):
        return value


def _csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # BOM: Excel opens UTF-8 (Chinese names) correctly
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _iso(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


@role_required(*QA_USERS)
def evaluation_export(request):
    """One row per evaluation of the filtered list."""
    _form, queryset = _filtered(request)
    rows = (
        (
            e.pk,
            e.call.external_id,
            _iso(e.call.started_at),
            e.agent.username,
            e.agent.name,
            e.agent.team.name if e.agent.team else "",
            e.evaluator.username,
            e.scorecard_version.scorecard.name,
            e.scorecard_version.number,
            e.status,
            "" if e.score is None else e.score,
            "" if e.passed is None else ("yes" if e.passed else "no"),
            "yes" if e.critical_failed else "no",
            _iso(e.submitted_at),
        )
        for e in queryset.iterator(chunk_size=2000)
    )
    header = [
        "evaluation_id",
        "call_external_id",
        "call_started_at",
        "agent",
        "agent_name",
        "team",
        "evaluator",
        "scorecard",
        "version",
        "status",
        "score",
        "passed",
        "critical_failed",
        "submitted_at",
    ]
    return _csv_response("evaluations.csv", header, rows)


@role_required(*QA_USERS)
def answers_export(request):
    """One row per answer of the evaluations in the filtered list."""
    _form, evaluations = _filtered(request)
    answers = (
        Answer.objects.filter(evaluation__in=evaluations.values("pk"))
        .order_by("evaluation_id", "criterion__section__position", "criterion__position")
        .values_list(
            "evaluation_id",
            "evaluation__call__external_id",
            "evaluation__agent__username",
            "evaluation__scorecard_version__scorecard__name",
            "evaluation__scorecard_version__number",
            "criterion__section__title",
            "criterion__text",
            "criterion__max_points",
            "points",
            "is_na",
            "comment",
        )
    )
    rows = (
        (*row[:8], "" if row[8] is None else row[8], "yes" if row[9] else "no", row[10])
        for row in answers.iterator(chunk_size=5000)
    )
    header = [
        "evaluation_id",
        "call_external_id",
        "agent",
        "scorecard",
        "version",
        "section",
        "criterion",
        "max_points",
        "points",
        "na",
        "comment",
    ]
    return _csv_response("evaluation-answers.csv", header, rows)


# --- Disputes, queue, sampling ------------------------------------------------------------


@role_required(Role.QA_MANAGER)
def dispute_list(request):
    open_disputes = selectors.open_disputes_for(request.user)
    resolved = (
        selectors.disputes_for(request.user).exclude(status=DisputeStatus.OPEN).order_by("-resolved_at")[:20]
    )
    return render(
        request,
        "scorecards/dispute_list.html",
        {"open_disputes": open_disputes, "resolved": resolved, "now": timezone.now()},
    )


@role_required(*QA_STAFF)
def queue(request):
    return render(
        request,
        "scorecards/queue.html",
        {"assignments": selectors.queue_for(request.user), "drafts": selectors.drafts_for(request.user)},
    )


@role_required(Role.QA_MANAGER)
def sample_create(request):
    form = SampleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.sample_draw(
                by=request.user,
                version=data["scorecard_version"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                per_agent=data["per_agent"],
                per_queue=data["per_queue"],
                evaluator_ids=[u.pk for u in data["evaluators"]],
                seed=data["seed"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            count = run.assignments.count()
            messages.success(
                request,
                _("%(count)s calls drawn with seed %(seed)s and dealt to the evaluators' queues.")
                % {"count": count, "seed": run.seed},
            )
            return redirect("scorecards:sample_create")
    runs = (
        SampleRun.objects.select_related("scorecard_version__scorecard", "created_by")
        .annotate(assignment_count=Count("assignments"))
        .order_by("-created_at")[:20]
    )
    return render(
        request,
        "scorecards/sample_form.html",
        {"form": form, "runs": runs},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("evaluations/", evaluation_list, name="evaluation_list"),
    path("evaluations/export.csv", evaluation_export, name="evaluation_export"),
    path("evaluations/answers.csv", answers_export, name="evaluation_answers_export"),
    path("evaluations/new/", evaluation_create, name="evaluation_create"),
    path("evaluations/score-preview/<int:version_pk>/", score_preview, name="score_preview"),
    path("evaluations/<int:pk>/", evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/edit/", evaluation_edit, name="evaluation_edit"),
    path("evaluations/<int:pk>/acknowledge/", evaluation_acknowledge, name="evaluation_acknowledge"),
    path("evaluations/<int:pk>/dispute/", evaluation_dispute, name="evaluation_dispute"),
    path("disputes/", dispute_list, name="dispute_list"),
    path("disputes/<int:pk>/resolve/", dispute_resolve, name="dispute_resolve"),
    path("queue/", queue, name="queue"),
    path("sampling/", sample_create, name="sample_create"),
]
