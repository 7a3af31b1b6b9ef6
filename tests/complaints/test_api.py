"""The complaints API contract (DESIGN.md §9): shapes and status codes, bad input never a 500, filters,
notifications, the waiting action, and list query counts that do not grow with the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.complaints import services
from apps.complaints.models import Notification, Ticket, TicketEvent
from apps.complaints.states import Action, Severity, State
from tests.complaints.factories import (
    CategoryFactory,
    TicketEventFactory,
    TicketFactory,
    act,
    create_ticket,
    ticket_in,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)
TICKETS = "/api/v1/tickets/"
ALIAS = "/api/v1/complaints/tickets/"
HUGE = "99999999999999999999999999"
FIELDS_INVALID = "Some fields are invalid; see the messages per field."
NOT_SHARED = "This ticket does not exist or is not shared with you."

TICKET_KEYS = {
    "id",
    "reference",
    "customer_name",
    "customer_phone",
    "category",
    "category_name",
    "severity",
    "channel",
    "description",
    "state",
    "assignee",
    "assignee_name",
    "department",
    "department_name",
    "created_by",
    "created_at",
    "stage_started_at",
    "due_at",
    "overdue",
    "sla_breached_at",
    "waiting_for_customer",
    "resolution",
    "customer_satisfied",
    "satisfaction_score",
    "closed_at",
    "version",
    "available_actions",
}


@pytest.fixture
def client_of(personas, api_as):
    return lambda persona: api_as(personas[persona])


@pytest.fixture
def billing(db):
    return CategoryFactory(name="Billing")


def new_ticket_payload(category_row, **overrides) -> dict:
    return {
        "customer_name": "Li Na",
        "customer_phone": "13812348000",
        "category": category_row.pk,
        "severity": "high",
        "description": "Charged twice for March.",
        **overrides,
    }


def transition(client, ticket, action, expected_state=None, base=TICKETS, **fields):
    payload = {
        "action": action,
        "expected_state": expected_state or ticket.state,
        "note": "Because.",
        **fields,
    }
    return client.post(f"{base}{ticket.pk}/transition/", payload, format="json")


# --- tickets/: create, read ------------------------------------------------------------------------


@pytest.mark.parametrize("base", [TICKETS, ALIAS])
def test_creating_a_ticket_answers_201_with_id_reference_and_state(base, client_of, personas, billing):
    with time_machine.travel(MONDAY_10, tick=False):
        response = client_of(Role.AGENT).post(base, new_ticket_payload(billing), format="json")

    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get()
    assert set(body) == TICKET_KEYS
    assert body["id"] == ticket.pk
    assert body["reference"] == f"CP-2025-{ticket.pk:06d}"
    assert body["state"] == "open"
    assert body | {"id": 0, "reference": "", "created_at": ""} == {
        "id": 0,
        "reference": "",
        "customer_name": "Li Na",
        "customer_phone": "13812348000",
        "category": billing.pk,
        "category_name": "Billing",
        "severity": "high",
        "channel": "phone",
        "description": "Charged twice for March.",
        "state": "open",
        "assignee": personas[Role.AGENT].pk,
        "assignee_name": personas[Role.AGENT].name,
        "department": None,
        "department_name": None,
        "created_by": personas[Role.AGENT].pk,
        "created_at": "",
        "stage_started_at": "2025-03-03T10:00:00+08:00",
        "due_at": "2025-03-03T11:00:00+08:00",
        "overdue": False,
        "sla_breached_at": None,
        "waiting_for_customer": False,
        "resolution": "",
        "customer_satisfied": None,
        "satisfaction_score": None,
        "closed_at": None,
        "version": 1,
        "available_actions": ["escalate", "resolve"],
    }


def test_a_ticket_made_at_the_alias_is_the_same_resource(client_of, billing):
    client = client_of(Role.AGENT)
    created = client.post(ALIAS, new_ticket_payload(billing), format="json").json()
    assert client.get(f"{TICKETS}{created['id']}/").json() == client.get(f"{ALIAS}{created['id']}/").json()
    assert [t["id"] for t in client.get(TICKETS).json()["results"]] == [created["id"]]


def test_creating_without_fields_lists_every_missing_field(client_of):
    response = client_of(Role.AGENT).post(TICKETS, {}, format="json")
    assert response.status_code == 400
    required = ["This field is required."]
    assert response.json() == {
        "detail": FIELDS_INVALID,
        "customer_name": required,
        "customer_phone": required,
        "category": required,
        "severity": required,
        "description": required,
    }


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"severity": "urgent"}, {"severity": ['"urgent" is not a valid choice.']}),
        ({"severity": 3}, {"severity": ['"3" is not a valid choice.']}),
        ({"category": 987654}, {"category": ['Invalid pk "987654" - object does not exist.']}),
        ({"category": "billing"}, {"category": ["Incorrect type. Expected pk value, received str."]}),
        ({"category": HUGE}, {"category": [f'Invalid pk "{HUGE}" - object does not exist.']}),
        ({"category": {"id": 1}}, {"category": ["Incorrect type. Expected pk value, received dict."]}),
        ({"customer_name": ["Li"]}, {"customer_name": ["Not a valid string."]}),
        ({"customer_name": "x" * 101},
         {"customer_name": ["Ensure this field has no more than 100 characters."]}),
        ({"description": "   "}, {"description": ["This field may not be blank."]}),
        ({"channel": "pigeon"}, {"channel": ['"pigeon" is not a valid choice.']}),
    ],
    ids=["severity", "severity type", "category", "category type", "huge category", "category dict",
         "name type", "long name", "blank description", "channel"],
)  # fmt: skip
def test_creating_with_bad_fields_answers_400_with_the_field(overrides, errors, client_of, billing):
    response = client_of(Role.AGENT).post(TICKETS, new_ticket_payload(billing, **overrides), format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": FIELDS_INVALID, **errors}
    assert Ticket.objects.count() == 0


def test_creating_in_an_inactive_category_answers_400_from_the_service(client_of):
    response = client_of(Role.AGENT).post(
        TICKETS, new_ticket_payload(CategoryFactory(active=False)), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "This category is no longer in use.",
        "category": ["This category is no longer in use."],
    }


def test_reading_a_ticket_answers_its_fields(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    response = client_of(Role.AGENT).get(f"{TICKETS}{ticket.pk}/")
    assert response.status_code == 200
    assert set(response.json()) == TICKET_KEYS
    assert response.json()["reference"] == ticket.reference


# --- tickets/{id}/transition/ ---------------------------------------------------------------------


@pytest.mark.parametrize("base", [TICKETS, ALIAS])
def test_a_transition_answers_200_with_the_ticket_in_its_new_state(base, client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    response = transition(client_of(Role.AGENT), ticket, "escalate", base=base)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == TICKET_KEYS
    assert (body["id"], body["state"], body["assignee"], body["version"]) == (
        ticket.pk,
        "with_expert",
        None,
        2,
    )
    assert body["available_actions"] == []  # the agent no longer holds it


def test_the_whole_chain_through_the_api(client_of, personas, department, other_department):
    ticket = create_ticket(personas[Role.AGENT])
    steps = [
        (Role.AGENT, "escalate", "open", {}),
        (Role.EXPERT, "escalate", "with_expert", {}),
        (Role.DUTY_MANAGER, "assign_department", "with_duty_manager", {"department": department.pk}),
        (Role.DEPARTMENT_STAFF, "transfer", "with_department", {"department": other_department.pk}),
        ("other_department_staff", "submit_feedback", "with_department", {}),
        (Role.DUTY_MANAGER, "close", "feedback", {"customer_satisfied": True, "satisfaction_score": 5}),
        (Role.DUTY_MANAGER, "reopen", "closed", {}),
        (Role.DUTY_MANAGER, "close", "with_duty_manager", {"customer_satisfied": False}),
    ]
    states = []
    for persona, action, expected, fields in steps:
        response = transition(client_of(persona), ticket, action, expected_state=expected, **fields)
        assert response.status_code == 200, (action, response.json())
        states.append(response.json()["state"])
    assert states == [
        "with_expert",
        "with_duty_manager",
        "with_department",
        "with_department",
        "feedback",
        "closed",
        "with_duty_manager",
        "closed",
    ]
    body = client_of(Role.DUTY_MANAGER).get(f"{TICKETS}{ticket.pk}/").json()
    assert (body["customer_satisfied"], body["satisfaction_score"], body["resolution"]) == (
        False,
        None,
        "Because.",
    )


def test_a_transition_without_a_note_answers_400(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    response = client_of(Role.AGENT).post(
        f"{TICKETS}{ticket.pk}/transition/", {"action": "escalate", "expected_state": "open"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": FIELDS_INVALID, "note": ["This field is required."]}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"note": "  "}, {"note": ["This field may not be blank."]}),
        ({"note": None}, {"note": ["This field may not be null."]}),
        ({"note": {"text": "x"}}, {"note": ["Not a valid string."]}),
        ({"action": "fly"}, {"action": ['"fly" is not a valid choice.']}),
        ({"action": None}, {"action": ["This field may not be null."]}),
        ({"expected_state": "lost"}, {"expected_state": ['"lost" is not a valid choice.']}),
        ({"department": "billing"}, {"department": ["A valid integer is required."]}),
        (
            {"department": HUGE},
            {"department": ["Ensure this value is less than or equal to 9223372036854775807."]},
        ),
        ({"department": 0}, {"department": ["Ensure this value is greater than or equal to 1."]}),
        ({"assignee": [1]}, {"assignee": ["A valid integer is required."]}),
        ({"customer_satisfied": "maybe"}, {"customer_satisfied": ["Must be a valid boolean."]}),
        (
            {"satisfaction_score": 6},
            {"satisfaction_score": ["Ensure this value is less than or equal to 5."]},
        ),
        ({"version": "two"}, {"version": ["A valid integer is required."]}),
    ],
    ids=lambda value: str(value)[:30],
)
def test_a_transition_with_bad_fields_answers_400_and_changes_nothing(fields, errors, client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    payload = {"action": "escalate", "expected_state": "open", "note": "Because.", **fields}
    response = client_of(Role.AGENT).post(f"{TICKETS}{ticket.pk}/transition/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": FIELDS_INVALID, **errors}
    assert Ticket.objects.get().state == "open"
    assert TicketEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("source", "action", "fields", "field", "message"),
    [
        ("with_duty_manager", "assign_department", {}, "department", "Choose a department."),
        ("with_duty_manager", "assign_department", {"department": 987654}, "department",
         "This department does not exist."),
        ("with_department", "transfer", {"department": "own"}, "department",
         "Choose another department than the current one."),
        ("feedback", "close", {}, "customer_satisfied", "Say whether the customer is satisfied."),
        ("feedback", "close", {"customer_satisfied": None}, "customer_satisfied",
         "Say whether the customer is satisfied."),
        ("with_duty_manager", "return", {"assignee": 987654}, "assignee",
         "The assignee must be an active user with the role of this stage."),
    ],
    ids=["no department", "unknown department", "same department", "no satisfaction", "null satisfaction",
         "unknown assignee"],
)  # fmt: skip
def test_a_transition_missing_what_the_action_carries_answers_400_with_the_field(
    source, action, fields, field, message, client_of, personas, department
):
    ticket = ticket_in(source, personas, department)
    if fields.get("department") == "own":
        fields = {"department": department.pk}
    persona = Role.DEPARTMENT_STAFF if source == "with_department" else Role.DUTY_MANAGER
    response = transition(client_of(persona), ticket, action, **fields)
    assert response.status_code == 400
    assert response.json() == {"detail": message, field: [message]}
    assert Ticket.objects.get().state == source


def test_a_transition_the_role_may_not_take_answers_403(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    response = transition(client_of(Role.DUTY_MANAGER), ticket, "resolve")
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this action on this ticket."}
    assert Ticket.objects.get().state == "open"


def test_a_transition_on_a_ticket_not_shared_answers_404(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    response = transition(client_of("other_agent"), ticket, "escalate")
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_SHARED}


def test_a_stale_expected_state_answers_409_and_changes_nothing(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    client = client_of(Role.AGENT)
    assert transition(client, ticket, "escalate").status_code == 200

    response = transition(client, ticket, "escalate", expected_state="open")
    assert response.status_code == 409
    assert response.json() == {
        "detail": (
            "The ticket changed meanwhile: it is now “With difficult-case expert”. Reload it and try again."
        )
    }
    assert TicketEvent.objects.filter(action="escalate").count() == 1


def test_a_stale_version_answers_409(client_of, personas, department):
    ticket = ticket_in("with_expert", personas, department)
    response = transition(client_of(Role.EXPERT), ticket, "escalate", version=ticket.version - 1)
    assert response.status_code == 409
    assert transition(client_of(Role.EXPERT), ticket, "escalate", version=ticket.version).status_code == 200


def test_an_action_not_allowed_from_the_current_state_answers_409(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    response = transition(client_of(Role.DUTY_MANAGER), ticket, "close", customer_satisfied=True)
    assert response.status_code == 409
    assert response.json() == {"detail": "“Close” is not possible while the ticket is “Open (first line)”."}


def test_reopening_after_the_window_answers_400_with_the_date(client_of, personas, department):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        ticket = ticket_in("closed", personas, department)
        clock.shift(timedelta(days=31))
        response = transition(client_of(Role.DUTY_MANAGER), ticket, "reopen")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Tickets can be reopened for 30 days after closing; this one was closed on 2025-03-03."
    }


# --- tickets/{id}/events/ ---------------------------------------------------------------------------


@pytest.mark.parametrize("base", [TICKETS, ALIAS])
def test_events_are_the_timeline_oldest_first(base, client_of, personas, department):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        ticket = create_ticket(personas[Role.AGENT])
        clock.shift(timedelta(minutes=5))
        act(ticket, personas[Role.AGENT], Action.ESCALATE, note="Too hard.")
        clock.shift(timedelta(hours=5))
        services.sla_sweep()

    response = client_of(Role.DUTY_MANAGER).get(f"{base}{ticket.pk}/events/")
    assert response.status_code == 200
    events = response.json()
    ids = list(
        TicketEvent.objects.filter(ticket=ticket).order_by("created_at", "id").values_list("id", flat=True)
    )
    agent = personas[Role.AGENT]
    assert events == [
        {
            "id": ids[0],
            "action": "create",
            "actor": agent.pk,
            "actor_name": agent.name,
            "from_state": "",
            "to_state": "open",
            "note": "",
            "department": None,
            "department_name": None,
            "created_at": "2025-03-03T10:00:00+08:00",
        },
        {
            "id": ids[1],
            "action": "escalate",
            "actor": agent.pk,
            "actor_name": agent.name,
            "from_state": "open",
            "to_state": "with_expert",
            "note": "Too hard.",
            "department": None,
            "department_name": None,
            "created_at": "2025-03-03T10:05:00+08:00",
        },
        {
            "id": ids[2],
            "action": "sla_breached",
            "actor": None,
            "actor_name": "system",
            "from_state": "with_expert",
            "to_state": "with_expert",
            "note": "",
            "department": None,
            "department_name": None,
            "created_at": "2025-03-03T15:05:00+08:00",
        },
        {
            "id": ids[3],
            "action": "auto_escalate",
            "actor": None,
            "actor_name": "system",
            "from_state": "with_expert",
            "to_state": "with_duty_manager",
            "note": "The With difficult-case expert stage passed its SLA.",
            "department": None,
            "department_name": None,
            "created_at": "2025-03-03T15:05:00+08:00",
        },
    ]


def test_events_are_oldest_first_even_when_ids_are_not(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    late = TicketEventFactory(ticket=ticket, action=Action.ATTACHMENT, note="later.pdf")
    TicketEvent.objects.filter(pk=late.pk).update(created_at=timezone.now() + timedelta(hours=1))
    early = TicketEventFactory(ticket=ticket, action=Action.ATTACHMENT, note="earlier.pdf")
    TicketEvent.objects.filter(pk=early.pk).update(created_at=timezone.now() - timedelta(hours=1))
    notes = [e["note"] for e in client_of(Role.AGENT).get(f"{TICKETS}{ticket.pk}/events/").json()]
    assert notes == ["earlier.pdf", "", "later.pdf"]


def test_events_of_a_ticket_not_shared_answer_404(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    response = client_of("other_agent").get(f"{TICKETS}{ticket.pk}/events/")
    assert response.status_code == 404


# --- Bad input never yields a 500 -----------------------------------------------------------------


def test_malformed_json_answers_400(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    client = client_of(Role.AGENT)
    for url in [TICKETS, f"{TICKETS}{ticket.pk}/transition/", f"{TICKETS}{ticket.pk}/waiting/"]:
        response = client.post(url, '{"action": "escalate",', content_type="application/json")
        assert response.status_code == 400
        assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize("body", [[], "escalate", 42, None, [{"action": "escalate"}]], ids=repr)
def test_a_body_that_is_not_an_object_answers_400(body, client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    client = client_of(Role.AGENT)
    for url in [TICKETS, f"{TICKETS}{ticket.pk}/transition/", f"{TICKETS}{ticket.pk}/waiting/"]:
        response = client.post(url, body, format="json")
        assert response.status_code == 400, (url, response.content)
        assert "detail" in response.json()


@pytest.mark.parametrize("ticket_id", [HUGE, "-1", "0", "abc", "1e9", "%20"])
def test_odd_or_huge_ticket_ids_answer_404(ticket_id, client_of, personas):
    create_ticket(personas[Role.AGENT])
    client = client_of(Role.DUTY_MANAGER)
    assert client.get(f"{TICKETS}{ticket_id}/").status_code == 404
    assert client.get(f"{TICKETS}{ticket_id}/events/").status_code == 404
    payload = {"action": "close", "expected_state": "feedback", "note": "x", "customer_satisfied": True}
    response = client.post(f"{TICKETS}{ticket_id}/transition/", payload, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_SHARED}
    response = client.post(f"{TICKETS}{ticket_id}/waiting/", {"waiting": True}, format="json")
    assert response.status_code == 404


CHOICE = "Select a valid choice. That choice is not one of the available choices."


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        (f"category={HUGE}", {"category": [CHOICE]}),
        (f"department={HUGE}", {"department": [CHOICE]}),
        (f"assignee={HUGE}", {"assignee": [CHOICE]}),
        ("category=abc", {"category": [CHOICE]}),
        ("state=lost", {"state": ["Select a valid choice. lost is not one of the available choices."]}),
        ("severity=9", {"severity": ["Select a valid choice. 9 is not one of the available choices."]}),
        ("date_from=yesterday", {"date_from": ["Enter a valid date."]}),
        ("date_to=2025-02-30", {"date_to": ["Enter a valid date."]}),
    ],
)
def test_bad_filter_values_answer_400_with_the_field(query, errors, client_of, personas):
    create_ticket(personas[Role.AGENT])
    response = client_of(Role.DUTY_MANAGER).get(f"{TICKETS}?{query}")
    assert response.status_code == 400
    assert response.json() == {"detail": FIELDS_INVALID, **errors}


@pytest.mark.parametrize("query", ["ordering=nonsense", "page_size=abc", "page_size=100000", "overdue=maybe"])
def test_unusable_list_options_are_ignored(query, client_of, personas):
    create_ticket(personas[Role.AGENT])
    response = client_of(Role.DUTY_MANAGER).get(f"{TICKETS}?{query}")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_page_past_the_end_answers_404(client_of):
    response = client_of(Role.DUTY_MANAGER).get(f"{TICKETS}?page={HUGE}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


# --- Filters --------------------------------------------------------------------------------------


@pytest.fixture
def filter_world(personas, department, other_department):
    """Six tickets the duty manager sees, each differing in one filterable way."""
    agent = personas[Role.AGENT]
    parent = CategoryFactory(name="Billing")
    child = CategoryFactory(name="Double charge", parent=parent)
    delivery = CategoryFactory(name="Delivery")
    now = timezone.now()
    tickets = {
        "billing": TicketFactory(category=parent, created_by=agent, customer_name="Wang Fang"),
        "double": TicketFactory(
            category=child,
            created_by=agent,
            severity=Severity.CRITICAL,
            description="Refund the second charge",
        ),
        "late": TicketFactory(
            category=delivery, created_by=agent, due_at=now - timedelta(minutes=1), customer_name="Zhao Lei"
        ),
        "breached": TicketFactory(
            category=delivery,
            created_by=agent,
            state=State.WITH_DEPARTMENT,
            department=department,
            due_at=now + timedelta(hours=1),
            sla_breached_at=now - timedelta(hours=1),
        ),
        "logistics": TicketFactory(
            category=delivery,
            created_by=agent,
            state=State.WITH_DEPARTMENT,
            department=other_department,
            due_at=now + timedelta(hours=1),
        ),
        "closed": TicketFactory(category=delivery, created_by=agent, state=State.CLOSED, due_at=None),
    }
    return {"tickets": tickets, "parent": parent, "child": child, "delivery": delivery}


def listed(client, query: str) -> set[str]:
    response = client.get(f"{TICKETS}?{query}")
    assert response.status_code == 200, response.json()
    return {row["reference"] for row in response.json()["results"]}


def refs(world, *names) -> set[str]:
    return {world["tickets"][name].reference for name in names}


def test_filter_by_state_severity_and_department(client_of, filter_world, department):
    client = client_of(Role.DUTY_MANAGER)
    assert listed(client, "state=with_department") == refs(filter_world, "breached", "logistics")
    assert listed(client, "severity=critical") == refs(filter_world, "double")
    assert listed(client, f"department={department.pk}") == refs(filter_world, "breached")
    assert listed(client, "state=open&severity=medium") == refs(filter_world, "billing", "late")


def test_filter_by_category_includes_its_subcategories(client_of, filter_world):
    client = client_of(Role.DUTY_MANAGER)
    assert listed(client, f"category={filter_world['parent'].pk}") == refs(filter_world, "billing", "double")
    assert listed(client, f"category={filter_world['child'].pk}") == refs(filter_world, "double")


def test_filter_by_an_unknown_category_answers_400(client_of, filter_world):
    response = client_of(Role.DUTY_MANAGER).get(f"{TICKETS}?category=987654")
    assert response.status_code == 400
    assert response.json() == {
        "detail": FIELDS_INVALID,
        "category": ["Select a valid choice. That choice is not one of the available choices."],
    }


def test_filter_overdue(client_of, filter_world):
    client = client_of(Role.DUTY_MANAGER)
    assert listed(client, "overdue=true") == refs(filter_world, "late", "breached")
    assert listed(client, "overdue=false") == refs(filter_world, "billing", "double", "logistics", "closed")


def test_filter_by_creation_date_uses_local_dates(client_of, filter_world):
    tickets = filter_world["tickets"]
    # 2025-03-02 16:30 UTC is 00:30 on 3 March in Shanghai; 15:30 UTC is still 2 March there.
    Ticket.objects.filter(pk=tickets["billing"].pk).update(
        created_at=datetime(2025, 3, 2, 16, 30, tzinfo=UTC)
    )
    Ticket.objects.filter(pk=tickets["double"].pk).update(created_at=datetime(2025, 3, 2, 15, 30, tzinfo=UTC))
    Ticket.objects.filter(pk=tickets["late"].pk).update(created_at=datetime(2025, 3, 5, 12, 0, tzinfo=UTC))
    client = client_of(Role.DUTY_MANAGER)
    assert listed(client, "date_from=2025-03-03&date_to=2025-03-04") == refs(filter_world, "billing")
    assert listed(client, "date_to=2025-03-02") == refs(filter_world, "double")
    assert listed(client, "date_from=2025-03-05&date_to=2025-03-05") == refs(filter_world, "late")


def test_filter_q_searches_reference_customer_and_description(client_of, filter_world):
    client = client_of(Role.DUTY_MANAGER)
    tickets = filter_world["tickets"]
    assert listed(client, "q=wang") == refs(filter_world, "billing")
    assert listed(client, "q=SECOND CHARGE") == refs(filter_world, "double")
    assert listed(client, f"q={tickets['late'].reference}") == refs(filter_world, "late")
    assert listed(client, "q=nothing-like-this") == set()


def test_filters_apply_inside_the_users_scope(client_of, filter_world):
    assert listed(client_of(Role.DEPARTMENT_STAFF), "state=with_department") == refs(filter_world, "breached")
    assert listed(client_of("other_agent"), "state=open") == set()


def test_tickets_list_newest_first_and_paginated(client_of, personas):
    agent = personas[Role.AGENT]
    Ticket.objects.bulk_create(TicketFactory.build_batch(60, category=CategoryFactory(), created_by=agent))
    client = client_of(Role.AGENT)
    first = client.get(TICKETS).json()
    assert first["count"] == 60
    assert len(first["results"]) == 50
    expected = list(Ticket.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    second = client.get(f"{TICKETS}?page=2").json()
    assert [r["id"] for r in first["results"] + second["results"]] == expected


# --- The waiting action ---------------------------------------------------------------------------


def test_waiting_pauses_and_resumes_the_clock(client_of, personas):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        ticket = create_ticket(personas[Role.AGENT])  # medium, 24×7: due 12:00
        client = client_of(Role.AGENT)
        clock.shift(timedelta(minutes=30))
        paused = client.post(
            f"{TICKETS}{ticket.pk}/waiting/", {"waiting": True, "note": "Asked for the bill."}
        )
        assert paused.status_code == 200
        assert (paused.json()["waiting_for_customer"], paused.json()["due_at"]) == (True, None)

        again = client.post(f"{TICKETS}{ticket.pk}/waiting/", {"waiting": True})
        assert again.status_code == 409
        assert again.json() == {"detail": "The clock is already paused."}

        clock.shift(timedelta(days=1))
        resumed = client.post(f"{ALIAS}{ticket.pk}/waiting/", {"waiting": False})
    assert resumed.status_code == 200
    assert (resumed.json()["waiting_for_customer"], resumed.json()["due_at"]) == (
        False,
        "2025-03-04T12:00:00+08:00",
    )
    assert list(ticket.events.values_list("action", "note")) == [
        ("create", ""),
        ("waiting_on", "Asked for the bill."),
        ("waiting_off", ""),
    ]


def test_waiting_needs_a_boolean(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    client = client_of(Role.AGENT)
    response = client.post(f"{TICKETS}{ticket.pk}/waiting/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": FIELDS_INVALID, "waiting": ["This field is required."]}
    response = client.post(f"{TICKETS}{ticket.pk}/waiting/", {"waiting": "perhaps"}, format="json")
    assert response.json() == {"detail": FIELDS_INVALID, "waiting": ["Must be a valid boolean."]}


def test_waiting_by_someone_who_does_not_hold_the_ticket_answers_403(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    response = client_of(Role.DUTY_MANAGER).post(f"{TICKETS}{ticket.pk}/waiting/", {"waiting": True})
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the current handler can pause or resume the clock."}


# --- Notifications ----------------------------------------------------------------------------------


NOTIFICATIONS = "/api/v1/notifications/"


def test_notifications_list_the_users_own_newest_first(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    act(ticket, personas[Role.AGENT], Action.ESCALATE)
    ticket.refresh_from_db()
    act(ticket, personas[Role.EXPERT], Action.RETURN, note="Ask for the invoice.")
    response = client_of(Role.AGENT).get(NOTIFICATIONS)
    assert response.status_code == 200
    rows = response.json()["results"]
    note = Notification.objects.get(user=personas[Role.AGENT])
    assert rows == [
        {
            "id": note.pk,
            "kind": "returned",
            "message": f"{ticket.reference}: Send back by {personas[Role.EXPERT].name}",
            "ticket": ticket.pk,
            "ticket_reference": ticket.reference,
            "created_at": rows[0]["created_at"],
            "read_at": None,
        }
    ]
    expert_rows = client_of(Role.EXPERT).get(NOTIFICATIONS).json()["results"]
    assert [r["kind"] for r in expert_rows] == ["assigned"]
    assert client_of("other_agent").get(NOTIFICATIONS).json()["results"] == []


def test_notifications_unread_filter_and_mark_read(client_of, personas):
    expert = personas[Role.EXPERT]
    first, second, third = (
        Notification.objects.create(user=expert, kind="assigned", message=f"Message {n}") for n in range(3)
    )
    client = client_of(Role.EXPERT)

    response = client.post(f"{NOTIFICATIONS}mark-read/", {"ids": [first.pk]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 2}
    assert [r["id"] for r in client.get(f"{NOTIFICATIONS}?unread=true").json()["results"]] == [
        third.pk,
        second.pk,
    ]
    assert len(client.get(NOTIFICATIONS).json()["results"]) == 3

    assert client.post(f"{NOTIFICATIONS}mark-read/", {}, format="json").json() == {"marked": 2, "unread": 0}
    assert client.get(f"{NOTIFICATIONS}?unread=true").json()["results"] == []


def test_marking_someone_elses_notification_read_does_nothing(client_of, personas):
    theirs = Notification.objects.create(user=personas[Role.EXPERT], kind="assigned", message="Theirs")
    response = client_of(Role.AGENT).post(f"{NOTIFICATIONS}mark-read/", {"ids": [theirs.pk]}, format="json")
    assert response.json() == {"marked": 0, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"ids": "all"}, {"ids": ['Expected a list of items but got type "str".']}),
        ({"ids": ["x"]}, {"ids": {"0": ["A valid integer is required."]}}),
        (
            {"ids": [int(HUGE)]},
            {"ids": {"0": ["Ensure this value is less than or equal to 9223372036854775807."]}},
        ),
    ],
)
def test_mark_read_with_bad_ids_answers_400(body, errors, client_of):
    response = client_of(Role.EXPERT).post(f"{NOTIFICATIONS}mark-read/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": FIELDS_INVALID, **errors}


def test_notifications_need_a_signed_in_user(api):
    assert api.get(NOTIFICATIONS).status_code == 401
    assert api.post(f"{NOTIFICATIONS}mark-read/", {}, format="json").status_code == 401


# --- Query counts do not grow with the rows ----------------------------------------------------------


def bulk_tickets(n: int, **fields) -> None:
    Ticket.objects.bulk_create(TicketFactory.build_batch(n, **fields))


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# Per persona: the tickets they see, and the queries their list takes (auth token, user's groups,
# [departments,] count, page). The list asks for 500 a page, so every row is serialised.
LIST_CASES = {
    "agent": ({"state": State.OPEN}, 4),
    "expert": ({"state": State.WITH_EXPERT, "assignee": None}, 4),
    "duty_manager": ({"state": State.WITH_DUTY_MANAGER, "assignee": None}, 4),
    "department_staff": ({"state": State.WITH_DEPARTMENT, "assignee": None, "department": "department"}, 5),
}


@pytest.mark.parametrize("persona", list(LIST_CASES))
def test_ticket_list_runs_the_same_queries_for_10_and_500_tickets(persona, client_of, personas, department):
    fields, expected = LIST_CASES[persona]
    fields = {**fields, "category": CategoryFactory(), "created_by": personas[Role.AGENT]}
    if "department" in fields:
        fields["department"] = department
    client = client_of(persona)
    url = f"{TICKETS}?page_size=500"

    bulk_tickets(10, **fields)
    with_10 = queries_for(client, url)
    assert len(client.get(url).json()["results"]) == 10
    bulk_tickets(490, **fields)
    with_500 = queries_for(client, url)
    assert len(client.get(url).json()["results"]) == 500
    assert with_10 == with_500 == expected


def test_events_list_runs_the_same_queries_for_10_and_500_events(client_of, personas, department):
    ticket = ticket_in(State.WITH_DEPARTMENT, personas, department)
    client = client_of(Role.DUTY_MANAGER)
    url = f"{TICKETS}{ticket.pk}/events/"
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket=ticket, actor=personas[Role.EXPERT], action=Action.ATTACHMENT, department=department
        )
        for _ in range(6)
    )
    with_10 = queries_for(client, url)
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket=ticket, actor=personas[Role.EXPERT], action=Action.ATTACHMENT, department=department
        )
        for _ in range(490)
    )
    with_500 = queries_for(client, url)
    assert len(client.get(url).json()) == 500
    assert with_10 == with_500 == 4


def test_notifications_list_runs_the_same_queries_for_10_and_500(client_of, personas):
    agent = personas[Role.AGENT]
    ticket = create_ticket(agent)
    client = client_of(Role.AGENT)
    url = f"{NOTIFICATIONS}?page_size=500"

    def add(n):
        Notification.objects.bulk_create(
            Notification(user=agent, ticket=ticket, kind="assigned", message="m") for _ in range(n)
        )

    add(10)
    with_10 = queries_for(client, url)
    add(490)
    with_500 = queries_for(client, url)
    assert with_10 == with_500 == 3


def test_categories_list_runs_the_same_queries_for_10_and_500(client_of, department):
    client = client_of(Role.AGENT)
    url = "/api/v1/complaints/categories/?page_size=500"
    parent = CategoryFactory(default_department=department)
    CategoryFactory.create_batch(9, parent=parent, default_department=department)
    with_10 = queries_for(client, url)
    CategoryFactory.create_batch(490, parent=parent, default_department=department)
    with_500 = queries_for(client, url)
    assert with_10 == with_500 == 3
