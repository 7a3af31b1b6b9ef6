"""Who sees which charts: the one place for the reports app's scope.

A user's grants say which kinds (by family) they see and for which scopes:

- QA charts (team trends, p-charts, failed-criteria Paretos): QA evaluators, QA managers and
  administrators see all; a team lead sees the teams they lead and their agents; an agent sees their
  own team's charts and their own;
- calibration charts: QA evaluators, QA managers, administrators;
- complaint charts: duty managers, difficult-case experts, QA managers and administrators see all;
  department staff only the charts of their own departments;
- KPI and ranking charts: QA managers, duty managers and administrators see all (metrics.access);
  a team lead sees the teams they lead; agents do not see their colleagues' figures;
- TQM charts: the projects the user may see (tqm.access).

``visible_snapshots`` turns the grants into one database filter; ``can_view`` checks one chart with the
same grants, so the list, the images and "regenerate" never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.accounts.permissions import department_ids_of, has_role
from apps.accounts.roles import Role

from . import kinds
from .kinds.base import CALIBRATION, COMPLAINTS, METRICS, QA, TQM, ChartKind
from .models import ChartSnapshot
from .scopes import AGENT, DEPARTMENT, PROJECT, TEAM, Scope

ALL = None  # a grant's ids: every scope of the type


@dataclass(frozen=True)
class Grant:
    families: frozenset[str]
    scope_type: str | None  # None: every scope type
    ids: object = ALL  # None (all), a set of ids, or a queryset of ids

    def covers(self, kind: ChartKind, scope: Scope) -> bool:
        if kind.family not in self.families:
            return False
        if self.scope_type is None:
            return True
        if scope.type != self.scope_type:
            return False
        if self.ids is ALL:
            return True
        if isinstance(self.ids, QuerySet):
            return self.ids.filter(pk=scope.id).exists()
        return scope.id in self.ids

    def as_q(self) -> Q:
        names = [kind.name for family in self.families for kind in kinds.of_family(family)]
        q = Q(kind__in=names)
        if self.scope_type is not None:
            q &= Q(scope_type=self.scope_type)
            if self.ids is not ALL:
                q &= Q(scope_id__in=self.ids)
        return q


def _team_ids_led_by(user) -> set[int]:
    from apps.metrics.access import led_team_ids

    return led_team_ids(user)


def grants_for(user) -> list[Grant]:
    """The user's grants, worked out once per request and kept on the user object."""
    cached = getattr(user, "_reports_grants", None)
    if cached is None:
        cached = _grants(user)
        if user.is_authenticated:
            user._reports_grants = cached
    return cached


def _grants(user) -> list[Grant]:
    if not user.is_authenticated:
        return []
    grants: list[Grant] = []
    everything = None  # every scope type

    if has_role(user, Role.ADMIN):
        return [Grant(frozenset(kinds.FAMILIES), everything)]
    if has_role(user, Role.QA_EVALUATOR, Role.QA_MANAGER):
        grants.append(Grant(frozenset({QA, CALIBRATION}), everything))
    if has_role(user, Role.DUTY_MANAGER, Role.EXPERT, Role.QA_MANAGER):
        grants.append(Grant(frozenset({COMPLAINTS}), everything))
    elif has_role(user, Role.DEPARTMENT_STAFF):
        grants.append(Grant(frozenset({COMPLAINTS}), DEPARTMENT, department_ids_of(user)))

    from apps.metrics.access import sees_all as sees_all_metrics

    led = _team_ids_led_by(user)
    if sees_all_metrics(user):
        grants.append(Grant(frozenset({METRICS}), everything))
    elif led:
        grants.append(Grant(frozenset({METRICS}), TEAM, led))
    if led and not has_role(user, Role.QA_EVALUATOR, Role.QA_MANAGER):
        from apps.accounts.models import User

        grants.append(Grant(frozenset({QA}), TEAM, led))
        grants.append(Grant(frozenset({QA}), AGENT, User.objects.filter(team_id__in=led).values("pk")))
    if has_role(user, Role.AGENT) and not has_role(user, Role.QA_EVALUATOR, Role.QA_MANAGER):
        if user.team_id:
            grants.append(Grant(frozenset({QA}), TEAM, {user.team_id}))
        grants.append(Grant(frozenset({QA}), AGENT, {user.pk}))

    from apps.tqm.access import projects_for, reads_all

    if reads_all(user):
        grants.append(Grant(frozenset({TQM}), PROJECT))
    else:
        grants.append(Grant(frozenset({TQM}), PROJECT, projects_for(user).values("pk")))
    return grants


def visible_snapshots(user, queryset: QuerySet[ChartSnapshot] | None = None) -> QuerySet[ChartSnapshot]:
    queryset = ChartSnapshot.objects.all() if queryset is None else queryset
    q = Q(pk__in=[])
    for grant in grants_for(user):
        q |= grant.as_q()
    return queryset.filter(q)


def can_view(user, kind: ChartKind, scope: Scope) -> bool:
    return any(grant.covers(kind, scope) for grant in grants_for(user))


def visible_kinds(user) -> list[ChartKind]:
    """Kinds the user sees at least one scope of (for the API's and pages' kind filters)."""
    families = {family for grant in grants_for(user) for family in grant.families}
    return [kind for kind in kinds.registry().values() if kind.family in families]


def may_use_reports(user) -> bool:
    return bool(visible_kinds(user)) and any(
        grant.scope_type is None or grant.ids is ALL or _non_empty(grant.ids) for grant in grants_for(user)
    )


def _non_empty(ids: Iterable) -> bool:
    if isinstance(ids, QuerySet):
        return ids.exists()
    return bool(ids)
