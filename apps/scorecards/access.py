"""Who sees which QA data: the one place where scorecards' object scope is decided.

- qa_manager: all QA data.
- qa_evaluator: evaluations they made (drafts included), submitted evaluations
  of agents in teams they evaluate (Team.evaluators), and calls of those teams
  or in their queue.
- agent: submitted evaluations of their own calls, never drafts.
- every other role: no QA data.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.models import Team, User
from apps.accounts.permissions import has_role
from apps.accounts.roles import Role
from qa_center.masking import mask_phone  # noqa: F401 - part of this module's interface

from .models import VISIBLE_TO_AGENT, AssignmentStatus, CalibrationSession, Call, CoachingSession, Evaluation

QA_STAFF = (Role.QA_EVALUATOR, Role.QA_MANAGER)
QA_USERS = (Role.AGENT, Role.QA_EVALUATOR, Role.QA_MANAGER)


def evaluations_for(user, queryset: QuerySet[Evaluation] | None = None) -> QuerySet[Evaluation]:
    """Evaluations the user may open. Calibration scorings are only their own evaluator's: the
    session is blind, and they never count in an agent's results (sessions show them once closed)."""
    queryset = Evaluation.objects.all() if queryset is None else queryset
    regular = Q(calibration__isnull=True)
    if has_role(user, Role.QA_MANAGER):
        return queryset.filter(regular | Q(evaluator=user))
    scope = Q(pk__in=[])
    if has_role(user, Role.QA_EVALUATOR):
        # Their own work in any state; their teams' evaluations once submitted (a draft is its author's).
        scope |= Q(evaluator=user) | Q(
            agent__team__evaluators=user, status__in=VISIBLE_TO_AGENT, calibration__isnull=True
        )
    if has_role(user, Role.AGENT):
        scope |= Q(agent=user, status__in=VISIBLE_TO_AGENT, calibration__isnull=True)
    # distinct(): the team-evaluators join can match one row more than once.
    return queryset.filter(scope).distinct() if has_role(user, Role.QA_EVALUATOR) else queryset.filter(scope)


def calls_for(user, queryset: QuerySet[Call] | None = None) -> QuerySet[Call]:
    queryset = Call.objects.all() if queryset is None else queryset
    if has_role(user, Role.QA_MANAGER):
        return queryset
    if has_role(user, Role.QA_EVALUATOR):
        scope = Q(agent__team__evaluators=user) | Q(
            assignments__evaluator=user, assignments__status=AssignmentStatus.PENDING
        )
        return queryset.filter(scope).distinct()
    return queryset.none()


def sees_full_phone_numbers(user) -> bool:
    """Customer numbers are shown in full to QA staff only; everyone else sees them masked."""
    return has_role(user, *QA_STAFF)


# --- Calibration ---------------------------------------------------------------------------


def calibrations_for(
    user, queryset: QuerySet[CalibrationSession] | None = None
) -> QuerySet[CalibrationSession]:
    """QA managers see every session; evaluators the sessions they take part in; nobody else any."""
    queryset = CalibrationSession.objects.all() if queryset is None else queryset
    if has_role(user, Role.QA_MANAGER):
        return queryset
    if has_role(user, Role.QA_EVALUATOR):
        return queryset.filter(
            pk__in=CalibrationSession.participants.through.objects.filter(user=user).values(
                "calibrationsession_id"
            )
        )
    return queryset.none()


def sees_calibration_results(user, session: CalibrationSession) -> bool:
    """Blind until closed: nobody, participants and managers included, sees others' scores before."""
    return session.is_closed and calibrations_for(user).filter(pk=session.pk).exists()


# --- Coaching ------------------------------------------------------------------------------


def is_coach(user) -> bool:
    """QA evaluators, QA managers and team leads coach."""
    if not user.is_authenticated:
        return False
    return has_role(user, Role.QA_EVALUATOR, Role.QA_MANAGER) or user.led_teams.exists()


def _covered_team_ids(user) -> set[int]:
    cached = getattr(user, "_qa_covered_team_ids", None)
    if cached is None:
        cached = set(Team.objects.filter(Q(lead=user) | Q(evaluators=user)).values_list("pk", flat=True))
        user._qa_covered_team_ids = cached
    return cached


def may_coach(user, agent) -> bool:
    """QA managers coach anyone; evaluators and team leads the agents of the teams they cover."""
    if has_role(user, Role.QA_MANAGER):
        return True
    return agent.team_id is not None and agent.team_id in _covered_team_ids(user)


def coachable_agents(user) -> QuerySet[User]:
    """Active agents the user may coach (may_coach as a query): the coaching form's choices."""
    agents = User.objects.with_role(Role.AGENT).filter(is_active=True)
    if has_role(user, Role.QA_MANAGER):
        return agents
    return agents.filter(team_id__in=_covered_team_ids(user))


def coaching_for(user, queryset: QuerySet[CoachingSession] | None = None) -> QuerySet[CoachingSession]:
    """Agents see their own sessions; coaches the sessions of agents in teams they cover (and
    those they held); QA managers all."""
    queryset = CoachingSession.objects.all() if queryset is None else queryset
    if has_role(user, Role.QA_MANAGER):
        return queryset
    scope = Q(agent=user)
    if is_coach(user):
        scope |= Q(coach=user) | Q(agent__team_id__in=_covered_team_ids(user))
    return queryset.filter(scope)
