"""The transition table (apps/complaints/workflow.py) against DESIGN.md §5, row by row, and the diagram
generated from it."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.accounts.roles import Role
from apps.complaints import workflow
from apps.complaints.states import ACTIVE_STATES, Action, State

AGENT, EXPERT, DM, STAFF = Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER, Role.DEPARTMENT_STAFF
NOTE, DEPARTMENT, SATISFIED = "note", "department", "customer_satisfied"

# DESIGN.md §5, one line per (action, source). "note" carries the reason, resolution, feedback,
# instructions or closure note. The first-line holder of an open ticket is whoever opened it
# (the create row allows agent, expert, duty_manager), so "assignee agent" is the assignee with
# any of those roles.
DESIGN_TABLE = [
    # action, source, target, roles, holder, must carry
    ("escalate", "open", "with_expert", {AGENT, EXPERT, DM}, "assignee", {NOTE}),
    ("escalate", "with_expert", "with_duty_manager", {EXPERT}, "pool", {NOTE}),
    ("resolve", "open", "closed", {AGENT, EXPERT, DM}, "assignee", {NOTE}),
    ("resolve", "with_expert", "closed", {EXPERT}, "pool", {NOTE}),
    ("assign_department", "with_duty_manager", "with_department", {DM}, "pool", {NOTE, DEPARTMENT}),
    ("transfer", "with_department", "with_department", {STAFF, DM}, "department", {NOTE, DEPARTMENT}),
    ("return", "with_expert", "open", {EXPERT}, "pool", {NOTE}),
    ("return", "with_duty_manager", "with_expert", {DM}, "pool", {NOTE}),
    ("return", "with_department", "with_duty_manager", {STAFF}, "department", {NOTE}),
    ("submit_feedback", "with_department", "feedback", {STAFF}, "department", {NOTE}),
    ("reject_feedback", "feedback", "with_department", {DM}, "pool", {NOTE}),
    ("close", "feedback", "closed", {DM}, "pool", {NOTE, SATISFIED}),
    ("close", "with_duty_manager", "closed", {DM}, "pool", {NOTE, SATISFIED}),
    ("reopen", "closed", "with_duty_manager", {DM}, "any", {NOTE}),
]


def as_rows(transitions):
    return [(t.action, t.source, t.target, set(t.roles), t.holder, set(t.requires)) for t in transitions]


def test_the_table_has_exactly_the_rows_of_the_design():
    assert len(workflow.TRANSITIONS) == len(DESIGN_TABLE) == 14
    assert as_rows(workflow.TRANSITIONS) == DESIGN_TABLE


@pytest.mark.parametrize("row", DESIGN_TABLE, ids=[f"{r[0]} from {r[1]}" for r in DESIGN_TABLE])
def test_each_design_row_is_found_by_action_and_source(row):
    action, source, target, roles, holder, requires = row
    transition = workflow.find(action, source)
    assert transition is not None
    assert as_rows([transition]) == [row]


def test_no_action_and_source_pair_appears_twice():
    pairs = [(t.action, t.source) for t in workflow.TRANSITIONS]
    assert len(pairs) == len(set(pairs))


@pytest.mark.parametrize(
    ("action", "source"),
    [("escalate", "with_duty_manager"), ("close", "open"), ("reopen", "feedback"), ("create", "open")],
)
def test_find_answers_none_for_pairs_the_table_does_not_have(action, source):
    assert workflow.find(action, source) is None


def test_actions_are_the_person_chosen_actions_once_each_in_table_order():
    assert list(workflow.ACTIONS) == [
        "escalate",
        "resolve",
        "assign_department",
        "transfer",
        "return",
        "submit_feedback",
        "reject_feedback",
        "close",
        "reopen",
    ]
    assert Action.CREATE not in workflow.ACTIONS
    assert Action.SLA_BREACHED not in workflow.ACTIONS


def test_from_state_lists_the_ways_out_of_each_state():
    ways_out = {state: [(t.action, t.target) for t in workflow.from_state(state)] for state in State.values}
    assert ways_out == {
        "open": [("escalate", "with_expert"), ("resolve", "closed")],
        "with_expert": [("escalate", "with_duty_manager"), ("resolve", "closed"), ("return", "open")],
        "with_duty_manager": [
            ("assign_department", "with_department"),
            ("return", "with_expert"),
            ("close", "closed"),
        ],
        "with_department": [
            ("transfer", "with_department"),
            ("return", "with_duty_manager"),
            ("submit_feedback", "feedback"),
        ],
        "feedback": [("reject_feedback", "with_department"), ("close", "closed")],
        "closed": [("reopen", "with_duty_manager")],
    }


def reachable_from(state: str) -> set[str]:
    edges = {(t.source, t.target) for t in workflow.TRANSITIONS}
    reached, frontier = {state}, [state]
    while frontier:
        current = frontier.pop()
        for source, target in edges:
            if source == current and target not in reached:
                reached.add(target)
                frontier.append(target)
    return reached


def test_every_state_is_reachable_from_open():
    assert reachable_from(State.OPEN) == set(State.values)


@pytest.mark.parametrize("state", ACTIVE_STATES)
def test_every_active_state_can_reach_closed(state):
    assert State.CLOSED in reachable_from(state)


def test_every_active_stage_has_the_role_that_holds_it():
    assert workflow.STAGE_ROLE == {
        "open": AGENT,
        "with_expert": EXPERT,
        "with_duty_manager": DM,
        "with_department": STAFF,
        "feedback": DM,
    }
    assert set(workflow.STAGE_ROLE) == set(ACTIVE_STATES)


EXPECTED_DIAGRAM = """stateDiagram-v2
    [*] --> open: create
    open --> with_expert: escalate (agent, expert, duty_manager)
    with_expert --> with_duty_manager: escalate (expert)
    open --> closed: resolve (agent, expert, duty_manager)
    with_expert --> closed: resolve (expert)
    with_duty_manager --> with_department: assign_department (duty_manager)
    with_department --> with_department: transfer (department_staff, duty_manager)
    with_expert --> open: return (expert)
    with_duty_manager --> with_expert: return (duty_manager)
    with_department --> with_duty_manager: return (department_staff)
    with_department --> feedback: submit_feedback (department_staff)
    feedback --> with_department: reject_feedback (duty_manager)
    feedback --> closed: close (duty_manager)
    with_duty_manager --> closed: close (duty_manager)
    closed --> with_duty_manager: reopen (duty_manager)
    closed --> [*]"""


def test_mermaid_diagram_is_generated_from_the_table():
    assert workflow.mermaid() == EXPECTED_DIAGRAM


def test_mermaid_diagram_has_one_arrow_per_transition():
    arrows = [line.strip() for line in workflow.mermaid().splitlines() if "-->" in line]
    for t in workflow.TRANSITIONS:
        assert f"{t.source} --> {t.target}: {t.action} ({', '.join(t.roles)})" in arrows
    assert len(arrows) == len(workflow.TRANSITIONS) + 2  # plus the start and the end


def test_complaints_diagram_command_prints_the_diagram():
    out = StringIO()
    call_command("complaints_diagram", stdout=out)
    assert out.getvalue() == EXPECTED_DIAGRAM + "\n"
