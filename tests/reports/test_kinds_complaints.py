"""Complaint chart kinds: ticket flow (open per stage, overdue split) and weekly SLA compliance.

The clock stands at Wednesday 2026-03-18 10:00 in Shanghai (ISO week 2026-W12): the flow covers that
day, the SLA trend the twelve weeks 2025-12-29 (2026-W01) to 2026-03-22.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.accounts.roles import Role
from apps.complaints import selectors
from apps.complaints import services as complaint_services
from apps.complaints.models import Ticket
from apps.complaints.states import Action, Severity, State
from apps.reports import kinds, services
from apps.reports.charts import to_svg
from apps.reports.kinds import NothingToDraw
from apps.reports.kinds.base import COMPLAINTS, HOURLY
from apps.reports.kinds.complaints import COMPLAINT_FLOW, COMPLAINT_SLA_TREND, SLA_TARGET_PERCENT
from apps.reports.models import ChartSnapshot
from apps.reports.scopes import GLOBAL_SCOPE, Scope
from tests.complaints.factories import TicketEventFactory, TicketFactory, act, ticket_in
from tests.reports.test_charts import assert_drawn, drawn_texts

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 18, 10, 0, tzinfo=SHANGHAI)


def local(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def period(kind):
    return kind.current_period(NOW.date())


def flow_row(state: str, within: int, overdue: int) -> dict:
    return {"state": state, "within_sla": within, "overdue": overdue, "total": within + overdue}


def set_clock(ticket: Ticket, **fields) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(**fields)


@pytest.fixture
def flow(personas, department, other_department):
    """Open tickets in every stage, some past due or breached; tickets closed today and yesterday.

    Billing (``department``) holds: 2 with the department (1 past due), 1 feedback (breached), and one
    closed today; Logistics holds 1 with the department. The rest belong to no department.
    """
    tickets = {
        "open_fresh": ticket_in(State.OPEN, personas, department),
        "open_late": ticket_in(State.OPEN, personas, department, severity=Severity.HIGH),
        "open_breached": ticket_in(State.OPEN, personas, department),
        "expert": ticket_in(State.WITH_EXPERT, personas, department),
        "duty_late": ticket_in(State.WITH_DUTY_MANAGER, personas, department),
        "billing_fresh": ticket_in(State.WITH_DEPARTMENT, personas, department),
        "billing_late": ticket_in(State.WITH_DEPARTMENT, personas, department),
        "billing_feedback": ticket_in(State.FEEDBACK, personas, department),
        "logistics": ticket_in(State.WITH_DEPARTMENT, personas, other_department),
        "closed_today": ticket_in(State.CLOSED, personas, department),
        "closed_yesterday": ticket_in(State.CLOSED, personas, department),
    }
    set_clock(tickets["open_late"], due_at=NOW - timedelta(minutes=1))
    set_clock(tickets["open_breached"], sla_breached_at=NOW - timedelta(hours=1), due_at=None)
    set_clock(tickets["duty_late"], due_at=NOW - timedelta(days=2))
    set_clock(tickets["billing_late"], due_at=NOW - timedelta(hours=3))
    set_clock(tickets["billing_feedback"], sla_breached_at=NOW - timedelta(hours=2))
    set_clock(tickets["closed_yesterday"], closed_at=local(3, 17, 23, 59))
    # Due exactly now is not yet overdue (due_at < now, as the ticket list filters).
    set_clock(tickets["expert"], due_at=NOW)
    return tickets


# --- Registry ------------------------------------------------------------------------------------


def test_complaint_kinds_are_registered_hourly_for_everyone_and_departments():
    assert kinds.get("complaint_flow") is COMPLAINT_FLOW
    assert kinds.get("complaint_sla_trend") is COMPLAINT_SLA_TREND
    for kind in (COMPLAINT_FLOW, COMPLAINT_SLA_TREND):
        assert (kind.family, kind.schedule, kind.scope_types) == (
            COMPLAINTS,
            HOURLY,
            ("global", "department"),
        )
    assert (COMPLAINT_FLOW.period_unit, COMPLAINT_FLOW.window) == ("day", 1)
    assert (COMPLAINT_SLA_TREND.period_unit, COMPLAINT_SLA_TREND.window) == ("week", 12)
    assert period(COMPLAINT_FLOW).key == "2026-03-18"
    sla_period = period(COMPLAINT_SLA_TREND)
    assert (sla_period.key, sla_period.start.isoformat(), sla_period.end.isoformat()) == (
        "2026-W12",
        "2025-12-29",
        "2026-03-22",
    )


def test_scopes_are_everyone_and_every_department(department, other_department):
    expected = [GLOBAL_SCOPE, Scope("department", department.pk), Scope("department", other_department.pk)]
    assert COMPLAINT_FLOW.scopes() == expected
    assert COMPLAINT_SLA_TREND.scopes() == expected


# --- Flow ----------------------------------------------------------------------------------------


def test_flow_counts_open_tickets_per_stage_in_workflow_order_split_by_overdue(flow):
    data = COMPLAINT_FLOW.collect(GLOBAL_SCOPE, period(COMPLAINT_FLOW))
    assert data == {
        "as_of": "2026-03-18T10:00+08:00",
        "department": None,
        "states": [
            flow_row(State.OPEN, 1, 2),
            flow_row(State.WITH_EXPERT, 1, 0),
            flow_row(State.WITH_DUTY_MANAGER, 0, 1),
            flow_row(State.WITH_DEPARTMENT, 2, 1),
            flow_row(State.FEEDBACK, 0, 1),
        ],
        "open_total": 9,
        "overdue_total": 5,
        "closed_today": 1,
    }


def test_flow_overdue_is_what_the_ticket_list_calls_overdue(flow):
    data = COMPLAINT_FLOW.collect(GLOBAL_SCOPE, period(COMPLAINT_FLOW))
    overdue = selectors.filter_tickets(Ticket.objects.all(), overdue=True)
    assert data["overdue_total"] == overdue.count()
    for row in data["states"]:
        assert row["overdue"] == overdue.filter(state=row["state"]).count()
        assert row["total"] == Ticket.objects.filter(state=row["state"]).count()


def test_department_flow_counts_only_the_tickets_routed_to_it(flow, department, other_department):
    billing = COMPLAINT_FLOW.collect(Scope("department", department.pk), period(COMPLAINT_FLOW))
    assert billing["department"] == "Billing"
    assert billing["states"] == [
        flow_row(State.OPEN, 0, 0),
        flow_row(State.WITH_EXPERT, 0, 0),
        flow_row(State.WITH_DUTY_MANAGER, 0, 0),
        flow_row(State.WITH_DEPARTMENT, 1, 1),
        flow_row(State.FEEDBACK, 0, 1),
    ]
    assert (billing["open_total"], billing["overdue_total"], billing["closed_today"]) == (3, 2, 1)
    logistics = COMPLAINT_FLOW.collect(Scope("department", other_department.pk), period(COMPLAINT_FLOW))
    assert logistics["states"][3] == flow_row(State.WITH_DEPARTMENT, 1, 0)
    assert (logistics["open_total"], logistics["closed_today"]) == (1, 0)


def test_flow_follows_the_sla_sweep_as_time_passes(personas, department):
    with time_machine.travel(NOW - timedelta(hours=3), tick=False):
        ticket = ticket_in(State.WITH_DUTY_MANAGER, personas, department, severity=Severity.HIGH)  # 60 min
    assert COMPLAINT_FLOW.collect(GLOBAL_SCOPE, period(COMPLAINT_FLOW))["states"][2] == flow_row(
        State.WITH_DUTY_MANAGER, 0, 1
    )  # past due, not yet swept
    complaint_services.sla_sweep(NOW)
    ticket.refresh_from_db()
    assert ticket.sla_breached_at == NOW
    data = COMPLAINT_FLOW.collect(GLOBAL_SCOPE, period(COMPLAINT_FLOW))
    assert data["states"][2] == flow_row(State.WITH_DUTY_MANAGER, 0, 1)
    act(ticket, personas[Role.DUTY_MANAGER], Action.CLOSE, customer_satisfied=True)
    data = COMPLAINT_FLOW.collect(GLOBAL_SCOPE, period(COMPLAINT_FLOW))
    assert (data["open_total"], data["overdue_total"], data["closed_today"]) == (0, 0, 1)


def test_flow_without_tickets_is_still_drawn_with_zeros(department):
    """An empty flow is news ("nothing open"): the hourly chart must replace an older busy one."""
    data = COMPLAINT_FLOW.collect(Scope("department", department.pk), period(COMPLAINT_FLOW))
    assert [row["total"] for row in data["states"]] == [0, 0, 0, 0, 0]
    assert (data["open_total"], data["closed_today"]) == (0, 0)


def test_flow_of_a_deleted_department_has_nothing_to_draw(db):
    with pytest.raises(NothingToDraw, match="department:999 does not exist"):
        COMPLAINT_FLOW.collect(Scope("department", 999), period(COMPLAINT_FLOW))


@pytest.mark.parametrize(("scope_type", "queries"), [("global", 1), ("department", 2)])
def test_flow_collect_runs_one_grouped_query(
    personas, department, django_assert_num_queries, scope_type, queries
):
    scope = GLOBAL_SCOPE if scope_type == "global" else Scope("department", department.pk)
    TicketFactory.create_batch(3, state=State.WITH_DEPARTMENT, department=department)
    with django_assert_num_queries(queries):
        COMPLAINT_FLOW.collect(scope, period(COMPLAINT_FLOW))
    for state in (State.OPEN, State.FEEDBACK, State.WITH_DEPARTMENT):
        TicketFactory.create_batch(20, state=state, department=department, due_at=NOW - timedelta(hours=1))
    TicketFactory.create_batch(20, state=State.CLOSED, department=department, closed_at=NOW)
    with django_assert_num_queries(queries):
        data = COMPLAINT_FLOW.collect(scope, period(COMPLAINT_FLOW))
    assert (data["open_total"], data["overdue_total"], data["closed_today"]) == (63, 60, 20)


def test_flow_draws_states_stacks_totals_and_the_time_drawn(flow, department):
    data = COMPLAINT_FLOW.collect(Scope("department", department.pk), period(COMPLAINT_FLOW))
    svg = to_svg(COMPLAINT_FLOW.draw(data))
    assert_drawn(svg, "Open complaints by stage: Billing", "Tickets", "Within SLA", "Overdue")
    assert_drawn(svg, *(str(label) for value, label in State.choices if value != State.CLOSED))
    assert_drawn(svg, "As of 2026-03-18 10:00: 3 open, 2 overdue, 1 closed today")
    assert {"0", "1", "2"} <= set(drawn_texts(svg))
    everyone = COMPLAINT_FLOW.collect(GLOBAL_SCOPE, period(COMPLAINT_FLOW))
    assert_drawn(to_svg(COMPLAINT_FLOW.draw(everyone)), "Open complaints by stage", "9 open, 5 overdue")


def test_flow_table_has_a_row_per_state_and_the_totals(flow):
    header, rows = COMPLAINT_FLOW.table(COMPLAINT_FLOW.collect(GLOBAL_SCOPE, period(COMPLAINT_FLOW)))
    assert header == ["State", "Within SLA", "Overdue", "Total"]
    assert rows == [
        ["Open (first line)", 1, 2, 3],
        ["With difficult-case expert", 1, 0, 1],
        ["With duty manager", 0, 1, 1],
        ["With business department", 2, 1, 3],
        ["Feedback to review", 0, 1, 1],
        ["All open tickets", 4, 5, 9],
        ["Closed today", "", "", 1],
    ]


def test_generate_flow_stores_one_snapshot_of_the_day(flow, department, media_root):
    scope = Scope("department", department.pk)
    services.generate(COMPLAINT_FLOW, scope)
    set_clock(flow["billing_fresh"], due_at=NOW - timedelta(minutes=5))
    snapshot = services.generate(COMPLAINT_FLOW, scope)
    assert ChartSnapshot.objects.filter(kind="complaint_flow").get() == snapshot
    assert (snapshot.scope, snapshot.scope_label, snapshot.period) == (scope.key, "Billing", "2026-03-18")
    assert snapshot.data["overdue_total"] == 3
    images = {image.language: image for image in snapshot.images.all()}
    assert set(images) == {"en", "zh-hans"}
    assert_drawn((media_root / images["en"].svg.name).read_text(), "Open complaints by stage: Billing")
    assert (media_root / images["zh-hans"].png.name).read_bytes().startswith(b"\x89PNG")


# --- SLA compliance trend ------------------------------------------------------------------------


def closed(when: datetime, *, breached: bool = False, **fields) -> Ticket:
    """A ticket closed at ``when``; ``breached``: its timeline has an SLA breach."""
    ticket = TicketFactory(state=State.CLOSED, closed_at=when, **fields)
    if breached:
        TicketEventFactory(
            ticket=ticket, action=Action.SLA_BREACHED, from_state=State.OPEN, to_state=State.OPEN
        )
    return ticket


@pytest.fixture
def closures(department, other_department):
    closed(local(12, 29, 0, 5, year=2025))  # Monday 00:05 of W01: the window's first minute
    closed(local(12, 28, 23, 55, year=2025), breached=True)  # Sunday of 2025-W52: before the window
    closed(local(3, 2))  # W10
    closed(local(3, 3), breached=True)  # W10
    closed(local(3, 8, 23, 59), breached=True, department=department)  # Sunday night: still W10
    closed(local(3, 9, 0, 1), department=department)  # Monday just after midnight: W11
    closed(local(3, 10), department=department)  # W11
    closed(local(3, 11), department=other_department, breached=True)  # W11
    closed(local(3, 18, 9), department=department)  # W12
    # Open tickets with a breach and tickets not closed do not count.
    TicketEventFactory(
        ticket=TicketFactory(state=State.WITH_DUTY_MANAGER),
        action=Action.SLA_BREACHED,
        from_state=State.OPEN,
        to_state=State.OPEN,
    )


def week(key: str, start: str, closed_count: int = 0, within: int = 0, compliance: float | None = None):
    return {
        "week": key,
        "start": start,
        "closed": closed_count,
        "within_sla": within,
        "compliance": compliance,
    }


def test_sla_trend_counts_closed_tickets_per_iso_week_and_those_never_breached(closures):
    data = COMPLAINT_SLA_TREND.collect(GLOBAL_SCOPE, period(COMPLAINT_SLA_TREND))
    assert data["department"] is None
    assert data["target"] == SLA_TARGET_PERCENT == 90
    weeks = data["weeks"]
    assert len(weeks) == 12
    assert weeks[0] == week("2026-W01", "2025-12-29", 1, 1, 100.0)
    assert weeks[1:9] == [
        week(
            f"2026-W{n:02d}",
            (datetime(2025, 12, 29, tzinfo=SHANGHAI) + timedelta(weeks=n - 1)).date().isoformat(),
        )
        for n in range(2, 10)
    ]
    assert weeks[9:] == [
        week("2026-W10", "2026-03-02", 3, 1, 33.33),  # 1 of 3: 33.333… rounds down
        week("2026-W11", "2026-03-09", 3, 2, 66.67),  # 2 of 3: 66.666… rounds up
        week("2026-W12", "2026-03-16", 1, 1, 100.0),
    ]


def test_department_sla_trend_counts_only_its_tickets(closures, department):
    data = COMPLAINT_SLA_TREND.collect(Scope("department", department.pk), period(COMPLAINT_SLA_TREND))
    assert data["department"] == "Billing"
    assert [(w["week"], w["closed"], w["within_sla"], w["compliance"]) for w in data["weeks"][9:]] == [
        ("2026-W10", 1, 0, 0.0),
        ("2026-W11", 2, 2, 100.0),
        ("2026-W12", 1, 1, 100.0),
    ]
    assert [w["compliance"] for w in data["weeks"][:9]] == [None] * 9


def test_a_ticket_breached_and_escalated_by_the_sweep_counts_as_a_breach_when_closed(personas, department):
    with time_machine.travel(NOW - timedelta(hours=5), tick=False):
        late = ticket_in(State.OPEN, personas, department, severity=Severity.CRITICAL)  # 30 minutes
        quick = ticket_in(State.OPEN, personas, department)
        quick = act(quick, personas[Role.AGENT], Action.RESOLVE, note="Refunded.")
    complaint_services.sla_sweep(NOW)  # breached: escalated to the duty manager, clock reset
    late.refresh_from_db()
    assert (late.state, late.sla_breached_at) == (State.WITH_DUTY_MANAGER, None)
    act(late, personas[Role.DUTY_MANAGER], Action.CLOSE, customer_satisfied=False)
    data = COMPLAINT_SLA_TREND.collect(GLOBAL_SCOPE, period(COMPLAINT_SLA_TREND))
    assert data["weeks"][-1] == week("2026-W12", "2026-03-16", 2, 1, 50.0)


def test_sla_trend_has_nothing_to_draw_when_nothing_closed_in_the_window(department):
    closed(local(12, 28, 12, year=2025))
    TicketFactory(state=State.OPEN)
    with pytest.raises(NothingToDraw, match="no tickets closed in these weeks"):
        COMPLAINT_SLA_TREND.collect(GLOBAL_SCOPE, period(COMPLAINT_SLA_TREND))
    closed(local(3, 3), department=None)
    with pytest.raises(NothingToDraw):
        COMPLAINT_SLA_TREND.collect(Scope("department", department.pk), period(COMPLAINT_SLA_TREND))


@pytest.mark.parametrize(("scope_type", "queries"), [("global", 1), ("department", 2)])
def test_sla_trend_collect_runs_a_fixed_number_of_queries(
    department, django_assert_num_queries, scope_type, queries
):
    scope = GLOBAL_SCOPE if scope_type == "global" else Scope("department", department.pk)
    closed(local(3, 3), department=department)
    with django_assert_num_queries(queries):
        COMPLAINT_SLA_TREND.collect(scope, period(COMPLAINT_SLA_TREND))
    for day in range(1, 28):
        closed(local(2, day), department=department, breached=day % 3 == 0)
    with django_assert_num_queries(queries):
        data = COMPLAINT_SLA_TREND.collect(scope, period(COMPLAINT_SLA_TREND))
    assert sum(w["closed"] for w in data["weeks"]) == 28
    assert sum(w["closed"] - w["within_sla"] for w in data["weeks"]) == 9


def test_sla_trend_draws_weeks_target_line_and_latest_compliance(closures, department):
    data = COMPLAINT_SLA_TREND.collect(Scope("department", department.pk), period(COMPLAINT_SLA_TREND))
    svg = to_svg(COMPLAINT_SLA_TREND.draw(data))
    assert_drawn(
        svg, "Complaint SLA compliance per week: Billing", "Closed tickets without an SLA breach (%)"
    )
    assert_drawn(svg, "Target 90%", "Closed within SLA", "Below target", "2026-W12")
    assert "100.0%" in drawn_texts(svg)


def test_sla_trend_marks_weeks_below_target():
    data = {
        "department": None,
        "target": 90,
        "weeks": [
            week("2026-W10", "2026-03-02", 3, 1, 33.33),
            week("2026-W11", "2026-03-09", 0),
            week("2026-W12", "2026-03-16", 10, 9, 90.0),
        ],
    }
    ax = COMPLAINT_SLA_TREND.draw(data).axes[0]
    flagged = [line for line in ax.lines if line.get_marker() == "D"]
    assert [list(line.get_xdata()) for line in flagged] == [[0]]  # 90 % meets the target


def test_sla_trend_table_has_a_row_per_week(closures):
    header, rows = COMPLAINT_SLA_TREND.table(
        COMPLAINT_SLA_TREND.collect(GLOBAL_SCOPE, period(COMPLAINT_SLA_TREND))
    )
    assert header == ["Week", "Week starting", "Closed", "Closed within SLA", "Compliance %"]
    assert rows[0] == ["2026-W01", "2025-12-29", 1, 1, 100.0]
    assert rows[1] == ["2026-W02", "2026-01-05", 0, 0, None]
    assert rows[-3:] == [
        ["2026-W10", "2026-03-02", 3, 1, 33.33],
        ["2026-W11", "2026-03-09", 3, 2, 66.67],
        ["2026-W12", "2026-03-16", 1, 1, 100.0],
    ]


def test_generate_sla_trend_end_to_end(closures, media_root):
    snapshot = services.generate(kinds.get("complaint_sla_trend"), GLOBAL_SCOPE)
    assert (snapshot.kind, snapshot.scope, snapshot.period) == ("complaint_sla_trend", "global", "2026-W12")
    assert snapshot.data["weeks"][-1]["compliance"] == 100.0
    english = next(image for image in snapshot.images.all() if image.language == "en")
    assert_drawn((media_root / english.svg.name).read_text(), "Complaint SLA compliance per week")
