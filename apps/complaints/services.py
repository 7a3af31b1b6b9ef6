"""Every complaint write with a rule: create, the one transition function, waiting, the SLA sweep,
suggestions, attachments, notifications read. One transaction per use case."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Department, User
from apps.accounts.permissions import has_role, require_role
from apps.accounts.roles import Role
from qa_center.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import access, sla, workflow
from .models import (
    Attachment,
    BusinessCalendar,
    Category,
    Notification,
    SlaPolicy,
    Suggestion,
    Ticket,
    TicketEvent,
)
from .notifications import notify, stage_recipients
from .states import Action, Channel, Severity, State

log = logging.getLogger(__name__)

SWEEP_BATCH_SIZE = 500

# Business minutes per stage and severity when no SlaPolicy row applies.
DEFAULT_BUDGET_MINUTES = {
    State.OPEN: {Severity.CRITICAL: 30, Severity.HIGH: 60, Severity.MEDIUM: 120, Severity.LOW: 240},
    State.WITH_EXPERT: {Severity.CRITICAL: 60, Severity.HIGH: 120, Severity.MEDIUM: 240, Severity.LOW: 480},
    State.WITH_DUTY_MANAGER: {
        Severity.CRITICAL: 30,
        Severity.HIGH: 60,
        Severity.MEDIUM: 120,
        Severity.LOW: 240,
    },
    State.WITH_DEPARTMENT: {
        Severity.CRITICAL: 240,
        Severity.HIGH: 480,
        Severity.MEDIUM: 960,
        Severity.LOW: 1440,
    },
    State.FEEDBACK: {Severity.CRITICAL: 60, Severity.HIGH: 120, Severity.MEDIUM: 240, Severity.LOW: 480},
}


# --- SLA ---------------------------------------------------------------------------------


def _ancestors(category: Category) -> list[Category]:
    chain, seen = [], set()
    while category is not None and category.pk not in seen:
        chain.append(category)
        seen.add(category.pk)
        category = category.parent
    return chain


def calendar_for(category: Category) -> sla.Calendar:
    """The category's calendar (or its parent's, or the default one); 24×7 when none is set up."""
    record = next((c.calendar for c in _ancestors(category) if c.calendar_id), None)
    if record is None:
        record = BusinessCalendar.objects.filter(is_default=True).first()
    tz = ZoneInfo(settings.TIME_ZONE)
    if record is None or record.always_open:
        return sla.Calendar(tz=tz, always_open=True)
    hours: dict[int, list] = {}
    for period in record.periods.all():
        hours.setdefault(period.weekday, []).append((period.start, period.end))
    if not hours:
        # A calendar saved before its hours were entered is not set up yet: counting on it would
        # refuse every ticket of its categories (no working time, ever).
        return sla.Calendar(tz=tz, always_open=True)
    holidays = frozenset(record.holidays.values_list("date", flat=True))
    return sla.Calendar(tz=tz, hours=hours, holidays=holidays)


def budget_minutes(category: Category, severity: str, stage: str) -> int:
    """The stage's time budget: the category's policy, else a parent's, else the default policy."""
    policies = {
        (p.category_id, p.severity, p.stage): p.minutes
        for p in SlaPolicy.objects.filter(severity=severity, stage=stage)
    }
    for node in _ancestors(category):
        if (node.pk, severity, stage) in policies:
            return policies[(node.pk, severity, stage)]
    if (None, severity, stage) in policies:
        return policies[(None, severity, stage)]
    return DEFAULT_BUDGET_MINUTES[stage][severity]


def _start_stage(ticket: Ticket, now: datetime) -> None:
    """Entering a stage starts its clock afresh."""
    ticket.stage_started_at = now
    ticket.sla_breached_at = None
    ticket.waiting_for_customer = False
    ticket.sla_remaining_seconds = None
    if ticket.state == State.CLOSED:
        ticket.due_at = None
        return
    minutes = budget_minutes(ticket.category, ticket.severity, ticket.state)
    ticket.due_at = sla.add_business_seconds(now, minutes * 60, calendar_for(ticket.category))


# --- Create --------------------------------------------------------------------------------


def _clean_text(value: str | None, field: str, message: str, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, field=field)
    if max_length and len(value) > max_length:
        raise ValidationFailed(_("At most %(n)s characters.") % {"n": max_length}, field=field)
    return value


@transaction.atomic
def ticket_create(
    *,
    by: User,
    customer_name: str,
    customer_phone: str,
    category: Category,
    severity: str,
    description: str,
    channel: str = Channel.PHONE,
) -> Ticket:
    """Open a ticket with its creator as first-line holder; the open stage's clock starts."""
    require_role(by, *access.CREATOR_ROLES)
    if severity not in Severity.values:
        raise ValidationFailed(_("Choose a severity: low, medium, high or critical."), field="severity")
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), field="channel")
    if not category.active:
        raise ValidationFailed(_("This category is no longer in use."), field="category")
    now = timezone.now()
    ticket = Ticket(
        # Unique placeholder until the row id is known: two tickets opened in the same
        # microsecond (or under a frozen test clock) must not collide on the unique index.
        reference=f"TMP-{uuid.uuid4().hex[:16]}",
        customer_name=_clean_text(customer_name, "customer_name", _("The customer's name is required."), 100),
        customer_phone=_clean_text(
            customer_phone, "customer_phone", _("The customer's number is required."), 32
        ),
        category=category,
        severity=severity,
        channel=channel,
        description=_clean_text(description, "description", _("Describe the complaint.")),
        state=State.OPEN,
        assignee=by,
        created_by=by,
    )
    _start_stage(ticket, now)
    ticket.save()
    # Human-friendly and unique: the year and the row id, e.g. CP-2026-000123.
    ticket.reference = f"CP-{timezone.localtime(now).year}-{ticket.pk:06d}"
    ticket.save(update_fields=["reference"])
    TicketEvent.objects.create(ticket=ticket, actor=by, action=Action.CREATE, to_state=State.OPEN)
    return ticket


# --- The one transition function -------------------------------------------------------------


def _locked_visible(by: User, ticket_id: int) -> Ticket:
    # Lock first, then read: two people acting at once are served one after the other,
    # and the second sees the state the first left (→ 409 below).
    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or not access.can_see(by, ticket):
        raise NotFound(_("This ticket does not exist or is not shared with you."))
    return ticket


@transaction.atomic
def ticket_transition(
    *,
    by: User,
    ticket_id: int,
    action: str,
    expected_state: str,
    note: str,
    department_id: int | None = None,
    assignee_id: int | None = None,
    customer_satisfied: bool | None = None,
    satisfaction_score: int | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Take one action of the workflow table on a ticket (DESIGN.md §5)."""
    if action not in workflow.ACTIONS:
        raise ValidationFailed(_("Unknown action “%(action)s”.") % {"action": action}, field="action")
    # A role that never takes this action is refused before the ticket is looked up (403 for any
    # ticket id, so the answer says nothing about the ticket).
    if not any(has_role(by, *t.roles) for t in workflow.TRANSITIONS if t.action == action):
        raise PermissionDenied(_("Your role does not allow this action on this ticket."))
    ticket = _locked_visible(by, ticket_id)
    if ticket.state != expected_state or (
        expected_version is not None and ticket.version != expected_version
    ):
        raise Conflict(
            _("The ticket changed meanwhile: it is now “%(state)s”. Reload it and try again.")
            % {"state": State(ticket.state).label}
        )
    transition = workflow.find(action, ticket.state)
    if transition is None:
        raise Conflict(
            _("“%(action)s” is not possible while the ticket is “%(state)s”.")
            % {"action": Action(action).label, "state": State(ticket.state).label}
        )
    if not access.may_act(by, ticket, transition):
        raise PermissionDenied(_("Your role does not allow this action on this ticket."))

    note = _clean_text(note, "note", _("A note is required for every action."))
    department = _department_for(transition, ticket, department_id)
    if workflow.CUSTOMER_SATISFIED in transition.requires and customer_satisfied is None:
        raise ValidationFailed(_("Say whether the customer is satisfied."), field="customer_satisfied")
    if satisfaction_score is not None and not 1 <= satisfaction_score <= 5:
        raise ValidationFailed(_("The satisfaction score is 1 to 5."), field="satisfaction_score")
    if action == Action.REOPEN:
        window = timedelta(days=settings.COMPLAINTS_REOPEN_WINDOW_DAYS)
        if ticket.closed_at and timezone.now() > ticket.closed_at + window:
            raise ValidationFailed(
                _("Tickets can be reopened for %(days)s days after closing; this one was closed on %(date)s.")
                % {
                    "days": settings.COMPLAINTS_REOPEN_WINDOW_DAYS,
                    "date": timezone.localtime(ticket.closed_at).date(),
                }
            )

    now = timezone.now()
    source = ticket.state
    ticket.state = transition.target
    if department is not None:
        ticket.department = department
    elif ticket.state == State.WITH_DUTY_MANAGER and source in (State.WITH_DEPARTMENT, State.CLOSED):
        ticket.department = None  # back with the duty manager (sent back or reopened): no department holds it
    ticket.assignee = _next_assignee(ticket, assignee_id)
    if ticket.state == State.CLOSED:
        ticket.resolution = note
        ticket.closed_at = now
        ticket.customer_satisfied = customer_satisfied
        ticket.satisfaction_score = satisfaction_score
    elif action == Action.REOPEN:
        ticket.closed_at = None
        ticket.customer_satisfied = None
        ticket.satisfaction_score = None
    ticket.version += 1
    _start_stage(ticket, now)
    ticket.save()
    TicketEvent.objects.create(
        ticket=ticket,
        actor=by,
        action=action,
        from_state=source,
        to_state=ticket.state,
        note=note,
        department=department,
    )
    _notify_stage(ticket, action, by)
    return ticket


def _department_for(transition: workflow.Transition, ticket: Ticket, department_id) -> Department | None:
    if workflow.DEPARTMENT not in transition.requires:
        return None
    if department_id in (None, ""):
        raise ValidationFailed(_("Choose a department."), field="department")
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise ValidationFailed(_("This department does not exist."), field="department")
    if transition.action == Action.TRANSFER and department.pk == ticket.department_id:
        raise ValidationFailed(_("Choose another department than the current one."), field="department")
    return department


def _next_assignee(ticket: Ticket, assignee_id: int | None) -> User | None:
    """Open tickets go back to their first-line creator; other stages to a named person or the pool."""
    if ticket.state == State.OPEN:
        return ticket.created_by
    if ticket.state == State.CLOSED or assignee_id in (None, ""):
        return None
    role = workflow.STAGE_ROLE[ticket.state]
    user = User.objects.active().with_role(role).filter(pk=assignee_id).first()
    if user is None:
        raise ValidationFailed(
            _("The assignee must be an active user with the role of this stage."), field="assignee"
        )
    if (
        ticket.state == State.WITH_DEPARTMENT
        and not user.departments.filter(pk=ticket.department_id).exists()
    ):
        raise ValidationFailed(_("The assignee must be a member of the department."), field="assignee")
    return user


def _notify_stage(ticket: Ticket, action: str, by: User) -> None:
    kinds = {Action.RETURN: "returned", Action.REOPEN: "reopened"}
    message = _("%(reference)s: %(action)s by %(name)s") % {
        "reference": ticket.reference,
        "action": Action(action).label,
        "name": by.name,
    }
    recipients = [u for u in stage_recipients(ticket) if u.pk != by.pk]
    if ticket.state == State.CLOSED and ticket.created_by_id != by.pk:
        recipients.append(ticket.created_by)
    notify(recipients, kind=kinds.get(action, "assigned"), ticket=ticket, message=message)


# --- Waiting for the customer ------------------------------------------------------------------


@transaction.atomic
def ticket_set_waiting(*, by: User, ticket_id: int, waiting: bool, note: str = "") -> Ticket:
    """Pause (or resume) the stage's SLA clock while the customer owes an answer."""
    ticket = _locked_visible(by, ticket_id)
    if ticket.state == State.CLOSED:
        raise Conflict(_("A closed ticket has no clock to pause."))
    if not access.may_pause_clock(by, ticket):
        raise PermissionDenied(_("Only the current handler can pause or resume the clock."))
    if ticket.waiting_for_customer == waiting:
        raise Conflict(_("The clock is already paused.") if waiting else _("The clock is not paused."))
    now = timezone.now()
    calendar = calendar_for(ticket.category)
    if waiting:
        remaining = sla.business_seconds_between(now, ticket.due_at, calendar) if ticket.due_at else 0
        ticket.sla_remaining_seconds = remaining
        ticket.due_at = None
    else:
        ticket.due_at = sla.add_business_seconds(now, ticket.sla_remaining_seconds or 0, calendar)
        ticket.sla_remaining_seconds = None
    ticket.waiting_for_customer = waiting
    ticket.version += 1
    ticket.save()
    TicketEvent.objects.create(
        ticket=ticket,
        actor=by,
        action=Action.WAITING_ON if waiting else Action.WAITING_OFF,
        from_state=ticket.state,
        to_state=ticket.state,
        note=(note or "").strip(),
    )
    return ticket


# --- SLA sweep (beat, every minute) --------------------------------------------------------


def sla_sweep(now: datetime | None = None) -> dict[str, int]:
    """Mark breached stages, notify who must act, escalate breached first-line and expert stages
    to the duty manager. Each ticket is claimed by a conditional update, so two sweeps at once,
    or a second run, do nothing twice."""
    now = now or timezone.now()
    breached = escalated = 0
    candidates = list(
        Ticket.objects.overdue(now)
        .filter(sla_breached_at__isnull=True)
        .order_by("due_at")
        .values_list("pk", "state")[:SWEEP_BATCH_SIZE]
    )
    for ticket_id, state in candidates:
        with transaction.atomic():
            claimed = Ticket.objects.filter(
                pk=ticket_id,
                state=state,
                sla_breached_at__isnull=True,
                due_at__lt=now,
                waiting_for_customer=False,
            ).update(sla_breached_at=now)
            if claimed != 1:
                continue
            breached += 1
            # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins
            # that select_related adds for department and assignee.
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("department", "assignee")
                .get(pk=ticket_id)
            )
            TicketEvent.objects.create(
                ticket=ticket, actor=None, action=Action.SLA_BREACHED, from_state=state, to_state=state
            )
            notify(
                stage_recipients(ticket),
                kind="breach",
                ticket=ticket,
                message=_("%(reference)s is overdue in “%(state)s”.")
                % {"reference": ticket.reference, "state": State(state).label},
            )
            if state in (State.OPEN, State.WITH_EXPERT):
                _auto_escalate(ticket, now)
                escalated += 1
    return {"breached": breached, "escalated": escalated}


def _auto_escalate(ticket: Ticket, now: datetime) -> None:
    source = ticket.state
    ticket.state = State.WITH_DUTY_MANAGER
    ticket.assignee = None
    ticket.version += 1
    _start_stage(ticket, now)
    ticket.save()
    TicketEvent.objects.create(
        ticket=ticket,
        actor=None,
        action=Action.AUTO_ESCALATE,
        from_state=source,
        to_state=ticket.state,
        note=_("The %(stage)s stage passed its SLA.") % {"stage": State(source).label},
    )
    notify(
        stage_recipients(ticket),
        kind="assigned",
        ticket=ticket,
        message=_("%(reference)s was escalated to the duty manager: SLA breached.")
        % {"reference": ticket.reference},
    )


# --- Categories, suggestions, attachments, notifications ---------------------------------------


@transaction.atomic
def category_create(
    *, by: User, name: str, parent: Category | None = None, default_department: Department | None = None
) -> Category:
    require_role(by, Role.DUTY_MANAGER, Role.ADMIN)
    name = _clean_text(name, "name", _("A name is required."), 100)
    if Category.objects.filter(parent=parent, name__iexact=name).exists():
        raise ValidationFailed(_("This category already exists here."), field="name")
    return Category.objects.create(name=name, parent=parent, default_department=default_department)


@transaction.atomic
def suggestion_create(
    *, by: User, category: Category, title: str, text: str, source_ticket: Ticket | None = None
):
    require_role(by, Role.DUTY_MANAGER, Role.EXPERT)
    return Suggestion.objects.create(
        category=category,
        title=_clean_text(title, "title", _("A title is required."), 200),
        text=_clean_text(text, "text", _("The suggestion needs a text.")),
        source_ticket=source_ticket,
        created_by=by,
    )


@transaction.atomic
def suggestion_promote(*, by: User, ticket_id: int, title: str) -> Suggestion:
    """A good resolution of a closed ticket becomes a suggestion for its category."""
    require_role(by, Role.DUTY_MANAGER)
    ticket = _locked_visible(by, ticket_id)
    if ticket.state != State.CLOSED or not ticket.resolution:
        raise Conflict(_("Only a closed ticket's resolution can become a suggestion."))
    return suggestion_create(
        by=by, category=ticket.category, title=title, text=ticket.resolution, source_ticket=ticket
    )


@transaction.atomic
def attachment_add(*, by: User, ticket_id: int, upload) -> Attachment:
    """Attach a file within the size and type limits; the event is on the timeline."""
    ticket = _locked_visible(by, ticket_id)
    if not has_role(by, *access.TICKET_ROLES):
        raise PermissionDenied(_("Your role does not allow this action."))
    if upload.size > settings.COMPLAINTS_ATTACHMENT_MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than %(mb).1f MB.")
            % {"mb": settings.COMPLAINTS_ATTACHMENT_MAX_BYTES / 1_048_576},
            field="file",
        )
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip()
    if content_type not in settings.COMPLAINTS_ATTACHMENT_TYPES:
        raise ValidationFailed(_("Files of this type cannot be attached."), field="file")
    attachment = Attachment.objects.create(
        ticket=ticket,
        file=upload,
        filename=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    TicketEvent.objects.create(
        ticket=ticket,
        actor=by,
        action=Action.ATTACHMENT,
        from_state=ticket.state,
        to_state=ticket.state,
        note=attachment.filename,
    )
    return attachment


def notifications_mark_read(*, by: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None)."""
    unread = Notification.objects.filter(user=by, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
