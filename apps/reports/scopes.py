"""What a chart is about: everyone (``global``) or one team, agent, department, scorecard or project.

A scope is written ``global`` or ``<type>:<id>`` (``team:3``) in URLs, the API and task arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

GLOBAL = "global"
TEAM = "team"
AGENT = "agent"
DEPARTMENT = "department"
SCORECARD = "scorecard"
PROJECT = "project"
SCOPE_TYPES = (GLOBAL, TEAM, AGENT, DEPARTMENT, SCORECARD, PROJECT)


@dataclass(frozen=True)
class Scope:
    type: str
    id: int | None = None

    @property
    def key(self) -> str:
        return GLOBAL if self.type == GLOBAL else f"{self.type}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        """``global`` or ``<type>:<positive id>``; ValueError otherwise."""
        text = (text or "").strip()
        if text == GLOBAL:
            return cls(GLOBAL)
        kind, sep, raw_id = text.partition(":")
        if not sep or kind not in SCOPE_TYPES or kind == GLOBAL or not raw_id.isdigit() or int(raw_id) < 1:
            raise ValueError(f"{text!r} is not a scope")
        return cls(kind, int(raw_id))

    def __str__(self) -> str:
        return self.key


GLOBAL_SCOPE = Scope(GLOBAL)


def _model_for(scope_type: str):
    from apps.accounts.models import Department, Team, User
    from apps.scorecards.models import Scorecard
    from apps.tqm.models import Project

    return {TEAM: Team, AGENT: User, DEPARTMENT: Department, SCORECARD: Scorecard, PROJECT: Project}[
        scope_type
    ]


def exists(scope: Scope) -> bool:
    """Whether the team, agent, … a scope names exists (``global`` always does)."""
    if scope.type == GLOBAL:
        return True
    return _model_for(scope.type).objects.filter(pk=scope.id).exists()


def everyone() -> str:
    """The name of the global scope, in the current language."""
    return _("Everyone")


def label(scope: Scope) -> str:
    """The stored name of the team, agent, … a scope names; "" for global (translated when shown)."""
    if scope.type == GLOBAL:
        return ""
    obj = _model_for(scope.type).objects.filter(pk=scope.id).first()
    if obj is None:
        return scope.key
    return getattr(obj, "title", None) or str(obj)
