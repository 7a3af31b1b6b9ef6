"""Role and scope checks that every app uses.

Roles are Django groups named after ``Role`` values. A superuser counts as an
administrator. Pages use ``role_required``; the API uses ``HasRole`` /
``ReadOnlyOrRole``; services call ``require_role``. Object-level scope (whose
evaluations, which department's tickets) is decided per app with the helpers
at the bottom, in one place per app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission

from qa_center.errors import PermissionDenied

from .roles import Role

_ROLE_CACHE_ATTR = "_qa_center_roles"


def roles_of(user) -> frozenset[str]:
    """The user's role names, read once per request and kept on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _ROLE_CACHE_ATTR, None)
    if cached is None:
        names = {group.name for group in user.groups.all()} & set(Role.values)
        if user.is_superuser:
            names.add(Role.ADMIN)
        cached = frozenset(names)
        setattr(user, _ROLE_CACHE_ATTR, cached)
    return cached


def forget_roles(user) -> None:
    """Drop the cached roles after the user's groups changed."""
    if hasattr(user, _ROLE_CACHE_ATTR):
        delattr(user, _ROLE_CACHE_ATTR)


def has_role(user, *roles: str) -> bool:
    """True if the user holds at least one of ``roles``."""
    return not roles_of(user).isdisjoint(roles)


def require_role(user, *roles: str) -> None:
    """Raise a domain PermissionDenied unless the user holds one of ``roles``."""
    if not has_role(user, *roles):
        raise PermissionDenied(_("Your role does not allow this action."))


def role_required(*roles: str) -> Callable:
    """Page decorator: sign-in required, then one of ``roles`` (else the 403 page)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise DjangoPermissionDenied(_("Your role does not allow you to open this page."))
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


class HasRole(BasePermission):
    """DRF permission: the user holds one of ``roles``. Use ``HasRole.of(...)``."""

    roles: tuple[str, ...] = ()
    message = gettext_lazy("Your role does not allow this action.")

    @classmethod
    def of(cls, *roles: str) -> type[HasRole]:
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": roles})

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, *self.roles)


class ReadOnlyOrRole(HasRole):
    """DRF permission: any signed-in user may read; only ``roles`` may write."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return has_role(request.user, *self.roles)


# --- Object scope helpers ----------------------------------------------------


def is_same_user(user, other) -> bool:
    return user.is_authenticated and other is not None and user.pk == other.pk


def leads_team_of(user, agent) -> bool:
    """True if ``user`` is the team lead of ``agent``'s team."""
    team = getattr(agent, "team", None)
    return team is not None and team.lead_id == user.pk


def in_same_team(user, agent) -> bool:
    return user.team_id is not None and user.team_id == getattr(agent, "team_id", None)


def department_ids_of(user) -> set[int]:
    """Ids of the business departments the user is a member of."""
    if not user.is_authenticated:
        return set()
    return set(user.departments.values_list("pk", flat=True))


def is_department_member(user, department_id: int | None) -> bool:
    return department_id is not None and department_id in department_ids_of(user)


def roles_display(role_names: Iterable[str]) -> list[str]:
    """Translated role labels, in the fixed order of ``Role``."""
    return [str(label) for value, label in Role.choices if value in set(role_names)]
