"""The main navigation: each entry names the roles that use it.

Apps add their entries here when they arrive (scorecards, complaints, tqm,
metrics, reports), so the menu is defined in one place and tested per role.
``roles=None`` means every signed-in user.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .permissions import has_role
from .roles import Role


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    roles: tuple[str, ...] | None = None

    def visible_to(self, user) -> bool:
        return self.roles is None or has_role(user, *self.roles)


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("home", _("My work"), "home"),
    NavItem("queue", _("My queue"), "scorecards:queue", (Role.QA_EVALUATOR,)),
    NavItem(
        "evaluations",
        _("Evaluations"),
        "scorecards:evaluation_list",
        (Role.AGENT, Role.QA_EVALUATOR, Role.QA_MANAGER),
    ),
    NavItem("calls", _("Calls"), "scorecards:call_list", (Role.QA_EVALUATOR, Role.QA_MANAGER)),
    NavItem("disputes", _("Disputes"), "scorecards:dispute_list", (Role.QA_MANAGER,)),
    NavItem("sampling", _("Sampling"), "scorecards:sample_create", (Role.QA_MANAGER,)),
    NavItem(
        "calibrations", _("Calibration"), "scorecards:calibration_list", (Role.QA_EVALUATOR, Role.QA_MANAGER)
    ),
    NavItem(
        "coaching",
        _("Coaching"),
        "scorecards:coaching_list",
        (Role.AGENT, Role.QA_EVALUATOR, Role.QA_MANAGER),
    ),
    NavItem("scorecards", _("Scorecards"), "scorecards:scorecard_list", (Role.QA_MANAGER,)),
    NavItem(
        "complaint_queue",
        _("My cases"),
        "complaints:queue",
        (Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER, Role.DEPARTMENT_STAFF),
    ),
    NavItem(
        "tickets",
        _("Complaints"),
        "complaints:ticket_list",
        (Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER, Role.DEPARTMENT_STAFF),
    ),
    NavItem(
        "projects",
        _("Improvement projects"),
        "tqm:project_list",
        (Role.IMPROVEMENT_MEMBER, Role.QA_MANAGER, Role.DUTY_MANAGER, Role.ADMIN),
    ),
    NavItem("calculators", _("Quality tools"), "tqm:calculators", (Role.IMPROVEMENT_MEMBER, Role.QA_MANAGER)),
    # Team leads are agents: they get the entry through AGENT (their teams' figures appear inside).
    NavItem(
        "metrics",
        _("Metrics"),
        "metrics:kpi_overview",
        (Role.AGENT, Role.QA_MANAGER, Role.DUTY_MANAGER, Role.ADMIN),
    ),
    # Every role has a dashboard of charts (reports.dashboards says which); /reports/ opens the first.
    NavItem("reports", _("Dashboards"), "reports:index", tuple(Role.values)),
    NavItem(
        "directory",
        _("Teams & departments"),
        "accounts:directory",
        (Role.QA_EVALUATOR, Role.QA_MANAGER, Role.EXPERT, Role.DUTY_MANAGER, Role.ADMIN),
    ),
    NavItem("api", _("API"), "api-docs", (Role.ADMIN,)),
    NavItem("admin", _("Administration"), "admin:index", (Role.ADMIN,)),
)


def nav_for(user, current_path: str = "") -> list[dict]:
    """The entries this user sees, with their URL and whether they are the current page."""
    if not user.is_authenticated:
        return []
    entries = [
        {"key": item.key, "label": item.label, "url": reverse(item.url_name), "active": False}
        for item in NAV_ITEMS
        if item.visible_to(user)
    ]
    # The longest matching URL is the current entry: /complaints/queue/ is "My cases",
    # not also "Complaints" at /complaints/.
    matches = [
        e
        for e in entries
        if (current_path == e["url"] if e["url"] == "/" else current_path.startswith(e["url"]))
    ]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return entries
