"""Complaint pages: the ticket list and its export, my queue, a new ticket, the ticket page with
the actions the user may take now, attachments, notifications. Parse → service → render: rules
live in services.py, scope in access.py, the flow in workflow.py."""

from __future__ import annotations

import csv
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from apps.accounts.permissions import has_role, role_required
from apps.accounts.roles import Role
from qa_center.errors import Conflict, DomainError
from qa_center.pages import add_domain_error, flash_domain_error

from . import access, selectors, services, workflow
from .forms import (
    AttachmentForm,
    PromoteForm,
    TicketCreateForm,
    TicketFilterForm,
    TransitionForm,
    WaitingForm,
)
from .models import Attachment, Category, Suggestion, Ticket
from .states import State

PAGE_SIZE = 50
# A ticket due within this time gets a warning badge in lists.
DUE_SOON = timedelta(hours=1)


# --- What rows show beyond the stored fields (no queries) -------------------------------------


def _holder(ticket: Ticket) -> str:
    """Who holds the ticket: the assignee, else the stage's pool (the department's, for a department)."""
    if ticket.assignee_id:
        return ticket.assignee.name
    if ticket.state == State.CLOSED:
        return ""
    if ticket.state == State.WITH_DEPARTMENT and ticket.department_id:
        return _("%(department)s (pool)") % {"department": ticket.department.name}
    return _("%(role)s (pool)") % {"role": Role(workflow.STAGE_ROLE[ticket.state]).label}


def _is_overdue(ticket: Ticket, now) -> bool:
    """The meaning of selectors.filter_tickets(overdue=True): active, and breached or past due."""
    return ticket.state != State.CLOSED and (
        ticket.sla_breached_at is not None or (ticket.due_at is not None and ticket.due_at <= now)
    )


def _decorate(tickets, user, now) -> list[Ticket]:
    """Holder, number (masked unless the user may see it) and clock flags for each row."""
    show_phone = access.sees_customer_phone(user)
    rows = list(tickets)
    for ticket in rows:
        ticket.holder = _holder(ticket)
        ticket.phone_display = (
            ticket.customer_phone if show_phone else access.mask_phone(ticket.customer_phone)
        )
        ticket.is_overdue = _is_overdue(ticket, now)
        ticket.due_soon = (
            not ticket.is_overdue and ticket.due_at is not None and ticket.due_at - now <= DUE_SOON
        )
    return rows


def _category_path(category: Category) -> str:
    names, seen = [], set()
    while category is not None and category.pk not in seen:
        names.append(category.name)
        seen.add(category.pk)
        category = category.parent
    return " › ".join(reversed(names))


# --- Lists, queue, export ---------------------------------------------------------------------


def _filtered(request):
    form = TicketFilterForm(request.GET or None)
    tickets = selectors.tickets_list(request.user).select_related("category__parent")
    return form, selectors.filter_tickets(tickets, **form.filters())


def _query_without_page(request) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


@role_required(*access.TICKET_ROLES)
def ticket_list(request):
    form, tickets = _filtered(request)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    page.object_list = _decorate(page.object_list, request.user, now)
    context = {
        "filter_form": form,
        "page_obj": page,
        "query": _query_without_page(request),
        "now": now,
        "can_create": has_role(request.user, *access.CREATOR_ROLES),
    }
    return render(request, "complaints/ticket_list.html", context)


@role_required(*access.TICKET_ROLES)
def queue(request):
    """My cases: what waits for my action, feedback to review first, then the earliest due."""
    tickets = selectors.queue_for(request.user).select_related("category__parent")
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    page.object_list = _decorate(page.object_list, request.user, now)
    context = {
        "page_obj": page,
        "query": "",
        "now": now,
        "can_create": has_role(request.user, *access.CREATOR_ROLES),
    }
    return render(request, "complaints/queue.html", context)


class _Echo:
    def write(self, value):
        return value


def _iso(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")


EXPORT_HEADER = [
    "reference",
    "created_at",
    "state",
    "severity",
    "channel",
    "category",
    "customer_name",
    "customer_phone",
    "assignee",
    "department",
    "due_at",
    "overdue",
    "waiting_for_customer",
    "closed_at",
    "customer_satisfied",
    "satisfaction_score",
]


@role_required(*access.TICKET_ROLES)
def ticket_export(request):
    """One row per ticket of the filtered list, streamed; the number masked as on the page."""
    _form, tickets = _filtered(request)
    show_phone = access.sees_customer_phone(request.user)
    now = timezone.now()
    writer = csv.writer(_Echo())

    def row(ticket: Ticket) -> list:
        return [
            ticket.reference,
            _iso(ticket.created_at),
            ticket.state,
            ticket.severity,
            ticket.channel,
            _category_path(ticket.category),
            ticket.customer_name,
            ticket.customer_phone if show_phone else access.mask_phone(ticket.customer_phone),
            ticket.assignee.username if ticket.assignee_id else "",
            ticket.department.name if ticket.department_id else "",
            _iso(ticket.due_at),
            _yes_no(_is_overdue(ticket, now)),
            _yes_no(ticket.waiting_for_customer),
            _iso(ticket.closed_at),
            _yes_no(ticket.customer_satisfied),
            "" if ticket.satisfaction_score is None else ticket.satisfaction_score,
        ]

    def stream():
        yield "\ufeff"  # BOM: Excel opens UTF-8 (Chinese names) correctly
        yield writer.writerow(EXPORT_HEADER)
        for ticket in tickets.iterator(chunk_size=2000):
            yield writer.writerow(row(ticket))

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="complaints.csv"'
    return response


# --- Create -----------------------------------------------------------------------------------


@role_required(*access.CREATOR_ROLES)
def ticket_create(request):
    form = TicketCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_create(by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Ticket %(reference)s is open and with you.") % {"reference": ticket.reference}
            )
            return redirect("complaints:ticket_detail", pk=ticket.pk)
    return render(request, "complaints/ticket_form.html", {"form": form}, status=400 if form.errors else 200)


# --- The ticket page and its actions ----------------------------------------------------------


def _visible_ticket(user, pk: int) -> Ticket:
    """The ticket if the user may see it (access.tickets_for), else 404."""
    return get_object_or_404(selectors.tickets_list(user).select_related("category__parent"), pk=pk)


def _detail_url(ticket: Ticket, anchor: str = "") -> str:
    return reverse("complaints:ticket_detail", args=[ticket.pk]) + (f"#{anchor}" if anchor else "")


def _suggestions_for(category: Category):
    """Suggestions of the category and of every category above it."""
    ids, node = [], category
    while node is not None and node.pk not in ids:
        ids.append(node.pk)
        node = node.parent
    return Suggestion.objects.filter(category_id__in=ids).select_related("category").order_by("title")


def _detail_page(request, ticket: Ticket, *, bound: TransitionForm | None = None, status: int = 200):
    user = request.user
    now = timezone.now()
    _decorate([ticket], user, now)
    transitions = access.available_transitions(user, ticket)
    transition_forms = [
        bound if bound is not None and bound.transition == t else TransitionForm(transition=t, ticket=ticket)
        for t in transitions
    ]
    state_labels = dict(State.choices)
    events = list(ticket.events.select_related("actor", "department").order_by("created_at", "id"))
    for event in events:
        event.from_label = state_labels.get(event.from_state, "")
        event.to_label = state_labels.get(event.to_state, "")
    paused_left = ""
    if ticket.waiting_for_customer and ticket.sla_remaining_seconds is not None:
        paused_left = timeuntil(now + timedelta(seconds=ticket.sla_remaining_seconds), now)
    can_promote = (
        has_role(user, Role.DUTY_MANAGER) and ticket.state == State.CLOSED and bool(ticket.resolution)
    )
    context = {
        "ticket": ticket,
        "now": now,
        "category_path": _category_path(ticket.category),
        "transition_forms": transition_forms,
        "events": events,
        "attachments": ticket.attachments.select_related("uploaded_by"),
        "attachment_form": AttachmentForm(auto_id="id_attachment_%s"),
        "max_attachment_mb": settings.COMPLAINTS_ATTACHMENT_MAX_BYTES / 1_048_576,
        "suggestions": _suggestions_for(ticket.category),
        "can_pause": access.may_pause_clock(user, ticket),
        "paused_left": paused_left,
        "promote_form": PromoteForm(auto_id="id_promote_%s") if can_promote else None,
    }
    return render(request, "complaints/ticket_detail.html", context, status=status)


@role_required(*access.TICKET_ROLES)
def ticket_detail(request, pk: int):
    return _detail_page(request, _visible_ticket(request.user, pk))


@role_required(*access.TICKET_ROLES)
@require_POST
def ticket_transition(request, pk: int):
    """One action of the workflow. Stale forms (state or version changed) come back to the fresh page."""
    ticket = _visible_ticket(request.user, pk)
    transition = workflow.find(request.POST.get("action", ""), request.POST.get("expected_state", ""))
    if transition is None:
        messages.error(request, _("This action is not possible on this ticket."))
        return redirect(_detail_url(ticket))
    form = TransitionForm(request.POST, transition=transition, ticket=ticket)
    if form.is_valid():
        try:
            ticket = services.ticket_transition(
                by=request.user, ticket_id=ticket.pk, **form.service_arguments()
            )
        except Conflict as error:
            messages.warning(request, error.message)
            return redirect(_detail_url(ticket))
        except DomainError as error:
            add_domain_error(form, error)  # 403/404 pages; field messages on the form
        else:
            messages.success(
                request,
                _("%(action)s: done. The ticket is now “%(state)s”.")
                % {"action": form.transition_label, "state": State(ticket.state).label},
            )
            if access.can_see(request.user, ticket):
                return redirect(_detail_url(ticket))
            # E.g. transferred to a department the user is not in: it has left their scope.
            return redirect("complaints:queue")
    return _detail_page(request, ticket, bound=form, status=400)


@role_required(*access.TICKET_ROLES)
@require_POST
def ticket_waiting(request, pk: int):
    """Pause or resume the stage's clock while the customer owes an answer."""
    ticket = _visible_ticket(request.user, pk)
    form = WaitingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to pause or resume the clock."))
        return redirect(_detail_url(ticket))
    waiting = form.cleaned_data["waiting"]
    try:
        services.ticket_set_waiting(
            by=request.user, ticket_id=ticket.pk, waiting=waiting, note=form.cleaned_data["note"]
        )
    except DomainError as error:
        flash_domain_error(request, error)
    else:
        messages.success(
            request,
            _("The clock is paused until the customer answers.") if waiting else _("The clock runs again."),
        )
    return redirect(_detail_url(ticket))


@role_required(Role.DUTY_MANAGER)
@require_POST
def ticket_promote(request, pk: int):
    """A closed ticket's resolution becomes a suggestion for its category."""
    ticket = _visible_ticket(request.user, pk)
    form = PromoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the suggestion a title."))
        return redirect(_detail_url(ticket, "promote"))
    try:
        suggestion = services.suggestion_promote(
            by=request.user, ticket_id=ticket.pk, title=form.cleaned_data["title"]
        )
    except DomainError as error:
        flash_domain_error(request, error)
    else:
        messages.success(
            request,
            _("“%(title)s” is now a suggestion for %(category)s.")
            % {"title": suggestion.title, "category": suggestion.category.name},
        )
    return redirect(_detail_url(ticket))


@role_required(*access.TICKET_ROLES)
@require_POST
def ticket_attach(request, pk: int):
    ticket = _visible_ticket(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.errors["file"][0])
        return redirect(_detail_url(ticket, "attachments"))
    try:
        attachment = services.attachment_add(
            by=request.user, ticket_id=ticket.pk, upload=form.cleaned_data["file"]
        )
    except DomainError as error:
        flash_domain_error(request, error)  # too large, type not accepted
    else:
        messages.success(request, _("“%(name)s” is attached.") % {"name": attachment.filename})
    return redirect(_detail_url(ticket, "attachments"))


@role_required(*access.TICKET_ROLES)
def attachment_download(request, pk: int):
    """The file, for people who may see its ticket (others get 404)."""
    attachment = get_object_or_404(
        Attachment.objects.filter(ticket__in=access.tickets_for(request.user).values("pk")), pk=pk
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is no longer stored.")) from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )


# --- Notifications ----------------------------------------------------------------------------


@role_required(*access.TICKET_ROLES)
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/notification_list.html", {"page_obj": page, "query": ""})


@role_required(*access.TICKET_ROLES)
@require_POST
def notifications_read(request):
    count = services.notifications_mark_read(by=request.user)
    messages.success(
        request,
        ngettext("%(count)s notification marked as read.", "%(count)s notifications marked as read.", count)
        % {"count": count},
    )
    return redirect("complaints:notification_list")
