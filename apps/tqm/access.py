"""Who sees and who edits which improvement project: the one place for TQM's object scope.

- the project's leader and members edit it (while it is open); the leader also steps back,
  puts on hold, resumes and cancels;
- the sponsor reads it and may put it on hold, resume or cancel it (the executive who unblocks);
- the owner of a selected action reads its project (they may be outside the team, and report
  the action's progress there: it is listed in their "my work");
- QA managers, duty managers, administrators, improvement-team members and anyone who sponsors a
  project read every project — learning from other teams' projects is part of TQM;
- everyone else sees no projects.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.permissions import has_role
from apps.accounts.roles import Role

from .models import Countermeasure, Project

READ_ALL_ROLES = (Role.QA_MANAGER, Role.DUTY_MANAGER, Role.ADMIN, Role.IMPROVEMENT_MEMBER)
CREATOR_ROLES = (Role.IMPROVEMENT_MEMBER, Role.QA_MANAGER, Role.ADMIN)


def _is_sponsor_anywhere(user) -> bool:
    cached = getattr(user, "_tqm_is_sponsor", None)
    if cached is None:
        cached = Project.objects.filter(sponsor=user).exists()
        user._tqm_is_sponsor = cached
    return cached


def reads_all(user) -> bool:
    return user.is_authenticated and (has_role(user, *READ_ALL_ROLES) or _is_sponsor_anywhere(user))


def projects_for(user, queryset: QuerySet[Project] | None = None) -> QuerySet[Project]:
    queryset = Project.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if reads_all(user):
        return queryset
    # Team members without a reading role still see their own projects (an IN, not a join, so
    # the list needs no DISTINCT).
    mine = Project.objects.filter(members=user).values("pk")
    owned = Countermeasure.objects.filter(owner=user, selected=True).values("project")
    return queryset.filter(Q(leader=user) | Q(sponsor=user) | Q(pk__in=mine) | Q(pk__in=owned))


def can_see(user, project: Project) -> bool:
    return projects_for(user).filter(pk=project.pk).exists()


def is_leader(user, project: Project) -> bool:
    return user.is_authenticated and project.leader_id == user.pk


def is_team_member(user, project: Project) -> bool:
    """Leader or member: the people who edit the project's artefacts."""
    if not user.is_authenticated:
        return False
    if project.leader_id == user.pk:
        return True
    return project.members.filter(pk=user.pk).exists()


def may_edit(user, project: Project) -> bool:
    return not project.is_closed and is_team_member(user, project)


def may_manage_status(user, project: Project) -> bool:
    """Hold, resume, cancel: the leader and the sponsor."""
    return user.is_authenticated and user.pk in (project.leader_id, project.sponsor_id)


def may_create(user) -> bool:
    return has_role(user, *CREATOR_ROLES)
