"""Every QA write that carries a rule: scorecards, calls, evaluations, disputes, sampling.

Each public function is one use case in one transaction. Refusals raise
qa_center.errors domain errors with a message a user can read.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.permissions import require_role
from apps.accounts.roles import Role
from qa_center.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import access, scoring
from . import calibration as calibration_rules
from .models import (
    DEFAULT_PASS_MARK,
    Answer,
    Assignment,
    AssignmentStatus,
    CalibrationSession,
    Call,
    CallDirection,
    Criterion,
    CriterionKind,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    SampleRun,
    Scorecard,
    ScorecardVersion,
    Section,
    VersionStatus,
)

# --- Inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInput:
    text: str
    max_points: int
    kind: str = CriterionKind.YES_NO
    critical: bool = False
    allow_na: bool = False
    guidance: str = ""


@dataclass(frozen=True)
class SectionInput:
    title: str
    criteria: Sequence[CriterionInput]


@dataclass(frozen=True)
class AnswerInput:
    criterion_id: int
    points: int | None = None
    na: bool = False
    comment: str = ""


def dispute_window() -> timedelta:
    return timedelta(days=settings.QA_DISPUTE_WINDOW_DAYS)


# --- Scorecards ----------------------------------------------------------------------


def _clean_pass_mark(value) -> Decimal:
    try:
        pass_mark = Decimal(str(value))
        if pass_mark.is_nan():  # Decimal("NaN") parses, then refuses every comparison with InvalidOperation
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("The pass mark must be a number."), field="pass_mark") from None
    if not Decimal(0) <= pass_mark <= Decimal(100):
        raise ValidationFailed(_("The pass mark must be between 0 and 100."), field="pass_mark")
    return pass_mark.quantize(Decimal("0.01"))


def _clean_criterion(data: CriterionInput, field: str) -> dict:
    text = (data.text or "").strip()
    if not text:
        raise ValidationFailed(_("A criterion needs a text."), field=field)
    if data.kind not in CriterionKind.values:
        raise ValidationFailed(_("Unknown criterion kind “%(kind)s”.") % {"kind": data.kind}, field=field)
    if (
        isinstance(data.max_points, bool)
        or not isinstance(data.max_points, int)
        or not 1 <= data.max_points <= 100
    ):
        raise ValidationFailed(_("Max points must be a whole number from 1 to 100."), field=field)
    return {
        "text": text,
        "max_points": data.max_points,
        "kind": data.kind,
        "critical": bool(data.critical),
        "allow_na": bool(data.allow_na),
        "guidance": (data.guidance or "").strip(),
    }


@transaction.atomic
def scorecard_create(
    *,
    by: User,
    name: str,
    sections: Sequence[SectionInput],
    pass_mark=DEFAULT_PASS_MARK,
    description: str = "",
    publish: bool = True,
) -> Scorecard:
    """Create a scorecard with version 1 holding ``sections``; publish it unless told not to."""
    require_role(by, Role.QA_MANAGER)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A name is required."), field="name")
    pass_mark = _clean_pass_mark(pass_mark)
    scorecard = Scorecard.objects.create(name=name, description=description.strip(), created_by=by)
    version = ScorecardVersion.objects.create(scorecard=scorecard, number=1, pass_mark=pass_mark)
    for s_index, section_data in enumerate(sections):
        title = (section_data.title or "").strip()
        if not title:
            raise ValidationFailed(_("Every section needs a title."), field="sections")
        section = Section.objects.create(version=version, title=title, position=s_index)
        Criterion.objects.bulk_create(
            Criterion(section=section, version=version, position=c_index, **_clean_criterion(c, "sections"))
            for c_index, c in enumerate(section_data.criteria)
        )
    if publish:
        _publish(version, by)
    return scorecard


@transaction.atomic
def scorecard_update(*, by: User, scorecard: Scorecard, name: str, description: str = "") -> Scorecard:
    require_role(by, Role.QA_MANAGER)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A name is required."), field="name")
    scorecard.name = name
    scorecard.description = (description or "").strip()
    scorecard.save(update_fields=["name", "description"])
    return scorecard


@transaction.atomic
def scorecard_set_archived(*, by: User, scorecard: Scorecard, archived: bool) -> Scorecard:
    """Archived scorecards keep their versions and evaluations but take no new evaluations."""
    require_role(by, Role.QA_MANAGER)
    scorecard.archived_at = timezone.now() if archived else None
    scorecard.save(update_fields=["archived_at"])
    return scorecard


@transaction.atomic
def scorecard_start_draft(*, by: User, scorecard: Scorecard) -> ScorecardVersion:
    """The scorecard's draft; if it has none, a new one copied from the current version."""
    require_role(by, Role.QA_MANAGER)
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)  # one draft, even for two clicks
    existing = scorecard.versions.filter(status=VersionStatus.DRAFT).first()
    if existing:
        return existing
    if scorecard.is_archived:
        raise ValidationFailed(_("This scorecard is archived; restore it before editing."))
    source = scorecard.current_version
    number = (scorecard.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = ScorecardVersion.objects.create(
        scorecard=scorecard, number=number, pass_mark=source.pass_mark if source else DEFAULT_PASS_MARK
    )
    if source:
        for section in source.sections.prefetch_related("criteria"):
            copy = Section.objects.create(version=draft, title=section.title, position=section.position)
            Criterion.objects.bulk_create(
                Criterion(
                    section=copy,
                    version=draft,
                    text=c.text,
                    guidance=c.guidance,
                    kind=c.kind,
                    max_points=c.max_points,
                    critical=c.critical,
                    allow_na=c.allow_na,
                    position=c.position,
                )
                for c in section.criteria.all()
            )
    return draft


def _editable(version: ScorecardVersion, by: User) -> ScorecardVersion:
    require_role(by, Role.QA_MANAGER)
    if not version.is_draft:
        raise Conflict(_("Published versions cannot be changed. Edit the scorecard to start a new draft."))
    return version


@transaction.atomic
def version_set_pass_mark(*, by: User, version: ScorecardVersion, pass_mark) -> ScorecardVersion:
    _editable(version, by)
    version.pass_mark = _clean_pass_mark(pass_mark)
    version.save(update_fields=["pass_mark"])
    return version


@transaction.atomic
def section_add(*, by: User, version: ScorecardVersion, title: str) -> Section:
    _editable(version, by)
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("A section needs a title."), field="title")
    position = (version.sections.aggregate(p=Max("position"))["p"] or 0) + 1
    return Section.objects.create(version=version, title=title, position=position)


@transaction.atomic
def section_rename(*, by: User, section: Section, title: str) -> Section:
    _editable(section.version, by)
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("A section needs a title."), field="title")
    section.title = title
    section.save(update_fields=["title"])
    return section


@transaction.atomic
def section_delete(*, by: User, section: Section) -> None:
    _editable(section.version, by)
    section.delete()


@transaction.atomic
def criterion_add(*, by: User, section: Section, data: CriterionInput) -> Criterion:
    _editable(section.version, by)
    position = (section.criteria.aggregate(p=Max("position"))["p"] or 0) + 1
    return Criterion.objects.create(
        section=section, version=section.version, position=position, **_clean_criterion(data, "text")
    )


@transaction.atomic
def criterion_update(*, by: User, criterion: Criterion, data: CriterionInput) -> Criterion:
    _editable(criterion.version, by)
    for field, value in _clean_criterion(data, "text").items():
        setattr(criterion, field, value)
    criterion.save()
    return criterion


@transaction.atomic
def criterion_delete(*, by: User, criterion: Criterion) -> None:
    _editable(criterion.version, by)
    criterion.delete()


@transaction.atomic
def item_move(*, by: User, item: Section | Criterion, direction: str) -> None:
    """Swap a section (or a criterion within its section) with its neighbour."""
    version = item.version
    _editable(version, by)
    siblings = list(
        version.sections.all() if isinstance(item, Section) else item.section.criteria.all()
    )  # ordered by position
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    type(item).objects.bulk_update(siblings, ["position"])


def _publish(version: ScorecardVersion, by: User) -> None:
    sections = list(version.sections.prefetch_related("criteria"))
    if not sections or not all(section.criteria.all() for section in sections):
        raise ValidationFailed(
            _("Every section needs at least one criterion, and a scorecard at least one section.")
        )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by
    version.save(update_fields=["status", "published_at", "published_by"])
    Scorecard.objects.filter(pk=version.scorecard_id).update(current_version=version)
    version.scorecard.current_version = version  # keep the caller's object in step with the row


@transaction.atomic
def version_publish(*, by: User, version: ScorecardVersion) -> ScorecardVersion:
    """Publish a draft: it becomes the current version and is immutable from now on."""
    version = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
    _editable(version, by)
    _publish(version, by)
    return version


@transaction.atomic
def version_discard(*, by: User, version: ScorecardVersion) -> None:
    _editable(version, by)
    version.delete()


# --- Calls ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CallInput:
    external_id: str
    agent_id: int
    started_at: datetime
    duration_seconds: int
    queue: str = ""
    direction: str = CallDirection.INBOUND
    recording_url: str = ""
    customer_phone: str = ""


def _check_agents(agent_ids: set[int]) -> None:
    agents = set(User.objects.with_role(Role.AGENT).filter(pk__in=agent_ids).values_list("pk", flat=True))
    unknown = sorted(agent_ids - agents)
    if unknown:
        raise ValidationFailed(_("User %(id)s is not an agent.") % {"id": unknown[0]}, field="agent")


@transaction.atomic
def calls_create(*, by: User, calls: Sequence[CallInput]) -> list[Call]:
    """Create calls all-or-nothing; external ids must be new."""
    require_role(by, Role.QA_MANAGER, Role.QA_EVALUATOR)
    _check_agents({c.agent_id for c in calls})
    ids = [c.external_id for c in calls]
    clash = Call.objects.filter(external_id__in=ids).values_list("external_id", flat=True).first()
    if clash or len(set(ids)) != len(ids):
        raise ValidationFailed(
            _("A call with external id “%(id)s” already exists.") % {"id": clash or _first_repeat(ids)},
            field="external_id",
        )
    try:
        return Call.objects.bulk_create(
            [
                Call(
                    external_id=c.external_id,
                    agent_id=c.agent_id,
                    started_at=c.started_at,
                    duration_seconds=c.duration_seconds,
                    queue=c.queue,
                    direction=c.direction,
                    recording_url=c.recording_url,
                    customer_phone=c.customer_phone,
                )
                for c in calls
            ],
            batch_size=2000,
        )
    except IntegrityError:
        # Another import inserted one of these ids in the meantime.
        raise ValidationFailed(
            _("Some of these calls were imported meanwhile."), field="external_id"
        ) from None


def _first_repeat(values: Sequence[str]) -> str:
    seen = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return ""


# --- Evaluations ---------------------------------------------------------------------


def _specs(version: ScorecardVersion) -> dict[int, scoring.CriterionSpec]:
    return {
        c.pk: scoring.CriterionSpec(c.pk, c.max_points, c.kind, c.critical, c.allow_na)
        for c in version.criteria.all()
    }


def _answer_values(answers: Sequence[AnswerInput]) -> dict[int, scoring.AnswerValue]:
    values: dict[int, scoring.AnswerValue] = {}
    for answer in answers:
        if answer.criterion_id in values:
            raise ValidationFailed(_("A criterion was answered twice."), field="answers")
        if answer.na and answer.points is not None:
            raise ValidationFailed(_("An answer is either points or N/A, not both."), field="answers")
        if not answer.na and answer.points is None:
            raise ValidationFailed(_("Each answer needs points or N/A."), field="answers")
        values[answer.criterion_id] = scoring.AnswerValue(
            answer.criterion_id, None if answer.na else answer.points
        )
    return values


_SCORING_MESSAGES = {
    "na_not_allowed": lambda c: _("N/A is not allowed for “%(criterion)s”.") % {"criterion": c},
    "points_yes_no": lambda c: (
        _("“%(criterion)s” is yes/no: give 0 or its maximum points.") % {"criterion": c}
    ),
    "points_range": lambda c: (
        _("Points for “%(criterion)s” are outside 0 to its maximum.") % {"criterion": c}
    ),
    "points_not_whole": lambda c: _("Points for “%(criterion)s” must be a whole number.") % {"criterion": c},
    "unknown_criterion": lambda c: (
        _("Criterion %(criterion)s is not part of this scorecard version.") % {"criterion": c}
    ),
    "missing_answer": lambda c: (
        _("Every criterion needs an answer before submitting; “%(criterion)s” has none.") % {"criterion": c}
    ),
    "nothing_to_score": lambda c: _("Every criterion is N/A: there is nothing to score."),
}


def score_answers(
    version: ScorecardVersion, answers: Sequence[AnswerInput], *, require_all: bool
) -> scoring.ScoreResult:
    """Apply the scoring rules, turning a rule break into a translated ValidationFailed."""
    criteria = {c.pk: c for c in version.criteria.all()}
    try:
        return scoring.compute_score(
            _specs(version).values(), _answer_values(answers), version.pass_mark, require_all=require_all
        )
    except scoring.ScoringError as error:
        criterion = criteria.get(error.criterion_id)
        label = criterion.text if criterion else error.criterion_id
        raise ValidationFailed(_SCORING_MESSAGES[error.code](label), field="answers") from None


def preview_score(version: ScorecardVersion, answers: Sequence[AnswerInput]) -> scoring.ScoreResult | None:
    """The live score of a form being filled in; None while nothing scorable is answered."""
    try:
        return score_answers(version, answers, require_all=False)
    except ValidationFailed:
        return None


def _record(
    evaluation: Evaluation, *, by: User, action: str, from_status: str, note: str = "", previous=None
):
    EvaluationEvent.objects.create(
        evaluation=evaluation,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=evaluation.status,
        note=note,
        previous=previous,
    )


def _write_answers(evaluation: Evaluation, answers: Sequence[AnswerInput]) -> None:
    evaluation.answers.all().delete()
    Answer.objects.bulk_create(  # one insert for the whole form
        Answer(
            evaluation=evaluation,
            criterion_id=a.criterion_id,
            points=None if a.na else a.points,
            is_na=a.na,
            comment=(a.comment or "").strip(),
        )
        for a in answers
    )


def _apply_score(evaluation: Evaluation, result: scoring.ScoreResult | None) -> None:
    evaluation.score = result.score if result else None
    evaluation.passed = result.passed if result else None
    evaluation.critical_failed = result.critical_failed if result else False


@transaction.atomic
def evaluation_save(
    *,
    by: User,
    call: Call,
    version: ScorecardVersion,
    answers: Sequence[AnswerInput],
    comment: str = "",
    submit: bool = False,
    evaluation: Evaluation | None = None,
    calibration: CalibrationSession | None = None,
) -> Evaluation:
    """Create or update a draft evaluation; with ``submit`` every criterion must be answered.

    With ``calibration`` it is a participant's blind scoring in that session (calibration.py
    checks the session's rules); it never counts in the agent's results."""
    require_role(by, Role.QA_EVALUATOR, Role.QA_MANAGER)
    if evaluation is not None and evaluation.calibration_id is not None:
        calibration = evaluation.calibration
    if calibration is not None:
        # Taking part gives access to the session's call, whichever team it belongs to.
        calibration = calibration_rules.check_participant_may_score(
            session=calibration, by=by, call=call, version=version, evaluation=evaluation
        )
        call, version = calibration.call, calibration.scorecard_version
    elif not access.calls_for(by).filter(pk=call.pk).exists():
        raise NotFound(_("This call does not exist or is not yours to evaluate."))
    if evaluation is None:
        if version.status != VersionStatus.PUBLISHED:
            raise ValidationFailed(
                _("Only published scorecard versions can be used."), field="scorecard_version"
            )
        if version.scorecard.is_archived and calibration is None:
            raise ValidationFailed(_("This scorecard is archived."), field="scorecard_version")
        if (
            calibration is None
            and Evaluation.objects.regular().filter(call=call, scorecard_version=version).exists()
        ):
            raise ValidationFailed(
                _("This call already has an evaluation with this scorecard version."), field="call"
            )
    else:
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if evaluation.evaluator_id != by.pk:
            raise PermissionDenied(_("Only the evaluator who started this evaluation can change it."))
        if evaluation.status != EvaluationStatus.DRAFT:
            raise Conflict(_("This evaluation is already submitted and can no longer be edited."))
        version = evaluation.scorecard_version

    if submit:
        result = score_answers(version, answers, require_all=True)
    else:
        _check_only(version, answers)  # a draft may be incomplete, but every answer given must be valid
        result = preview_score(version, answers)

    created = evaluation is None
    if created:
        evaluation = Evaluation(
            call=call,
            scorecard_version=version,
            agent_id=call.agent_id,
            evaluator=by,
            calibration=calibration,
        )
    evaluation.comment = (comment or "").strip()
    _apply_score(evaluation, result)
    previous_status = evaluation.status if not created else ""
    if submit:
        evaluation.status = EvaluationStatus.SUBMITTED
        evaluation.submitted_at = timezone.now()
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError:
        if calibration is not None:  # a concurrent first save by the same participant
            raise Conflict(_("You have already scored this call in this calibration session.")) from None
        raise ValidationFailed(
            _("This call already has an evaluation with this scorecard version."), field="call"
        ) from None
    _write_answers(evaluation, answers)
    if created:
        _record(evaluation, by=by, action=EvaluationEvent.Action.CREATED, from_status="")
    if submit:
        _record(
            evaluation, by=by, action=EvaluationEvent.Action.SUBMITTED, from_status=previous_status or "draft"
        )
        if calibration is None:  # a calibration scoring does not take the call out of a queue
            Assignment.objects.filter(call=call, status=AssignmentStatus.PENDING).update(
                status=AssignmentStatus.DONE
            )
    return evaluation


def _check_only(version: ScorecardVersion, answers: Sequence[AnswerInput]) -> None:
    """Check each answer of a draft even when nothing is scorable yet (all N/A or empty)."""
    specs = _specs(version)
    criteria = {c.pk: c for c in version.criteria.all()}
    for criterion_id, value in _answer_values(answers).items():
        spec = specs.get(criterion_id)
        if spec is None:
            raise ValidationFailed(_SCORING_MESSAGES["unknown_criterion"](criterion_id), field="answers")
        try:
            scoring.check_answer(spec, value)
        except scoring.ScoringError as error:
            raise ValidationFailed(
                _SCORING_MESSAGES[error.code](criteria[criterion_id].text), field="answers"
            ) from None


@transaction.atomic
def evaluation_submit(*, by: User, evaluation: Evaluation) -> Evaluation:
    """Submit a draft as it stands."""
    answers = [AnswerInput(a.criterion_id, a.points, a.is_na, a.comment) for a in evaluation.answers.all()]
    return evaluation_save(
        by=by,
        call=evaluation.call,
        version=evaluation.scorecard_version,
        answers=answers,
        comment=evaluation.comment,
        submit=True,
        evaluation=evaluation,
    )


def _own_evaluation_locked(by: User, evaluation: Evaluation) -> Evaluation:
    """Lock the row (concurrent clicks) and make sure it is the agent's own, visible evaluation."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if (
        evaluation.agent_id != by.pk
        or evaluation.status == EvaluationStatus.DRAFT
        or evaluation.calibration_id is not None  # never shown to the agent (DESIGN.md §4)
    ):
        raise NotFound(_("This evaluation does not exist or is not yours."))
    return evaluation


@transaction.atomic
def evaluation_acknowledge(*, by: User, evaluation: Evaluation) -> Evaluation:
    """The agent has read the evaluation (or the dispute's outcome) and accepts it."""
    evaluation = _own_evaluation_locked(by, evaluation)
    allowed = (EvaluationStatus.SUBMITTED, EvaluationStatus.DISPUTE_UPHELD, EvaluationStatus.DISPUTE_REJECTED)
    if evaluation.status not in allowed:
        raise Conflict(_("This evaluation cannot be acknowledged in its current state."))
    previous = evaluation.status
    evaluation.status = EvaluationStatus.ACKNOWLEDGED
    evaluation.acknowledged_at = timezone.now()
    evaluation.save(update_fields=["status", "acknowledged_at", "updated_at"])
    _record(evaluation, by=by, action=EvaluationEvent.Action.ACKNOWLEDGED, from_status=previous)
    return evaluation


@transaction.atomic
def dispute_open(
    *, by: User, evaluation: Evaluation, reason: str, criterion_ids: Sequence[int] = ()
) -> Dispute:
    """The agent disputes the whole evaluation (no criteria) or specific answers, within the window."""
    evaluation = _own_evaluation_locked(by, evaluation)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Please give a reason for the dispute."), field="reason")
    if evaluation.status == EvaluationStatus.DISPUTED:
        raise Conflict(_("This evaluation already has an open dispute."))
    if evaluation.status != EvaluationStatus.SUBMITTED:
        raise Conflict(_("Only a submitted evaluation that you have not acknowledged can be disputed."))
    if timezone.now() > evaluation.submitted_at + dispute_window():
        raise ValidationFailed(
            _("The dispute window of %(days)s days has passed.") % {"days": settings.QA_DISPUTE_WINDOW_DAYS}
        )
    criterion_ids = list(dict.fromkeys(criterion_ids))
    valid = set(
        evaluation.scorecard_version.criteria.filter(pk__in=criterion_ids).values_list("pk", flat=True)
    )
    if len(valid) != len(criterion_ids):
        raise ValidationFailed(_("You can only dispute criteria of this evaluation."), field="criteria")
    dispute = Dispute.objects.create(evaluation=evaluation, raised_by=by, reason=reason)
    dispute.criteria.set(criterion_ids)
    evaluation.status = EvaluationStatus.DISPUTED
    evaluation.save(update_fields=["status", "updated_at"])
    _record(
        evaluation,
        by=by,
        action=EvaluationEvent.Action.DISPUTED,
        from_status=EvaluationStatus.SUBMITTED,
        note=reason,
    )
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    by: User,
    dispute: Dispute,
    outcome: str,
    note: str,
    answers: Sequence[AnswerInput] = (),
) -> Dispute:
    """A QA manager other than the evaluator upholds (with corrected answers) or rejects a dispute."""
    require_role(by, Role.QA_MANAGER)
    dispute = Dispute.objects.select_for_update().select_related("evaluation").get(pk=dispute.pk)
    evaluation = Evaluation.objects.select_for_update().get(pk=dispute.evaluation_id)
    if evaluation.evaluator_id == by.pk:
        raise PermissionDenied(
            _("You scored this evaluation; another QA manager must arbitrate the dispute.")
        )
    if dispute.status != DisputeStatus.OPEN:
        raise Conflict(_("This dispute has already been resolved."))
    if outcome not in (DisputeStatus.UPHELD, DisputeStatus.REJECTED):
        raise ValidationFailed(_("The outcome must be “upheld” or “rejected”."), field="outcome")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Please explain the decision."), field="note")

    previous_snapshot = None
    if outcome == DisputeStatus.UPHELD:
        current = {a.criterion_id: a for a in evaluation.answers.all()}
        corrected = {a.criterion_id: a for a in answers}
        if not corrected:
            raise ValidationFailed(
                _("Upholding a dispute needs at least one corrected answer."), field="answers"
            )
        unknown = set(corrected) - set(current)
        if unknown:
            raise ValidationFailed(_SCORING_MESSAGES["unknown_criterion"](min(unknown)), field="answers")
        changed = [
            cid
            for cid, a in corrected.items()
            if (current[cid].is_na, current[cid].points) != (a.na, None if a.na else a.points)
        ]
        if not changed:
            raise ValidationFailed(_("The corrected answers are the same as before."), field="answers")
        merged = [
            corrected.get(cid) or AnswerInput(cid, existing.points, existing.is_na, existing.comment)
            for cid, existing in current.items()
        ]
        result = score_answers(evaluation.scorecard_version, merged, require_all=True)
        previous_snapshot = {
            "score": str(evaluation.score),
            "passed": evaluation.passed,
            "critical_failed": evaluation.critical_failed,
            "answers": [
                {"criterion": a.criterion_id, "points": a.points, "na": a.is_na, "comment": a.comment}
                for a in current.values()
            ],
        }
        _write_answers(evaluation, merged)
        _apply_score(evaluation, result)
        evaluation.status = EvaluationStatus.DISPUTE_UPHELD
        action = EvaluationEvent.Action.DISPUTE_UPHELD
    else:
        evaluation.status = EvaluationStatus.DISPUTE_REJECTED
        action = EvaluationEvent.Action.DISPUTE_REJECTED

    evaluation.save()
    dispute.status = outcome
    dispute.resolved_by = by
    dispute.resolution_note = note
    dispute.resolved_at = timezone.now()
    dispute.save()
    _record(
        evaluation,
        by=by,
        action=action,
        from_status=EvaluationStatus.DISPUTED,
        note=note,
        previous=previous_snapshot,
    )
    return dispute


# --- Sampling ------------------------------------------------------------------------


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


@transaction.atomic
def sample_draw(
    *,
    by: User,
    version: ScorecardVersion,
    period_start: date,
    period_end: date,
    per_agent: int,
    evaluator_ids: Sequence[int],
    per_queue: bool = False,
    seed: int | None = None,
) -> SampleRun:
    """Draw k calls per agent (or per agent and queue) at random, excluding evaluated and queued calls,
    and deal them round-robin to the evaluators. The same seed on the same data draws the same sample."""
    require_role(by, Role.QA_MANAGER)
    if period_end < period_start:
        raise ValidationFailed(_("The period ends before it starts."), field="period_end")
    if not 1 <= per_agent <= 100:
        raise ValidationFailed(_("Calls per agent must be between 1 and 100."), field="per_agent")
    if version.status != VersionStatus.PUBLISHED or version.scorecard.is_archived:
        raise ValidationFailed(
            _("Choose a published version of an active scorecard."), field="scorecard_version"
        )
    evaluator_ids = list(dict.fromkeys(evaluator_ids))
    evaluators = list(User.objects.with_role(Role.QA_EVALUATOR).filter(pk__in=evaluator_ids).order_by("pk"))
    if not evaluator_ids or len(evaluators) != len(evaluator_ids):
        raise ValidationFailed(_("Choose one or more QA evaluators."), field="evaluators")
    seed = random.SystemRandom().randrange(1, 2**31) if seed is None else seed

    start, end = _period_bounds(period_start, period_end)
    candidates = (
        Call.objects.filter(started_at__gte=start, started_at__lt=end)
        # A calibration scoring does not make a call "evaluated": it can still be sampled.
        .exclude(pk__in=Evaluation.objects.regular().values("call_id"))
        .exclude(assignments__status=AssignmentStatus.PENDING)
        .order_by("agent_id", "queue", "pk")  # a fixed order, so the seed alone decides the draw
        .values_list("pk", "agent_id", "queue")
    )
    groups: dict[tuple, list[int]] = {}
    for pk, agent_id, queue in candidates:
        groups.setdefault((agent_id, queue if per_queue else ""), []).append(pk)

    rng = random.Random(seed)
    drawn: list[int] = []
    for key in sorted(groups):
        pool = groups[key]
        drawn.extend(rng.sample(pool, min(per_agent, len(pool))))
    if not drawn:
        raise ValidationFailed(_("No calls left to sample in this period."), field="period_start")

    run = SampleRun.objects.create(
        created_by=by,
        scorecard_version=version,
        period_start=period_start,
        period_end=period_end,
        per_agent=per_agent,
        per_queue=per_queue,
        seed=seed,
    )
    Assignment.objects.bulk_create(
        Assignment(sample=run, call_id=call_id, evaluator=evaluators[index % len(evaluators)])
        for index, call_id in enumerate(drawn)
    )
    return run


def assignment_for(call: Call, evaluator: User) -> Assignment | None:
    return Assignment.objects.filter(call=call, evaluator=evaluator, status=AssignmentStatus.PENDING).first()
