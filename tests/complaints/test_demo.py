"""seed_demo's complaints: every state, timelines that follow the transition table and the SLA rules,
work in each demo login's queue, reproducible and idempotent."""

import re
from collections import defaultdict
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from apps.complaints import demo, selectors, services, sla, workflow
from apps.complaints.access import tickets_for
from apps.complaints.models import (
    BusinessCalendar,
    Category,
    Holiday,
    Notification,
    SlaPolicy,
    Suggestion,
    Ticket,
    TicketEvent,
    WorkingPeriod,
)
from apps.complaints.states import Action, State

SYSTEM_ACTIONS = {Action.SLA_BREACHED, Action.AUTO_ESCALATE}
WAITING_ACTIONS = {Action.WAITING_ON, Action.WAITING_OFF}
# Events that save the ticket (services: version += 1); an SLA breach is marked by a bare update.
VERSIONED = set(workflow.ACTIONS) | WAITING_ACTIONS | {Action.AUTO_ESCALATE}


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True  # seed_demo refuses without it
    return _seed()


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _roles() -> dict[int, set[str]]:
    roles = defaultdict(set)
    for user_id, role in User.groups.through.objects.values_list("user_id", "group__name"):
        roles[user_id].add(role)
    return roles


def _memberships() -> dict[int, set[int]]:
    members = defaultdict(set)
    for department_id, user_id in Department.members.through.objects.values_list("department_id", "user_id"):
        members[user_id].add(department_id)
    return members


def _snapshot() -> dict:
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                User,
                Category,
                BusinessCalendar,
                WorkingPeriod,
                Holiday,
                SlaPolicy,
                Suggestion,
                Ticket,
                TicketEvent,
                Notification,
            )
        },
        "tickets": list(
            Ticket.objects.order_by("reference").values_list(
                "reference",
                "state",
                "category__name",
                "severity",
                "customer_name",
                "created_by__username",
                "assignee__username",
                "department__name",
                "created_at",
                "due_at",
                "sla_breached_at",
                "version",
            )
        ),
        "events": list(
            TicketEvent.objects.order_by("ticket__reference", "created_at", "id").values_list(
                "ticket__reference", "action", "actor__username", "from_state", "to_state", "created_at"
            )
        ),
    }


def test_small_seed_has_150_tickets_in_every_state_and_reports_them(seeded):
    by_state = dict(Ticket.objects.values_list("state").annotate(n=Count("id")).order_by())
    assert set(by_state) == set(State.values)
    assert sum(by_state.values()) == 150
    assert f"Complaints: 150 tickets (open {by_state[State.OPEN]}, with_expert" in seeded
    assert "Complaints seeding took" in seeded


def test_set_up_has_a_category_tree_calendars_policies_and_suggestions(seeded):
    billing = Category.objects.get(name="Billing 计费", parent=None)
    assert set(billing.children.values_list("name", flat=True)) == {
        "Double charge 重复扣费",
        "Refund 退款",
        "Unknown charge 不明扣费",
    }
    assert billing.default_department.name == "Billing 计费部"
    assert not Category.objects.filter(parent=None, default_department=None).exists()
    default = BusinessCalendar.objects.get(is_default=True)
    assert list(default.periods.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4, 5]
    assert default.holidays.filter(date="2026-10-01").exists()
    network = Category.objects.get(name="Network 网络")
    assert network.calendar.always_open
    assert services.calendar_for(Category.objects.get(name="No signal 无信号")).always_open
    assert SlaPolicy.objects.filter(category=None).count() == 20  # 4 severities × 5 stages
    assert SlaPolicy.objects.filter(category__isnull=False).exists()
    # Every category has advice in both languages.
    assert set(Suggestion.objects.values_list("category", flat=True)) == set(
        Category.objects.values_list("pk", flat=True)
    )
    assert all(
        re.search(r"[\u4e00-\u9fff]", text) for text in Suggestion.objects.values_list("text", flat=True)
    )


def test_references_are_unique_and_numbered_in_order_of_creation(seeded):
    tickets = list(Ticket.objects.order_by("created_at", "id").values_list("reference", "created_at"))
    numbers = []
    for reference, created_at in tickets:
        match = re.fullmatch(r"CP-(\d{4})-(\d{6})", reference)
        assert match, reference
        assert int(match[1]) == timezone.localtime(created_at).year
        numbers.append(int(match[2]))
    assert numbers == list(range(1, len(tickets) + 1))


def test_every_timeline_follows_the_transition_table_with_permitted_actors(seeded):
    roles, memberships = _roles(), _memberships()
    now = timezone.now()
    tickets = Ticket.objects.prefetch_related("events")
    for ticket in tickets:
        events = list(ticket.events.all())
        created = events[0]
        assert (created.action, created.actor_id, created.from_state, created.to_state) == (
            Action.CREATE,
            ticket.created_by_id,
            "",
            State.OPEN,
        )
        assert created.created_at == ticket.created_at
        state, department = State.OPEN, None
        for previous, event in zip(events, events[1:], strict=False):
            label = f"{ticket.reference} {event.action}"
            assert previous.created_at <= event.created_at <= now, label
            assert event.from_state == state, label
            if event.action in workflow.ACTIONS:
                transition = workflow.find(event.action, state)
                assert transition is not None, label
                assert transition.target == event.to_state, label
                assert roles[event.actor_id] & set(transition.roles), label
                assert event.note, label
                if transition.holder == "assignee":  # the first-line holder: whoever opened it
                    assert event.actor_id == ticket.created_by_id, label
                if transition.holder == "department" and Role.DUTY_MANAGER not in roles[event.actor_id]:
                    assert department in memberships[event.actor_id], label
                if workflow.DEPARTMENT in transition.requires:
                    assert event.department_id is not None, label
                    if event.action == Action.TRANSFER:
                        assert event.department_id != department, label
                    department = event.department_id
                elif event.action == Action.RETURN and state == State.WITH_DEPARTMENT:
                    department = None
            elif event.action in WAITING_ACTIONS:
                assert event.to_state == state != State.CLOSED, label
                assert any(roles[event.actor_id] & set(t.roles) for t in workflow.from_state(state)), label
            elif event.action == Action.SLA_BREACHED:
                assert (event.actor_id, event.to_state) == (None, state), label
            else:
                # Only the SLA sweep escalates on its own, right after marking the breach.
                assert event.action == Action.AUTO_ESCALATE, label
                assert state in (State.OPEN, State.WITH_EXPERT), label
                assert (event.actor_id, event.to_state) == (None, State.WITH_DUTY_MANAGER), label
                assert previous.action == Action.SLA_BREACHED, label
                assert previous.created_at == event.created_at, label
            state = event.to_state
        assert state == ticket.state, ticket.reference
        assert ticket.department_id == department, ticket.reference
        assert ticket.version == 1 + sum(e.action in VERSIONED for e in events), ticket.reference


def test_each_stage_clock_follows_the_sla_policy_and_the_calendar(seeded):
    for ticket in Ticket.objects.select_related("category__parent").prefetch_related("events"):
        events = list(ticket.events.all())
        entered = [e for e in events if e.action not in WAITING_ACTIONS | {Action.SLA_BREACHED}][-1]
        assert ticket.stage_started_at == entered.created_at, ticket.reference
        last_saved = [e for e in events if e.action != Action.SLA_BREACHED][-1]
        assert ticket.updated_at == last_saved.created_at, ticket.reference
        if ticket.state == State.CLOSED:
            assert ticket.due_at is None
            assert ticket.closed_at == entered.created_at
            assert ticket.resolution == entered.note
            continue
        calendar = services.calendar_for(ticket.category)
        budget = services.budget_minutes(ticket.category, ticket.severity, ticket.state) * 60
        if ticket.waiting_for_customer:
            assert events[-1].action == Action.WAITING_ON
            assert ticket.due_at is None
            elapsed = sla.business_seconds_between(ticket.stage_started_at, events[-1].created_at, calendar)
            assert ticket.sla_remaining_seconds == budget - elapsed, ticket.reference
        elif not any(e.action in WAITING_ACTIONS for e in events if e.created_at >= entered.created_at):
            due = sla.add_business_seconds(ticket.stage_started_at, budget, calendar)
            assert ticket.due_at == due, ticket.reference


def test_some_tickets_are_overdue_escalated_by_the_sweep_waiting_or_reopened(seeded):
    now = timezone.now()
    overdue = Ticket.objects.active().filter(sla_breached_at__isnull=False)
    assert overdue.count() >= 4
    for ticket in overdue:
        assert ticket.state in (State.WITH_DUTY_MANAGER, State.WITH_DEPARTMENT, State.FEEDBACK)
        assert ticket.due_at < ticket.sla_breached_at <= now
        assert ticket.events.filter(action=Action.SLA_BREACHED, created_at=ticket.sla_breached_at).exists()
    # Nothing is left for the sweep: every stage due more than a minute ago is marked.
    assert (
        not Ticket.objects.overdue(now - timedelta(minutes=1)).filter(sla_breached_at__isnull=True).exists()
    )
    assert TicketEvent.objects.filter(action=Action.AUTO_ESCALATE).values("ticket").distinct().count() >= 2
    assert Ticket.objects.active().filter(waiting_for_customer=True).count() >= 3
    assert TicketEvent.objects.filter(action=Action.REOPEN).values("ticket").distinct().count() >= 2


def test_demo_logins_have_work_in_their_queues(seeded):
    agent, expert = _user("agent"), _user("expert")
    duty_manager, staff = _user("dutymanager"), _user("deptstaff")
    billing = Department.objects.get(name="Billing 计费部")
    assert list(staff.departments.all()) == [billing]

    mine = selectors.queue_for(agent)
    assert mine.filter(state=State.OPEN, assignee=agent).count() >= 3
    assert mine.filter(waiting_for_customer=True).exists()
    assert selectors.queue_for(expert).filter(state=State.WITH_EXPERT, assignee=None).count() >= 3
    assert selectors.queue_for(expert).filter(assignee=expert).exists()
    review = list(selectors.queue_for(duty_manager).values_list("state", flat=True))
    assert review.count(State.FEEDBACK) >= 2
    assert review.count(State.WITH_DUTY_MANAGER) >= 3
    assert review[: review.count(State.FEEDBACK)] == [State.FEEDBACK] * review.count(State.FEEDBACK)
    department_queue = selectors.queue_for(staff)
    assert department_queue.filter(state=State.WITH_DEPARTMENT, department=billing).count() >= 3
    assert department_queue.filter(sla_breached_at__isnull=False).exists()
    assert tickets_for(staff).exclude(department=billing).count() == 0
    # Another department's overdue case exists, out of the demo department staff's sight.
    elsewhere = Ticket.objects.filter(state=State.WITH_DEPARTMENT, sla_breached_at__isnull=False)
    assert elsewhere.exclude(department=billing).exists()

    for user in (agent, expert, duty_manager, staff):
        unread = Notification.objects.filter(user=user, read_at__isnull=True)
        assert unread.count() >= 2, user.username
        assert not unread.filter(ticket__isnull=True).exists()


def test_demo_logins_can_take_the_next_step_through_the_service(seeded):
    staff, duty_manager = _user("deptstaff"), _user("dutymanager")
    ticket = selectors.queue_for(staff).filter(state=State.WITH_DEPARTMENT).first()

    services.ticket_transition(
        by=staff,
        ticket_id=ticket.pk,
        action=Action.SUBMIT_FEEDBACK,
        expected_state=State.WITH_DEPARTMENT,
        expected_version=ticket.version,
        note="Refund issued.",
    )
    services.ticket_transition(
        by=duty_manager,
        ticket_id=ticket.pk,
        action=Action.CLOSE,
        expected_state=State.FEEDBACK,
        note="Customer called back.",
        customer_satisfied=True,
    )

    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert list(ticket.events.values_list("action", flat=True))[-2:] == [Action.SUBMIT_FEEDBACK, Action.CLOSE]


def test_rerunning_with_the_same_seed_changes_nothing(seeded):
    before = _snapshot()

    _seed()

    assert _snapshot() == before


def test_another_seed_adds_no_tickets(seeded):
    before = _snapshot()["counts"]

    _seed(seed=7)

    assert _snapshot()["counts"] == before


@pytest.mark.django_db
def test_the_same_seed_at_the_same_moment_gives_the_same_tickets(settings):
    settings.DEBUG = True
    moment = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        _seed(seed=11)
    first = _snapshot()
    Ticket.objects.all().delete()  # events and notifications go with them

    with time_machine.travel(moment, tick=False):
        _seed(seed=11)

    assert _snapshot() == first


def test_stories_cover_every_state():
    """The fixed stories alone put a ticket in every state, whatever the volume draws."""
    tails = {(story.tail, _final_state(story)) for story in demo.STORIES}
    assert {state for _tail, state in tails} == set(State.values)
    assert {tail for tail, _state in tails} == {"fresh", "waiting", "overdue", "closed"}


def _final_state(story: demo.Story) -> str:
    state = State.OPEN
    for step in story.steps:
        if step.action == demo.SLA_OVERRUN:
            state = State.WITH_DUTY_MANAGER
        else:
            state = workflow.find(step.action, state).target
    return state
