"""The sections of the home page's "My work" list.

Each section names the roles it is for and a provider that returns the
user's items (at most ``limit`` of them, in a constant number of queries).
Apps register their sections here as they arrive; a section whose provider is
not built yet shows its empty state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.accounts import selectors as account_selectors
from apps.accounts.permissions import has_role
from apps.accounts.roles import Role


@dataclass(frozen=True)
class WorkItem:
    title: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    roles: tuple[str, ...]
    empty_text: str | Promise
    provider: Callable[..., list[WorkItem]] | None = None

    def items_for(self, user, limit: int) -> list[WorkItem]:
        return self.provider(user, limit) if self.provider else []


def _users_without_role(user, limit: int) -> list[WorkItem]:
    return [
        WorkItem(title=u.name, url=reverse("admin:accounts_user_change", args=[u.pk]), detail=u.username)
        for u in account_selectors.users_without_role()[:limit]
    ]


SECTIONS: tuple[Section, ...] = (
    Section(
        "my_evaluations", _("My evaluations to review"), (Role.AGENT,), _("No evaluations waiting for you.")
    ),
    Section("calls_to_score", _("Calls to score"), (Role.QA_EVALUATOR,), _("Your scoring queue is empty.")),
    Section("disputes", _("Disputes to arbitrate"), (Role.QA_MANAGER,), _("No open disputes.")),
    Section(
        "my_tickets",
        _("Complaint cases with me"),
        (Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER),
        _("No complaint cases are waiting for you."),
    ),
    Section(
        "department_tickets",
        _("Cases for my department"),
        (Role.DEPARTMENT_STAFF,),
        _("No cases are routed to your department."),
    ),
    Section(
        "my_projects",
        _("My improvement projects"),
        (Role.IMPROVEMENT_MEMBER,),
        _("You are not on an active improvement project."),
    ),
    Section(
        "users_without_role",
        _("Accounts without a role"),
        (Role.ADMIN,),
        _("Every active account has a role."),
        provider=_users_without_role,
    ),
)


def sections_for(user, limit: int = 10) -> list[dict]:
    """The user's sections with their items, in the order declared above."""
    return [
        {"key": s.key, "title": s.title, "empty_text": s.empty_text, "items": s.items_for(user, limit)}
        for s in SECTIONS
        if has_role(user, *s.roles)
    ]
