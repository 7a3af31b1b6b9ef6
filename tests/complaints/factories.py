"""factory_boy factories for complaints, and helpers that walk a ticket along the escalation chain.

Factories write rows directly (for lists, filters and query counts); ``ticket_in`` goes through the
services, as people would, so the ticket carries its real timeline, clock and notifications.
"""

from __future__ import annotations

from datetime import time

import factory
from django.utils import timezone

from apps.accounts.roles import Role
from apps.complaints import services
from apps.complaints.models import (
    BusinessCalendar,
    Category,
    Holiday,
    SlaPolicy,
    Ticket,
    TicketEvent,
    WorkingPeriod,
)
from apps.complaints.states import Action, Severity, State
from tests.factories import UserFactory

# 09:00–18:00, Monday to Friday: the calendar most SLA tests use.
OFFICE_HOURS = [(weekday, time(9), time(18)) for weekday in range(5)]


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n:03d}")


class BusinessCalendarFactory(factory.django.DjangoModelFactory):
    """A calendar; ``hours=[(weekday, start, end), ...]`` and ``holidays=[date, ...]`` add its rows."""

    class Meta:
        model = BusinessCalendar
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Calendar {n:03d}")

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        if create and extracted:
            WorkingPeriod.objects.bulk_create(
                WorkingPeriod(calendar=self, weekday=weekday, start=start, end=end)
                for weekday, start, end in extracted
            )

    @factory.post_generation
    def holidays(self, create, extracted, **kwargs):
        if create and extracted:
            Holiday.objects.bulk_create(Holiday(calendar=self, date=day) for day in extracted)


class SlaPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaPolicy

    category = None
    severity = Severity.MEDIUM
    stage = State.OPEN
    minutes = 60


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket row as it would be just after creation (open, held by its creator).

    Its reference is unique per factory call, so ``TicketFactory.build_batch`` + ``bulk_create`` works.
    """

    class Meta:
        model = Ticket

    reference = factory.Sequence(lambda n: f"CP-2025-{n + 900000:06d}")
    customer_name = factory.Sequence(lambda n: f"Customer {n}")
    customer_phone = "13812348000"
    category = factory.SubFactory(CategoryFactory)
    severity = Severity.MEDIUM
    description = "The bill was charged twice."
    state = State.OPEN
    created_by = factory.SubFactory(UserFactory, roles=[Role.AGENT])
    assignee = factory.LazyAttribute(lambda t: t.created_by if t.state == State.OPEN else None)
    stage_started_at = factory.LazyFunction(timezone.now)


class TicketEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketEvent

    ticket = factory.SubFactory(TicketFactory)
    action = Action.CREATE
    to_state = State.OPEN


def create_ticket(by, *, category=None, severity: str = Severity.MEDIUM, **overrides) -> Ticket:
    """A ticket opened through the service by ``by``."""
    fields = {
        "customer_name": "Li Na",
        "customer_phone": "13812348000",
        "category": category or CategoryFactory(),
        "severity": severity,
        "description": "The bill was charged twice.",
        **overrides,
    }
    return services.ticket_create(by=by, **fields)


def act(ticket: Ticket, by, action: str, note: str = "Done.", **fields) -> Ticket:
    """Take one workflow action on ``ticket`` with the state the caller last saw."""
    return services.ticket_transition(
        by=by, ticket_id=ticket.pk, action=action, expected_state=ticket.state, note=note, **fields
    )


# The way a ticket reaches each state in these tests, one step per state, by the personas.
PATH = [
    (State.WITH_EXPERT, Role.AGENT, Action.ESCALATE, {}),
    (State.WITH_DUTY_MANAGER, Role.EXPERT, Action.ESCALATE, {}),
    (State.WITH_DEPARTMENT, Role.DUTY_MANAGER, Action.ASSIGN_DEPARTMENT, {"department": "department"}),
    (State.FEEDBACK, Role.DEPARTMENT_STAFF, Action.SUBMIT_FEEDBACK, {}),
    (State.CLOSED, Role.DUTY_MANAGER, Action.CLOSE, {"customer_satisfied": True}),
]


def ticket_in(state: str, people: dict, department, **create_fields) -> Ticket:
    """A ticket the agent persona opened and the personas moved along ``PATH`` up to ``state``:
    agent escalates, expert escalates, duty manager assigns ``department``, its staff answer,
    the duty manager closes."""
    ticket = create_ticket(people[Role.AGENT], **create_fields)
    for target, persona, action, extra in PATH:
        if ticket.state == state:
            break
        fields = {}
        if "department" in extra:
            fields["department_id"] = department.pk
        if "customer_satisfied" in extra:
            fields["customer_satisfied"] = extra["customer_satisfied"]
        ticket = act(ticket, people[persona], action, note=f"{action} step", **fields)
        assert ticket.state == target
    assert ticket.state == state
    return ticket
