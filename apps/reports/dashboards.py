"""The dashboards: whom each one is for, what its filter offers, and which charts it shows.

Who may see a chart (a kind for a scope) is decided in access.py alone: every filter choice and every
card here is passed through ``access.can_view``. This module only says which charts belong together on
which page — QA, complaints, improvement projects, the management overview, an agent's own — and
which page suits whom, so that /reports/ opens the right one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.accounts.permissions import has_role
from apps.accounts.roles import Role

from . import access, kinds, scopes
from .kinds import ChartKind
from .scopes import AGENT, GLOBAL_SCOPE, PROJECT, SCORECARD, TEAM, Scope

# Kind names (the registry's keys, an API contract).
QA_SCORE_TREND = "qa_score_trend"
QA_FAILED_CRITERIA = "qa_failed_criteria"
QA_PASS_RATE_PCHART = "qa_pass_rate_pchart"
CALIBRATION_ALIGNMENT = "calibration_alignment"
COMPLAINT_PARETO = "complaint_pareto"
COMPLAINT_FLOW = "complaint_flow"
COMPLAINT_SLA_TREND = "complaint_sla_trend"
KPI_TREND = "kpi_trend"
MONTHLY_RANKING = "monthly_ranking"
TQM_PARETO = "tqm_pareto"
TQM_FISHBONE = "tqm_fishbone"
TQM_BEFORE_AFTER = "tqm_before_after"


@dataclass(frozen=True)
class CardSpec:
    """One chart a dashboard shows: a kind for a scope, under a section heading."""

    kind: str
    scope: Scope
    section: str | Promise = ""


@dataclass(frozen=True)
class PerSnapshot:
    """Cards made from the snapshots that exist: one per scope of ``scope_type`` drawn for ``kind``."""

    kind: str
    scope_type: str
    section: str | Promise = ""


@dataclass(frozen=True)
class Choice:
    """An option of a dashboard's filter: a scope, its name, and the option group it is listed under."""

    scope: Scope
    label: str
    group: str | Promise = ""


@dataclass(frozen=True)
class Layout:
    """What a dashboard shows for the chosen scope."""

    cards: list[CardSpec]
    per_snapshot: list[PerSnapshot] = field(default_factory=list)
    # Kinds of this dashboard that are not drawn for the chosen scope (e.g. ranking for everyone).
    elsewhere: list[ChartKind] = field(default_factory=list)


@dataclass(frozen=True)
class Dashboard:
    key: str
    title: Promise
    intro: Promise
    is_for: Callable[..., bool]
    layout: Callable[..., Layout]
    # The filter: its label and its choices for a user (no filter when ``choices`` is None).
    filter_label: Promise | None = None
    choices: Callable[..., list[Choice]] | None = None

    @property
    def url(self) -> str:
        return reverse(f"reports:{self.key}")


# --- Shared checks ---------------------------------------------------------------------------------


def kind_named(name: str) -> ChartKind | None:
    """The registered kind, or None while it does not exist (its cards are left out)."""
    return kinds.registry().get(name)


def viewable(user, kind_name: str, scope: Scope) -> bool:
    """The kind exists, is drawn for this kind of scope, and access.py lets the user see it."""
    kind = kind_named(kind_name)
    return kind is not None and kind.accepts(scope) and access.can_view(user, kind, scope)


def _layout(
    user, scope: Scope, specs: Iterable[CardSpec], per_snapshot: Iterable[PerSnapshot] = ()
) -> Layout:
    """The specs the user may see, and the kinds left out because they are not drawn for this scope."""
    cards, elsewhere = [], []
    for spec in specs:
        kind = kind_named(spec.kind)
        if kind is None:
            continue
        if not kind.accepts(spec.scope):
            elsewhere.append(kind)
        elif access.can_view(user, kind, spec.scope):
            cards.append(spec)
    return Layout(cards, list(per_snapshot), elsewhere)


def _scope_choices(user, candidates: Iterable[Choice], kind_names: Iterable[str]) -> list[Choice]:
    """The candidates for which the user sees at least one of the filter's kinds."""
    names = list(kind_names)
    return [choice for choice in candidates if any(viewable(user, name, choice.scope) for name in names)]


def _everyone_and_teams() -> list[Choice]:
    from apps.accounts.models import Team

    teams = Team.objects.order_by("name", "pk").values_list("pk", "name")
    return [Choice(GLOBAL_SCOPE, str(_("All teams"))), *(Choice(Scope(TEAM, pk), name) for pk, name in teams)]


def _led_team_ids(user) -> set[int]:
    from apps.metrics.access import led_team_ids

    return led_team_ids(user)


# --- QA --------------------------------------------------------------------------------------------

QA_FILTER_KINDS = (QA_SCORE_TREND, QA_PASS_RATE_PCHART)


def _qa_is_for(user) -> bool:
    return has_role(user, Role.QA_EVALUATOR, Role.QA_MANAGER, Role.ADMIN) or bool(_led_team_ids(user))


def _qa_choices(user) -> list[Choice]:
    return _scope_choices(user, _everyone_and_teams(), QA_FILTER_KINDS)


def _qa_layout(user, scope: Scope) -> Layout:
    trends = _("Scores and pass rate")
    return _layout(
        user,
        scope,
        [
            CardSpec(QA_SCORE_TREND, scope, trends),
            CardSpec(QA_PASS_RATE_PCHART, scope, trends),
            # Calibration is about the evaluators, whichever team is chosen.
            CardSpec(CALIBRATION_ALIGNMENT, GLOBAL_SCOPE, _("Calibration")),
        ],
        # Drawn per scorecard: one card for each scorecard that has been drawn.
        [PerSnapshot(QA_FAILED_CRITERIA, SCORECARD, _("Failed criteria by scorecard"))],
    )


# --- Complaints ------------------------------------------------------------------------------------

COMPLAINT_KINDS = (COMPLAINT_PARETO, COMPLAINT_FLOW, COMPLAINT_SLA_TREND)


def _complaints_is_for(user) -> bool:
    return has_role(user, Role.DUTY_MANAGER, Role.EXPERT, Role.QA_MANAGER, Role.ADMIN, Role.DEPARTMENT_STAFF)


def _complaints_choices(user) -> list[Choice]:
    from apps.accounts.models import Department

    departments = Department.objects.order_by("name", "pk").values_list("pk", "name")
    candidates = [
        Choice(GLOBAL_SCOPE, str(_("All departments"))),
        *(Choice(Scope(scopes.DEPARTMENT, pk), name) for pk, name in departments),
    ]
    # Department staff see only their departments: access.py's grants leave the others out.
    return _scope_choices(user, candidates, COMPLAINT_KINDS)


def _complaints_layout(user, scope: Scope) -> Layout:
    return _layout(user, scope, [CardSpec(name, scope) for name in COMPLAINT_KINDS])


# --- Improvement projects --------------------------------------------------------------------------

TQM_KINDS = (TQM_PARETO, TQM_FISHBONE, TQM_BEFORE_AFTER)


def _improvement_is_for(user) -> bool:
    from apps.tqm.access import projects_for, reads_all

    # Readers of every project have the dashboard even before the first project exists.
    return reads_all(user) or projects_for(user).exists()


def _improvement_choices(user) -> list[Choice]:
    """Every project the user may see, their own (as leader or member) listed first."""
    from apps.tqm.access import projects_for
    from apps.tqm.models import Project

    membership = Project.members.through.objects.filter(project_id=OuterRef("pk"), user_id=user.pk)
    projects = (
        projects_for(user)
        .annotate(is_member=Exists(membership))
        .order_by("-created_at", "-pk")
        .values_list("pk", "title", "leader_id", "is_member")
    )
    mine, others = [], []
    for pk, title, leader_id, is_member in projects:
        (mine if is_member or leader_id == user.pk else others).append((pk, title))
    if not mine or not others:
        # One kind of project only: no need for groups.
        return [Choice(Scope(PROJECT, pk), title) for pk, title in mine + others]
    return [
        *(Choice(Scope(PROJECT, pk), title, _("My projects")) for pk, title in mine),
        *(Choice(Scope(PROJECT, pk), title, _("Other projects")) for pk, title in others),
    ]


def _improvement_layout(user, scope: Scope) -> Layout:
    return _layout(user, scope, [CardSpec(name, scope) for name in TQM_KINDS])


# --- Management overview ---------------------------------------------------------------------------

MANAGEMENT_KINDS = (KPI_TREND, MONTHLY_RANKING)


def _management_is_for(user) -> bool:
    from apps.metrics.access import sees_all

    return sees_all(user) or bool(_led_team_ids(user))


def _management_choices(user) -> list[Choice]:
    return _scope_choices(user, _everyone_and_teams(), MANAGEMENT_KINDS)


def _management_layout(user, scope: Scope) -> Layout:
    return _layout(user, scope, [CardSpec(name, scope) for name in MANAGEMENT_KINDS])


# --- An agent's own charts -------------------------------------------------------------------------


def _mine_is_for(user) -> bool:
    return has_role(user, Role.AGENT)


def _mine_layout(user, scope: Scope | None = None) -> Layout:
    specs = [CardSpec(QA_SCORE_TREND, Scope(AGENT, user.pk), _("My scores"))]
    if user.team_id:
        specs.append(CardSpec(QA_SCORE_TREND, Scope(TEAM, user.team_id), _("My team")))
    return _layout(user, GLOBAL_SCOPE, specs)


# Order matters: /reports/ opens the first dashboard a user has (an agent who is also on a TQM project
# lands on their own charts).
DASHBOARDS: tuple[Dashboard, ...] = (
    Dashboard(
        "qa",
        _("Quality"),
        _("Weekly QA scores and pass rates, the criteria failed most often, and calibration."),
        _qa_is_for,
        _qa_layout,
        _("Team"),
        _qa_choices,
    ),
    Dashboard(
        "complaints",
        _("Complaints"),
        _("Complaints by category, the flow of tickets through the chain, and SLA compliance."),
        _complaints_is_for,
        _complaints_layout,
        _("Department"),
        _complaints_choices,
    ),
    Dashboard(
        "mine",
        _("My charts"),
        _("Your QA scores week by week, next to your team's."),
        _mine_is_for,
        _mine_layout,
    ),
    Dashboard(
        "improvement",
        _("Improvement projects"),
        _("A project's Pareto analysis, fishbone diagram and before/after comparison."),
        _improvement_is_for,
        _improvement_layout,
        _("Project"),
        _improvement_choices,
    ),
    Dashboard(
        "management",
        _("Management overview"),
        _("KPIs against their targets, and the monthly ranking of agents."),
        _management_is_for,
        _management_layout,
        _("Team"),
        _management_choices,
    ),
)
BY_KEY = {dashboard.key: dashboard for dashboard in DASHBOARDS}


def dashboards_for(user) -> list[Dashboard]:
    """The dashboards meant for this user, in menu order."""
    if not user.is_authenticated:
        return []
    return [dashboard for dashboard in DASHBOARDS if dashboard.is_for(user)]
