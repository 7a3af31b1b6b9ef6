"""TQM on the home page's "My work" (qa_center/my_work.py): "my_projects" and "overdue_actions"."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.tqm import selectors, services
from apps.tqm.models import Countermeasure, Project
from apps.tqm.steps import ActionStatus, Status, Step
from qa_center import my_work
from tests.factories import UserFactory
from tests.tqm.factories import improvement_member, project_at_step

pytestmark = pytest.mark.django_db

# "Today" for every test here: due dates are compared with the local date.
TODAY = date(2026, 10, 15)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        yield


def section(client, key: str) -> str | None:
    """The HTML of the home page's section ``key``, or None when the page does not show it."""
    response = client.get("/")
    assert response.status_code == 200
    match = re.search(rf'<section class="card" data-section="{key}">(.*?)</section>', response.text, re.S)
    return match.group(1) if match else None


def titles(html: str) -> list[str]:
    return re.findall(r'<li><a href="[^"]*">([^<]*)</a>', html)


def action(
    project: Project, title: str, *, owner, due: date, status: str = ActionStatus.PLANNED
) -> Countermeasure:
    measure = services.countermeasure_add(
        project=project, by=project.leader, title=title, controllability=3, expected_effect=3, cost=3
    )
    services.countermeasure_select(measure=measure, by=project.leader, owner=owner, due_date=due)
    if status != ActionStatus.PLANNED:
        services.countermeasure_set_status(measure=measure, by=project.leader, status=status)
    return measure


# --- Overdue actions ----------------------------------------------------------------------


def test_an_agent_who_owns_an_overdue_action_sees_it_on_the_home_page(client, personas):
    agent = personas[Role.AGENT]
    project = project_at_step(Step.COUNTERMEASURES, title="Faster connection")
    measure = action(project, "Retrain on the new IVR", owner=agent, due=date(2026, 10, 14))
    client.force_login(agent)

    html = section(client, "overdue_actions")

    assert html is not None
    assert titles(html) == ["Retrain on the new IVR"]
    assert "due 2026-10-14 · Faster connection" in html
    link = reverse("tqm:project_step", args=[project.pk, 4])
    assert f'href="{link}"' in html
    # The link leads somewhere the owner may go: the project's step-4 page.
    assert client.get(link).status_code == 200
    assert measure.owner == agent


def test_done_not_yet_due_and_unselected_actions_are_not_overdue(client, personas):
    agent = personas[Role.AGENT]
    project = project_at_step(Step.COUNTERMEASURES)
    action(
        project, "Overdue, in progress", owner=agent, due=date(2026, 9, 30), status=ActionStatus.IN_PROGRESS
    )
    action(project, "Overdue but done", owner=agent, due=date(2026, 9, 30), status=ActionStatus.DONE)
    action(project, "Due today", owner=agent, due=TODAY)
    action(project, "Due next week", owner=agent, due=date(2026, 10, 22))
    dropped = action(project, "Dropped", owner=agent, due=date(2026, 9, 1))
    services.countermeasure_deselect(measure=dropped, by=project.leader)
    action(project, "Someone else's", owner=personas["other_agent"], due=date(2026, 9, 1))
    client.force_login(agent)

    assert titles(section(client, "overdue_actions")) == ["Overdue, in progress"]


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED])
def test_actions_of_closed_projects_are_not_overdue(client, personas, status):
    agent = personas[Role.AGENT]
    project = project_at_step(Step.COUNTERMEASURES)
    action(project, "Old action", owner=agent, due=date(2026, 9, 1))
    # Closed by a direct update: a project reaches "completed" only through step 7.
    Project.objects.filter(pk=project.pk).update(status=status)
    client.force_login(agent)

    # An agent sees the section only when it has items.
    assert section(client, "overdue_actions") is None
    assert list(selectors.overdue_actions_for(agent)) == []


def test_actions_of_a_project_on_hold_are_still_overdue(personas):
    agent = personas[Role.AGENT]
    project = project_at_step(Step.COUNTERMEASURES)
    measure = action(project, "Waiting", owner=agent, due=date(2026, 9, 1))
    services.project_set_status(project=project, by=project.sponsor, status=Status.ON_HOLD, note="Freeze")
    assert list(selectors.overdue_actions_for(agent)) == [measure]


def test_overdue_actions_are_oldest_first_across_projects(personas):
    owner = improvement_member()
    first = project_at_step(Step.COUNTERMEASURES, title="A")
    second = project_at_step(Step.COUNTERMEASURES, title="B")
    late = action(first, "Late", owner=owner, due=date(2026, 10, 1))
    later = action(second, "Later", owner=owner, due=date(2026, 9, 1))
    assert list(selectors.overdue_actions_for(owner)) == [later, late]
    assert list(selectors.overdue_actions_for(owner, today=date(2026, 9, 15))) == [later]


def test_an_improvement_member_without_overdue_actions_sees_the_empty_section(client, personas):
    client.force_login(personas[Role.IMPROVEMENT_MEMBER])
    html = section(client, "overdue_actions")
    assert html is not None
    assert "None of your improvement actions is overdue." in html
    assert titles(html) == []


def test_an_agent_without_actions_sees_no_tqm_sections(client, personas):
    client.force_login(personas[Role.AGENT])
    assert section(client, "overdue_actions") is None
    assert section(client, "my_projects") is None


def test_overdue_section_query_count_does_not_grow(personas):
    owner = personas[Role.AGENT]
    project = project_at_step(Step.COUNTERMEASURES)
    action(project, "First", owner=owner, due=date(2026, 9, 1))
    with CaptureQueriesContext(connection) as few:
        one = my_work.sections_for(owner)
    for n in range(6):
        action(project, f"More {n}", owner=owner, due=date(2026, 9, 2))
    owner = type(owner).objects.get(pk=owner.pk)  # a fresh user: no cached roles
    with CaptureQueriesContext(connection) as many:
        seven = my_work.sections_for(owner)
    overdue = {s["key"]: s for s in seven}["overdue_actions"]
    assert overdue["total"] == 7
    assert len(overdue["items"]) == 7
    assert {s["key"]: s for s in one}["overdue_actions"]["total"] == 1
    assert len(few) == len(many)


# --- My projects --------------------------------------------------------------------------


@pytest.fixture
def mine():
    """A user who leads one project, is a member of one, sponsors one (agent role only), plus
    projects they are not on and their own closed projects."""
    me = UserFactory(roles=[Role.AGENT], username="me")
    led = project_at_step(Step.SELECT_TOPIC, leader=improvement_member(), title="Led")
    # An agent cannot create projects, so the leader hands over to "me" afterwards.
    services.project_update(project=led, by=led.leader, leader=me)
    project_at_step(Step.COLLECT_DATA, members=[me], title="Member of")
    project_at_step(Step.CAUSES, sponsor=me, members=[], title="Sponsored")
    on_hold = project_at_step(Step.SELECT_TOPIC, members=[me], title="On hold")
    services.project_set_status(project=on_hold, by=on_hold.leader, status=Status.ON_HOLD, note="Wait")
    cancelled = project_at_step(Step.SELECT_TOPIC, members=[me], title="Cancelled")
    services.project_set_status(project=cancelled, by=cancelled.leader, status=Status.CANCELLED, note="No")
    done = project_at_step(Step.SELECT_TOPIC, members=[me], title="Done")
    Project.objects.filter(pk=done.pk).update(status=Status.COMPLETED)
    project_at_step(Step.SELECT_TOPIC, title="Not mine")
    return me


def test_my_projects_lists_the_open_projects_i_lead_work_on_or_sponsor(client, mine):
    client.force_login(mine)
    html = section(client, "my_projects")
    assert html is not None
    assert sorted(titles(html)) == ["Led", "Member of", "On hold", "Sponsored"]
    assert "Step 3 of 7 · Cause analysis" in html
    assert sorted(p.title for p in selectors.my_open_projects(mine)) == [
        "Led",
        "Member of",
        "On hold",
        "Sponsored",
    ]


def test_my_projects_is_shown_empty_to_improvement_members(client, personas):
    client.force_login(personas[Role.IMPROVEMENT_MEMBER])
    html = section(client, "my_projects")
    assert html is not None
    assert "You are not on an active improvement project." in html
