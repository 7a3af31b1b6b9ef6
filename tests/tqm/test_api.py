"""TQM project API (DESIGN.md §9 ``tqm/projects/``): list and filters, the detail shape, updates,
step moves and artefacts with their refusals as JSON, bad input (never a 500) and query counts.

The full step 1 → 7 run is test_api_journey.py; who may do what is test_permissions.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.tqm import services
from apps.tqm.models import Cause, Dataset, FishboneCategory, Project, ProjectEvent, Topic
from apps.tqm.steps import Status, Step
from tests.factories import UserFactory
from tests.tqm.factories import (
    completed_project,
    fill_step,
    improvement_member,
    new_project,
    project_at_step,
    project_rows,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/tqm/projects/"


def url_of(project: Project, action: str = "") -> str:
    return f"{BASE}{project.pk}/{action + '/' if action else ''}"


def events_of(project: Project) -> int:
    return ProjectEvent.objects.filter(project=project).count()


# --- List and filters ---------------------------------------------------------------------


@pytest.fixture
def catalogue():
    """Four projects: two led by ``me``, one I sponsor, one I have nothing to do with."""
    me = improvement_member(username="me")
    someone = improvement_member()
    sponsor = UserFactory(roles=[Role.DUTY_MANAGER])
    a = project_at_step(Step.SELECT_TOPIC, leader=me, sponsor=sponsor, title="Faster connection")
    b = project_at_step(
        Step.COLLECT_DATA,
        leader=me,
        sponsor=sponsor,
        title="Fewer repeat calls",
        problem_statement="Customers call back about the same BILLING question.",
    )
    services.project_set_status(project=b, by=me, status=Status.ON_HOLD, note="Waiting for data")
    c = project_at_step(Step.COLLECT_DATA, leader=someone, sponsor=me, members=[], title="Shorter hold times")
    d = project_at_step(
        Step.SELECT_TOPIC, leader=someone, sponsor=sponsor, members=[], title="Quieter office"
    )
    return {"me": me, "a": a, "b": b, "c": c, "d": d}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["d", "c", "b", "a"]),
        ("?status=on_hold", ["b"]),
        ("?status=active", ["d", "c", "a"]),
        ("?step=2", ["c", "b"]),
        ("?step=2&status=active", ["c"]),
        ("?mine=true", ["c", "b", "a"]),
        ("?mine=false", ["d", "c", "b", "a"]),
        ("?q=repeat", ["b"]),
        ("?q=billing", ["b"]),
        ("?q=o&mine=true&step=1", ["a"]),
        ("?ordering=current_step,id", ["a", "d", "b", "c"]),
    ],
)
def test_list_filters(api_as, catalogue, query, expected):
    response = api_as(catalogue["me"]).get(BASE + query)
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [catalogue[key].pk for key in expected]
    assert response.json()["count"] == len(expected)


def test_list_row_shape(api_as, catalogue):
    b = catalogue["b"]
    row = next(r for r in api_as(catalogue["me"]).get(BASE).json()["results"] if r["id"] == b.pk)
    assert row == {
        "id": b.pk,
        "title": "Fewer repeat calls",
        "status": "on_hold",
        "current_step": 2,
        "current_step_name": "Collect and analyse data",
        "metric_name": "Connection satisfaction",
        "metric_unit": "%",
        "metric_direction": "up",
        "baseline": 70.0,
        "target": 90.0,
        "leader": {"id": catalogue["me"].pk, "name": catalogue["me"].name},
        "sponsor": {"id": b.sponsor_id, "name": b.sponsor.name},
        "start_date": "2026-01-05",
        "target_date": None,
        "completed_on": None,
        "previous_project": None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [("?status=archived", "status"), ("?step=9", "step"), ("?step=abc", "step"), ("?leader=abc", "leader")],
)
def test_bad_filters_are_400(api_as, catalogue, query, field):
    response = api_as(catalogue["me"]).get(BASE + query)
    assert response.status_code == 400
    assert field in response.json()


def test_list_query_count_does_not_grow_with_the_projects(api_as):
    reader = UserFactory(roles=[Role.QA_MANAGER])
    leader, sponsor = improvement_member(), UserFactory(roles=[Role.EXPERT])
    members = [improvement_member(), improvement_member()]
    client = api_as(reader)
    client.get(BASE)  # warm up: content types, token

    project_rows(3, leader=leader, sponsor=sponsor, members=members)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(BASE).json()["results"]) == 3
    project_rows(27, leader=leader, sponsor=sponsor, members=members)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(BASE).json()["results"]) == 30
    # Token + user, the user's groups, the page count, the page.
    assert len(few) == len(many) == 4


def test_list_query_count_for_a_team_member_without_a_reading_role(api_as):
    agent = UserFactory(roles=[Role.AGENT])
    leader, sponsor = improvement_member(), UserFactory(roles=[Role.EXPERT])
    client = api_as(agent)
    client.get(BASE)
    project_rows(3, leader=leader, sponsor=sponsor, members=[agent])
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(BASE).json()["results"]) == 3
    project_rows(27, leader=leader, sponsor=sponsor, members=[agent, leader])
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(BASE).json()["results"]) == 30
    # Token + user, groups, "sponsors a project?", the page count, the page.
    assert len(few) == len(many) == 5


# --- Detail -------------------------------------------------------------------------------


def test_detail_shape_of_a_project_at_step_5(api_as):
    project = project_at_step(Step.EFFECT, filled=True)
    people = FishboneCategory.objects.filter(project=project).order_by("position").first()
    root = Cause.objects.get(category=people)
    sub = services.cause_add(category=people, by=project.leader, text="Late bus", parent=root)
    body = api_as(project.sponsor).get(url_of(project)).json()

    assert body["missing"] == []
    assert body["members"] == [{"id": m.pk, "name": m.name} for m in project.members.all()]
    assert [t["score"] for t in body["topics"]] == [13]
    assert body["data_plan"]["sample_size"] == 500
    assert body["paretos"] == [
        {
            "id": project.paretos.get().pk,
            "dataset": project.datasets.get().pk,
            "other_after_percent": None,
            "total": 200,
            "rows": [
                {
                    "label": "Long queue",
                    "count": 120,
                    "percent": 60.0,
                    "cumulative_percent": 60.0,
                    "vital_few": True,
                    "is_other": False,
                },
                {
                    "label": "IVR maze",
                    "count": 60,
                    "percent": 30.0,
                    "cumulative_percent": 90.0,
                    "vital_few": True,
                    "is_other": False,
                },
                {
                    "label": "Dropped calls",
                    "count": 20,
                    "percent": 10.0,
                    "cumulative_percent": 100.0,
                    "vital_few": False,
                    "is_other": False,
                },
            ],
        }
    ]
    assert body["fishbone"]["effect"] == "Raise satisfaction with call connection"
    assert [c["name"] for c in body["fishbone"]["categories"]] == [
        "People",
        "Method",
        "Machine",
        "Material",
        "Measurement",
        "Environment",
    ]
    assert body["fishbone"]["categories"][0]["causes"] == [
        {
            "id": root.pk,
            "text": "Too few agents at 9:00",
            "is_root_cause": True,
            "evidence": "Staffing vs arrivals, January",
            "children": [
                {"id": sub.pk, "text": "Late bus", "is_root_cause": False, "evidence": "", "children": []}
            ],
        }
    ]
    assert [
        (m["title"], m["priority"], m["selected"], m["owner"]["id"]) for m in body["countermeasures"]
    ] == [("Shift two agents to 8:30", 160, True, project.leader_id)]
    effect = body["effect"]
    assert {key: effect[key] for key in ("value", "baseline", "target", "change", "met")} == {
        "value": 92.0,
        "baseline": 70.0,
        "target": 90.0,
        "change": 22.0,
        "met": True,
    }
    test = effect["test"]
    assert set(test) == {
        "before_rate",
        "after_rate",
        "difference",
        "pooled_rate",
        "z",
        "p_value",
        "ci_low",
        "ci_high",
        "confidence",
        "significant",
    }
    # 350/500 → 460/500: pooled p = 0.81, z = 0.22 / √(0.81·0.19·(2/500)); CI with unpooled SEs.
    assert (test["before_rate"], test["after_rate"], test["pooled_rate"], test["confidence"]) == (
        0.7,
        0.92,
        0.81,
        0.95,
    )
    assert test["difference"] == pytest.approx(0.22)
    assert test["z"] == pytest.approx(8.8669, abs=1e-4)
    assert test["p_value"] < 1e-15
    assert (test["ci_low"], test["ci_high"]) == (
        pytest.approx(0.17332, abs=1e-5),
        pytest.approx(0.26668, abs=1e-5),
    )
    assert test["significant"] is True
    assert [(e["kind"], e["from_step"], e["to_step"]) for e in body["events"]] == [
        ("created", None, 1),
        ("advanced", 1, 2),
        ("advanced", 2, 3),
        ("advanced", 3, 4),
        ("advanced", 4, 5),
    ]


def test_detail_lists_what_the_current_step_lacks(api_as):
    project = project_at_step(Step.CAUSES)
    body = api_as(project.leader).get(url_of(project)).json()
    assert body["missing"] == [
        "Save a Pareto analysis of a dataset.",
        "Add causes to the fishbone diagram.",
        "Mark at least one fishbone cause as a verified root cause.",
    ]
    assert body["effect"] is None
    assert body["paretos"] == []


def test_effect_without_counts_has_no_test(api_as):
    project = project_at_step(
        Step.EFFECT,
        metric_direction="down",
        baseline=20,
        target=10,
        baseline_successes=None,
        baseline_sample_size=None,
    )
    services.measurement_record(
        project=project,
        by=project.leader,
        value=12,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 4, 30),
    )
    effect = api_as(project.leader).get(url_of(project)).json()["effect"]
    assert effect == {
        "value": 12.0,
        "baseline": 20.0,
        "target": 10.0,
        "change": -8.0,
        "met": False,
        "test": None,
    }


def test_completed_project_has_nothing_missing(api_as):
    project = completed_project()
    body = api_as(project.leader).get(url_of(project)).json()
    assert (body["status"], body["missing"], body["completed_on"]) == (
        "completed",
        [],
        timezone.localdate().isoformat(),
    )


def _grow(project: Project, n: int) -> None:
    """n more of every kind of artefact, so the detail has lots to prefetch."""
    by = project.leader
    for i in range(n):
        services.topic_add(project=project, by=by, title=f"T{i}", urgency=1, controllability=2, time_bound=3)
        dataset = services.dataset_create(
            project=project, by=by, name=f"D{i}", items=[(f"L{i}", 3), ("X", 1)]
        )
        services.pareto_save(project=project, by=by, dataset=dataset)
        bone = FishboneCategory.objects.filter(project=project).order_by("position")[i % 6]
        cause = services.cause_add(category=bone, by=by, text=f"C{i}")
        services.cause_add(category=bone, by=by, text=f"S{i}", parent=cause)
        measure = services.countermeasure_add(
            project=project, by=by, title=f"A{i}", controllability=2, expected_effect=2, cost=2, cause=cause
        )
        services.countermeasure_select(
            measure=measure, by=by, owner=UserFactory(), due_date=date(2026, 9, 1) + timedelta(days=i)
        )
        services.measurement_record(
            project=project,
            by=by,
            value=80 + i,
            successes=400,
            sample_size=500,
            period_start=date(2026, 4, 1),
            period_end=date(2026, 4, 30),
        )
        standard = services.standard_create(
            project=project, by=by, title=f"Std{i}", body="Text", effective_date=date(2026, 5, 1)
        )
        services.standard_create(
            project=project,
            by=by,
            title=f"Std{i}",
            body="Text 2",
            effective_date=date(2026, 5, 2),
            supersedes=standard,
        )
        services.training_record_add(
            standard=standard, by=by, trainee=UserFactory(), trained_on=date(2026, 5, 3)
        )
    project.members.add(*[improvement_member() for _ in range(n)])


def test_detail_query_count_does_not_grow_with_the_artefacts(api_as):
    small = project_at_step(Step.REFLECT, filled=True)
    large = project_at_step(Step.REFLECT, filled=True)
    _grow(large, 8)
    client = api_as(UserFactory(roles=[Role.QA_MANAGER]))
    client.get(url_of(small))

    with CaptureQueriesContext(connection) as few:
        assert client.get(url_of(small)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        body = client.get(url_of(large)).json()
    assert len(body["topics"]) == 9
    assert len(body["standards"]) == 17
    assert len(few) == len(many)


def test_invisible_project_is_404_and_anonymous_is_401(api, api_as, personas):
    project = new_project()
    response = api_as(personas[Role.AGENT]).get(url_of(project))
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    assert api.get(url_of(project)).status_code == 401


@pytest.mark.parametrize("pk", ["abc", "0", "-1", "99999999999999999999", "1.5"])
def test_bad_or_unknown_project_ids_are_404(api_as, personas, pk):
    response = api_as(personas[Role.QA_MANAGER]).get(f"{BASE}{pk}/")
    assert response.status_code == 404


# --- Create and update --------------------------------------------------------------------


def _payload(**changes):
    return {
        "title": "Raise first-call resolution",
        "problem_statement": "Customers call back.",
        "metric_name": "FCR",
        "metric_unit": "%",
        "metric_direction": "up",
        "baseline": "62.50",
        "target": "75.00",
        **changes,
    }


def test_create_defaults_the_leader_to_the_requester_and_returns_the_detail(api_as):
    me, sponsor, member = improvement_member(), UserFactory(roles=[Role.DUTY_MANAGER]), improvement_member()
    response = api_as(me).post(BASE, _payload(sponsor=sponsor.pk, members=[member.pk]))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["leader"]["id"], body["sponsor"]["id"], body["members"]) == (
        me.pk,
        sponsor.pk,
        [{"id": member.pk, "name": member.name}],
    )
    assert (body["current_step"], body["status"], body["start_date"], body["baseline"]) == (
        1,
        "active",
        timezone.localdate().isoformat(),
        62.5,
    )
    assert body["missing"] == ["Choose one of the candidate topics (with the reason for choosing it)."]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"sponsor": "SELF"},
            {
                "detail": "Please correct the project's details.",
                "sponsor": ["The sponsor and the leader must be different people."],
            },
        ),
        (
            {"metric_direction": "down"},
            {
                "detail": "Please correct the project's details.",
                "target": ["Lower is better for this metric, so the target must be below the baseline."],
            },
        ),
        (
            {"baseline_successes": 600, "baseline_sample_size": 500},
            {
                "detail": "Please correct the project's details.",
                "baseline_successes": ["Successes cannot exceed the sample size."],
            },
        ),
        (
            {"previous_project": 999999},
            {
                "detail": "The previous project does not exist.",
                "previous_project": ["The previous project does not exist."],
            },
        ),
    ],
)
def test_create_refusals_are_400_with_field_messages(api_as, changes, expected):
    me, sponsor = improvement_member(), UserFactory()
    changes = {k: (me.pk if v == "SELF" else v) for k, v in changes.items()}
    response = api_as(me).post(BASE, _payload(**{"sponsor": sponsor.pk, **changes}))
    assert response.status_code == 400
    assert response.json() == expected
    assert Project.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"baseline": "abc"}, "baseline"),
        ({"sponsor": "abc"}, "sponsor"),
        ({"sponsor": 99999999999999999999}, "sponsor"),
        ({"members": "abc"}, "members"),
        ({"metric_direction": "sideways"}, "metric_direction"),
        ({"baseline_sample_size": 0}, "baseline_sample_size"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"previous_project": "abc"}, "previous_project"),
        ({"title": ""}, "title"),
    ],
)
def test_create_shape_errors_are_400(api_as, changes, field):
    me, sponsor = improvement_member(), UserFactory()
    response = api_as(me).post(BASE, _payload(**{"sponsor": sponsor.pk, **changes}))
    assert response.status_code == 400
    assert field in response.json()
    assert Project.objects.count() == 0


def test_patch_updates_details_and_returns_the_detail(api_as):
    project = new_project()
    member = project.members.get()
    extra = improvement_member()
    response = api_as(member).patch(
        url_of(project),
        {"title": "Connection satisfaction to 92%", "target": "92.00", "members": [member.pk, extra.pk]},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["target"]) == ("Connection satisfaction to 92%", 92.0)
    assert {m["id"] for m in body["members"]} == {member.pk, extra.pk}
    # A partial update leaves what it does not name alone.
    assert (body["metric_direction"], body["metric_unit"], body["sponsor"]["id"]) == (
        "up",
        "%",
        project.sponsor_id,
    )


def test_patch_cannot_move_the_step_or_the_status(api_as):
    project = new_project()
    response = api_as(project.leader).patch(url_of(project), {"current_step": 7, "status": "completed"})
    assert response.status_code == 200
    project.refresh_from_db()
    assert (project.current_step, project.status) == (1, Status.ACTIVE)


def test_put_is_a_partial_update(api_as):
    project = new_project()
    response = api_as(project.leader).put(url_of(project), {"fishbone_effect": "Callers wait too long"})
    assert response.status_code == 200
    assert response.json()["fishbone"]["effect"] == "Callers wait too long"


def test_patch_refusals(api_as):
    project = new_project()
    member = project.members.get()
    response = api_as(member).patch(url_of(project), {"leader": member.pk})
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Only the current leader can hand the project to a new leader."},
    )
    response = api_as(project.leader).patch(url_of(project), {"sponsor": project.leader_id})
    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Please correct the project's details.",
            "sponsor": ["The sponsor and the leader must be different people."],
        },
    )
    response = api_as(project.leader).patch(url_of(project), {"target": "abc"})
    assert response.status_code == 400
    assert "target" in response.json()
    assert api_as(project.leader).delete(url_of(project)).status_code == 405


# --- Step moves ---------------------------------------------------------------------------


def test_advance_with_missing_artefacts_is_400_listing_them_and_writes_nothing(api_as):
    project = project_at_step(Step.CAUSES)
    before = events_of(project)
    response = api_as(project.leader).post(url_of(project, "advance"), {"expected_step": 3})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Step 3 is not finished yet.",
        "step": [
            "Save a Pareto analysis of a dataset.",
            "Add causes to the fishbone diagram.",
            "Mark at least one fishbone cause as a verified root cause.",
        ],
    }
    project.refresh_from_db()
    assert project.current_step == 3
    assert events_of(project) == before


def test_advance_returns_the_project_at_its_next_step(api_as):
    project = project_at_step(Step.CAUSES, filled=True)
    response = api_as(project.leader).post(url_of(project, "advance"), {"expected_step": 3})
    assert response.status_code == 200
    body = response.json()
    assert (body["current_step"], body["current_step_name"]) == (
        4,
        "Countermeasures, plan and implementation",
    )
    assert body["events"][-1]["kind"] == "advanced"
    assert body["events"][-1]["actor"]["id"] == project.leader_id
    assert body["missing"] == ["Select at least one countermeasure, with an owner and a due date."]


def test_stale_expected_step_is_409(api_as):
    project = project_at_step(Step.CAUSES, filled=True)
    before = events_of(project)
    response = api_as(project.leader).post(url_of(project, "advance"), {"expected_step": 2})
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "The project has moved on: it is at step 3, not 2. Reload and try again."},
    )
    response = api_as(project.leader).post(url_of(project, "back"), {"expected_step": 4, "reason": "x"})
    assert response.status_code == 409
    project.refresh_from_db()
    assert project.current_step == 3
    assert events_of(project) == before


def test_advance_on_hold_is_409(api_as):
    project = project_at_step(Step.SELECT_TOPIC, filled=True)
    api_as(project.sponsor).post(url_of(project, "status"), {"status": "on_hold", "note": "Budget freeze"})
    response = api_as(project.leader).post(url_of(project, "advance"), {})
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "The project is on hold; resume it before advancing."},
    )
    response = api_as(project.sponsor).post(
        url_of(project, "status"), {"status": "active", "note": "Approved"}
    )
    assert response.json()["status"] == "active"
    assert api_as(project.leader).post(url_of(project, "advance"), {}).json()["current_step"] == 2


@pytest.mark.parametrize("bad", ["abc", 0, 8, None, [1]])
def test_advance_with_a_bad_expected_step_is_400(api_as, bad):
    project = project_at_step(Step.SELECT_TOPIC, filled=True)
    response = api_as(project.leader).post(url_of(project, "advance"), {"expected_step": bad})
    assert response.status_code == 400
    assert "expected_step" in response.json()
    project.refresh_from_db()
    assert project.current_step == 1


def test_step_back_needs_a_reason_and_records_it(api_as):
    project = project_at_step(Step.CAUSES)
    client = api_as(project.leader)
    response = client.post(url_of(project, "back"), {"reason": " "})
    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Say why the project goes back a step.",
            "reason": ["Say why the project goes back a step."],
        },
    )
    assert client.post(url_of(project, "back"), {}).status_code == 400
    response = client.post(url_of(project, "back"), {"reason": "Data was wrong", "expected_step": 3})
    assert response.status_code == 200
    assert response.json()["current_step"] == 2
    assert response.json()["events"][-1] == {
        **response.json()["events"][-1],
        "kind": "stepped_back",
        "from_step": 3,
        "to_step": 2,
        "note": "Data was wrong",
    }


def test_step_back_below_step_1_is_400(api_as):
    project = new_project()
    response = api_as(project.leader).post(url_of(project, "back"), {"reason": "Again"})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "The project is at the first step; there is no step to go back to."},
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "completed", "note": "Done"}, "status"),
        ({"status": "archived", "note": "Done"}, "status"),
        ({"status": "on_hold"}, "note"),
        ({"status": "on_hold", "note": ""}, "note"),
    ],
)
def test_status_change_refusals_are_400(api_as, payload, field):
    project = new_project()
    response = api_as(project.leader).post(url_of(project, "status"), payload)
    assert response.status_code == 400
    assert field in response.json()
    project.refresh_from_db()
    assert project.status == Status.ACTIVE


def test_cancel_is_final(api_as):
    project = new_project()
    response = api_as(project.sponsor).post(
        url_of(project, "status"), {"status": "cancelled", "note": "Merged"}
    )
    assert response.json()["status"] == "cancelled"
    response = api_as(project.sponsor).post(url_of(project, "status"), {"status": "active", "note": "Undo"})
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "A project that is cancelled cannot be changed this way."},
    )


# --- Artefacts: shapes and refusals -------------------------------------------------------


def test_topics_are_ranked_and_choosing_one_unchooses_the_other(api_as):
    project = new_project()
    client = api_as(project.members.get())
    low = client.post(
        url_of(project, "topics"), {"title": "IVR", "urgency": 2, "controllability": 2, "time_bound": 2}
    ).json()
    high = client.post(
        url_of(project, "topics"), {"title": "Queue", "urgency": 5, "controllability": 4, "time_bound": 4}
    ).json()
    assert client.post(url_of(project, "choose-topic"), {"topic": low["id"], "rationale": "Cheap"}).json()[
        "is_chosen"
    ]
    chosen = client.post(url_of(project, "choose-topic"), {"topic": high["id"], "rationale": "Urgent"}).json()
    assert (chosen["is_chosen"], chosen["rationale"]) == (True, "Urgent")
    body = client.get(url_of(project)).json()
    assert [(t["title"], t["score"], t["is_chosen"]) for t in body["topics"]] == [
        ("Queue", 13, True),
        ("IVR", 6, False),
    ]


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "T", "urgency": 6, "controllability": 3, "time_bound": 3},
        {"title": "T", "urgency": 0, "controllability": 3, "time_bound": 3},
        {"title": "T", "urgency": "high", "controllability": 3, "time_bound": 3},
        {"title": "T", "urgency": 2.5, "controllability": 3, "time_bound": 3},
        {"title": "T", "controllability": 3, "time_bound": 3},
        {"title": "", "urgency": 3, "controllability": 3, "time_bound": 3},
    ],
)
def test_topic_refusals_are_400(api_as, payload):
    project = new_project()
    response = api_as(project.leader).post(url_of(project, "topics"), payload)
    assert response.status_code == 400
    assert Topic.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"topic": "abc", "rationale": "x"}, {"topic": ["A valid integer is required."]}),
        (
            {"topic": 99999999999999999999, "rationale": "x"},
            {"topic": ["Ensure this value is less than or equal to 9223372036854775807."]},
        ),
        ({"topic": [1], "rationale": "x"}, {"topic": ["A valid integer is required."]}),
        ({"rationale": "x"}, {"topic": ["This field is required."]}),
        (
            {"topic": 999999, "rationale": "x"},
            {"detail": "This project has no candidate topic with this id."},
        ),
        (
            {"topic": "TOPIC", "rationale": None},
            {"detail": "Say why this topic was chosen.", "rationale": ["Say why this topic was chosen."]},
        ),
        (
            {"topic": "TOPIC"},
            {"detail": "Say why this topic was chosen.", "rationale": ["Say why this topic was chosen."]},
        ),
    ],
)
def test_choose_topic_refusals_are_400(api_as, payload, expected):
    project = new_project()
    topic = services.topic_add(
        project=project, by=project.leader, title="T", urgency=3, controllability=3, time_bound=3
    )
    payload = {k: (topic.pk if v == "TOPIC" else v) for k, v in payload.items()}
    response = api_as(project.leader).post(url_of(project, "choose-topic"), payload)
    assert response.status_code == 400
    body = response.json()
    assert {k: body[k] for k in expected} == expected
    topic.refresh_from_db()
    assert topic.is_chosen is False


def test_a_json_list_body_is_400_not_500(api_as):
    project = new_project()
    client = api_as(project.leader)
    for action in ("choose-topic", "verify-cause", "topics", "advance", "datasets", "status"):
        response = client.post(url_of(project, action), [1, 2], format="json")
        assert response.status_code == 400, action


def test_malformed_json_is_400(api_as):
    project = new_project()
    response = api_as(project.leader).post(
        url_of(project, "topics"), data="{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_data_plan_via_api(api_as):
    project = project_at_step(Step.COLLECT_DATA)
    client = api_as(project.leader)
    payload = {
        "source": "Survey",
        "sampling_method": "All",
        "sample_size": 0,
        "period_start": "2026-02-01",
        "period_end": "2026-01-01",
    }
    response = client.post(url_of(project, "data-plan"), payload)
    assert response.status_code == 400
    response = client.post(url_of(project, "data-plan"), {**payload, "sample_size": 5})
    assert response.json() == {
        "detail": "Please correct the data plan.",
        "period_end": ["The period cannot end before it starts."],
    }
    response = client.put(
        url_of(project, "data-plan"), {**payload, "sample_size": 5, "period_end": "2026-02-28"}
    )
    assert response.status_code == 200
    assert response.json()["sample_size"] == 5


DATASET_REFUSALS = [
    # DRF keys a list's item errors by their index.
    ([{"label": "A", "count": "abc"}], {"items": {"0": {"count": ["A valid integer is required."]}}}),
    (
        [{"label": "A", "count": 1}, {"label": "B", "count": 99999999999}],
        {"items": {"1": {"count": ["Ensure this value is less than or equal to 2147483647."]}}},
    ),
    (
        [{"label": "A", "count": -1}],
        {"detail": 'The count of "A" cannot be negative.', "items": ['The count of "A" cannot be negative.']},
    ),
    (
        [{"label": "A", "count": 1}, {"label": "A", "count": 2}],
        {
            "detail": 'The category "A" appears more than once.',
            "items": ['The category "A" appears more than once.'],
        },
    ),
    ([], {"detail": "Enter at least one category.", "items": ["Enter at least one category."]}),
    (
        [{"label": "A", "count": 0}, {"label": "B", "count": 0}],
        {
            "detail": "All counts are zero: there is nothing to analyse.",
            "items": ["All counts are zero: there is nothing to analyse."],
        },
    ),
    (
        [{"label": "", "count": 3}],
        {"detail": "Category 1 has no label.", "items": ["Category 1 has no label."]},
    ),
    ("abc", None),
    ([{"count": 3}], None),
]


@pytest.mark.parametrize(("items", "expected"), DATASET_REFUSALS)
def test_dataset_refusals_are_400_and_write_nothing(api_as, items, expected):
    project = project_at_step(Step.COLLECT_DATA)
    response = api_as(project.leader).post(url_of(project, "datasets"), {"name": "Reasons", "items": items})
    assert response.status_code == 400
    if expected is not None:
        body = response.json()
        assert {k: body[k] for k in expected} == expected
    assert Dataset.objects.count() == 0


def test_dataset_name_taken_and_after_phase_too_early_are_400(api_as):
    project = project_at_step(Step.CAUSES)
    client = api_as(project.leader)
    response = client.post(
        url_of(project, "datasets"),
        {"name": "Reasons before", "phase": "after", "items": [{"label": "A", "count": 1}]},
    )
    assert response.json() == {
        "detail": "Please correct the dataset.",
        "name": ["This project already has a dataset with this name."],
        "phase": ["“After” data belongs to step 5 (evaluate effect)."],
    }
    response = client.post(url_of(project, "datasets"), {"name": "Both", "items": [], "source_key": "x"})
    assert response.json()["items"] == ["Give either items or a source_key."]
    assert Dataset.objects.count() == 1


def test_pareto_refusals(api_as):
    project = project_at_step(Step.CAUSES)
    other = project_at_step(Step.CAUSES)
    client = api_as(project.leader)
    response = client.post(url_of(project, "paretos"), {"dataset": other.datasets.get().pk})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "This project has no dataset with this id."},
    )
    for bad in ({"dataset": "abc"}, {"dataset": project.datasets.get().pk, "other_after_percent": 0}, {}):
        assert client.post(url_of(project, "paretos"), bad).status_code == 400
    response = client.post(
        url_of(project, "paretos"), {"dataset": project.datasets.get().pk, "other_after_percent": 60}
    )
    assert response.status_code == 201
    rows = response.json()["paretos"][0]["rows"]
    assert [(r["label"], r["count"], r["is_other"]) for r in rows] == [
        ("Long queue", 120, False),
        ("Other", 80, True),
    ]


def test_fishbone_and_cause_refusals(api_as):
    project = project_at_step(Step.CAUSES)
    other = project_at_step(Step.CAUSES)
    client = api_as(project.leader)
    people, method = FishboneCategory.objects.filter(project=project).order_by("position")[:2]

    response = client.post(url_of(project, "fishbone-categories"), {"name": "Method"})
    assert response.json() == {
        "detail": "This category is already on the diagram.",
        "name": ["This category is already on the diagram."],
    }
    response = client.post(
        url_of(project, "causes"),
        {"category": FishboneCategory.objects.filter(project=other).first().pk, "text": "X"},
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "This project has no fishbone category with this id."},
    )

    cause = client.post(url_of(project, "causes"), {"category": people.pk, "text": "Staffing"}).json()
    sub = client.post(
        url_of(project, "causes"), {"category": people.pk, "text": "Late", "parent": cause["id"]}
    ).json()
    response = client.post(
        url_of(project, "causes"), {"category": people.pk, "text": "Bus", "parent": sub["id"]}
    )
    assert response.json() == {
        "detail": "Causes nest two levels deep at most.",
        "parent": ["Causes nest two levels deep at most."],
    }
    response = client.post(
        url_of(project, "causes"), {"category": method.pk, "text": "Script", "parent": cause["id"]}
    )
    assert response.json() == {
        "detail": "The parent cause is on another bone.",
        "parent": ["The parent cause is on another bone."],
    }
    response = client.post(
        url_of(project, "causes"), {"category": people.pk, "text": "Rota", "is_root_cause": True}
    )
    assert response.json() == {
        "detail": "Say how the root cause was verified.",
        "evidence": ["Say how the root cause was verified."],
    }
    assert Cause.objects.filter(category__project=project).count() == 2


@pytest.mark.parametrize(
    ("payload", "status", "root"),
    [
        ({"evidence": "Rota vs arrivals"}, 200, True),
        ({"evidence": "Rota", "verified": False}, 200, False),
        ({"evidence": "Rota", "verified": "false"}, 200, False),
        ({"evidence": ["a"]}, 400, False),
        ({}, 400, False),
        ({"evidence": "  "}, 400, False),
        ({"evidence": "Rota", "verified": "maybe"}, 400, False),
    ],
)
def test_verify_cause_inputs(api_as, payload, status, root):
    project = project_at_step(Step.CAUSES)
    people = FishboneCategory.objects.filter(project=project).order_by("position").first()
    cause = services.cause_add(category=people, by=project.leader, text="Staffing")
    response = api_as(project.leader).post(url_of(project, "verify-cause"), {"cause": cause.pk, **payload})
    assert response.status_code == status, response.json()
    cause.refresh_from_db()
    assert cause.is_root_cause is root


def test_verify_cause_of_another_project_is_400(api_as):
    project = project_at_step(Step.CAUSES)
    other = project_at_step(Step.COUNTERMEASURES)
    foreign = Cause.objects.get(category__project=other)
    for payload in ({"cause": foreign.pk, "evidence": "x"}, {"cause": "abc"}, {"cause": None}):
        response = api_as(project.leader).post(url_of(project, "verify-cause"), payload)
        assert response.status_code == 400


def test_countermeasure_flow_and_refusals(api_as):
    project = project_at_step(Step.COUNTERMEASURES)
    client = api_as(project.members.get())
    response = client.post(
        url_of(project, "countermeasures"),
        {"title": "Callback", "controllability": 6, "expected_effect": 3, "cost": 3},
    )
    assert response.json() == {
        "detail": "Please correct the countermeasure.",
        "controllability": ["Rate from 1 to 5."],
    }
    measure = client.post(
        url_of(project, "countermeasures"),
        {
            "title": "Callback",
            "controllability": 4,
            "expected_effect": 3,
            "cost": 1,
            "team_decides_alone": False,
        },
    ).json()
    assert measure["priority"] == 3 * 4 * 5

    select = url_of(project, "select-countermeasure")
    for bad in (
        {"countermeasure": measure["id"], "due_date": "2026-09-30"},
        {"countermeasure": measure["id"], "owner": "abc", "due_date": "2026-09-30"},
        {"countermeasure": measure["id"], "owner": project.leader_id, "due_date": "soon"},
        {"countermeasure": measure["id"], "owner": UserFactory(is_active=False).pk, "due_date": "2026-09-30"},
        {"countermeasure": "abc", "owner": project.leader_id, "due_date": "2026-09-30"},
    ):
        assert client.post(select, bad).status_code == 400
    status_url = url_of(project, "countermeasure-status")
    response = client.post(status_url, {"countermeasure": measure["id"], "status": "done"})
    assert response.json() == {"detail": "Select the action (owner and due date) before reporting progress."}
    selected = client.post(
        select, {"countermeasure": measure["id"], "owner": project.leader_id, "due_date": "2026-09-30"}
    ).json()
    assert (selected["selected"], selected["owner"]["id"], selected["due_date"]) == (
        True,
        project.leader_id,
        "2026-09-30",
    )
    assert client.post(status_url, {"countermeasure": measure["id"], "status": "finished"}).status_code == 400
    done = client.post(status_url, {"countermeasure": measure["id"], "status": "done"}).json()
    assert (done["status"], done["done_on"]) == ("done", timezone.localdate().isoformat())


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"sample_size": None},
            {"sample_size": ["Give both the successes and the sample size, or neither."]},
        ),
        ({"successes": 501}, {"successes": ["Successes must be between 0 and the sample size."]}),
        ({"successes": 0, "sample_size": 0}, {"sample_size": ["The sample size must be at least 1."]}),
        ({"period_end": "2026-03-01"}, {"period_end": ["The period cannot end before it starts."]}),
        ({"value": "abc"}, None),
        ({"value": "NaN"}, None),
        ({"value": "1e20"}, None),
        ({"successes": -1}, None),
        ({"period_start": "April"}, None),
    ],
)
def test_measurement_refusals_are_400(api_as, changes, expected):
    project = project_at_step(Step.EFFECT)
    payload = {
        "value": "92",
        "successes": 460,
        "sample_size": 500,
        "period_start": "2026-04-01",
        "period_end": "2026-04-30",
    }
    payload.update(changes)
    payload = {k: v for k, v in payload.items() if v is not None}
    response = api_as(project.leader).post(url_of(project, "measurements"), payload)
    assert response.status_code == 400
    if expected:
        body = response.json()
        assert {k: body[k] for k in expected} == expected
    assert project.measurements.count() == 0


def test_standards_and_trainings_via_api(api_as):
    project = project_at_step(Step.STANDARDIZE)
    client = api_as(project.leader)
    first = client.post(
        url_of(project, "standards"), {"title": "Rota", "body": "8:30", "effective_date": "2026-05-01"}
    ).json()
    second = client.post(
        url_of(project, "standards"),
        {"title": "Rota", "body": "8:15", "effective_date": "2026-06-01", "supersedes": first["id"]},
    )
    assert second.status_code == 201
    assert (second.json()["version"], second.json()["supersedes"]) == (2, first["id"])
    again = client.post(
        url_of(project, "standards"),
        {"title": "Rota", "body": "8:00", "effective_date": "2026-07-01", "supersedes": first["id"]},
    )
    assert again.json() == {
        "detail": "Please correct the standard.",
        "supersedes": ["This version has already been superseded."],
    }
    for bad in ({"supersedes": "abc"}, {"supersedes": 99999999999999999999}, {"effective_date": "x"}):
        payload = {"title": "Rota", "body": "x", "effective_date": "2026-07-01", **bad}
        assert client.post(url_of(project, "standards"), payload).status_code == 400

    trainee = UserFactory(display_name="Wang Fang")
    training = {"standard": first["id"], "trainee": trainee.pk, "trained_on": "2026-05-02"}
    assert client.post(url_of(project, "trainings"), training).status_code == 201
    response = client.post(url_of(project, "trainings"), training)
    assert response.json() == {
        "detail": "Wang Fang is already recorded as trained on this standard.",
        "trainee": ["Wang Fang is already recorded as trained on this standard."],
    }
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(
        url_of(project, "trainings"), {**training, "trainee": project.leader_id, "trained_on": future}
    )
    assert response.json()["trained_on"] == ["A training date cannot be in the future."]
    for bad in ({"trainee": 99999999999999999999}, {"standard": "abc"}, {"standard": 999999}):
        assert client.post(url_of(project, "trainings"), {**training, **bad}).status_code == 400


def test_reflection_requires_lessons_via_api(api_as):
    project = project_at_step(Step.REFLECT)
    client = api_as(project.leader)
    response = client.post(url_of(project, "reflection"), {"lessons_learned": " "})
    assert response.json() == {
        "detail": "Write the lessons learned.",
        "lessons_learned": ["Write the lessons learned."],
    }
    assert client.post(url_of(project, "reflection"), {}).status_code == 400
    response = client.put(
        url_of(project, "reflection"), {"lessons_learned": "Measure first", "next_topic": "IVR"}
    )
    assert (
        response.json()["lessons_learned"],
        response.json()["next_topic"],
        response.json()["missing"],
    ) == (
        "Measure first",
        "IVR",
        [],
    )


def test_artefact_of_a_step_not_open_yet_is_400(api_as):
    project = project_at_step(Step.COLLECT_DATA)
    response = api_as(project.leader).post(
        url_of(project, "countermeasures"),
        {"title": "Early", "controllability": 3, "expected_effect": 3, "cost": 3},
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Step 4 is not open yet: the project is at step 2."},
    )


def test_fill_step_through_the_api_matches_the_factory(api_as):
    """The factory's minimum artefacts are what the API reports as enough."""
    project = project_at_step(Step.EFFECT)
    assert api_as(project.leader).get(url_of(project)).json()["missing"] == [
        "Record the after-measurement of the metric."
    ]
    fill_step(project, Step.EFFECT)
    assert api_as(project.leader).get(url_of(project)).json()["missing"] == []


def test_superseding_another_projects_standard_is_400(api_as):
    project = project_at_step(Step.STANDARDIZE)
    theirs = completed_project().standards.get()
    response = api_as(project.leader).post(
        url_of(project, "standards"),
        {"title": "Rota", "body": "8:15", "effective_date": "2026-06-01", "supersedes": theirs.pk},
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Please correct the standard.",
            "supersedes": ["The standard belongs to another project."],
        },
    )
