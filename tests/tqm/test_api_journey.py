"""A project from step 1 to completion through the API, as an integration would drive it."""

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.tqm.models import Project, ProjectEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/tqm/projects/"


@pytest.fixture
def people(db):
    return {
        "leader": UserFactory(username="lin", roles=[Role.IMPROVEMENT_MEMBER]),
        "member": UserFactory(username="mei", roles=[Role.IMPROVEMENT_MEMBER]),
        "sponsor": UserFactory(username="zhou", roles=[Role.DUTY_MANAGER]),
    }


def _ok(response, code=200):
    assert response.status_code == code, response.json()
    return response.json()


def test_a_project_runs_from_topic_selection_to_completion(api_as, people):
    leader = api_as(people["leader"])
    member = api_as(people["member"])
    project = _ok(
        leader.post(
            BASE,
            {
                "title": "Raise satisfaction with call connection",
                "problem_statement": "Only 70% of callers are satisfied with how fast they get through.",
                "metric_name": "Connection satisfaction",
                "metric_unit": "%",
                "metric_direction": "up",
                "baseline": "70.00",
                "target": "90.00",
                "baseline_successes": 350,
                "baseline_sample_size": 500,
                "sponsor": people["sponsor"].pk,
                "members": [people["member"].pk],
                "start_date": "2026-08-01",
            },
        ),
        201,
    )
    url = f"{BASE}{project['id']}/"
    assert project["current_step"] == 1
    assert project["missing"] == ["Choose one of the candidate topics (with the reason for choosing it)."]
    assert [c["name"] for c in project["fishbone"]["categories"]] == [
        "People",
        "Method",
        "Machine",
        "Material",
        "Measurement",
        "Environment",
    ]

    # Step 1: the gate refuses until a topic is chosen.
    refused = leader.post(f"{url}advance/", {"expected_step": 1})
    assert refused.status_code == 400
    assert refused.json()["step"] == project["missing"]
    topic = _ok(
        member.post(
            f"{url}topics/", {"title": "Slow connection", "urgency": 5, "controllability": 4, "time_bound": 4}
        ),
        201,
    )
    assert topic["score"] == 13
    _ok(member.post(f"{url}choose-topic/", {"topic": topic["id"], "rationale": "Most complaints"}))
    assert _ok(leader.post(f"{url}advance/", {"expected_step": 1}))["current_step"] == 2

    # Step 2: a data plan and a dataset.
    _ok(
        member.post(
            f"{url}data-plan/",
            {
                "source": "Post-call survey",
                "sampling_method": "All surveys",
                "sample_size": 500,
                "period_start": "2026-07-01",
                "period_end": "2026-07-31",
            },
        )
    )
    dataset = _ok(
        member.post(
            f"{url}datasets/",
            {
                "name": "Reasons July",
                "items": [
                    {"label": "Long queue", "count": 120},
                    {"label": "IVR maze", "count": 60},
                    {"label": "Dropped calls", "count": 20},
                ],
            },
        ),
        201,
    )
    assert _ok(leader.post(f"{url}advance/"))["current_step"] == 3

    # Step 3: Pareto and fishbone with a verified root cause.
    detail = _ok(member.post(f"{url}paretos/", {"dataset": dataset["id"]}), 201)
    rows = detail["paretos"][0]["rows"]
    assert [(r["label"], r["percent"], r["cumulative_percent"], r["vital_few"]) for r in rows] == [
        ("Long queue", 60.0, 60.0, True),
        ("IVR maze", 30.0, 90.0, True),
        ("Dropped calls", 10.0, 100.0, False),
    ]
    people_bone = detail["fishbone"]["categories"][0]["id"]
    cause = _ok(
        member.post(f"{url}causes/", {"category": people_bone, "text": "Too few agents at 9:00"}), 201
    )
    refused = leader.post(f"{url}advance/")
    assert refused.json()["step"] == ["Mark at least one fishbone cause as a verified root cause."]
    _ok(member.post(f"{url}verify-cause/", {"cause": cause["id"], "evidence": "Staffing vs arrivals"}))
    assert _ok(leader.post(f"{url}advance/"))["current_step"] == 4

    # Step 4: a selected countermeasure with owner and due date.
    action = _ok(
        member.post(
            f"{url}countermeasures/",
            {
                "title": "Shift two agents to 8:30",
                "cause": cause["id"],
                "controllability": 5,
                "expected_effect": 4,
                "cost": 2,
                "team_decides_alone": True,
            },
        ),
        201,
    )
    assert action["priority"] == 4 * 5 * (6 - 2) * 2
    _ok(
        member.post(
            f"{url}select-countermeasure/",
            {"countermeasure": action["id"], "owner": people["member"].pk, "due_date": "2026-09-30"},
        )
    )
    assert _ok(leader.post(f"{url}advance/"))["current_step"] == 5

    # Step 5: the after-measurement, with the z-test against the baseline.
    detail = _ok(
        member.post(
            f"{url}measurements/",
            {
                "value": "92.00",
                "successes": 460,
                "sample_size": 500,
                "period_start": "2026-10-01",
                "period_end": "2026-10-31",
            },
        ),
        201,
    )
    assert detail["effect"]["met"] is True
    assert detail["effect"]["test"]["difference"] == pytest.approx(0.22)
    assert detail["effect"]["test"]["significant"] is True
    assert _ok(leader.post(f"{url}advance/"))["current_step"] == 6

    # Step 6: a standard and who was trained on it.
    standard = _ok(
        member.post(
            f"{url}standards/",
            {
                "title": "Morning staffing",
                "body": "Two agents start at 8:30.",
                "effective_date": "2026-10-01",
            },
        ),
        201,
    )
    _ok(
        member.post(
            f"{url}trainings/",
            {"standard": standard["id"], "trainee": people["member"].pk, "trained_on": "2026-10-02"},
        ),
        201,
    )
    assert _ok(leader.post(f"{url}advance/"))["current_step"] == 7

    # Step 7: lessons learned; advancing completes the project.
    _ok(member.post(f"{url}reflection/", {"lessons_learned": "Measure first.", "next_topic": "IVR maze"}))
    done = _ok(leader.post(f"{url}advance/", {"expected_step": 7}))
    assert done["status"] == "completed"
    assert done["completed_on"] == timezone.localdate().isoformat()
    assert done["missing"] == []

    # The record is closed: nothing changes any more.
    refused = member.post(
        f"{url}topics/", {"title": "More", "urgency": 1, "controllability": 1, "time_bound": 1}
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == "This project is completed; it can no longer be changed."

    kinds = list(
        ProjectEvent.objects.filter(project_id=project["id"]).values_list("kind", "from_step", "to_step")
    )
    assert kinds == [
        ("created", None, 1),
        ("advanced", 1, 2),
        ("advanced", 2, 3),
        ("advanced", 3, 4),
        ("advanced", 4, 5),
        ("advanced", 5, 6),
        ("advanced", 6, 7),
        ("completed", 7, None),
    ]
    assert Project.objects.get(pk=project["id"]).status == "completed"
