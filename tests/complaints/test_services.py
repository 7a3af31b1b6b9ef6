"""Complaint services (apps/complaints/services.py): every row of the workflow table for the right
person and refused for everyone else, holder rules, conflicts, refused input, the reopen window, the
timeline, SLA clocks (policies, calendars, waiting, the sweep), notifications and e-mails after
commit, suggestions, attachments, categories and ticket creation.

Times: Monday 2025-03-03 10:00 in Asia/Shanghai (02:00 UTC) unless a test says otherwise.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.roles import Role
from apps.complaints import services, tasks, workflow
from apps.complaints.models import (
    Attachment,
    Category,
    Notification,
    Suggestion,
    Ticket,
    TicketEvent,
)
from apps.complaints.states import Action, Severity, State
from qa_center.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.complaints.factories import (
    OFFICE_HOURS,
    BusinessCalendarFactory,
    CategoryFactory,
    SlaPolicyFactory,
    TicketFactory,
    act,
    create_ticket,
    ticket_in,
)
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)
FRIDAY_1730 = datetime(2025, 3, 7, 17, 30, tzinfo=SHANGHAI)
NOT_SHARED = "This ticket does not exist or is not shared with you."
ROLE_REFUSED = "Your role does not allow this action on this ticket."


@pytest.fixture
def clock():
    """The clock stands still at Monday 10:00 until a test moves it (``clock.move_to`` / ``shift``)."""
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(personas):
    return personas


def walk(state, people, department, **create_fields) -> Ticket:
    return ticket_in(state, people, department, **create_fields)


def written(ticket: Ticket) -> tuple:
    """What a refused action must leave untouched: the ticket row, its timeline, notifications."""
    row = Ticket.objects.filter(pk=ticket.pk).values().get()
    return row, TicketEvent.objects.filter(ticket=ticket).count(), Notification.objects.count()


# --- The matrix: every row allowed for the right person, refused for each other persona -------------

DEPARTMENT_FIELD = {"department": "department", "other_department": "other_department"}

# (action, source, who may take it, extra fields). "department" names a fixture.
ROWS = [
    ("escalate", "open", ["agent"], {}),
    ("escalate", "with_expert", ["expert"], {}),
    ("resolve", "open", ["agent"], {}),
    ("resolve", "with_expert", ["expert"], {}),
    ("assign_department", "with_duty_manager", ["duty_manager"], {"department_id": "department"}),
    (
        "transfer",
        "with_department",
        ["department_staff", "duty_manager"],
        {"department_id": "other_department"},
    ),
    ("return", "with_expert", ["expert"], {}),
    ("return", "with_duty_manager", ["duty_manager"], {}),
    ("return", "with_department", ["department_staff"], {}),
    ("submit_feedback", "with_department", ["department_staff"], {}),
    ("reject_feedback", "feedback", ["duty_manager"], {}),
    ("close", "feedback", ["duty_manager"], {"customer_satisfied": True}),
    ("close", "with_duty_manager", ["duty_manager"], {"customer_satisfied": False}),
    ("reopen", "closed", ["duty_manager"], {}),
]
PERSONAS = [
    "agent",
    "other_agent",
    "qa_evaluator",
    "qa_manager",
    "expert",
    "duty_manager",
    "department_staff",
    "other_department_staff",
    "improvement_member",
    "admin",
    "no_role",
]
PERSONA_ROLE = {
    **{p: p for p in PERSONAS},
    "other_agent": "agent",
    "other_department_staff": "department_staff",
    "no_role": None,
}
# The roles that take each action from some state (DESIGN.md §5).
ACTION_ROLES = {
    "escalate": {"agent", "expert", "duty_manager"},
    "resolve": {"agent", "expert", "duty_manager"},
    "assign_department": {"duty_manager"},
    "transfer": {"department_staff", "duty_manager"},
    "return": {"expert", "duty_manager", "department_staff"},
    "submit_feedback": {"department_staff"},
    "reject_feedback": {"duty_manager"},
    "close": {"duty_manager"},
    "reopen": {"duty_manager"},
}
# Who sees a ticket the personas moved along factories.PATH: the agent opened it, the expert
# handled it from with_expert on, Billing's staff see it once it is routed to Billing.
SEES = {
    "open": {"agent", "duty_manager"},
    "with_expert": {"agent", "expert", "duty_manager"},
    "with_duty_manager": {"agent", "expert", "duty_manager"},
    "with_department": {"agent", "expert", "duty_manager", "department_staff"},
    "feedback": {"agent", "expert", "duty_manager", "department_staff"},
    "closed": {"agent", "expert", "duty_manager", "department_staff"},
}


def row_id(row) -> str:
    return f"{row[0]} from {row[1]}"


def fields_of(row, request) -> dict:
    return {
        key: request.getfixturevalue(value).pk if key == "department_id" else value
        for key, value in row[3].items()
    }


def test_the_matrix_covers_every_row_of_the_table():
    assert sorted((a, s) for a, s, _, _ in ROWS) == sorted((t.action, t.source) for t in workflow.TRANSITIONS)


ALLOWED = [(row, persona) for row in ROWS for persona in row[2]]


@pytest.mark.parametrize(("row", "persona"), ALLOWED, ids=[f"{row_id(r)} by {p}" for r, p in ALLOWED])
def test_each_row_is_allowed_for_the_right_person(row, persona, people, department, request):
    action, source, _, _ = row
    ticket = walk(source, people, department)
    events_before = ticket.events.count()

    moved = act(ticket, people[persona], action, note="Because.", **fields_of(row, request))

    transition = workflow.find(action, source)
    moved.refresh_from_db()
    assert moved.state == transition.target
    assert moved.version == ticket.version + 1
    assert moved.events.count() == events_before + 1
    event = moved.events.last()
    assert (event.action, event.actor, event.from_state, event.to_state, event.note) == (
        action,
        people[persona],
        source,
        transition.target,
        "Because.",
    )


REFUSED = [(row, persona) for row in ROWS for persona in PERSONAS if persona not in row[2]]


@pytest.mark.parametrize(("row", "persona"), REFUSED, ids=[f"{row_id(r)} by {p}" for r, p in REFUSED])
def test_each_row_is_refused_for_every_other_persona_and_nothing_changes(
    row, persona, people, department, request, django_capture_on_commit_callbacks
):
    action, source, _, _ = row
    ticket = walk(source, people, department)
    before = written(ticket)
    # A role that never takes the action: 403 whatever the ticket. A role that does, on a ticket
    # outside the person's scope: 404 (the ticket is not shared with them). In scope: 403.
    may_see = persona in SEES[source] or PERSONA_ROLE[persona] not in ACTION_ROLES[action]
    error, message = (PermissionDenied, ROLE_REFUSED) if may_see else (NotFound, NOT_SHARED)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(error) as caught:
        act(ticket, people[persona], action, note="Because.", **fields_of(row, request))

    assert caught.value.message == message
    assert written(ticket) == before
    assert callbacks == []


# --- Holder rules ---------------------------------------------------------------------------------


def test_an_open_ticket_is_acted_on_by_its_first_line_holder_whatever_their_role(people):
    expert = people[Role.EXPERT]
    ticket = create_ticket(expert)
    assert ticket.assignee == expert

    moved = act(ticket, expert, Action.ESCALATE)
    assert moved.state == State.WITH_EXPERT


def test_a_duty_manager_who_sees_an_open_ticket_may_not_take_it_from_its_holder(people, department):
    ticket = walk(State.OPEN, people, department)
    with pytest.raises(PermissionDenied, match=f"^{ROLE_REFUSED}$"):
        act(ticket, people[Role.DUTY_MANAGER], Action.RESOLVE)


def test_a_pool_ticket_with_a_named_assignee_is_theirs_alone(people):
    named, colleague = people[Role.EXPERT], UserFactory(roles=[Role.EXPERT])
    ticket = act(create_ticket(people[Role.AGENT]), people[Role.AGENT], Action.ESCALATE, assignee_id=named.pk)
    assert ticket.assignee == named

    with pytest.raises(PermissionDenied, match=f"^{ROLE_REFUSED}$"):
        act(ticket, colleague, Action.ESCALATE)
    assert act(ticket, named, Action.ESCALATE).state == State.WITH_DUTY_MANAGER


def test_a_pool_ticket_without_an_assignee_is_anyone_with_the_role(people):
    colleague = UserFactory(roles=[Role.EXPERT])
    ticket = act(create_ticket(people[Role.AGENT]), people[Role.AGENT], Action.ESCALATE)
    assert ticket.assignee is None
    assert act(ticket, colleague, Action.RESOLVE).state == State.CLOSED


def test_department_actions_belong_to_members_of_the_tickets_department(people, department):
    # Sees the ticket (opened it as an agent) and is department staff, but of Logistics, not Billing.
    outsider = UserFactory(roles=[Role.AGENT, Role.DEPARTMENT_STAFF])
    DepartmentFactory(name="Returns").members.add(outsider)
    ticket = create_ticket(outsider)
    ticket = act(ticket, outsider, Action.ESCALATE)
    ticket = act(ticket, people[Role.EXPERT], Action.ESCALATE)
    ticket = act(ticket, people[Role.DUTY_MANAGER], Action.ASSIGN_DEPARTMENT, department_id=department.pk)

    with pytest.raises(PermissionDenied, match=f"^{ROLE_REFUSED}$"):
        act(ticket, outsider, Action.SUBMIT_FEEDBACK)
    assert act(ticket, people[Role.DEPARTMENT_STAFF], Action.SUBMIT_FEEDBACK).state == State.FEEDBACK


def test_any_member_of_the_department_may_act_even_with_a_named_assignee(people, department):
    named = people[Role.DEPARTMENT_STAFF]
    colleague = UserFactory(roles=[Role.DEPARTMENT_STAFF])
    department.members.add(colleague)
    ticket = walk(State.WITH_DUTY_MANAGER, people, department)
    ticket = act(
        ticket,
        people[Role.DUTY_MANAGER],
        Action.ASSIGN_DEPARTMENT,
        department_id=department.pk,
        assignee_id=named.pk,
    )
    assert ticket.assignee == named
    assert act(ticket, colleague, Action.SUBMIT_FEEDBACK).state == State.FEEDBACK


def test_a_named_assignee_must_hold_the_role_of_the_stage(people):
    ticket = create_ticket(people[Role.AGENT])
    before = written(ticket)
    with pytest.raises(ValidationFailed) as caught:
        act(ticket, people[Role.AGENT], Action.ESCALATE, assignee_id=people["other_agent"].pk)
    assert caught.value.fields == {
        "assignee": ["The assignee must be an active user with the role of this stage."]
    }
    assert written(ticket) == before


def test_a_named_assignee_must_be_active(people):
    gone = UserFactory(roles=[Role.EXPERT], is_active=False)
    ticket = create_ticket(people[Role.AGENT])
    with pytest.raises(ValidationFailed, match="^The assignee must be an active user with the role"):
        act(ticket, people[Role.AGENT], Action.ESCALATE, assignee_id=gone.pk)


def test_a_department_assignee_must_be_a_member_of_the_department(people, department):
    ticket = walk(State.WITH_DUTY_MANAGER, people, department)
    before = written(ticket)
    with pytest.raises(ValidationFailed) as caught:
        act(
            ticket,
            people[Role.DUTY_MANAGER],
            Action.ASSIGN_DEPARTMENT,
            department_id=department.pk,
            assignee_id=people["other_department_staff"].pk,
        )
    assert caught.value.fields == {"assignee": ["The assignee must be a member of the department."]}
    assert written(ticket) == before


def test_sent_back_to_first_line_the_ticket_returns_to_its_creator(people, department):
    ticket = walk(State.WITH_EXPERT, people, department)
    back = act(ticket, people[Role.EXPERT], Action.RETURN, note="Call the customer back first.")
    assert (back.state, back.assignee) == (State.OPEN, people[Role.AGENT])


# --- Conflicts ------------------------------------------------------------------------------------


def test_an_action_not_possible_from_the_current_state_is_a_conflict(people, department):
    ticket = walk(State.OPEN, people, department)
    before = written(ticket)
    with pytest.raises(Conflict) as caught:
        act(ticket, people[Role.DUTY_MANAGER], Action.CLOSE, customer_satisfied=True)
    assert caught.value.message == "“Close” is not possible while the ticket is “Open (first line)”."
    assert written(ticket) == before


def test_a_stale_expected_state_is_a_conflict(people, department):
    ticket = walk(State.WITH_EXPERT, people, department)
    before = written(ticket)
    with pytest.raises(Conflict) as caught:
        services.ticket_transition(
            by=people[Role.AGENT],
            ticket_id=ticket.pk,
            action=Action.ESCALATE,
            expected_state=State.OPEN,
            note="Again.",
        )
    assert caught.value.message == (
        "The ticket changed meanwhile: it is now “With difficult-case expert”. Reload it and try again."
    )
    assert written(ticket) == before


def test_a_stale_version_is_a_conflict_even_in_the_same_state(people, department):
    ticket = walk(State.WITH_EXPERT, people, department)
    before = written(ticket)
    with pytest.raises(Conflict, match="^The ticket changed meanwhile"):
        services.ticket_transition(
            by=people[Role.EXPERT],
            ticket_id=ticket.pk,
            action=Action.ESCALATE,
            expected_state=State.WITH_EXPERT,
            note="Again.",
            expected_version=ticket.version - 1,
        )
    assert written(ticket) == before
    moved = services.ticket_transition(
        by=people[Role.EXPERT],
        ticket_id=ticket.pk,
        action=Action.ESCALATE,
        expected_state=State.WITH_EXPERT,
        note="Now.",
        expected_version=ticket.version,
    )
    assert moved.state == State.WITH_DUTY_MANAGER


def test_the_same_action_sent_twice_changes_the_ticket_once(people, department):
    ticket = walk(State.OPEN, people, department)
    act(ticket, people[Role.AGENT], Action.ESCALATE)
    with pytest.raises(Conflict, match="it is now “With difficult-case expert”"):
        act(ticket, people[Role.AGENT], Action.ESCALATE)
    assert ticket.events.filter(action=Action.ESCALATE).count() == 1


def test_an_unknown_action_is_refused_with_the_field(people, department):
    ticket = walk(State.OPEN, people, department)
    with pytest.raises(ValidationFailed) as caught:
        act(ticket, people[Role.AGENT], "fly")
    assert caught.value.fields == {"action": ["Unknown action “fly”."]}


def test_an_unknown_ticket_is_not_found(people):
    with pytest.raises(NotFound, match=f"^{NOT_SHARED}$"):
        services.ticket_transition(
            by=people[Role.DUTY_MANAGER],
            ticket_id=987654,
            action="close",
            expected_state="feedback",
            note="x",
        )


# --- Refused input: the field, and nothing written ---------------------------------------------------


@pytest.mark.parametrize("note", ["", "   \n", None])
def test_every_action_needs_a_note(note, people, department, django_capture_on_commit_callbacks):
    ticket = walk(State.OPEN, people, department)
    before = written(ticket)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationFailed) as caught:
        act(ticket, people[Role.AGENT], Action.ESCALATE, note=note)
    assert caught.value.message == "A note is required for every action."
    assert caught.value.fields == {"note": ["A note is required for every action."]}
    assert written(ticket) == before
    assert callbacks == []


@pytest.mark.parametrize(
    ("department_id", "message"),
    [
        (None, "Choose a department."),
        ("", "Choose a department."),
        (987654, "This department does not exist."),
    ],
    ids=["missing", "blank", "unknown"],
)
def test_assigning_needs_an_existing_department(department_id, message, people, department):
    ticket = walk(State.WITH_DUTY_MANAGER, people, department)
    before = written(ticket)
    with pytest.raises(ValidationFailed) as caught:
        act(ticket, people[Role.DUTY_MANAGER], Action.ASSIGN_DEPARTMENT, department_id=department_id)
    assert caught.value.fields == {"department": [message]}
    assert written(ticket) == before


def test_a_transfer_needs_another_department(people, department):
    ticket = walk(State.WITH_DEPARTMENT, people, department)
    before = written(ticket)
    with pytest.raises(ValidationFailed) as caught:
        act(ticket, people[Role.DEPARTMENT_STAFF], Action.TRANSFER, department_id=department.pk)
    assert caught.value.fields == {"department": ["Choose another department than the current one."]}
    assert written(ticket) == before


def test_a_transfer_needs_a_department_at_all(people, department):
    ticket = walk(State.WITH_DEPARTMENT, people, department)
    with pytest.raises(ValidationFailed) as caught:
        act(ticket, people[Role.DUTY_MANAGER], Action.TRANSFER)
    assert caught.value.fields == {"department": ["Choose a department."]}


@pytest.mark.parametrize("source", [State.FEEDBACK, State.WITH_DUTY_MANAGER])
def test_closing_needs_to_say_whether_the_customer_is_satisfied(source, people, department):
    ticket = walk(source, people, department)
    before = written(ticket)
    with pytest.raises(ValidationFailed) as caught:
        act(ticket, people[Role.DUTY_MANAGER], Action.CLOSE, note="Refunded.")
    assert caught.value.fields == {"customer_satisfied": ["Say whether the customer is satisfied."]}
    assert written(ticket) == before


@pytest.mark.parametrize("score", [0, 6])
def test_a_satisfaction_score_is_one_to_five(score, people, department):
    ticket = walk(State.FEEDBACK, people, department)
    with pytest.raises(ValidationFailed) as caught:
        act(
            ticket, people[Role.DUTY_MANAGER], Action.CLOSE, customer_satisfied=True, satisfaction_score=score
        )
    assert caught.value.fields == {"satisfaction_score": ["The satisfaction score is 1 to 5."]}


# --- What each transition records ---------------------------------------------------------------


def test_the_whole_chain_writes_one_event_per_action_with_actor_states_note_and_department(
    people, department, other_department
):
    agent, expert, dm = people[Role.AGENT], people[Role.EXPERT], people[Role.DUTY_MANAGER]
    staff, other_staff = people[Role.DEPARTMENT_STAFF], people["other_department_staff"]
    ticket = create_ticket(agent)
    steps = [
        (agent, Action.ESCALATE, "Customer insists.", {}),
        (expert, Action.ESCALATE, "Needs a refund decision.", {}),
        (dm, Action.ASSIGN_DEPARTMENT, "Check the invoice.", {"department_id": department.pk}),
        (staff, Action.TRANSFER, "Parcel lost, not billing.", {"department_id": other_department.pk}),
        (other_staff, Action.SUBMIT_FEEDBACK, "Parcel found, redelivered.", {}),
        (dm, Action.REJECT_FEEDBACK, "Also refund the postage.", {}),
        (other_staff, Action.SUBMIT_FEEDBACK, "Postage refunded.", {}),
        (dm, Action.CLOSE, "Customer called back, happy.", {"customer_satisfied": True}),
        (dm, Action.REOPEN, "Customer called again.", {}),
    ]
    for by, action, note, fields in steps:
        ticket = act(ticket, by, action, note=note, **fields)

    timeline = [
        (e.action, e.actor, e.from_state, e.to_state, e.note, e.department)
        for e in TicketEvent.objects.filter(ticket=ticket).order_by("created_at", "id")
    ]
    assert timeline == [
        ("create", agent, "", "open", "", None),
        ("escalate", agent, "open", "with_expert", "Customer insists.", None),
        ("escalate", expert, "with_expert", "with_duty_manager", "Needs a refund decision.", None),
        ("assign_department", dm, "with_duty_manager", "with_department", "Check the invoice.", department),
        (
            "transfer",
            staff,
            "with_department",
            "with_department",
            "Parcel lost, not billing.",
            other_department,
        ),
        ("submit_feedback", other_staff, "with_department", "feedback", "Parcel found, redelivered.", None),
        ("reject_feedback", dm, "feedback", "with_department", "Also refund the postage.", None),
        ("submit_feedback", other_staff, "with_department", "feedback", "Postage refunded.", None),
        ("close", dm, "feedback", "closed", "Customer called back, happy.", None),
        ("reopen", dm, "closed", "with_duty_manager", "Customer called again.", None),
    ]
    assert ticket.version == 10


def test_the_note_is_stripped_before_it_is_recorded(people, department):
    ticket = act(walk(State.OPEN, people, department), people[Role.AGENT], Action.ESCALATE, note="  Why.\n")
    assert ticket.events.last().note == "Why."


def test_closing_records_resolution_time_and_satisfaction(clock, people, department):
    ticket = walk(State.FEEDBACK, people, department)
    clock.shift(timedelta(hours=1))
    closed = act(
        ticket,
        people[Role.DUTY_MANAGER],
        Action.CLOSE,
        note="Refunded twice the fee.",
        customer_satisfied=False,
        satisfaction_score=2,
    )
    closed.refresh_from_db()
    assert (closed.state, closed.resolution, closed.customer_satisfied, closed.satisfaction_score) == (
        State.CLOSED,
        "Refunded twice the fee.",
        False,
        2,
    )
    assert closed.closed_at == MONDAY_10 + timedelta(hours=1)
    assert (closed.assignee, closed.due_at, closed.sla_breached_at) == (None, None, None)


def test_resolving_at_first_line_closes_without_asking_about_satisfaction(people, department):
    ticket = act(walk(State.OPEN, people, department), people[Role.AGENT], Action.RESOLVE, note="Explained.")
    assert (ticket.state, ticket.resolution, ticket.customer_satisfied) == (State.CLOSED, "Explained.", None)


def test_a_department_sending_a_ticket_back_lets_go_of_it(people, department):
    ticket = walk(State.WITH_DEPARTMENT, people, department)
    back = act(ticket, people[Role.DEPARTMENT_STAFF], Action.RETURN, note="Not ours.")
    assert (back.state, back.department, back.assignee) == (State.WITH_DUTY_MANAGER, None, None)


def test_rejected_feedback_goes_back_to_the_same_department(people, department):
    ticket = walk(State.FEEDBACK, people, department)
    back = act(ticket, people[Role.DUTY_MANAGER], Action.REJECT_FEEDBACK, note="Incomplete.")
    assert (back.state, back.department) == (State.WITH_DEPARTMENT, department)


# --- The reopen window ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "after",
    [timedelta(days=1), timedelta(days=29, hours=23), timedelta(days=30)],
    ids=["1d", "29d23h", "30d"],
)
def test_a_closed_ticket_can_be_reopened_within_the_window(after, clock, people, department):
    ticket = walk(State.CLOSED, people, department)
    clock.shift(after)
    reopened = act(ticket, people[Role.DUTY_MANAGER], Action.REOPEN, note="Customer called again.")
    assert (reopened.state, reopened.closed_at, reopened.customer_satisfied, reopened.assignee) == (
        State.WITH_DUTY_MANAGER,
        None,
        None,
        None,
    )
    assert reopened.stage_started_at == MONDAY_10 + after
    assert reopened.due_at == MONDAY_10 + after + timedelta(minutes=120)


def test_a_reopened_ticket_is_no_longer_held_by_its_last_department(clock, people, department):
    ticket = walk(State.CLOSED, people, department)
    assert ticket.department == department  # closed from feedback: the department that answered
    reopened = act(ticket, people[Role.DUTY_MANAGER], Action.REOPEN, note="Customer called again.")
    assert reopened.department is None
    with pytest.raises(NotFound):
        act(reopened, people[Role.DEPARTMENT_STAFF], Action.SUBMIT_FEEDBACK, note="x")


def test_a_closed_ticket_cannot_be_reopened_after_the_window(clock, people, department):
    ticket = walk(State.CLOSED, people, department)
    clock.shift(timedelta(days=30, seconds=1))
    before = written(ticket)
    with pytest.raises(ValidationFailed) as caught:
        act(ticket, people[Role.DUTY_MANAGER], Action.REOPEN, note="Too late?")
    assert caught.value.message == (
        "Tickets can be reopened for 30 days after closing; this one was closed on 2025-03-03."
    )
    assert written(ticket) == before


def test_the_reopen_window_follows_the_setting(clock, settings, people, department):
    settings.COMPLAINTS_REOPEN_WINDOW_DAYS = 7
    ticket = walk(State.CLOSED, people, department)
    clock.shift(timedelta(days=8))
    with pytest.raises(ValidationFailed, match="^Tickets can be reopened for 7 days after closing"):
        act(ticket, people[Role.DUTY_MANAGER], Action.REOPEN)


# --- SLA: the budget and the calendar that set due_at ---------------------------------------------


def test_without_policies_or_calendars_the_default_budget_runs_round_the_clock(clock, people):
    ticket = create_ticket(people[Role.AGENT], severity=Severity.HIGH)
    assert ticket.stage_started_at == MONDAY_10
    assert ticket.due_at == MONDAY_10 + timedelta(minutes=services.DEFAULT_BUDGET_MINUTES["open"]["high"])
    assert ticket.due_at == MONDAY_10 + timedelta(minutes=60)


def test_sla_policy_precedence_category_then_parent_then_default_row_then_built_in(clock, people):
    parent = CategoryFactory(name="Billing")
    child = CategoryFactory(name="Double charge", parent=parent)
    agent = people[Role.AGENT]

    def due_minutes() -> float:
        ticket = create_ticket(agent, category=child)
        return (ticket.due_at - MONDAY_10).total_seconds() / 60

    assert due_minutes() == 120  # built in: open, medium
    SlaPolicyFactory(category=None, severity=Severity.MEDIUM, stage=State.OPEN, minutes=90)
    assert due_minutes() == 90
    SlaPolicyFactory(category=parent, severity=Severity.MEDIUM, stage=State.OPEN, minutes=45)
    assert due_minutes() == 45
    SlaPolicyFactory(category=child, severity=Severity.MEDIUM, stage=State.OPEN, minutes=20)
    assert due_minutes() == 20


def test_sla_policies_of_other_severities_stages_and_categories_do_not_apply(clock, people):
    category = CategoryFactory()
    SlaPolicyFactory(category=category, severity=Severity.HIGH, stage=State.OPEN, minutes=5)
    SlaPolicyFactory(category=category, severity=Severity.MEDIUM, stage=State.WITH_EXPERT, minutes=6)
    SlaPolicyFactory(category=CategoryFactory(), severity=Severity.MEDIUM, stage=State.OPEN, minutes=7)
    ticket = create_ticket(people[Role.AGENT], category=category)
    assert ticket.due_at == MONDAY_10 + timedelta(minutes=120)


def test_each_stage_starts_its_own_clock_with_its_budget(clock, people, department):
    SlaPolicyFactory(category=None, severity=Severity.MEDIUM, stage=State.WITH_EXPERT, minutes=15)
    ticket = create_ticket(people[Role.AGENT])
    clock.shift(timedelta(minutes=10))
    ticket = act(ticket, people[Role.AGENT], Action.ESCALATE)
    assert ticket.stage_started_at == MONDAY_10 + timedelta(minutes=10)
    assert ticket.due_at == MONDAY_10 + timedelta(minutes=25)


def test_the_default_calendar_stops_the_clock_outside_working_hours(clock, people):
    BusinessCalendarFactory(is_default=True, hours=OFFICE_HOURS)
    clock.move_to(FRIDAY_1730)
    ticket = create_ticket(people[Role.AGENT])  # medium: 120 minutes
    assert ticket.due_at == datetime(2025, 3, 10, 10, 30, tzinfo=SHANGHAI)


def test_holidays_of_the_calendar_do_not_count(clock, people):
    BusinessCalendarFactory(is_default=True, hours=OFFICE_HOURS, holidays=[date(2025, 3, 10)])
    clock.move_to(FRIDAY_1730)
    ticket = create_ticket(people[Role.AGENT])
    assert ticket.due_at == datetime(2025, 3, 11, 10, 30, tzinfo=SHANGHAI)


def test_a_categorys_calendar_beats_its_parents_which_beats_the_default(clock, people):
    BusinessCalendarFactory(is_default=True, hours=OFFICE_HOURS)
    round_the_clock = BusinessCalendarFactory(always_open=True)
    saturdays = BusinessCalendarFactory(hours=[(5, time(9), time(12))])
    parent = CategoryFactory(calendar=round_the_clock)
    child = CategoryFactory(parent=parent)
    clock.move_to(FRIDAY_1730)

    assert create_ticket(people[Role.AGENT], category=child).due_at == FRIDAY_1730 + timedelta(hours=2)
    child.calendar = saturdays
    child.save()
    assert create_ticket(people[Role.AGENT], category=child).due_at == datetime(
        2025, 3, 8, 11, tzinfo=SHANGHAI
    )
    assert create_ticket(people[Role.AGENT], category=CategoryFactory()).due_at == datetime(
        2025, 3, 10, 10, 30, tzinfo=SHANGHAI
    )


def test_a_calendar_without_working_periods_yet_counts_as_round_the_clock(clock, people):
    BusinessCalendarFactory(is_default=True)  # saved before its hours were entered
    clock.move_to(FRIDAY_1730)
    ticket = create_ticket(people[Role.AGENT])
    assert ticket.due_at == FRIDAY_1730 + timedelta(hours=2)


# --- Waiting for the customer ----------------------------------------------------------------------


def test_waiting_for_the_customer_pauses_and_resumes_the_clock_in_business_time(clock, people):
    BusinessCalendarFactory(is_default=True, hours=OFFICE_HOURS)
    agent = people[Role.AGENT]
    ticket = create_ticket(agent)  # Monday 10:00, due 12:00
    assert ticket.due_at == MONDAY_10 + timedelta(hours=2)

    clock.shift(timedelta(hours=1))
    paused = services.ticket_set_waiting(
        by=agent, ticket_id=ticket.pk, waiting=True, note=" Asked for the bill. "
    )
    assert (paused.waiting_for_customer, paused.due_at, paused.sla_remaining_seconds) == (True, None, 3600)

    clock.move_to(datetime(2025, 3, 4, 17, 30, tzinfo=SHANGHAI))  # Tuesday 17:30
    resumed = services.ticket_set_waiting(by=agent, ticket_id=ticket.pk, waiting=False)
    assert (resumed.waiting_for_customer, resumed.sla_remaining_seconds) == (False, None)
    assert resumed.due_at == datetime(2025, 3, 5, 9, 30, tzinfo=SHANGHAI)  # 30 min Tue + 30 min Wed

    events = [(e.action, e.actor, e.from_state, e.to_state, e.note) for e in resumed.events.all()]
    assert events[1:] == [
        ("waiting_on", agent, "open", "open", "Asked for the bill."),
        ("waiting_off", agent, "open", "open", ""),
    ]
    assert resumed.version == 3


def test_pausing_an_overdue_clock_keeps_no_time(clock, people):
    ticket = create_ticket(people[Role.AGENT])
    clock.shift(timedelta(hours=3))
    paused = services.ticket_set_waiting(by=people[Role.AGENT], ticket_id=ticket.pk, waiting=True)
    assert paused.sla_remaining_seconds == 0
    resumed = services.ticket_set_waiting(by=people[Role.AGENT], ticket_id=ticket.pk, waiting=False)
    assert resumed.due_at == MONDAY_10 + timedelta(hours=3)


def test_pausing_twice_or_resuming_a_running_clock_is_a_conflict(people):
    agent = people[Role.AGENT]
    ticket = create_ticket(agent)
    with pytest.raises(Conflict, match="^The clock is not paused.$"):
        services.ticket_set_waiting(by=agent, ticket_id=ticket.pk, waiting=False)
    services.ticket_set_waiting(by=agent, ticket_id=ticket.pk, waiting=True)
    with pytest.raises(Conflict, match="^The clock is already paused.$"):
        services.ticket_set_waiting(by=agent, ticket_id=ticket.pk, waiting=True)
    assert ticket.events.filter(action=Action.WAITING_ON).count() == 1


def test_a_closed_ticket_has_no_clock_to_pause(people, department):
    ticket = walk(State.CLOSED, people, department)
    with pytest.raises(Conflict, match="^A closed ticket has no clock to pause.$"):
        services.ticket_set_waiting(by=people[Role.DUTY_MANAGER], ticket_id=ticket.pk, waiting=True)


def test_only_the_current_handler_pauses_the_clock(people, department):
    ticket = walk(State.OPEN, people, department)
    before = written(ticket)
    with pytest.raises(PermissionDenied, match="^Only the current handler can pause or resume the clock.$"):
        services.ticket_set_waiting(by=people[Role.DUTY_MANAGER], ticket_id=ticket.pk, waiting=True)
    with pytest.raises(NotFound, match=f"^{NOT_SHARED}$"):
        services.ticket_set_waiting(by=people["other_agent"], ticket_id=ticket.pk, waiting=True)
    assert written(ticket) == before


def test_moving_on_while_waiting_starts_the_next_stage_clock(clock, people):
    agent = people[Role.AGENT]
    ticket = create_ticket(agent)
    services.ticket_set_waiting(by=agent, ticket_id=ticket.pk, waiting=True)
    moved = act(Ticket.objects.get(pk=ticket.pk), agent, Action.ESCALATE)
    assert (moved.waiting_for_customer, moved.sla_remaining_seconds) == (False, None)
    assert moved.due_at == MONDAY_10 + timedelta(minutes=240)


# --- The SLA sweep -----------------------------------------------------------------------------


def sweep_record():
    """Everything a sweep may write: events, notifications (who, kind, message) and e-mails."""
    return (
        list(
            TicketEvent.objects.order_by("id").values_list(
                "ticket", "action", "actor", "from_state", "to_state"
            )
        ),
        list(Notification.objects.order_by("id").values_list("user", "kind", "message")),
        [(m.to, m.subject) for m in mail.outbox],
    )


def test_sweep_breaches_an_overdue_first_line_ticket_and_escalates_it_to_the_duty_manager(
    clock, people, django_capture_on_commit_callbacks
):
    agent, dm = people[Role.AGENT], people[Role.DUTY_MANAGER]
    ticket = create_ticket(agent)  # due 12:00
    clock.shift(timedelta(hours=2, minutes=1))
    now = MONDAY_10 + timedelta(hours=2, minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.sla_sweep() == {"breached": 1, "escalated": 1}

    ticket.refresh_from_db()
    assert (ticket.state, ticket.assignee, ticket.version) == (State.WITH_DUTY_MANAGER, None, 2)
    assert ticket.stage_started_at == now
    assert ticket.due_at == now + timedelta(minutes=120)
    assert ticket.sla_breached_at is None  # the duty manager's stage has a fresh clock
    assert [(e.action, e.actor, e.from_state, e.to_state, e.note) for e in ticket.events.all()] == [
        ("create", agent, "", "open", ""),
        ("sla_breached", None, "open", "open", ""),
        ("auto_escalate", None, "open", "with_duty_manager", "The Open (first line) stage passed its SLA."),
    ]
    assert list(Notification.objects.order_by("id").values_list("user", "kind", "message")) == [
        (agent.pk, "breach", f"{ticket.reference} is overdue in “Open (first line)”."),
        (dm.pk, "assigned", f"{ticket.reference} was escalated to the duty manager: SLA breached."),
    ]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([agent.email], f"[QA Center] {ticket.reference} is overdue in “Open (first line)”."),
        ([dm.email], f"[QA Center] {ticket.reference} was escalated to the duty manager: SLA breached."),
    ]


def test_running_the_sweep_twice_changes_nothing_more(
    clock, people, department, django_capture_on_commit_callbacks
):
    first_line = create_ticket(people[Role.AGENT])
    at_department = walk(State.WITH_DEPARTMENT, people, department)
    clock.shift(timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sla_sweep() == {"breached": 2, "escalated": 1}
    record = sweep_record()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.sla_sweep() == {"breached": 0, "escalated": 0}
    assert callbacks == []
    assert sweep_record() == record
    first_line.refresh_from_db()
    at_department.refresh_from_db()
    assert (first_line.state, at_department.state) == (State.WITH_DUTY_MANAGER, State.WITH_DEPARTMENT)


def test_sweep_marks_a_department_stage_overdue_and_tells_its_members_without_escalating(
    clock, people, department
):
    ticket = walk(State.WITH_DEPARTMENT, people, department)
    due = ticket.due_at
    clock.move_to(due + timedelta(seconds=1))
    assert services.sla_sweep() == {"breached": 1, "escalated": 0}

    ticket.refresh_from_db()
    assert (ticket.state, ticket.department, ticket.due_at) == (State.WITH_DEPARTMENT, department, due)
    assert ticket.sla_breached_at == due + timedelta(seconds=1)
    assert ticket.events.last().action == Action.SLA_BREACHED
    breach = Notification.objects.filter(kind="breach")
    assert [n.user for n in breach] == [people[Role.DEPARTMENT_STAFF]]
    assert breach.get().message == f"{ticket.reference} is overdue in “With business department”."


def test_sweep_escalates_an_overdue_expert_stage_and_tells_the_expert_pool(clock, people, department):
    second_expert = UserFactory(roles=[Role.EXPERT])
    ticket = walk(State.WITH_EXPERT, people, department)
    Notification.objects.all().delete()
    clock.move_to(ticket.due_at + timedelta(minutes=1))
    assert services.sla_sweep() == {"breached": 1, "escalated": 1}
    ticket.refresh_from_db()
    assert ticket.state == State.WITH_DUTY_MANAGER
    breach = Notification.objects.filter(kind="breach")
    assert {n.user for n in breach} == {people[Role.EXPERT], second_expert}


def test_sweep_leaves_tickets_waiting_for_the_customer_not_yet_due_or_closed(clock, people, department):
    waiting = create_ticket(people[Role.AGENT])
    services.ticket_set_waiting(by=people[Role.AGENT], ticket_id=waiting.pk, waiting=True)
    exactly_due = create_ticket(people[Role.AGENT], severity=Severity.LOW)  # due in 240 minutes
    walk(State.CLOSED, people, department)
    clock.shift(timedelta(minutes=240))
    assert services.sla_sweep() == {"breached": 0, "escalated": 0}
    assert TicketEvent.objects.filter(action__in=[Action.SLA_BREACHED, Action.AUTO_ESCALATE]).count() == 0
    exactly_due.refresh_from_db()
    assert exactly_due.state == State.OPEN


def test_sweep_works_in_batches(clock, monkeypatch, people):
    monkeypatch.setattr(services, "SWEEP_BATCH_SIZE", 2)
    tickets = [create_ticket(people[Role.AGENT]) for _ in range(3)]
    clock.shift(timedelta(days=1))
    assert services.sla_sweep() == {"breached": 2, "escalated": 2}
    assert services.sla_sweep() == {"breached": 1, "escalated": 1}
    assert services.sla_sweep() == {"breached": 0, "escalated": 0}
    assert {t.state for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])} == {
        State.WITH_DUTY_MANAGER
    }


def test_the_beat_task_runs_the_sweep(clock, people):
    create_ticket(people[Role.AGENT])
    clock.shift(timedelta(days=1))
    assert tasks.sla_sweep() == {"breached": 1, "escalated": 1}


# --- Notifications and e-mails ----------------------------------------------------------------------


def test_escalating_to_the_expert_pool_notifies_each_active_expert_and_mails_after_commit(
    people, django_capture_on_commit_callbacks
):
    agent = people[Role.AGENT]
    second_expert = UserFactory(roles=[Role.EXPERT], username="expert2")
    UserFactory(roles=[Role.EXPERT], is_active=False)
    ticket = create_ticket(agent)

    with django_capture_on_commit_callbacks() as callbacks:
        act(ticket, agent, Action.ESCALATE, note="Too hard for me.")
    assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()

    message = f"{ticket.reference}: Escalate by {agent.name}"
    assert sorted(Notification.objects.values_list("user", "kind", "message", "ticket")) == sorted(
        [
            (people[Role.EXPERT].pk, "assigned", message, ticket.pk),
            (second_expert.pk, "assigned", message, ticket.pk),
        ]
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["expert2@example.test", "expert@example.test"]
    assert {m.subject for m in mail.outbox} == {f"[QA Center] {message}"}


def test_a_named_assignee_alone_is_notified(people):
    ticket = create_ticket(people[Role.AGENT])
    UserFactory(roles=[Role.EXPERT])
    act(ticket, people[Role.AGENT], Action.ESCALATE, assignee_id=people[Role.EXPERT].pk)
    assert list(Notification.objects.values_list("user", flat=True)) == [people[Role.EXPERT].pk]


def test_assigning_a_department_notifies_its_staff_members_only(people, department, other_department):
    ticket = walk(State.WITH_DUTY_MANAGER, people, department)
    member_without_role = UserFactory()
    department.members.add(member_without_role)
    Notification.objects.all().delete()
    act(ticket, people[Role.DUTY_MANAGER], Action.ASSIGN_DEPARTMENT, department_id=department.pk)
    assert list(Notification.objects.values_list("user", "kind")) == [
        (people[Role.DEPARTMENT_STAFF].pk, "assigned")
    ]


def test_a_transfer_notifies_the_new_department(people, department):
    ticket = walk(State.WITH_DEPARTMENT, people, department)
    Notification.objects.all().delete()
    act(
        ticket,
        people[Role.DEPARTMENT_STAFF],
        Action.TRANSFER,
        department_id=people["other_department_staff"].departments.get().pk,
    )
    assert list(Notification.objects.values_list("user", flat=True)) == [people["other_department_staff"].pk]


def test_sending_back_and_reopening_have_their_own_kinds(people, department):
    ticket = walk(State.WITH_EXPERT, people, department)
    Notification.objects.all().delete()
    act(ticket, people[Role.EXPERT], Action.RETURN, note="Ask for the invoice number.")
    assert list(Notification.objects.values_list("user", "kind")) == [(people[Role.AGENT].pk, "returned")]

    closed = walk(State.CLOSED, people, department)
    second_manager = UserFactory(roles=[Role.DUTY_MANAGER])
    Notification.objects.all().delete()
    act(closed, people[Role.DUTY_MANAGER], Action.REOPEN, note="Again.")
    assert list(Notification.objects.values_list("user", "kind")) == [(second_manager.pk, "reopened")]


def test_the_actor_is_never_notified_of_their_own_action_and_closing_tells_the_creator(people, department):
    ticket = walk(State.FEEDBACK, people, department)
    Notification.objects.all().delete()
    act(ticket, people[Role.DUTY_MANAGER], Action.CLOSE, customer_satisfied=True)
    assert list(Notification.objects.values_list("user", flat=True)) == [people[Role.AGENT].pk]


def test_a_rolled_back_transition_sends_nothing(people, django_capture_on_commit_callbacks):
    ticket = create_ticket(people[Role.AGENT])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationFailed):
            act(ticket, people[Role.AGENT], Action.ESCALATE, assignee_id=people["other_agent"].pk)
    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.count() == 0


# --- Suggestions --------------------------------------------------------------------------------------


def test_a_closed_tickets_resolution_becomes_a_suggestion(people, department):
    ticket = walk(State.CLOSED, people, department)
    suggestion = services.suggestion_promote(
        by=people[Role.DUTY_MANAGER], ticket_id=ticket.pk, title=" Refund "
    )
    assert (suggestion.category, suggestion.title, suggestion.text, suggestion.source_ticket) == (
        ticket.category,
        "Refund",
        "close step",
        ticket,
    )
    assert suggestion.created_by == people[Role.DUTY_MANAGER]


def test_only_a_closed_ticket_can_be_promoted(people, department):
    ticket = walk(State.FEEDBACK, people, department)
    with pytest.raises(Conflict, match="^Only a closed ticket's resolution can become a suggestion.$"):
        services.suggestion_promote(by=people[Role.DUTY_MANAGER], ticket_id=ticket.pk, title="Refund")
    assert Suggestion.objects.count() == 0


@pytest.mark.parametrize("persona", ["agent", "expert", "department_staff", "qa_manager", "admin"])
def test_only_duty_managers_promote_suggestions(persona, people, department):
    ticket = walk(State.CLOSED, people, department)
    with pytest.raises(PermissionDenied, match="^Your role does not allow this action.$"):
        services.suggestion_promote(by=people[persona], ticket_id=ticket.pk, title="Refund")
    assert Suggestion.objects.count() == 0


def test_a_suggestion_needs_a_title(people, department):
    ticket = walk(State.CLOSED, people, department)
    with pytest.raises(ValidationFailed) as caught:
        services.suggestion_promote(by=people[Role.DUTY_MANAGER], ticket_id=ticket.pk, title="  ")
    assert caught.value.fields == {"title": ["A title is required."]}


# --- Attachments ---------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.COMPLAINTS_ATTACHMENT_MAX_BYTES = 1_048_576
    return tmp_path


def test_an_attachment_is_stored_and_on_the_timeline(media, people):
    ticket = create_ticket(people[Role.AGENT])
    upload = SimpleUploadedFile("bill.pdf", b"%PDF-1.4 bill", content_type="application/pdf")
    attachment = services.attachment_add(by=people[Role.AGENT], ticket_id=ticket.pk, upload=upload)
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "bill.pdf",
        "application/pdf",
        13,
    )
    assert (media / attachment.file.name).read_bytes() == b"%PDF-1.4 bill"
    event = ticket.events.last()
    assert (event.action, event.actor, event.note, event.from_state, event.to_state) == (
        "attachment",
        people[Role.AGENT],
        "bill.pdf",
        "open",
        "open",
    )


def test_an_attachment_of_exactly_the_limit_is_accepted_one_byte_more_is_not(media, people):
    ticket = create_ticket(people[Role.AGENT])
    exact = SimpleUploadedFile("a.txt", b"x" * 1_048_576, content_type="text/plain; charset=utf-8")
    assert services.attachment_add(by=people[Role.AGENT], ticket_id=ticket.pk, upload=exact).content_type == (
        "text/plain"
    )
    too_big = SimpleUploadedFile("b.txt", b"x" * 1_048_577, content_type="text/plain")
    with pytest.raises(ValidationFailed) as caught:
        services.attachment_add(by=people[Role.AGENT], ticket_id=ticket.pk, upload=too_big)
    assert caught.value.fields == {"file": ["The file is larger than 1.0 MB."]}
    assert Attachment.objects.count() == 1
    assert ticket.events.filter(action=Action.ATTACHMENT).count() == 1


@pytest.mark.parametrize("content_type", ["application/x-msdownload", "text/html", ""])
def test_an_attachment_of_another_type_is_refused(content_type, media, people):
    ticket = create_ticket(people[Role.AGENT])
    upload = SimpleUploadedFile("evil.exe", b"MZ", content_type=content_type)
    with pytest.raises(ValidationFailed) as caught:
        services.attachment_add(by=people[Role.AGENT], ticket_id=ticket.pk, upload=upload)
    assert caught.value.fields == {"file": ["Files of this type cannot be attached."]}
    assert Attachment.objects.count() == 0
    assert not any(media.rglob("evil*"))


def test_only_people_who_see_the_ticket_attach_files(media, people):
    ticket = create_ticket(people[Role.AGENT])
    upload = SimpleUploadedFile("a.txt", b"x", content_type="text/plain")
    for persona in ["other_agent", "department_staff", "qa_manager"]:
        with pytest.raises(NotFound):
            services.attachment_add(by=people[persona], ticket_id=ticket.pk, upload=upload)
    assert Attachment.objects.count() == 0


# --- Categories ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["duty_manager", "admin"])
def test_duty_managers_and_admins_create_categories(persona, people, department):
    parent = services.category_create(by=people[persona], name=" Billing ", default_department=department)
    child = services.category_create(by=people[persona], name="Double charge", parent=parent)
    assert (parent.name, parent.parent, parent.default_department, parent.active) == (
        "Billing",
        None,
        department,
        True,
    )
    assert child.parent == parent


@pytest.mark.parametrize("persona", ["agent", "expert", "department_staff", "qa_manager", "no_role"])
def test_other_roles_do_not_create_categories(persona, people):
    with pytest.raises(PermissionDenied, match="^Your role does not allow this action.$"):
        services.category_create(by=people[persona], name="Billing")
    assert Category.objects.count() == 0


def test_a_category_name_is_unique_within_its_parent_ignoring_case(people):
    dm = people[Role.DUTY_MANAGER]
    billing = services.category_create(by=dm, name="Billing")
    services.category_create(by=dm, name="Other", parent=billing)
    with pytest.raises(ValidationFailed) as caught:
        services.category_create(by=dm, name="BILLING")
    assert caught.value.fields == {"name": ["This category already exists here."]}
    with pytest.raises(ValidationFailed, match="^This category already exists here.$"):
        services.category_create(by=dm, name="other", parent=billing)
    assert services.category_create(by=dm, name="Other").parent is None  # same name, other level


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "A name is required."), ("  ", "A name is required."), ("x" * 101, "At most 100 characters.")],
)
def test_a_category_needs_a_name_of_at_most_100_characters(name, message, people):
    with pytest.raises(ValidationFailed) as caught:
        services.category_create(by=people[Role.DUTY_MANAGER], name=name)
    assert caught.value.fields == {"name": [message]}


# --- Creating tickets ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agent", "expert", "duty_manager"])
def test_a_new_ticket_is_open_with_its_creator_and_a_create_event(persona, clock, people):
    by = people[persona]
    ticket = create_ticket(by, customer_name=" Li Na ", description=" Charged twice. ")
    ticket.refresh_from_db()
    assert (ticket.state, ticket.assignee, ticket.created_by, ticket.version) == (State.OPEN, by, by, 1)
    assert (ticket.customer_name, ticket.description, ticket.channel) == ("Li Na", "Charged twice.", "phone")
    assert [(e.action, e.actor, e.from_state, e.to_state) for e in ticket.events.all()] == [
        ("create", by, "", "open")
    ]
    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    "persona", ["department_staff", "qa_evaluator", "qa_manager", "improvement_member", "admin"]
)
def test_only_first_line_roles_open_tickets(persona, people):
    with pytest.raises(PermissionDenied, match="^Your role does not allow this action.$"):
        create_ticket(people[persona])
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"severity": "urgent"}, "severity", "Choose a severity: low, medium, high or critical."),
        ({"channel": "pigeon"}, "channel", "Unknown channel."),
        ({"customer_name": "  "}, "customer_name", "The customer's name is required."),
        ({"customer_name": "x" * 101}, "customer_name", "At most 100 characters."),
        ({"customer_phone": ""}, "customer_phone", "The customer's number is required."),
        ({"customer_phone": "1" * 33}, "customer_phone", "At most 32 characters."),
        ({"description": "\n"}, "description", "Describe the complaint."),
    ],
    ids=["severity", "channel", "name", "long name", "phone", "long phone", "description"],
)
def test_ticket_create_refuses_bad_input_with_the_field(overrides, field, message, people):
    with pytest.raises(ValidationFailed) as caught:
        create_ticket(people[Role.AGENT], **overrides)
    assert caught.value.fields == {field: [message]}
    assert Ticket.objects.count() == TicketEvent.objects.count() == 0


def test_a_ticket_cannot_use_an_inactive_category(people):
    with pytest.raises(ValidationFailed) as caught:
        create_ticket(people[Role.AGENT], category=CategoryFactory(active=False))
    assert caught.value.fields == {"category": ["This category is no longer in use."]}


def test_references_are_cp_year_and_six_digit_row_id_and_unique_even_at_the_same_instant(clock, people):
    first = create_ticket(people[Role.AGENT])
    second = create_ticket(people[Role.AGENT])  # the clock stands still: same microsecond
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert re.fullmatch(r"CP-\d{4}-\d{6}", ticket.reference)
        assert ticket.reference == f"CP-2025-{ticket.pk:06d}"
    assert first.reference != second.reference


def test_the_reference_year_is_the_local_year(clock, people):
    clock.move_to(datetime(2025, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC")))  # 01:00 on 1 January in Shanghai
    ticket = create_ticket(people[Role.AGENT])
    assert ticket.reference == f"CP-2026-{ticket.pk:06d}"


def test_factory_tickets_have_unique_references(db):
    tickets = TicketFactory.build_batch(3)
    assert len({t.reference for t in tickets}) == 3


# --- Notifications read ----------------------------------------------------------------------------


def test_marking_notifications_read_touches_only_the_users_own_unread_ones(people, department):
    walk(State.WITH_DEPARTMENT, people, department)  # notifies the expert, the duty manager and Billing
    expert = people[Role.EXPERT]
    mine = list(Notification.objects.filter(user=expert).values_list("pk", flat=True))
    others = list(Notification.objects.exclude(user=expert).values_list("pk", flat=True))
    assert len(mine) == 1
    assert others

    assert services.notifications_mark_read(by=expert, ids=[*mine, *others]) == 1
    assert services.notifications_mark_read(by=expert) == 0
    assert Notification.objects.filter(pk__in=others, read_at__isnull=True).count() == len(others)
    assert (
        services.notifications_mark_read(by=people[Role.DUTY_MANAGER])
        == Notification.objects.filter(user=people[Role.DUTY_MANAGER]).count()
    )
