"""Who sees and who changes an improvement project (apps/tqm/access.py), as a matrix:
every role persona plus the project's own leader, member and sponsor × every kind of endpoint.

The project's team is chosen so that each rule is what grants access: the member is an agent
(no reading role: sees only their own project), the sponsor is a difficult-case expert (reads
every project only because they sponsor one).
"""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.tqm import access, services
from apps.tqm.models import Project, ProjectEvent, Topic
from apps.tqm.steps import ActionStatus, Status, Step
from tests.factories import UserFactory
from tests.tqm.factories import completed_project, improvement_member, project_at_step

pytestmark = pytest.mark.django_db

BASE = "/api/v1/tqm/projects/"

NOT_FOUND = (404, "Not found.")
NOT_EDITOR = (403, "Only the project's leader and members can change it.")
NOT_LEADER = (403, "Only the project's leader can do this.")
NOT_STATUS = (403, "Only the project's leader or sponsor can change its status.")
NOT_CREATOR = (403, "Your role does not allow you to start improvement projects.")

# actor: (projects listed, retrieve, create, update, add artefact, advance, step back, change status)
# "listed" is the titles the list shows (newest first): both projects, only the team's own, or none.
BOTH, OWN, NONE = ["Our project", "Other team's project"], ["Our project"], []
READER = [BOTH, 200, 201, NOT_EDITOR, NOT_EDITOR, NOT_LEADER, NOT_LEADER, NOT_STATUS]
READER_NO_CREATE = [BOTH, 200, NOT_CREATOR, NOT_EDITOR, NOT_EDITOR, NOT_LEADER, NOT_LEADER, NOT_STATUS]
OUTSIDER = [NONE, NOT_FOUND, NOT_CREATOR, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND]
MATRIX = {
    "leader": [BOTH, 200, 201, 200, 201, 200, 200, 200],
    "member": [OWN, 200, NOT_CREATOR, 200, 201, NOT_LEADER, NOT_LEADER, NOT_STATUS],
    "sponsor": [BOTH, 200, NOT_CREATOR, NOT_EDITOR, NOT_EDITOR, NOT_LEADER, NOT_LEADER, 200],
    "outside_improvement_member": READER,
    Role.QA_MANAGER: READER,
    Role.ADMIN: READER,
    Role.DUTY_MANAGER: READER_NO_CREATE,
    Role.AGENT: OUTSIDER,
    "other_agent": OUTSIDER,
    Role.QA_EVALUATOR: OUTSIDER,
    Role.EXPERT: OUTSIDER,
    Role.DEPARTMENT_STAFF: OUTSIDER,
    "other_department_staff": OUTSIDER,
    "no_role": OUTSIDER,
    # Improvement members read every project: the persona is not on either team.
    Role.IMPROVEMENT_MEMBER: READER,
}
ACTIONS = ["list", "retrieve", "create", "update", "add_artefact", "advance", "step_back", "change_status"]
CASES = [(actor, action) for actor in MATRIX for action in ACTIONS]


@pytest.fixture
def world(personas):
    """Our project at step 2 with its gate open, another team's project, and the people."""
    leader = UserFactory(username="leader", roles=[Role.IMPROVEMENT_MEMBER])
    member = UserFactory(username="member", roles=[Role.AGENT])
    sponsor = UserFactory(username="sponsor", roles=[Role.EXPERT])
    other = project_at_step(
        Step.SELECT_TOPIC,
        leader=improvement_member(),
        members=[],
        sponsor=UserFactory(roles=[Role.DUTY_MANAGER]),
        title="Other team's project",
    )
    ours = project_at_step(
        Step.COLLECT_DATA, leader=leader, members=[member], sponsor=sponsor, filled=True, title="Our project"
    )
    people = dict(personas)
    people.update(
        leader=leader, member=member, sponsor=sponsor, outside_improvement_member=improvement_member()
    )
    return {"project": ours, "other": other, "people": people}


def call(client, action: str, project: Project, people: dict):
    url = f"{BASE}{project.pk}/"
    if action == "list":
        return client.get(BASE)
    if action == "retrieve":
        return client.get(url)
    if action == "create":
        return client.post(
            BASE,
            {
                "title": "New project",
                "problem_statement": "Repeat calls.",
                "metric_name": "Repeat calls",
                "metric_direction": "down",
                "baseline": "20",
                "target": "10",
                "sponsor": people["no_role"].pk,
                "leader": people["outside_improvement_member"].pk,
            },
        )
    if action == "update":
        return client.patch(url, {"title": "Renamed"})
    if action == "add_artefact":
        return client.post(
            f"{url}topics/", {"title": "Another", "urgency": 3, "controllability": 3, "time_bound": 3}
        )
    if action == "advance":
        return client.post(f"{url}advance/", {"expected_step": 2})
    if action == "step_back":
        return client.post(f"{url}back/", {"reason": "Recheck the topic", "expected_step": 2})
    if action == "change_status":
        return client.post(f"{url}status/", {"status": "on_hold", "note": "Budget freeze"})
    raise AssertionError(action)


def snapshot(project: Project) -> tuple:
    project = Project.objects.get(pk=project.pk)
    return (
        project.title,
        project.status,
        project.current_step,
        Topic.objects.filter(project=project).count(),
        ProjectEvent.objects.filter(project=project).count(),
        Project.objects.count(),
    )


@pytest.mark.parametrize(("actor", "action"), CASES)
def test_permission_matrix(api_as, world, actor, action):
    project, people = world["project"], world["people"]
    expected = MATRIX[actor][ACTIONS.index(action)]
    before = snapshot(project)

    response = call(api_as(people[actor]), action, project, people)

    if action == "list":
        assert response.status_code == 200
        assert [row["title"] for row in response.json()["results"]] == expected
        return
    if isinstance(expected, tuple):
        code, detail = expected
        assert response.status_code == code, response.json()
        assert response.json() == {"detail": detail}
        assert snapshot(project) == before
        return
    assert response.status_code == expected, response.json()
    after = snapshot(project)
    if action == "retrieve":
        assert response.json()["id"] == project.pk
        assert after == before
    elif action == "create":
        assert after[-1] == before[-1] + 1
    elif action == "update":
        assert after[0] == "Renamed"
    elif action == "add_artefact":
        assert after[3] == before[3] + 1
    elif action == "advance":
        assert after[2] == 3
    elif action == "step_back":
        assert after[2] == 1
    elif action == "change_status":
        assert after[1] == Status.ON_HOLD


def test_anonymous_requests_are_401(api, world):
    project = world["project"]
    for response in (
        api.get(BASE),
        api.get(f"{BASE}{project.pk}/"),
        api.post(f"{BASE}{project.pk}/advance/", {}),
        api.post(BASE, {}),
    ):
        assert response.status_code == 401
        assert response.json() == {"detail": "Authentication credentials were not provided."}


# --- Closed projects ----------------------------------------------------------------------


def test_a_completed_project_is_read_only_for_its_team(api_as):
    project = completed_project()
    member = project.members.get()
    for user in (project.leader, member):
        response = api_as(user).post(
            f"{BASE}{project.pk}/topics/",
            {"title": "More", "urgency": 1, "controllability": 1, "time_bound": 1},
        )
        assert response.status_code == 400
        assert response.json() == {"detail": "This project is completed; it can no longer be changed."}
    response = api_as(project.leader).patch(f"{BASE}{project.pk}/", {"title": "Renamed"})
    assert response.json() == {"detail": "This project is completed; it can no longer be changed."}
    assert api_as(project.sponsor).get(f"{BASE}{project.pk}/").status_code == 200
    assert not access.may_edit(project.leader, project)


# --- Action owners outside the team -------------------------------------------------------


@pytest.fixture
def owned_action(personas):
    """A selected action of our project owned by the agent persona, who is not on the team."""
    project = project_at_step(Step.COUNTERMEASURES)
    measure = services.countermeasure_add(
        project=project,
        by=project.leader,
        title="Retrain on the new IVR",
        controllability=4,
        expected_effect=4,
        cost=2,
    )
    services.countermeasure_select(
        measure=measure, by=project.leader, owner=personas[Role.AGENT], due_date=project.start_date
    )
    return project, measure


def test_an_action_owner_outside_the_team_reads_the_project_and_reports_progress(
    api_as, personas, owned_action
):
    project, measure = owned_action
    client = api_as(personas[Role.AGENT])
    assert [row["id"] for row in client.get(BASE).json()["results"]] == [project.pk]
    assert client.get(f"{BASE}{project.pk}/").status_code == 200

    response = client.post(
        f"{BASE}{project.pk}/countermeasure-status/", {"countermeasure": measure.pk, "status": "done"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == ActionStatus.DONE
    # Reading is all: the project's other artefacts stay the team's.
    response = client.post(
        f"{BASE}{project.pk}/topics/", {"title": "Mine", "urgency": 3, "controllability": 3, "time_bound": 3}
    )
    assert response.status_code == 403
    assert client.post(f"{BASE}{project.pk}/advance/", {}).status_code == 403


def test_an_unselected_action_gives_its_future_owner_no_access(personas):
    project = project_at_step(Step.COUNTERMEASURES)
    measure = services.countermeasure_add(
        project=project, by=project.leader, title="Maybe", controllability=4, expected_effect=4, cost=2
    )
    agent = personas[Role.AGENT]
    services.countermeasure_select(
        measure=measure, by=project.leader, owner=agent, due_date=project.start_date
    )
    services.countermeasure_deselect(measure=measure, by=project.leader)
    assert not access.can_see(agent, project)


def test_another_agents_action_does_not_open_the_project(api_as, personas, owned_action):
    project, measure = owned_action
    client = api_as(personas["other_agent"])
    assert client.get(f"{BASE}{project.pk}/").status_code == 404
    response = client.post(
        f"{BASE}{project.pk}/countermeasure-status/", {"countermeasure": measure.pk, "status": "done"}
    )
    assert response.status_code == 404
    measure.refresh_from_db()
    assert measure.status == ActionStatus.PLANNED


# --- The rules as functions ---------------------------------------------------------------


def test_access_helpers(world, personas):
    project, people = world["project"], world["people"]
    assert access.is_leader(people["leader"], project)
    assert not access.is_leader(people["member"], project)
    assert access.is_team_member(people["member"], project)
    assert not access.is_team_member(people["sponsor"], project)
    assert access.may_edit(people["member"], project)
    assert not access.may_edit(people["sponsor"], project)
    assert access.may_manage_status(people["sponsor"], project)
    assert not access.may_manage_status(people["member"], project)
    assert access.may_create(people["leader"])
    assert not access.may_create(people["sponsor"])
    assert access.can_see(people["sponsor"], world["other"])
    assert not access.can_see(people["member"], world["other"])
    assert not access.can_see(personas[Role.AGENT], project)
