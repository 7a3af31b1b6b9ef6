"""Who sees which operations figures: the one place for the metrics app's scope.

- QA managers, duty managers and administrators see every agent, team and queue;
- a team lead sees the agents of the teams they lead (and those teams);
- an agent sees their own figures and rank;
- everyone else sees nothing.
Importing figures, editing targets, ranking weights and ability scores: QA managers, duty managers
and administrators.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.models import Team, User
from apps.accounts.permissions import has_role
from apps.accounts.roles import Role

from .models import DailyFigure

MANAGER_ROLES = (Role.QA_MANAGER, Role.DUTY_MANAGER, Role.ADMIN)


def sees_all(user) -> bool:
    return has_role(user, *MANAGER_ROLES)


def may_manage(user) -> bool:
    """Import figures, edit targets, weights and ability scores."""
    return has_role(user, *MANAGER_ROLES)


def led_team_ids(user) -> set[int]:
    cached = getattr(user, "_metrics_led_team_ids", None)
    if cached is None:
        cached = (
            set(Team.objects.filter(lead=user).values_list("pk", flat=True))
            if user.is_authenticated
            else set()
        )
        user._metrics_led_team_ids = cached
    return cached


def may_use_metrics(user) -> bool:
    """Anyone with figures to see: managers, team leads, agents."""
    return user.is_authenticated and (
        sees_all(user) or bool(led_team_ids(user)) or has_role(user, Role.AGENT)
    )


def agents_for(user) -> QuerySet[User]:
    """The agents whose figures the user may see."""
    agents = User.objects.all()
    if sees_all(user):
        return agents
    scope = Q(pk=user.pk) if has_role(user, Role.AGENT) else Q(pk__in=[])
    teams = led_team_ids(user)
    if teams:
        scope |= Q(team_id__in=teams)
    return agents.filter(scope)


def teams_for(user) -> QuerySet[Team]:
    if sees_all(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=led_team_ids(user))


def figures_for(user, queryset: QuerySet[DailyFigure] | None = None) -> QuerySet[DailyFigure]:
    queryset = DailyFigure.objects.all() if queryset is None else queryset
    if sees_all(user):
        return queryset
    scope = Q(agent=user) if has_role(user, Role.AGENT) else Q(pk__in=[])
    teams = led_team_ids(user)
    if teams:
        scope |= Q(agent__team_id__in=teams)
    return queryset.filter(scope)


def may_see_agent(user, agent) -> bool:
    return (
        sees_all(user)
        or agent.pk == user.pk
        and has_role(user, Role.AGENT)
        or agent.team_id in led_team_ids(user)
    )


def may_see_team(user, team) -> bool:
    return sees_all(user) or team.pk in led_team_ids(user)
