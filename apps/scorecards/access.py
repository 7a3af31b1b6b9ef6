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

from apps.accounts.permissions import has_role
from apps.accounts.roles import Role
from qa_center.masking import mask_phone  # noqa: F401 - part of this module's interface

from .models import VISIBLE_TO_AGENT, AssignmentStatus, Call, Evaluation

QA_STAFF = (Role.QA_EVALUATOR, Role.QA_MANAGER)
QA_USERS = (Role.AGENT, Role.QA_EVALUATOR, Role.QA_MANAGER)


def evaluations_for(user, queryset: QuerySet[Evaluation] | None = None) -> QuerySet[Evaluation]:
    queryset = Evaluation.objects.all() if queryset is None else queryset
    if has_role(user, Role.QA_MANAGER):
        return queryset
    scope = Q(pk__in=[])
    if has_role(user, Role.QA_EVALUATOR):
        # Their own work in any state; their teams' evaluations once submitted (a draft is its author's).
        scope |= Q(evaluator=user) | Q(agent__team__evaluators=user, status__in=VISIBLE_TO_AGENT)
    if has_role(user, Role.AGENT):
        scope |= Q(agent=user, status__in=VISIBLE_TO_AGENT)
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
