"""Concurrent complaint transitions against real PostgreSQL: the row lock lets one request win and
the others see the state it left (409), with exactly one event written. SQLite cannot show this
(it serialises whole transactions), so these run in the integration suite."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.complaints import services
from apps.complaints.models import Notification, Ticket, TicketEvent
from apps.complaints.states import Action, State
from qa_center.errors import Conflict
from tests.complaints.factories import create_ticket
from tests.factories import UserFactory

pytestmark = pytest.mark.integration

THREADS = 20


def run_at_once(work, count: int = THREADS) -> list:
    """Run ``work(i)`` in ``count`` threads released together; each thread closes its connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # recorded, so the test shows what went wrong
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_transitions_at_once_one_succeeds_the_rest_get_409():
    agent = UserFactory(roles=[Role.AGENT])
    UserFactory(roles=[Role.EXPERT])
    ticket = create_ticket(agent)
    token = Token.objects.create(user=agent).key
    payload = {"action": "escalate", "expected_state": "open", "note": "Too hard for first line."}

    def send(_index: int):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        response = client.post(f"/api/v1/tickets/{ticket.pk}/transition/", payload, format="json")
        return response.status_code, response.json()

    results = run_at_once(send)

    assert Counter(status for status, _body in results) == {200: 1, 409: THREADS - 1}
    conflicts = {body["detail"] for status, body in results if status == 409}
    assert conflicts == {
        "The ticket changed meanwhile: it is now “With difficult-case expert”. Reload it and try again."
    }
    ticket.refresh_from_db()
    assert (ticket.state, ticket.version) == (State.WITH_EXPERT, 2)
    assert TicketEvent.objects.filter(ticket=ticket, action=Action.ESCALATE).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket).count() == 2  # create + the one escalation
    assert Notification.objects.filter(ticket=ticket).count() == 1  # the one expert, once


@pytest.mark.django_db(transaction=True)
def test_different_duty_managers_taking_different_actions_at_once_leave_one_outcome(department):
    agent, expert = UserFactory(roles=[Role.AGENT]), UserFactory(roles=[Role.EXPERT])
    managers = [UserFactory(roles=[Role.DUTY_MANAGER]) for _ in range(THREADS)]
    ticket = create_ticket(agent)
    for by, source in [(agent, State.OPEN), (expert, State.WITH_EXPERT)]:
        ticket = services.ticket_transition(
            by=by, ticket_id=ticket.pk, action=Action.ESCALATE, expected_state=source, note="Up."
        )
    choices = [
        {"action": Action.ASSIGN_DEPARTMENT, "department_id": department.pk},
        {"action": Action.RETURN},
        {"action": Action.CLOSE, "customer_satisfied": True},
    ]

    def take(index: int) -> str:
        try:
            services.ticket_transition(
                by=managers[index],
                ticket_id=ticket.pk,
                expected_state=State.WITH_DUTY_MANAGER,
                note=f"Manager {index}.",
                **choices[index % len(choices)],
            )
        except Conflict:
            return "conflict"
        return "done"

    results = run_at_once(take)

    assert Counter(results) == {"done": 1, "conflict": THREADS - 1}
    events = TicketEvent.objects.filter(ticket=ticket, from_state=State.WITH_DUTY_MANAGER)
    assert events.count() == 1
    ticket.refresh_from_db()
    assert ticket.state == events.get().to_state
    assert ticket.version == 4


@pytest.mark.django_db(transaction=True)
def test_sweeps_running_at_once_breach_and_escalate_a_ticket_once():
    agent = UserFactory(roles=[Role.AGENT])
    UserFactory(roles=[Role.DUTY_MANAGER])
    ticket = create_ticket(agent)
    Ticket.objects.filter(pk=ticket.pk).update(due_at=timezone.now() - timedelta(minutes=1))

    results = run_at_once(lambda _index: services.sla_sweep(), count=5)

    assert sum(r["breached"] for r in results) == 1
    assert sum(r["escalated"] for r in results) == 1
    assert TicketEvent.objects.filter(ticket=ticket, action=Action.SLA_BREACHED).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, action=Action.AUTO_ESCALATE).count() == 1
    assert Notification.objects.filter(ticket=ticket).count() == 2  # the agent (breach), the duty manager
    ticket.refresh_from_db()
    assert (ticket.state, ticket.version) == (State.WITH_DUTY_MANAGER, 2)
