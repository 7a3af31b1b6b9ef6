"""Read-side queries for QA: lists with their query shape stated, filters, queues, open disputes."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from .access import calibrations_for, calls_for, coaching_for, evaluations_for
from .models import (
    Answer,
    Assignment,
    AssignmentStatus,
    CalibrationScore,
    CalibrationSession,
    CalibrationStatus,
    Call,
    CoachingAction,
    CoachingComment,
    CoachingSession,
    CoachingStatus,
    Criterion,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationStatus,
    Scorecard,
    ScorecardVersion,
    Section,
)


def scorecards_list(*, include_archived: bool = True) -> QuerySet[Scorecard]:
    """Scorecards with their current version and its sections and criteria: four queries."""
    queryset = Scorecard.objects.select_related("current_version").annotate(
        version_count=Count("versions", distinct=True)
    )
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    return queryset.prefetch_related(
        Prefetch(
            "current_version__sections",
            queryset=Section.objects.prefetch_related(
                Prefetch("criteria", queryset=Criterion.objects.order_by("position", "id"))
            ),
        )
    ).order_by("name")


def versions_with_content(scorecard: Scorecard) -> QuerySet[ScorecardVersion]:
    """Every version of a scorecard, newest first, with sections and criteria: three queries."""
    return scorecard.versions.prefetch_related(
        Prefetch(
            "sections",
            queryset=Section.objects.prefetch_related(
                Prefetch("criteria", queryset=Criterion.objects.order_by("position", "id"))
            ),
        )
    ).order_by("-number")


def version_with_content(version_id: int) -> ScorecardVersion:
    return (
        ScorecardVersion.objects.select_related("scorecard")
        .prefetch_related(
            Prefetch(
                "sections",
                queryset=Section.objects.prefetch_related(
                    Prefetch("criteria", queryset=Criterion.objects.order_by("position", "id"))
                ),
            )
        )
        .get(pk=version_id)
    )


def calls_list(user) -> QuerySet[Call]:
    """Calls the user may see, with agent and team, newest first: one query plus the count."""
    return (
        calls_for(user)
        .select_related("agent", "agent__team")
        # Calibration scorings do not make a call evaluated (DESIGN.md §4).
        .annotate(
            evaluation_count=Count(
                "evaluations", filter=Q(evaluations__calibration__isnull=True), distinct=True
            )
        )
        # Stated again: Meta.ordering does not apply to a GROUP BY query like this annotated one.
        .order_by("-started_at", "-id")
    )


def evaluations_list(user, *, with_answers: bool = True) -> QuerySet[Evaluation]:
    """Evaluations the user may see, with what list pages and the API show: constant queries."""
    queryset = evaluations_for(user).select_related(
        "call", "agent", "agent__team", "evaluator", "scorecard_version", "scorecard_version__scorecard"
    )
    if with_answers:
        queryset = queryset.prefetch_related(
            Prefetch(
                "answers",
                queryset=Answer.objects.select_related("criterion").order_by(
                    "criterion__section__position", "criterion__position", "criterion_id"
                ),
            )
        )
    return queryset


def filter_evaluations(
    queryset: QuerySet[Evaluation],
    *,
    agent: int | None = None,
    team: int | None = None,
    evaluator: int | None = None,
    scorecard: int | None = None,
    status: str | None = None,
    passed: bool | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Evaluation]:
    """The filters of the evaluation list page and its CSV exports."""
    if agent:
        queryset = queryset.filter(agent_id=agent)
    if team:
        queryset = queryset.filter(agent__team_id=team)
    if evaluator:
        queryset = queryset.filter(evaluator_id=evaluator)
    if scorecard:
        queryset = queryset.filter(scorecard_version__scorecard_id=scorecard)
    if status:
        queryset = queryset.filter(status=status)
    if passed is not None:
        queryset = queryset.filter(passed=passed)
    if date_from:
        queryset = queryset.filter(call__started_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(call__started_at__date__lte=date_to)
    return queryset


def queue_for(user) -> QuerySet[Assignment]:
    """The evaluator's calls waiting to be scored, oldest call first."""
    return (
        Assignment.objects.filter(evaluator=user, status=AssignmentStatus.PENDING)
        .select_related("call", "call__agent", "sample__scorecard_version__scorecard")
        .order_by("call__started_at", "id")
    )


def drafts_for(user) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.filter(evaluator=user, status=EvaluationStatus.DRAFT)
        .select_related("call", "agent", "scorecard_version__scorecard")
        .order_by("-updated_at")
    )


def disputes_for(user) -> QuerySet[Dispute]:
    """Disputes on evaluations the user may see, oldest open first."""
    visible = evaluations_for(user).values("pk")
    return (
        Dispute.objects.filter(evaluation__in=visible)
        .select_related(
            "evaluation",
            "evaluation__agent",
            "evaluation__evaluator",
            "evaluation__call",
            "raised_by",
            "resolved_by",
        )
        .prefetch_related("criteria")
        .order_by("status", "created_at", "id")
    )


def open_disputes_for(user) -> QuerySet[Dispute]:
    return disputes_for(user).filter(status=DisputeStatus.OPEN)


def agent_evaluations_to_review(user) -> QuerySet[Evaluation]:
    """The agent's evaluations that wait for them: acknowledge or dispute."""
    return (
        Evaluation.objects.regular()
        .filter(
            agent=user,
            status__in=[
                EvaluationStatus.SUBMITTED,
                EvaluationStatus.DISPUTE_UPHELD,
                EvaluationStatus.DISPUTE_REJECTED,
            ],
        )
        .select_related("call", "scorecard_version__scorecard")
        .order_by("-submitted_at")
    )


def agent_summary(user) -> dict:
    """Counts for an agent's own results, done in the database."""
    return (
        Evaluation.objects.submitted()
        .filter(agent=user)
        .aggregate(total=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
    )


def failed_criteria_counts(start: date, end: date, *, scorecard: int | None = None) -> list[tuple[str, int]]:
    """How often each criterion was failed (scored below its maximum, N/A aside) in evaluations
    submitted in [start, end], most first: a TQM count source. Criteria with the same text in
    several scorecard versions count together, as a reader of the Pareto would expect.
    ``scorecard`` (an id) keeps the evaluations of that scorecard's versions only (the reports' Pareto)."""
    answers = Answer.objects.all()
    if scorecard is not None:
        answers = answers.filter(evaluation__scorecard_version__scorecard_id=scorecard)
    rows = (
        answers.filter(
            evaluation__status__in=[s for s in EvaluationStatus.values if s != EvaluationStatus.DRAFT],
            evaluation__calibration__isnull=True,
            evaluation__submitted_at__date__gte=start,
            evaluation__submitted_at__date__lte=end,
            is_na=False,
            points__lt=F("criterion__max_points"),
        )
        .values("criterion__text")
        .annotate(n=Count("id"))
        .order_by("-n", "criterion__text")
    )
    return [(row["criterion__text"], row["n"]) for row in rows]


# --- Calibration ---------------------------------------------------------------------------


def calibrations_list(user) -> QuerySet[CalibrationSession]:
    """Sessions the user may see, with what lists and the API show: a fixed number of queries."""
    return (
        calibrations_for(user)
        .select_related("call__agent", "scorecard_version__scorecard", "reference", "created_by")
        .prefetch_related(
            "participants",
            Prefetch(
                "evaluations",
                queryset=Evaluation.objects.only("pk", "calibration_id", "evaluator_id", "submitted_at"),
            ),
            Prefetch("scores", queryset=CalibrationScore.objects.select_related("evaluator")),
        )
        .annotate(
            participant_count=Count("participants", distinct=True),
            submitted_count=Count(
                "evaluations", filter=Q(evaluations__submitted_at__isnull=False), distinct=True
            ),
        )
        .order_by("-created_at", "-id")
    )


def overdue_calibrations(user) -> QuerySet[CalibrationSession]:
    """Open sessions past their deadline that still miss a participant's submission."""
    return (
        calibrations_list(user)
        .filter(status=CalibrationStatus.OPEN, deadline__lt=timezone.now())
        .filter(submitted_count__lt=F("participant_count"))
        .order_by("deadline", "id")
    )


def calibrations_to_score(user) -> QuerySet[CalibrationSession]:
    """Open sessions the user takes part in and has not submitted to yet ("my work")."""
    submitted = Evaluation.objects.filter(
        evaluator=user, calibration__isnull=False, submitted_at__isnull=False
    )
    return (
        CalibrationSession.objects.filter(status=CalibrationStatus.OPEN, participants=user)
        .exclude(pk__in=submitted.values("calibration_id"))
        .select_related("call", "scorecard_version__scorecard")
        .order_by("deadline", "id")
    )


def calibration_history(evaluator) -> QuerySet[CalibrationScore]:
    """An evaluator's results in closed sessions, newest first (the history page)."""
    return (
        CalibrationScore.objects.filter(evaluator=evaluator)
        .select_related("session__call", "session__scorecard_version__scorecard", "session__reference")
        .order_by("-session__closed_at", "-session_id")
    )


# --- Coaching ------------------------------------------------------------------------------


def coaching_list(user, *, scoped: bool = True) -> QuerySet[CoachingSession]:
    queryset = coaching_for(user) if scoped else CoachingSession.objects.all()
    return (
        queryset.select_related("agent", "coach")
        .prefetch_related(
            Prefetch("actions", queryset=CoachingAction.objects.order_by("due_on", "id")),
            Prefetch("comments", queryset=CoachingComment.objects.select_related("author")),
            "evaluations",
        )
        .order_by("-held_on", "-id")
    )


def follow_ups_due(user, today: date | None = None) -> QuerySet[CoachingSession]:
    """The coach's sessions whose follow-up date has come and that are not followed up yet."""
    today = today or timezone.localdate()
    return (
        CoachingSession.objects.filter(coach=user, followed_up_at__isnull=True, follow_up_on__lte=today)
        .select_related("agent")
        .order_by("follow_up_on", "id")
    )


def coaching_to_sign_off(user) -> QuerySet[CoachingSession]:
    """The agent's sessions waiting for their sign-off."""
    return (
        CoachingSession.objects.filter(agent=user, status=CoachingStatus.OPEN)
        .select_related("coach")
        .order_by("held_on", "id")
    )
