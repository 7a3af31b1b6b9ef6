"""Calibration sessions (DESIGN.md §4): create, the blind scoring rules, close with results.

Participants score through the normal evaluation service (services.evaluation_save with
``calibration=``), which asks ``check_participant_may_score`` first. Closing computes the results
once with the pure agreement module and stores them, so a session reads the same forever.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.permissions import has_role, require_role
from apps.accounts.roles import Role
from qa_center.errors import Conflict, PermissionDenied, ValidationFailed

from . import agreement
from .models import (
    DEFAULT_TOLERANCE,
    Answer,
    CalibrationScore,
    CalibrationSession,
    CalibrationStatus,
    Call,
    Evaluation,
    EvaluationStatus,
    ScorecardVersion,
    VersionStatus,
)

DEFAULT_DEADLINE = timedelta(days=7)
MAX_PARTICIPANTS = 30
SCORER_ROLES = (Role.QA_EVALUATOR, Role.QA_MANAGER)


def agreement_message(error: agreement.AgreementError) -> str:
    """The pure module's message in the user's language (its templates are in the catalogue)."""
    return _(error.template) % error.params if error.params else _(error.template)


@transaction.atomic
def calibration_create(
    *,
    by: User,
    call: Call,
    version: ScorecardVersion,
    participants: Iterable[User],
    reference: User | None = None,
    deadline: datetime | None = None,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    note: str = "",
) -> CalibrationSession:
    """A QA manager asks several evaluators to score one call blind, optionally against a reference."""
    require_role(by, Role.QA_MANAGER)
    people = list({person.pk: person for person in participants}.values())
    errors: dict[str, list[str]] = {}
    if len(people) < 2:
        errors["participants"] = [_("Choose at least two participants.")]
    elif len(people) > MAX_PARTICIPANTS:
        errors["participants"] = [_("A session has at most %(n)s participants.") % {"n": MAX_PARTICIPANTS}]
    else:
        unfit = [p.name for p in people if not p.is_active or not has_role(p, *SCORER_ROLES)]
        if unfit:
            errors["participants"] = [
                _("Only active QA evaluators and QA managers can take part: %(names)s.")
                % {"names": ", ".join(sorted(unfit))}
            ]
    if reference is not None and reference.pk not in {p.pk for p in people}:
        errors["reference"] = [_("The reference evaluator must be one of the participants.")]
    if version.status != VersionStatus.PUBLISHED:
        errors["scorecard_version"] = [_("Only published scorecard versions can be used.")]
    now = timezone.now()
    deadline = deadline or now + DEFAULT_DEADLINE
    if deadline <= now:
        errors["deadline"] = [_("The deadline must be in the future.")]
    if tolerance is None or not Decimal(0) <= Decimal(tolerance) <= Decimal(100):
        errors["tolerance"] = [_("The tolerance is a number of points from 0 to 100.")]
    if errors:
        raise ValidationFailed(_("Please correct the calibration session."), fields=errors)
    session = CalibrationSession.objects.create(
        call=call,
        scorecard_version=version,
        reference=reference,
        deadline=deadline,
        tolerance=tolerance,
        note=(note or "").strip(),
        created_by=by,
    )
    session.participants.set(people)
    return session


def check_participant_may_score(
    *,
    session: CalibrationSession,
    by: User,
    call: Call | None,
    version: ScorecardVersion | None,
    evaluation: Evaluation | None,
) -> CalibrationSession:
    """Refuse a scoring the session does not accept; returns the session, locked.

    Called inside the evaluation service's transaction: the lock makes a scoring and a close
    that happen at once run one after the other, so no scoring lands in a closed session."""
    session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    if session.is_closed:
        raise Conflict(_("This calibration session is closed; it takes no more scorings."))
    if not session.participants.filter(pk=by.pk).exists():
        raise PermissionDenied(_("You are not a participant of this calibration session."))
    if call is not None and call.pk != session.call_id:
        raise ValidationFailed(_("This session calibrates another call."), field="call")
    if version is not None and version.pk != session.scorecard_version_id:
        raise ValidationFailed(_("This session uses another scorecard version."), field="scorecard_version")
    if evaluation is None and Evaluation.objects.filter(calibration=session, evaluator=by).exists():
        raise Conflict(_("You have already scored this call in this calibration session."))
    return session


def _ratings(session: CalibrationSession, evaluations: list[Evaluation]) -> list[agreement.CriterionRatings]:
    """Points per criterion per evaluator (None for N/A), in the scorecard's order: one query."""
    criteria = list(session.scorecard_version.criteria.order_by("section__position", "position", "pk"))
    points: dict[int, dict[int, int | None]] = {c.pk: {} for c in criteria}
    by_evaluation = {e.pk: e.evaluator_id for e in evaluations}
    for answer in Answer.objects.filter(evaluation_id__in=by_evaluation):
        points[answer.criterion_id][by_evaluation[answer.evaluation_id]] = (
            None if answer.is_na else answer.points
        )
    return [
        agreement.CriterionRatings(criterion_id=c.pk, max_points=c.max_points, points=points[c.pk])
        for c in criteria
    ]


def _criteria_json(result: agreement.CalibrationResult, texts: dict[int, str]) -> list[dict]:
    def number(value):
        return None if value is None else str(value)

    return [
        {
            "criterion": c.criterion_id,
            "text": texts.get(c.criterion_id, ""),
            "max_points": c.max_points,
            "points": {str(k): v for k, v in c.points.items()},
            "reference_points": c.reference_points,
            "mean": number(c.mean),
            "spread": number(c.spread),
            "differing_evaluators": list(c.differing_evaluators),
            "alignment": {str(k): number(v) for k, v in c.alignment.items()},
        }
        for c in result.criteria
    ]


@transaction.atomic
def calibration_close(*, session: CalibrationSession, by: User) -> CalibrationSession:
    """Close the session and store its results; refused with fewer than two submissions."""
    require_role(by, Role.QA_MANAGER)
    session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    if session.is_closed:
        raise Conflict(_("This calibration session is already closed."))
    evaluations = list(
        Evaluation.objects.filter(calibration=session)
        .exclude(status=EvaluationStatus.DRAFT)
        .order_by("evaluator_id")
    )
    if len(evaluations) < 2:
        raise ValidationFailed(
            _("At least two participants must submit before the session can be closed (%(n)s so far).")
            % {"n": len(evaluations)}
        )
    submitted_ids = {e.evaluator_id for e in evaluations}
    # A reference who did not submit cannot anchor the results: they are computed without one.
    reference_id = session.reference_id if session.reference_id in submitted_ids else None
    try:
        result = agreement.calibration_result(
            scores={e.evaluator_id: e.score for e in evaluations},
            criteria=_ratings(session, evaluations),
            reference_id=reference_id,
            tolerance=session.tolerance,
        )
    except agreement.AgreementError as error:
        raise ValidationFailed(agreement_message(error), field=error.field) from error
    texts = dict(session.scorecard_version.criteria.values_list("pk", "text"))
    by_evaluator = {e.evaluator_id: e for e in evaluations}
    CalibrationScore.objects.bulk_create(
        CalibrationScore(
            session=session,
            evaluator_id=row.evaluator_id,
            evaluation=by_evaluator[row.evaluator_id],
            score=row.score,
            deviation_from_reference=row.deviation_from_reference,
            deviation_from_mean=row.deviation_from_mean,
            alignment=row.alignment,
            outside_tolerance=row.outside_tolerance,
        )
        for row in result.evaluators
    )
    session.status = CalibrationStatus.CLOSED
    session.closed_by = by
    session.closed_at = timezone.now()
    session.alpha_interval = result.alpha_interval
    session.mean_score = result.mean_score
    session.spread = result.spread
    session.criteria_results = _criteria_json(result, texts)
    session.save()
    return session


# One definition of the reading thresholds: the pure module's.
alpha_reading = agreement.alpha_reading
