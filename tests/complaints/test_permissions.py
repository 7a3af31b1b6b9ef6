"""Who may do what in the complaints API: every role × every endpoint, then object scope and masking.

Object scope (apps/complaints/access.py): agents see tickets they created or hold; experts the
expert queue and tickets they hold or handled; duty managers every ticket; department staff the
tickets currently routed to one of their departments, with the customer's number masked. Roles
without ticket access get 403 on ticket endpoints, anonymous requests 401. Any signed-in user reads
categories; only duty managers and administrators add them.
"""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.complaints.models import Category, Ticket
from apps.complaints.states import Action, State
from tests.complaints.factories import CategoryFactory, TicketEventFactory, TicketFactory, act, create_ticket
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"
CATEGORIES = "/api/v1/complaints/categories/"
NOTIFICATIONS = "/api/v1/notifications/"

NO_TICKET_ROLES = [Role.QA_EVALUATOR, Role.QA_MANAGER, Role.IMPROVEMENT_MEMBER, Role.ADMIN, "no_role"]
TICKET_PERSONAS = [
    Role.AGENT,
    "other_agent",
    Role.EXPERT,
    Role.DUTY_MANAGER,
    Role.DEPARTMENT_STAFF,
    "other_department_staff",
]
EVERYONE = [*TICKET_PERSONAS, *NO_TICKET_ROLES]
TICKET_NAMES = ["own", "held", "other_own", "queue", "expert_held", "handled", "billing", "logistics"]

# Which of the world's tickets each persona sees.
VISIBLE = {
    Role.AGENT: {"own", "held"},
    "other_agent": {"other_own"},
    Role.EXPERT: {"queue", "expert_held", "handled"},
    Role.DUTY_MANAGER: set(TICKET_NAMES),
    Role.DEPARTMENT_STAFF: {"billing"},
    "other_department_staff": {"logistics"},
}


@pytest.fixture
def world(personas, department, other_department):
    """One ticket per scope rule. ``creator`` is an agent who is none of the personas."""
    creator = UserFactory(roles=[Role.AGENT])
    category = CategoryFactory(name="Billing")

    def row(**fields):
        return TicketFactory(category=category, created_by=creator, customer_phone="13812348000", **fields)

    expert = personas[Role.EXPERT]
    handled = row(state=State.WITH_DUTY_MANAGER, assignee=None)
    TicketEventFactory(
        ticket=handled,
        actor=expert,
        action=Action.ESCALATE,
        from_state="with_expert",
        to_state="with_duty_manager",
    )
    tickets = {
        "own": create_ticket(personas[Role.AGENT], category=category),
        "held": row(state=State.OPEN, assignee=personas[Role.AGENT]),
        "other_own": create_ticket(personas["other_agent"], category=category),
        "queue": row(state=State.WITH_EXPERT, assignee=None),
        "expert_held": row(state=State.OPEN, assignee=expert),
        "handled": handled,
        "billing": row(state=State.WITH_DEPARTMENT, department=department, assignee=None),
        "logistics": row(state=State.WITH_DEPARTMENT, department=other_department, assignee=None),
    }
    return {"tickets": tickets, "category": category}


@pytest.fixture
def client_of(personas, api_as, api):
    return lambda persona: api if persona == "anonymous" else api_as(personas[persona])


# --- Object scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", TICKET_PERSONAS)
def test_each_ticket_role_lists_exactly_the_tickets_in_its_scope(persona, client_of, world):
    response = client_of(persona).get(TICKETS)
    assert response.status_code == 200
    listed = {row["id"] for row in response.json()["results"]}
    assert listed == {world["tickets"][name].pk for name in VISIBLE[persona]}


CASES = [(persona, name) for persona in TICKET_PERSONAS for name in TICKET_NAMES]


@pytest.mark.parametrize(("persona", "name"), CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_a_ticket_outside_the_scope_answers_404_on_every_ticket_endpoint(persona, name, client_of, world):
    ticket = world["tickets"][name]
    client = client_of(persona)
    expected = 200 if name in VISIBLE[persona] else 404
    assert client.get(f"{TICKETS}{ticket.pk}/").status_code == expected
    assert client.get(f"{TICKETS}{ticket.pk}/events/").status_code == expected
    assert client.get(f"/api/v1/complaints/tickets/{ticket.pk}/").status_code == expected
    if expected == 404:
        # Experts and department staff send tickets back, but not ones they cannot see (404);
        # agents never send back, whatever the ticket (403, see below).
        response = client.post(
            f"{TICKETS}{ticket.pk}/transition/",
            {"action": "return", "expected_state": ticket.state, "note": "Not ours."},
            format="json",
        )
        assert response.status_code == (403 if persona in (Role.AGENT, "other_agent") else 404)
        assert client.post(f"{TICKETS}{ticket.pk}/waiting/", {"waiting": True}).status_code == 404
        assert Ticket.objects.get(pk=ticket.pk).state == ticket.state


def test_agents_see_tickets_they_created_after_they_hand_them_on(client_of, personas):
    ticket = create_ticket(personas[Role.AGENT])
    act(ticket, personas[Role.AGENT], Action.ESCALATE)
    assert client_of(Role.AGENT).get(f"{TICKETS}{ticket.pk}/").status_code == 200


def test_experts_keep_seeing_tickets_they_handled_and_lose_the_queue_once_it_moves(client_of, personas):
    agent, expert = personas[Role.AGENT], personas[Role.EXPERT]
    handled = act(create_ticket(agent), agent, Action.ESCALATE)
    passed_by = act(create_ticket(agent), agent, Action.ESCALATE)
    client = client_of(Role.EXPERT)
    assert client.get(f"{TICKETS}{passed_by.pk}/").status_code == 200  # in the expert queue

    act(handled, expert, Action.ESCALATE, note="Refund decision needed.")
    act(passed_by, UserFactory(roles=[Role.EXPERT]), Action.ESCALATE, note="A colleague took it.")
    assert client.get(f"{TICKETS}{handled.pk}/").status_code == 200
    assert client.get(f"{TICKETS}{passed_by.pk}/").status_code == 404


def test_department_staff_lose_a_ticket_transferred_to_another_department(
    client_of, personas, world, other_department
):
    ticket = world["tickets"]["billing"]
    response = client_of(Role.DEPARTMENT_STAFF).post(
        f"{TICKETS}{ticket.pk}/transition/",
        {"action": "transfer", "expected_state": "with_department", "note": "Parcel issue.",
         "department": other_department.pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["department"] == other_department.pk
    assert client_of(Role.DEPARTMENT_STAFF).get(f"{TICKETS}{ticket.pk}/").status_code == 404
    assert client_of("other_department_staff").get(f"{TICKETS}{ticket.pk}/").status_code == 200


def test_department_staff_cannot_act_on_other_departments_tickets(client_of, world):
    ticket = world["tickets"]["logistics"]
    client = client_of(Role.DEPARTMENT_STAFF)
    payload = {"action": "submit_feedback", "expected_state": "with_department", "note": "Done."}
    assert client.post(f"{TICKETS}{ticket.pk}/transition/", payload, format="json").status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).state == State.WITH_DEPARTMENT


@pytest.mark.parametrize("persona", [Role.DEPARTMENT_STAFF, "other_department_staff"])
def test_a_role_that_never_takes_an_action_answers_403_whatever_the_ticket(persona, client_of, world):
    for name in ["billing", "logistics", "own"]:
        ticket = world["tickets"][name]
        payload = {"action": "escalate", "expected_state": ticket.state, "note": "Up."}
        response = client_of(persona).post(f"{TICKETS}{ticket.pk}/transition/", payload, format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": "Your role does not allow this action on this ticket."}


# --- Masking --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "phone"),
    [
        (Role.AGENT, "13812348000"),
        (Role.EXPERT, "13812348000"),
        (Role.DUTY_MANAGER, "13812348000"),
        (Role.DEPARTMENT_STAFF, "138****8000"),
    ],
)
def test_department_staff_see_the_customer_number_masked(persona, phone, client_of, world):
    ticket = {
        Role.AGENT: "own",
        Role.EXPERT: "queue",
        Role.DUTY_MANAGER: "billing",
        Role.DEPARTMENT_STAFF: "billing",
    }[persona]
    client = client_of(persona)
    pk = world["tickets"][ticket].pk
    assert client.get(f"{TICKETS}{pk}/").json()["customer_phone"] == phone
    assert {row["customer_phone"] for row in client.get(TICKETS).json()["results"]} == {phone}


def test_a_staff_member_who_also_works_first_line_sees_the_number(client_of, world, department, api_as):
    both = UserFactory(roles=[Role.AGENT, Role.DEPARTMENT_STAFF])
    department.members.add(both)
    ticket = world["tickets"]["billing"]
    assert api_as(both).get(f"{TICKETS}{ticket.pk}/").json()["customer_phone"] == "13812348000"


# --- Roles without ticket access, and anonymous requests -----------------------------------------------


def ticket_endpoints(world) -> list[tuple[str, str, dict | None]]:
    pk = world["tickets"]["own"].pk
    return [
        ("get", TICKETS, None),
        ("get", f"{TICKETS}{pk}/", None),
        ("get", f"{TICKETS}{pk}/events/", None),
        ("get", f"/api/v1/complaints/tickets/{pk}/", None),
        ("post", f"{TICKETS}{pk}/transition/", {"action": "escalate", "expected_state": "open", "note": "x"}),
        ("post", f"{TICKETS}{pk}/waiting/", {"waiting": True}),
        (
            "post",
            TICKETS,
            {
                "customer_name": "Li Na",
                "customer_phone": "138",
                "category": world["category"].pk,
                "severity": "low",
                "description": "x",
            },
        ),
    ]


@pytest.mark.parametrize("persona", NO_TICKET_ROLES)
def test_roles_without_ticket_access_get_403_on_every_ticket_endpoint(persona, client_of, world):
    client = client_of(persona)
    for method, url, body in ticket_endpoints(world):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 403, (method, url)
        assert response.json() == {"detail": "Your role does not allow this action."}
    assert Ticket.objects.count() == len(TICKET_NAMES)


def test_anonymous_requests_get_401_everywhere(client_of, world):
    client = client_of("anonymous")
    endpoints = [
        *ticket_endpoints(world),
        ("get", CATEGORIES, None),
        ("post", CATEGORIES, {"name": "Billing"}),
        ("get", NOTIFICATIONS, None),
        ("post", f"{NOTIFICATIONS}mark-read/", {}),
    ]
    for method, url, body in endpoints:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 401, (method, url)
        assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("persona", EVERYONE)
def test_creating_tickets_is_for_agents_experts_and_duty_managers(persona, client_of, world):
    payload = {
        "customer_name": "Li Na",
        "customer_phone": "13812348000",
        "category": world["category"].pk,
        "severity": "low",
        "description": "Charged twice.",
    }
    response = client_of(persona).post(TICKETS, payload, format="json")
    may_create = persona in (Role.AGENT, "other_agent", Role.EXPERT, Role.DUTY_MANAGER)
    assert response.status_code == (201 if may_create else 403)


# --- Categories --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", EVERYONE)
def test_every_signed_in_user_reads_categories(persona, client_of, world):
    response = client_of(persona).get(CATEGORIES)
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Billing"]


@pytest.mark.parametrize("persona", EVERYONE)
def test_only_duty_managers_and_admins_create_categories(persona, client_of, world, department):
    payload = {"name": "Double charge", "parent": world["category"].pk, "default_department": department.pk}
    response = client_of(persona).post(CATEGORIES, payload, format="json")
    if persona in (Role.DUTY_MANAGER, Role.ADMIN):
        assert response.status_code == 201
        created = Category.objects.get(name="Double charge")
        assert response.json() == {
            "id": created.pk,
            "name": "Double charge",
            "parent": world["category"].pk,
            "default_department": department.pk,
            "active": True,
        }
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": "Your role does not allow this action."}
        assert not Category.objects.filter(name="Double charge").exists()


def test_category_rules_answer_400_through_the_api(client_of, world):
    client = client_of(Role.DUTY_MANAGER)
    response = client.post(CATEGORIES, {"name": "billing"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "This category already exists here.",
        "name": ["This category already exists here."],
    }
    response = client.post(CATEGORIES, {"name": "Sub", "parent": 987654}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some fields are invalid; see the messages per field.",
        "parent": ['Invalid pk "987654" - object does not exist.'],
    }
    response = client.post(CATEGORIES, {}, format="json")
    assert response.json() == {
        "detail": "Some fields are invalid; see the messages per field.",
        "name": ["This field is required."],
    }
