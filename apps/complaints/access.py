"""Who sees which tickets and who may take which action: the one place for complaints' object scope.

- duty managers see every ticket;
- agents see tickets they created or hold;
- experts see the expert queue, tickets they hold, and tickets they handled before;
- department staff see tickets currently routed to one of their departments;
- other roles see no tickets.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.permissions import department_ids_of, has_role
from apps.accounts.roles import Role
from qa_center.masking import mask_phone  # noqa: F401 - part of this module's interface

from .models import Ticket, TicketEvent
from .states import State
from .workflow import Transition, from_state

TICKET_ROLES = (Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER, Role.DEPARTMENT_STAFF)
CREATOR_ROLES = (Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER)


def tickets_for(user, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    queryset = Ticket.objects.all() if queryset is None else queryset
    if has_role(user, Role.DUTY_MANAGER):
        return queryset
    scope = Q(pk__in=[])
    if has_role(user, Role.AGENT):
        scope |= Q(created_by=user) | Q(assignee=user)
    if has_role(user, Role.EXPERT):
        # Tickets they acted on: an IN over the events' index, not a per-ticket EXISTS probe.
        handled = TicketEvent.objects.filter(actor=user).values("ticket_id")
        scope |= Q(state=State.WITH_EXPERT) | Q(assignee=user) | Q(pk__in=handled)
    if has_role(user, Role.DEPARTMENT_STAFF):
        scope |= Q(department_id__in=_department_ids(user))
    return queryset.filter(scope)


def can_see(user, ticket: Ticket) -> bool:
    return tickets_for(user).filter(pk=ticket.pk).exists()


def may_act(user, ticket: Ticket, transition: Transition) -> bool:
    """Whether ``user`` may take ``transition`` on ``ticket`` now (its source state is not checked here)."""
    if not has_role(user, *transition.roles):
        return False
    if transition.holder == "assignee":
        return ticket.assignee_id == user.pk
    if transition.holder == "pool":
        return ticket.assignee_id is None or ticket.assignee_id == user.pk
    if transition.holder == "department":
        if Role.DUTY_MANAGER in transition.roles and has_role(user, Role.DUTY_MANAGER):
            return True
        return ticket.department_id is not None and ticket.department_id in _department_ids(user)
    return True  # "any"


def _department_ids(user) -> set[int]:
    # Lists ask this for every row's buttons (three department actions per ticket): read the
    # memberships once and keep them on the user object, as roles_of does with the roles.
    cached = getattr(user, "_complaints_department_ids", None)
    if cached is None:
        cached = department_ids_of(user)
        user._complaints_department_ids = cached
    return cached


def available_transitions(user, ticket: Ticket) -> list[Transition]:
    """The actions the user may take on the ticket now: the buttons a page shows."""
    return [t for t in from_state(ticket.state) if may_act(user, ticket, t)]


def may_pause_clock(user, ticket: Ticket) -> bool:
    """The current handler (anyone who may take an action now) may pause or resume the SLA clock."""
    return ticket.state != State.CLOSED and bool(available_transitions(user, ticket))


def sees_customer_phone(user) -> bool:
    """Department staff get the customer's number masked; the contact-centre roles see it."""
    return has_role(user, Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER)
