"""The escalation chain as one table (DESIGN.md §5). Services, API, page buttons and the README
state diagram all read it; no transition logic lives anywhere else.

Who may act ("holder"):
- ``assignee``: only the ticket's assignee (the first-line holder of an open ticket);
- ``pool``: the named assignee if there is one, else anyone with one of the roles;
- ``department``: department staff who are members of the ticket's department (duty managers
  listed in ``roles`` may always act);
- ``any``: anyone with one of the roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.roles import Role

from .states import Action, State

NOTE = "note"
DEPARTMENT = "department"
CUSTOMER_SATISFIED = "customer_satisfied"


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    roles: tuple[str, ...]
    holder: str
    requires: tuple[str, ...] = (NOTE,)


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        Action.ESCALATE,
        State.OPEN,
        State.WITH_EXPERT,
        (Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER),
        "assignee",
    ),
    Transition(Action.ESCALATE, State.WITH_EXPERT, State.WITH_DUTY_MANAGER, (Role.EXPERT,), "pool"),
    Transition(
        Action.RESOLVE, State.OPEN, State.CLOSED, (Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER), "assignee"
    ),
    Transition(Action.RESOLVE, State.WITH_EXPERT, State.CLOSED, (Role.EXPERT,), "pool"),
    Transition(
        Action.ASSIGN_DEPARTMENT,
        State.WITH_DUTY_MANAGER,
        State.WITH_DEPARTMENT,
        (Role.DUTY_MANAGER,),
        "pool",
        (NOTE, DEPARTMENT),
    ),
    Transition(
        Action.TRANSFER,
        State.WITH_DEPARTMENT,
        State.WITH_DEPARTMENT,
        (Role.DEPARTMENT_STAFF, Role.DUTY_MANAGER),
        "department",
        (NOTE, DEPARTMENT),
    ),
    Transition(Action.RETURN, State.WITH_EXPERT, State.OPEN, (Role.EXPERT,), "pool"),
    Transition(Action.RETURN, State.WITH_DUTY_MANAGER, State.WITH_EXPERT, (Role.DUTY_MANAGER,), "pool"),
    Transition(
        Action.RETURN, State.WITH_DEPARTMENT, State.WITH_DUTY_MANAGER, (Role.DEPARTMENT_STAFF,), "department"
    ),
    Transition(
        Action.SUBMIT_FEEDBACK, State.WITH_DEPARTMENT, State.FEEDBACK, (Role.DEPARTMENT_STAFF,), "department"
    ),
    Transition(Action.REJECT_FEEDBACK, State.FEEDBACK, State.WITH_DEPARTMENT, (Role.DUTY_MANAGER,), "pool"),
    Transition(
        Action.CLOSE, State.FEEDBACK, State.CLOSED, (Role.DUTY_MANAGER,), "pool", (NOTE, CUSTOMER_SATISFIED)
    ),
    Transition(
        Action.CLOSE,
        State.WITH_DUTY_MANAGER,
        State.CLOSED,
        (Role.DUTY_MANAGER,),
        "pool",
        (NOTE, CUSTOMER_SATISFIED),
    ),
    Transition(Action.REOPEN, State.CLOSED, State.WITH_DUTY_MANAGER, (Role.DUTY_MANAGER,), "any"),
)

# Actions a person can ask for through the transition endpoint.
ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS))

# The role that holds a ticket in each state (notifications, queues, pools).
STAGE_ROLE = {
    State.OPEN: Role.AGENT,
    State.WITH_EXPERT: Role.EXPERT,
    State.WITH_DUTY_MANAGER: Role.DUTY_MANAGER,
    State.WITH_DEPARTMENT: Role.DEPARTMENT_STAFF,
    State.FEEDBACK: Role.DUTY_MANAGER,
}


def find(action: str, source: str) -> Transition | None:
    """The transition for ``action`` from ``source``, if the table has one."""
    return next((t for t in TRANSITIONS if t.action == action and t.source == source), None)


def from_state(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


def mermaid() -> str:
    """The state diagram, generated from the table (README and `manage.py complaints_diagram`)."""
    lines = ["stateDiagram-v2", "    [*] --> open: create"]
    for t in TRANSITIONS:
        who = ", ".join(t.roles)
        lines.append(f"    {t.source} --> {t.target}: {t.action} ({who})")
    lines.append("    closed --> [*]")
    return "\n".join(lines)
