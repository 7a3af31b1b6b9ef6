"""The complaints admin: set-up rows are edited there; tickets and their history only through the workflow."""

import pytest

from apps.accounts.roles import Role
from apps.complaints import services
from apps.complaints.models import BusinessCalendar, Category, Notification, SlaPolicy, Suggestion
from apps.complaints.states import Action, Severity, State

CHANGELISTS = ["category", "slapolicy", "businesscalendar", "suggestion", "ticket", "notification"]


@pytest.fixture
def category(db, department):
    return Category.objects.create(name="Billing", default_department=department)


@pytest.fixture
def ticket(personas, category):
    ticket = services.ticket_create(
        by=personas[Role.AGENT],
        customer_name="Wang Fang",
        customer_phone="13800138000",
        category=category,
        severity=Severity.MEDIUM,
        description="Charged twice for March.",
    )
    return services.ticket_transition(
        by=personas[Role.AGENT],
        ticket_id=ticket.pk,
        action=Action.ESCALATE,
        expected_state=State.OPEN,
        note="Customer insists on compensation.",
    )


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas[Role.ADMIN])
    return client


@pytest.fixture
def some_of_everything(personas, category, ticket):
    calendar = BusinessCalendar.objects.create(name="Office hours", is_default=True)
    calendar.periods.create(weekday=0, start="09:00", end="18:00")
    calendar.holidays.create(date="2026-10-01", name="National Day")
    SlaPolicy.objects.create(severity=Severity.HIGH, stage=State.OPEN, minutes=60)
    Suggestion.objects.create(
        category=category,
        title="Check the log",
        text="Compare both payments.",
        created_by=personas[Role.EXPERT],
    )
    Notification.objects.create(user=personas[Role.EXPERT], ticket=ticket, kind="assigned", message="New")
    return calendar


@pytest.mark.parametrize("model", CHANGELISTS)
def test_admin_role_opens_each_complaints_changelist(admin_client, some_of_everything, model):
    assert admin_client.get(f"/admin/complaints/{model}/").status_code == 200


def test_admin_role_opens_a_calendar_with_its_hours_and_holidays(admin_client, some_of_everything):
    response = admin_client.get(f"/admin/complaints/businesscalendar/{some_of_everything.pk}/change/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "National Day" in body
    assert 'name="periods-0-start"' in body


def test_sla_policies_can_be_added_through_the_admin(admin_client, category):
    response = admin_client.post(
        "/admin/complaints/slapolicy/add/",
        {"category": category.pk, "severity": Severity.CRITICAL, "stage": State.WITH_EXPERT, "minutes": 45},
    )

    assert response.status_code == 302
    policy = SlaPolicy.objects.get()
    assert (policy.category, policy.severity, policy.stage, policy.minutes) == (
        category,
        Severity.CRITICAL,
        State.WITH_EXPERT,
        45,
    )
    assert services.budget_minutes(category, Severity.CRITICAL, State.WITH_EXPERT) == 45


def test_a_second_default_policy_for_the_same_stage_is_refused(admin_client):
    SlaPolicy.objects.create(severity=Severity.LOW, stage=State.OPEN, minutes=240)

    response = admin_client.post(
        "/admin/complaints/slapolicy/add/",
        {"category": "", "severity": Severity.LOW, "stage": State.OPEN, "minutes": 1},
    )

    assert response.status_code == 200  # the form again, with the error
    assert "complaints_sla_unique_default" in response.content.decode()
    assert SlaPolicy.objects.get().minutes == 240


def test_sla_minutes_are_editable_in_the_list(admin_client):
    policy = SlaPolicy.objects.create(severity=Severity.HIGH, stage=State.FEEDBACK, minutes=120)

    response = admin_client.post(
        "/admin/complaints/slapolicy/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": policy.pk,
            "form-0-category": "",
            "form-0-severity": Severity.HIGH,
            "form-0-stage": State.FEEDBACK,
            "form-0-minutes": "90",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.minutes == 90


def test_a_suggestion_added_in_the_admin_is_signed_by_the_admin(admin_client, personas, category):
    response = admin_client.post(
        "/admin/complaints/suggestion/add/",
        {"category": category.pk, "title": "Apologise first", "text": "Then listen.", "source_ticket": ""},
    )

    assert response.status_code == 302
    assert Suggestion.objects.get().created_by == personas[Role.ADMIN]


def test_tickets_are_read_only_with_their_timeline(admin_client, ticket):
    url = f"/admin/complaints/ticket/{ticket.pk}/change/"

    response = admin_client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="_save"' not in body
    assert "Customer insists on compensation." in body  # the escalation event, in the read-only inline
    assert 'name="events-0-note"' not in body
    assert admin_client.post(url, {"state": State.CLOSED}).status_code == 403
    assert admin_client.get("/admin/complaints/ticket/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/complaints/ticket/{ticket.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    ticket.refresh_from_db()
    assert ticket.state == State.WITH_EXPERT
    assert ticket.events.count() == 2


def test_notifications_are_read_only(admin_client, some_of_everything):
    notification = Notification.objects.get(message="New")
    url = f"/admin/complaints/notification/{notification.pk}/change/"

    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"message": "Changed"}).status_code == 403
    notification.refresh_from_db()
    assert notification.message == "New"


@pytest.mark.parametrize("role", [Role.DUTY_MANAGER, Role.AGENT])
def test_other_roles_cannot_open_the_complaints_admin(client, personas, role):
    client.force_login(personas[role])

    response = client.get("/admin/complaints/slapolicy/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
