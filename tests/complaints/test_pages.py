"""Complaint pages: who opens them, creating a ticket, the actions a ticket page offers and takes,
stale and refused forms, department scope and masking, attachments, notifications and the bell,
the CSV export, "my work" and constant query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.complaints.models import Attachment, Notification, Suggestion, Ticket, TicketEvent
from apps.complaints.states import Action, Severity, State
from tests.complaints.factories import CategoryFactory, TicketFactory, act, create_ticket, ticket_in

TICKET_ROLES = [Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER, Role.DEPARTMENT_STAFF]
NO_TICKET_ROLES = [Role.QA_EVALUATOR, Role.QA_MANAGER, Role.IMPROVEMENT_MEMBER, Role.ADMIN, "no_role"]


@pytest.fixture
def world(personas, department):
    """Billing › Wrong charge (routed to the Billing department) with a suggestion on each level."""
    billing = CategoryFactory(name="Billing", default_department=department)
    wrong_charge = CategoryFactory(name="Wrong charge", parent=billing)
    other = CategoryFactory(name="Delivery")
    Suggestion.objects.create(
        category=billing,
        title="Check the invoice first",
        text="Open the invoice.",
        created_by=personas["admin"],
    )
    Suggestion.objects.create(
        category=wrong_charge, title="Refund within a day", text="Refund.", created_by=personas["admin"]
    )
    Suggestion.objects.create(
        category=other, title="Call the courier", text="Courier.", created_by=personas["admin"]
    )
    return {**personas, "department": department, "billing": billing, "wrong_charge": wrong_charge}


def _in(world, state: str) -> Ticket:
    return ticket_in(state, world, world["department"], category=world["wrong_charge"])


def _login(client, world, role):
    client.force_login(world[role])
    return client


def _actions(body: str) -> list[str]:
    return re.findall(r'<details class="action-panel" data-action="([a-z_]+)"', body)


def _form(ticket: Ticket, action: str, note: str = "Please take over.", **fields) -> dict:
    return {
        "action": action,
        "expected_state": ticket.state,
        "version": ticket.version,
        "note": note,
        **fields,
    }


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Who may open what ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", NO_TICKET_ROLES)
def test_roles_without_ticket_access_get_403_on_every_page(client, world, role):
    ticket = _in(world, State.OPEN)
    attachment = Attachment.objects.create(
        ticket=ticket,
        file=SimpleUploadedFile("a.txt", b"x"),
        filename="a.txt",
        content_type="text/plain",
        size=1,
        uploaded_by=world[Role.AGENT],
    )
    _login(client, world, role)
    for url in [
        "/complaints/",
        "/complaints/export.csv",
        "/complaints/queue/",
        "/complaints/new/",
        f"/complaints/{ticket.pk}/",
        f"/complaints/attachments/{attachment.pk}/",
        "/complaints/notifications/",
    ]:
        assert client.get(url).status_code == 403, url
    for url in [
        f"/complaints/{ticket.pk}/transition/",
        f"/complaints/{ticket.pk}/waiting/",
        f"/complaints/{ticket.pk}/promote/",
        f"/complaints/{ticket.pk}/attachments/",
        "/complaints/notifications/read/",
    ]:
        assert client.post(url, _form(ticket, Action.ESCALATE)).status_code == 403, url
    assert Ticket.objects.get(pk=ticket.pk).state == State.OPEN


@pytest.mark.django_db
@pytest.mark.parametrize("role", TICKET_ROLES)
def test_ticket_roles_open_the_list_queue_and_notifications(client, world, role):
    _login(client, world, role)
    for url in ["/complaints/", "/complaints/queue/", "/complaints/notifications/"]:
        assert client.get(url).status_code == 200, url
    expected = 403 if role == Role.DEPARTMENT_STAFF else 200
    assert client.get("/complaints/new/").status_code == expected


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/complaints/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_only_duty_managers_may_promote_a_resolution(client, world):
    ticket = _in(world, State.CLOSED)
    _login(client, world, Role.AGENT)
    assert client.get(f"/complaints/{ticket.pk}/").status_code == 200
    assert client.post(f"/complaints/{ticket.pk}/promote/", {"title": "Good"}).status_code == 403


# --- Create ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_agent_creates_a_ticket_through_the_page(client, world):
    _login(client, world, Role.AGENT)
    page = client.get("/complaints/new/").content.decode()
    # The category select shows the tree: the child indented under its parent.
    assert re.search(r">Billing</option>\s*<option value=\"\d+\">\u2003└ Wrong charge</option>", page)
    response = client.post(
        "/complaints/new/",
        {
            "customer_name": "王芳",
            "customer_phone": "13912345678",
            "category": world["wrong_charge"].pk,
            "severity": Severity.HIGH,
            "channel": "wechat",
            "description": "Charged twice for May.",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{ticket.pk}/"
    assert (ticket.state, ticket.assignee, ticket.severity, ticket.channel) == (
        State.OPEN,
        world[Role.AGENT],
        Severity.HIGH,
        "wechat",
    )
    assert list(ticket.events.values_list("action", flat=True)) == [Action.CREATE]
    detail = client.get(response["Location"])
    assert f"Ticket {ticket.reference} is open and with you." in _messages(detail)


@pytest.mark.django_db
def test_create_without_description_shows_the_error_and_creates_nothing(client, world):
    _login(client, world, Role.AGENT)
    response = client.post(
        "/complaints/new/",
        {
            "customer_name": "Li",
            "customer_phone": "13912345678",
            "category": world["billing"].pk,
            "severity": Severity.LOW,
            "channel": "phone",
            "description": "   ",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["description"] == ["This field is required."]
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_inactive_categories_are_not_offered(client, world):
    world["wrong_charge"].active = False
    world["wrong_charge"].save()
    _login(client, world, Role.AGENT)
    assert "Wrong charge" not in client.get("/complaints/new/").content.decode()


# --- The ticket page: facts, suggestions, timeline, actions ----------------------------------


@pytest.mark.django_db
def test_agent_holding_an_open_ticket_sees_escalate_and_resolve(client, world):
    ticket = _in(world, State.OPEN)
    body = _login(client, world, Role.AGENT).get(f"/complaints/{ticket.pk}/").content.decode()
    assert _actions(body) == [Action.ESCALATE, Action.RESOLVE]
    assert 'data-testid="pause-clock"' in body
    assert "13812348000" in body


@pytest.mark.django_db
def test_each_handler_sees_only_the_actions_of_their_stage(client, world):
    with_expert = _in(world, State.WITH_EXPERT)
    with_dm = _in(world, State.WITH_DUTY_MANAGER)
    with_dept = _in(world, State.WITH_DEPARTMENT)
    feedback = _in(world, State.FEEDBACK)
    closed = _in(world, State.CLOSED)

    def actions(role, ticket):
        client.force_login(world[role])
        return _actions(client.get(f"/complaints/{ticket.pk}/").content.decode())

    assert actions(Role.EXPERT, with_expert) == [Action.ESCALATE, Action.RESOLVE, Action.RETURN]
    # The expert escalated it, so sees it, but the duty manager's actions are not theirs.
    assert actions(Role.EXPERT, with_dm) == []
    assert Action.ASSIGN_DEPARTMENT not in actions(Role.EXPERT, with_dm)
    assert actions(Role.DUTY_MANAGER, with_dm) == [Action.ASSIGN_DEPARTMENT, Action.RETURN, Action.CLOSE]
    assert actions(Role.DEPARTMENT_STAFF, with_dept) == [
        Action.TRANSFER,
        Action.RETURN,
        Action.SUBMIT_FEEDBACK,
    ]
    assert actions(Role.DUTY_MANAGER, with_dept) == [Action.TRANSFER]
    assert actions(Role.DUTY_MANAGER, feedback) == [Action.REJECT_FEEDBACK, Action.CLOSE]
    assert actions(Role.DUTY_MANAGER, closed) == [Action.REOPEN]
    assert actions(Role.AGENT, with_expert) == []


@pytest.mark.django_db
def test_action_forms_carry_the_fields_their_transition_requires(client, world):
    ticket = _in(world, State.WITH_DUTY_MANAGER)
    _login(client, world, Role.DUTY_MANAGER)
    forms = {
        f.transition.action: f for f in client.get(f"/complaints/{ticket.pk}/").context["transition_forms"]
    }
    assert set(forms[Action.ASSIGN_DEPARTMENT].fields) == {
        "action",
        "expected_state",
        "version",
        "note",
        "department",
        "assignee",
    }
    assert set(forms[Action.CLOSE].fields) == {
        "action",
        "expected_state",
        "version",
        "note",
        "customer_satisfied",
        "satisfaction_score",
    }
    # Assignees offered are the next stage's people: department staff for a department.
    assert set(forms[Action.ASSIGN_DEPARTMENT].fields["assignee"].queryset) == {
        world[Role.DEPARTMENT_STAFF],
        world["other_department_staff"],
    }
    assert list(forms[Action.RETURN].fields["assignee"].queryset) == [world[Role.EXPERT]]


@pytest.mark.django_db
def test_ticket_page_shows_suggestions_of_the_category_and_its_parents(client, world):
    ticket = _in(world, State.OPEN)
    body = _login(client, world, Role.AGENT).get(f"/complaints/{ticket.pk}/").content.decode()
    assert "Check the invoice first" in body
    assert "Refund within a day" in body
    assert "Call the courier" not in body


@pytest.mark.django_db
def test_timeline_lists_events_oldest_first_with_system_events(client, world):
    ticket = _in(world, State.WITH_EXPERT)
    TicketEvent.objects.create(
        ticket=ticket,
        actor=None,
        action=Action.SLA_BREACHED,
        from_state=ticket.state,
        to_state=ticket.state,
    )
    body = _login(client, world, Role.EXPERT).get(f"/complaints/{ticket.pk}/").content.decode()
    assert re.findall(r'<li data-event="([a-z_]+)">', body) == [
        Action.CREATE,
        Action.ESCALATE,
        Action.SLA_BREACHED,
    ]
    assert "<em>System</em>" in body
    assert "escalate step" in body


# --- Transitions through the page ------------------------------------------------------------


@pytest.mark.django_db
def test_transition_through_the_page_moves_the_state_and_adds_an_event(client, world):
    ticket = _in(world, State.OPEN)
    _login(client, world, Role.AGENT)
    response = client.post(
        f"/complaints/{ticket.pk}/transition/", _form(ticket, Action.ESCALATE, "Customer wants a manager.")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{ticket.pk}/"
    ticket.refresh_from_db()
    assert ticket.state == State.WITH_EXPERT
    event = ticket.events.last()
    assert (event.action, event.actor, event.note) == (
        Action.ESCALATE,
        world[Role.AGENT],
        "Customer wants a manager.",
    )
    page = client.get(response["Location"])
    assert "Escalate: done. The ticket is now “With difficult-case expert”." in _messages(page)


@pytest.mark.django_db
def test_close_through_the_page_records_satisfaction_and_score(client, world):
    ticket = _in(world, State.FEEDBACK)
    _login(client, world, Role.DUTY_MANAGER)
    response = client.post(
        f"/complaints/{ticket.pk}/transition/",
        _form(ticket, Action.CLOSE, "Refunded.", customer_satisfied="true", satisfaction_score="4"),
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.customer_satisfied, ticket.satisfaction_score, ticket.resolution) == (
        State.CLOSED,
        True,
        4,
        "Refunded.",
    )


@pytest.mark.django_db
def test_close_without_satisfaction_answer_shows_the_error_next_to_the_field(client, world):
    ticket = _in(world, State.FEEDBACK)
    _login(client, world, Role.DUTY_MANAGER)
    response = client.post(f"/complaints/{ticket.pk}/transition/", _form(ticket, Action.CLOSE, "Refunded."))
    assert response.status_code == 400
    (bound,) = [f for f in response.context["transition_forms"] if f.transition.action == Action.CLOSE]
    assert bound.errors["customer_satisfied"] == ["Say whether the customer is satisfied."]
    assert Ticket.objects.get(pk=ticket.pk).state == State.FEEDBACK


@pytest.mark.django_db
def test_assign_department_through_the_page_routes_the_ticket(client, world):
    ticket = _in(world, State.WITH_DUTY_MANAGER)
    _login(client, world, Role.DUTY_MANAGER)
    response = client.post(
        f"/complaints/{ticket.pk}/transition/",
        _form(
            ticket,
            Action.ASSIGN_DEPARTMENT,
            "Check the invoice.",
            department=world["department"].pk,
            assignee=world["department_staff"].pk,
        ),
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.department, ticket.assignee) == (
        State.WITH_DEPARTMENT,
        world["department"],
        world["department_staff"],
    )


@pytest.mark.django_db
def test_missing_note_shows_an_error_and_changes_nothing(client, world):
    ticket = _in(world, State.OPEN)
    events = ticket.events.count()
    _login(client, world, Role.AGENT)
    response = client.post(f"/complaints/{ticket.pk}/transition/", _form(ticket, Action.ESCALATE, note="  "))
    assert response.status_code == 400
    body = response.content.decode()
    assert "A note is required for every action." in body
    assert '<details class="action-panel" data-action="escalate" open>' in body
    ticket.refresh_from_db()
    assert (ticket.state, ticket.events.count()) == (State.OPEN, events)


@pytest.mark.django_db
def test_stale_form_shows_changed_meanwhile_and_changes_nothing(client, world):
    ticket = _in(world, State.OPEN)
    stale = _form(ticket, Action.RESOLVE, "Refunded.")
    act(ticket, world[Role.AGENT], Action.ESCALATE)  # someone (here: another tab) acted first
    events = ticket.events.count()
    _login(client, world, Role.AGENT)
    response = client.post(f"/complaints/{ticket.pk}/transition/", stale, follow=True)
    assert response.redirect_chain == [(f"/complaints/{ticket.pk}/", 302)]
    assert _messages(response) == [
        "The ticket changed meanwhile: it is now “With difficult-case expert”. Reload it and try again."
    ]
    ticket.refresh_from_db()
    assert (ticket.state, ticket.events.count(), ticket.resolution) == (State.WITH_EXPERT, events, "")


@pytest.mark.django_db
def test_form_with_an_old_version_is_stale_even_in_the_same_state(client, world):
    ticket = _in(world, State.OPEN)
    stale = _form(ticket, Action.ESCALATE)
    _login(client, world, Role.AGENT)
    client.post(f"/complaints/{ticket.pk}/waiting/", {"waiting": "on"})  # bumps the version
    response = client.post(f"/complaints/{ticket.pk}/transition/", stale, follow=True)
    assert "changed meanwhile" in _messages(response)[-1]
    assert Ticket.objects.get(pk=ticket.pk).state == State.OPEN


@pytest.mark.django_db
def test_action_the_role_may_not_take_is_403(client, world):
    ticket = _in(world, State.WITH_DUTY_MANAGER)
    _login(client, world, Role.EXPERT)  # sees it (escalated it), may not assign it
    response = client.post(
        f"/complaints/{ticket.pk}/transition/",
        _form(ticket, Action.ASSIGN_DEPARTMENT, department=world["department"].pk),
    )
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).state == State.WITH_DUTY_MANAGER


@pytest.mark.django_db
def test_transfer_out_of_the_users_departments_lands_on_their_queue(client, world, other_department):
    ticket = _in(world, State.WITH_DEPARTMENT)
    _login(client, world, Role.DEPARTMENT_STAFF)
    response = client.post(
        f"/complaints/{ticket.pk}/transition/",
        _form(ticket, Action.TRANSFER, "Logistics owns this.", department=other_department.pk),
    )
    assert response.status_code == 302
    assert response["Location"] == "/complaints/queue/"
    assert Ticket.objects.get(pk=ticket.pk).department == other_department


@pytest.mark.django_db
def test_unknown_action_is_refused_with_a_message(client, world):
    ticket = _in(world, State.OPEN)
    _login(client, world, Role.AGENT)
    response = client.post(f"/complaints/{ticket.pk}/transition/", _form(ticket, "fly"), follow=True)
    assert _messages(response) == ["This action is not possible on this ticket."]


# --- Waiting, promotion ---------------------------------------------------------------------


@pytest.mark.django_db
def test_handler_pauses_and_resumes_the_clock(client, world):
    ticket = _in(world, State.OPEN)
    _login(client, world, Role.AGENT)
    client.post(f"/complaints/{ticket.pk}/waiting/", {"waiting": "on", "note": "Asked for the bill."})
    ticket.refresh_from_db()
    assert ticket.waiting_for_customer is True
    body = client.get(f"/complaints/{ticket.pk}/").content.decode()
    assert 'data-testid="paused"' in body
    assert 'data-testid="resume-clock"' in body
    client.post(f"/complaints/{ticket.pk}/waiting/", {"waiting": "off"})
    ticket.refresh_from_db()
    assert ticket.waiting_for_customer is False
    assert list(ticket.events.values_list("action", flat=True))[-2:] == [
        Action.WAITING_ON,
        Action.WAITING_OFF,
    ]


@pytest.mark.django_db
def test_someone_who_is_not_the_handler_gets_no_pause_button_and_403(client, world):
    ticket = _in(world, State.WITH_DUTY_MANAGER)
    _login(client, world, Role.EXPERT)
    assert 'data-testid="pause-clock"' not in client.get(f"/complaints/{ticket.pk}/").content.decode()
    assert client.post(f"/complaints/{ticket.pk}/waiting/", {"waiting": "on"}).status_code == 403


@pytest.mark.django_db
def test_duty_manager_makes_a_closed_resolution_a_suggestion(client, world):
    ticket = _in(world, State.CLOSED)
    _login(client, world, Role.DUTY_MANAGER)
    assert 'data-testid="promote"' in client.get(f"/complaints/{ticket.pk}/").content.decode()
    response = client.post(f"/complaints/{ticket.pk}/promote/", {"title": "Refund twice-charged bills"})
    assert response.status_code == 302
    suggestion = Suggestion.objects.get(source_ticket=ticket)
    assert (suggestion.category, suggestion.text) == (world["wrong_charge"], ticket.resolution)


@pytest.mark.django_db
def test_promote_is_not_offered_on_an_open_ticket(client, world):
    ticket = _in(world, State.WITH_DUTY_MANAGER)
    _login(client, world, Role.DUTY_MANAGER)
    assert 'data-testid="promote"' not in client.get(f"/complaints/{ticket.pk}/").content.decode()
    response = client.post(f"/complaints/{ticket.pk}/promote/", {"title": "Too early"}, follow=True)
    assert _messages(response) == ["Only a closed ticket's resolution can become a suggestion."]
    assert not Suggestion.objects.filter(source_ticket=ticket).exists()


# --- Department scope and masking ------------------------------------------------------------


@pytest.mark.django_db
def test_department_staff_see_masked_numbers_and_only_their_departments_tickets(
    client, world, other_department
):
    ours = _in(world, State.WITH_DEPARTMENT)
    theirs = _in(world, State.WITH_DUTY_MANAGER)
    act(theirs, world[Role.DUTY_MANAGER], Action.ASSIGN_DEPARTMENT, department_id=other_department.pk)
    _login(client, world, Role.DEPARTMENT_STAFF)
    body = client.get("/complaints/").content.decode()
    assert ours.reference in body
    assert theirs.reference not in body
    assert "138****8000" in body
    assert "13812348000" not in body
    detail = client.get(f"/complaints/{ours.pk}/").content.decode()
    assert "138****8000" in detail
    assert "13812348000" not in detail
    assert client.get(f"/complaints/{theirs.pk}/").status_code == 404
    assert (
        client.post(f"/complaints/{theirs.pk}/transition/", _form(theirs, Action.RETURN)).status_code == 404
    )


@pytest.mark.django_db
def test_other_departments_staff_cannot_open_the_ticket(client, world):
    ticket = _in(world, State.WITH_DEPARTMENT)
    _login(client, world, "other_department_staff")
    assert client.get(f"/complaints/{ticket.pk}/").status_code == 404


# --- Attachments ----------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_attachment_is_uploaded_listed_and_downloaded(client, world, media):
    ticket = _in(world, State.OPEN)
    _login(client, world, Role.AGENT)
    upload = SimpleUploadedFile("bill.txt", "账单 twice".encode(), content_type="text/plain")
    response = client.post(f"/complaints/{ticket.pk}/attachments/", {"file": upload}, follow=True)
    assert _messages(response) == ["“bill.txt” is attached."]
    attachment = Attachment.objects.get()
    assert f'href="/complaints/attachments/{attachment.pk}/">bill.txt</a>' in response.content.decode()
    download = client.get(f"/complaints/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="bill.txt"'
    assert b"".join(download.streaming_content) == "账单 twice".encode()
    assert ticket.events.last().action == Action.ATTACHMENT


@pytest.mark.django_db
def test_too_large_attachment_is_refused_with_a_message(client, world, media, settings):
    settings.COMPLAINTS_ATTACHMENT_MAX_BYTES = 1_048_576
    ticket = _in(world, State.OPEN)
    _login(client, world, Role.AGENT)
    upload = SimpleUploadedFile("big.pdf", b"x" * 1_048_577, content_type="application/pdf")
    response = client.post(f"/complaints/{ticket.pk}/attachments/", {"file": upload}, follow=True)
    assert _messages(response) == ["The file is larger than 1.0 MB."]
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_attachment_of_a_refused_type_is_refused_with_a_message(client, world, media):
    ticket = _in(world, State.OPEN)
    _login(client, world, Role.AGENT)
    upload = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/x-msdownload")
    response = client.post(f"/complaints/{ticket.pk}/attachments/", {"file": upload}, follow=True)
    assert _messages(response) == ["Files of this type cannot be attached."]
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_attachment_download_is_404_for_who_cannot_see_the_ticket(client, world, media):
    ticket = _in(world, State.WITH_DEPARTMENT)
    attachment = Attachment.objects.create(
        ticket=ticket,
        file=SimpleUploadedFile("a.txt", b"x"),
        filename="a.txt",
        content_type="text/plain",
        size=1,
        uploaded_by=world[Role.AGENT],
    )
    _login(client, world, "other_department_staff")
    assert client.get(f"/complaints/attachments/{attachment.pk}/").status_code == 404
    _login(client, world, Role.DEPARTMENT_STAFF)
    assert client.get(f"/complaints/attachments/{attachment.pk}/").status_code == 200


# --- Notifications and the bell --------------------------------------------------------------


def _bell_count(body: str) -> str | None:
    match = re.search(r'data-testid="unread-count">(\d+)<', body)
    return match.group(1) if match else None


@pytest.mark.django_db
def test_notifications_list_mark_read_and_bell_count(client, world):
    ticket = _in(world, State.WITH_EXPERT)  # the agent's escalation notified the expert pool
    expert = world[Role.EXPERT]
    older = Notification.objects.create(
        user=expert, ticket=None, kind="info", message="Read already", read_at=timezone.now()
    )
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    unread = Notification.objects.filter(user=expert, read_at__isnull=True)
    assert unread.count() == 1
    _login(client, world, Role.EXPERT)
    body = client.get("/complaints/notifications/").content.decode()
    assert _bell_count(body) == "1"
    items = re.findall(r'<li class="(read|unread)" data-notification="\d+">', body)
    assert items == ["unread", "read"]  # newest first, unread highlighted
    assert f'href="/complaints/{ticket.pk}/">{ticket.reference}: Escalate by' in body

    response = client.post("/complaints/notifications/read/", follow=True)
    assert _messages(response) == ["1 notification marked as read."]
    assert _bell_count(response.content.decode()) is None
    assert 'data-testid="mark-all-read"' not in response.content.decode()
    assert not unread.exists()


@pytest.mark.django_db
def test_bell_shows_for_ticket_roles_only(client, world):
    _login(client, world, Role.QA_MANAGER)
    assert 'data-testid="notification-bell"' not in client.get("/").content.decode()
    _login(client, world, Role.DEPARTMENT_STAFF)
    assert 'data-testid="notification-bell"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_bell_costs_one_count_query(client, world):
    _login(client, world, Role.AGENT)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/complaints/notifications/")
    unread_counts = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT COUNT(*)")
        and '"complaints_notification"."read_at" IS NULL' in q["sql"]
    ]
    assert len(unread_counts) == 1  # the bell and the "Mark all read" button share it


# --- List filters and the CSV export ---------------------------------------------------------


@pytest.mark.django_db
def test_list_filters_by_state_text_and_category_including_children(client, world):
    open_ticket = _in(world, State.OPEN)
    closed = _in(world, State.CLOSED)
    other = create_ticket(
        world[Role.AGENT], category=CategoryFactory(name="Delivery late"), customer_name="赵强"
    )
    _login(client, world, Role.DUTY_MANAGER)

    def refs(query: str) -> set[str]:
        body = client.get(f"/complaints/?{query}").content.decode()
        return set(re.findall(r'<tr data-ticket="([^"]+)"', body))

    assert refs("") == {open_ticket.reference, closed.reference, other.reference}
    assert refs("state=closed") == {closed.reference}
    assert refs(f"category={world['billing'].pk}") == {open_ticket.reference, closed.reference}
    assert refs("q=赵强") == {other.reference}
    assert refs("overdue=true") == set()
    Ticket.objects.filter(pk=open_ticket.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    assert refs("overdue=true") == {open_ticket.reference}
    assert refs("overdue=false") == {closed.reference, other.reference}


@pytest.mark.django_db
def test_csv_export_follows_the_filters(client, world):
    open_ticket = _in(world, State.OPEN)
    _in(world, State.CLOSED)
    _login(client, world, Role.DUTY_MANAGER)
    response = client.get("/complaints/export.csv?state=open")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="complaints.csv"'
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["reference"], row["state"], row["category"], row["customer_phone"], row["overdue"]) == (
        open_ticket.reference,
        "open",
        "Billing › Wrong charge",
        "13812348000",
        "no",
    )
    assert row["assignee"] == "agent"


@pytest.mark.django_db
def test_csv_export_masks_numbers_for_department_staff(client, world):
    _in(world, State.WITH_DEPARTMENT)
    _login(client, world, Role.DEPARTMENT_STAFF)
    content = b"".join(client.get("/complaints/export.csv").streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))
    assert [r["customer_phone"] for r in rows] == ["138****8000"]


# --- Queue and "my work" -------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_shows_feedback_first_then_by_due_time_with_overdue(client, world):
    feedback = _in(world, State.FEEDBACK)
    late = _in(world, State.WITH_DUTY_MANAGER)
    soon = _in(world, State.WITH_DUTY_MANAGER)
    Ticket.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=3))
    Ticket.objects.filter(pk=soon.pk).update(due_at=timezone.now() + timedelta(hours=5))
    _in(world, State.CLOSED)
    _login(client, world, Role.DUTY_MANAGER)
    body = client.get("/complaints/queue/").content.decode()
    assert re.findall(r'<tr data-ticket="([^"]+)"', body) == [
        feedback.reference,
        late.reference,
        soon.reference,
    ]
    assert "overdue by 3\xa0hours" in body
    assert re.search(r'data-testid="time-left">4\xa0hours, 59\xa0minutes left<', body)


@pytest.mark.django_db
def test_my_work_lists_queue_tickets_per_role(client, world):
    open_ticket = _in(world, State.OPEN)
    dept_ticket = _in(world, State.WITH_DEPARTMENT)
    _login(client, world, Role.AGENT)
    body = client.get("/").content.decode()
    assert f"/complaints/{open_ticket.pk}/" in body
    assert 'data-testid="count-my_tickets">1<' in body
    _login(client, world, Role.DEPARTMENT_STAFF)
    body = client.get("/").content.decode()
    assert f"/complaints/{dept_ticket.pk}/" in body
    assert 'data-testid="count-department_tickets">1<' in body


# --- Query counts -------------------------------------------------------------------------


def _bulk_tickets(world, count: int, offset: int = 0) -> None:
    """Tickets in every active stage, some overdue, all visible to the role that lists them."""
    now = timezone.now()
    states = [
        State.OPEN,
        State.WITH_EXPERT,
        State.WITH_DUTY_MANAGER,
        State.WITH_DEPARTMENT,
        State.FEEDBACK,
    ]
    tickets = []
    for n in range(offset, offset + count):
        state = states[n % len(states)]
        tickets.append(
            TicketFactory.build(
                reference=f"BULK-{n:06d}",
                category=world["wrong_charge"] if n % 2 else world["billing"],
                created_by=world[Role.AGENT],
                state=state,
                assignee=world[Role.AGENT] if state == State.OPEN else None,
                department=world["department"] if state in (State.WITH_DEPARTMENT, State.FEEDBACK) else None,
                due_at=now + timedelta(minutes=(n % 7 - 3) * 30),
            )
        )
    Ticket.objects.bulk_create(tickets)


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", TICKET_ROLES)
@pytest.mark.parametrize("url", ["/complaints/", "/complaints/queue/"])
def test_list_and_queue_run_the_same_queries_for_10_and_500_tickets(client, world, role, url):
    _login(client, world, role)
    _bulk_tickets(world, 10)
    with_ten = _query_count(client, url)
    body = client.get(url).content.decode()
    assert body.count("<tr data-ticket=") > 0
    _bulk_tickets(world, 490, offset=10)
    assert _query_count(client, url) == with_ten


@pytest.mark.django_db
def test_notification_list_runs_the_same_queries_for_10_and_500_rows(client, world):
    ticket = _in(world, State.OPEN)
    expert = world[Role.EXPERT]

    def add(count: int) -> None:
        Notification.objects.bulk_create(
            Notification(user=expert, ticket=ticket, kind="assigned", message=f"Note {n}")
            for n in range(count)
        )

    _login(client, world, Role.EXPERT)
    add(10)
    with_ten = _query_count(client, "/complaints/notifications/")
    add(490)
    assert _query_count(client, "/complaints/notifications/") == with_ten
