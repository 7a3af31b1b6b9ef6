"""Who may do what in the QA API: every role × every endpoint and method, then object scope and masking.

Object scope (apps/scorecards/access.py): an agent sees only their own submitted evaluations, a QA
evaluator the evaluations of the teams they evaluate and their own, a QA manager everything; every other
role gets 403 on every QA endpoint, and anonymous requests 401.
"""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from apps.accounts.roles import Role
from apps.scorecards import services
from apps.scorecards.access import mask_phone
from apps.scorecards.models import Call, EvaluationStatus
from apps.scorecards.serializers import CallSerializer
from tests.factories import UserFactory
from tests.scorecards.factories import CallFactory, typical_scorecard

NO_QA_ROLES = [
    Role.EXPERT,
    Role.DUTY_MANAGER,
    Role.DEPARTMENT_STAFF,
    Role.IMPROVEMENT_MEMBER,
    Role.ADMIN,
    "no_role",
    "other_department_staff",
]
QA_ROLES = [Role.AGENT, "other_agent", Role.QA_EVALUATOR, Role.QA_MANAGER]
EVERYONE = [*QA_ROLES, *NO_QA_ROLES, "anonymous"]


@pytest.fixture
def world(personas, team):
    """QA data the matrix acts on; the evaluator persona evaluates the agent persona's team."""
    agent, other_agent = personas[Role.AGENT], personas["other_agent"]
    manager, evaluator = personas[Role.QA_MANAGER], personas[Role.QA_EVALUATOR]
    team.evaluators.add(evaluator)
    card = typical_scorecard(created_by=manager)

    def evaluate(by, call, submit=True):
        return services.evaluation_save(
            by=by, call=call, version=card.version, answers=card.answers(), submit=submit
        )

    submitted = evaluate(evaluator, CallFactory(agent=agent, customer_phone="13812348000"))
    draft = evaluate(evaluator, CallFactory(agent=agent), submit=False)
    disputed = evaluate(evaluator, CallFactory(agent=agent))
    dispute = services.dispute_open(by=agent, evaluation=disputed, reason="Unfair")
    other_call = CallFactory(agent=other_agent)
    other_submitted = evaluate(manager, other_call)
    queued_call = CallFactory(
        agent=other_agent, started_at=datetime(2025, 1, 10, 10, tzinfo=timezone.get_current_timezone())
    )
    run = services.sample_draw(
        by=manager,
        version=card.version,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 1, 31),
        per_agent=1,
        evaluator_ids=[evaluator.pk],
        seed=1,
    )
    fresh_call = CallFactory(agent=agent, started_at=timezone.now() - timedelta(minutes=30))
    return {
        "card": card,
        "scorecard": card.scorecard.pk,
        "submitted": submitted.pk,
        "draft": draft.pk,
        "disputed": disputed.pk,
        "dispute": dispute.pk,
        "other_submitted": other_submitted.pk,
        "agent_call": submitted.call_id,
        "other_call": other_call.pk,
        "queued_call": queued_call.pk,
        "fresh_call": fresh_call.pk,
        "run": run.pk,
        "people": personas,
    }


def scorecard_payload(world):
    return {
        "name": "Chat",
        "sections": [{"title": "Opening", "criteria": [{"text": "Greets", "max_points": 1}]}],
    }


def call_payload(world):
    agent = world["people"][Role.AGENT]
    return {
        "external_id": "NEW-1",
        "agent": agent.pk,
        "started_at": "2025-03-01T10:00:00Z",
        "duration_seconds": 60,
    }


def evaluation_payload(world):
    card = world["card"]
    return {
        "call": world["fresh_call"],
        "scorecard_version": card.version.pk,
        "answers": card.payload(),
        "submit": True,
    }


def sample_payload(world):
    today = timezone.localdate()
    return {
        "scorecard_version": world["card"].version.pk,
        "period_start": str(today - timedelta(days=1)),
        "period_end": str(today),
        "per_agent": 1,
        "evaluators": [world["people"][Role.QA_EVALUATOR].pk],
    }


def expect(agent=403, evaluator=403, manager=403, other_agent=None) -> dict:
    """Expected statuses of the QA roles; every other role 403, anonymous 401."""
    statuses = {
        Role.AGENT: agent,
        "other_agent": agent if other_agent is None else other_agent,
        Role.QA_EVALUATOR: evaluator,
        Role.QA_MANAGER: manager,
    }
    return {**statuses, **dict.fromkeys(NO_QA_ROLES, 403), "anonymous": 401}


# (name, method, url with {world keys}, payload builder, expected status per role)
ENDPOINTS = [
    ("scorecards list", "get", "/api/v1/scorecards/", None, expect(evaluator=200, manager=200)),
    ("scorecards create", "post", "/api/v1/scorecards/", scorecard_payload, expect(manager=201)),
    ("scorecard detail", "get", "/api/v1/scorecards/{scorecard}/", None, expect(evaluator=200, manager=200)),
    (
        "scorecard rename",
        "patch",
        "/api/v1/scorecards/{scorecard}/",
        lambda w: {"name": "New"},
        expect(manager=200),
    ),
    (
        "scorecard put",
        "put",
        "/api/v1/scorecards/{scorecard}/",
        lambda w: {"name": "New"},
        expect(manager=405),
    ),
    ("scorecard delete", "delete", "/api/v1/scorecards/{scorecard}/", None, expect(manager=405)),
    ("scorecard archive", "post", "/api/v1/scorecards/{scorecard}/archive/", None, expect(manager=200)),
    ("scorecard restore", "post", "/api/v1/scorecards/{scorecard}/restore/", None, expect(manager=200)),
    (
        "scorecard versions",
        "get",
        "/api/v1/scorecards/{scorecard}/versions/",
        None,
        expect(evaluator=200, manager=200),
    ),
    ("calls list", "get", "/api/v1/calls/", None, expect(evaluator=200, manager=200)),
    ("calls create", "post", "/api/v1/calls/", call_payload, expect(evaluator=201, manager=201)),
    ("call of the team", "get", "/api/v1/calls/{agent_call}/", None, expect(evaluator=200, manager=200)),
    ("call of another team", "get", "/api/v1/calls/{other_call}/", None, expect(evaluator=404, manager=200)),
    ("call in the queue", "get", "/api/v1/calls/{queued_call}/", None, expect(evaluator=200, manager=200)),
    ("call delete", "delete", "/api/v1/calls/{agent_call}/", None, expect(evaluator=405, manager=405)),
    ("evaluations list", "get", "/api/v1/evaluations/", None, expect(agent=200, evaluator=200, manager=200)),
    (
        "evaluations create",
        "post",
        "/api/v1/evaluations/",
        evaluation_payload,
        expect(evaluator=201, manager=201),
    ),
    (
        "submitted evaluation",
        "get",
        "/api/v1/evaluations/{submitted}/",
        None,
        expect(agent=200, other_agent=404, evaluator=200, manager=200),
    ),
    (
        "draft evaluation",
        "get",
        "/api/v1/evaluations/{draft}/",
        None,
        expect(agent=404, evaluator=200, manager=200),
    ),
    (
        "evaluation of another team",
        "get",
        "/api/v1/evaluations/{other_submitted}/",
        None,
        expect(agent=404, other_agent=200, evaluator=404, manager=200),
    ),
    (
        "draft update",
        "put",
        "/api/v1/evaluations/{draft}/",
        lambda w: {"answers": w["card"].payload()},
        expect(evaluator=200, manager=403),
    ),
    (
        "draft partial update",
        "patch",
        "/api/v1/evaluations/{draft}/",
        lambda w: {"answers": w["card"].payload()},
        expect(evaluator=200, manager=403),
    ),
    ("draft submit", "post", "/api/v1/evaluations/{draft}/submit/", None, expect(evaluator=200, manager=403)),
    (
        "submitted evaluation update",
        "put",
        "/api/v1/evaluations/{submitted}/",
        lambda w: {"answers": w["card"].payload()},
        expect(evaluator=409, manager=403),
    ),
    (
        "evaluation delete",
        "delete",
        "/api/v1/evaluations/{submitted}/",
        None,
        expect(agent=405, evaluator=405, manager=405),
    ),
    (
        "acknowledge",
        "post",
        "/api/v1/evaluations/{submitted}/acknowledge/",
        None,
        expect(agent=200, other_agent=404),
    ),
    ("acknowledge a draft", "post", "/api/v1/evaluations/{draft}/acknowledge/", None, expect(agent=404)),
    (
        "dispute",
        "post",
        "/api/v1/evaluations/{submitted}/dispute/",
        lambda w: {"reason": "Unfair"},
        expect(agent=201, other_agent=404),
    ),
    (
        "dispute a draft",
        "post",
        "/api/v1/evaluations/{draft}/dispute/",
        lambda w: {"reason": "Unfair"},
        expect(agent=404),
    ),
    (
        "history",
        "get",
        "/api/v1/evaluations/{submitted}/history/",
        None,
        expect(agent=200, other_agent=404, evaluator=200, manager=200),
    ),
    (
        "history of a draft",
        "get",
        "/api/v1/evaluations/{draft}/history/",
        None,
        expect(agent=404, evaluator=200, manager=200),
    ),
    ("disputes list", "get", "/api/v1/disputes/", None, expect(agent=200, evaluator=200, manager=200)),
    (
        "dispute detail",
        "get",
        "/api/v1/disputes/{dispute}/",
        None,
        expect(agent=200, other_agent=404, evaluator=200, manager=200),
    ),
    (
        "dispute resolve",
        "post",
        "/api/v1/disputes/{dispute}/resolve/",
        lambda w: {"outcome": "rejected", "note": "The score stands."},
        expect(manager=200),
    ),
    ("samples list", "get", "/api/v1/samples/", None, expect(manager=200)),
    ("samples create", "post", "/api/v1/samples/", sample_payload, expect(manager=201)),
    ("sample detail", "get", "/api/v1/samples/{run}/", None, expect(manager=200)),
    ("queue", "get", "/api/v1/queue/", None, expect(evaluator=200, manager=200)),
]

CASES = [
    pytest.param(method, url, payload, role, statuses[role], id=f"{name}-{role}")
    for name, method, url, payload, statuses in ENDPOINTS
    for role in EVERYONE
]


@pytest.mark.parametrize(("method", "url", "payload", "role", "status"), CASES)
def test_role_endpoint_matrix(api, api_as, world, method, url, payload, role, status):
    client = api if role == "anonymous" else api_as(world["people"][role])
    data = payload(world) if payload else None
    response = getattr(client, method)(url.format(**world), data, format="json")
    assert response.status_code == status, response.json()
    if status in (401, 403, 404, 405):
        assert set(response.json()) == {"detail"}
    if status == 403 and role in NO_QA_ROLES:
        assert response.json() == {"detail": "Your role does not allow this action."}
    if status == 401:
        assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_matrix_covers_every_route_of_the_qa_api():
    from apps.scorecards.api_urls import urlpatterns

    routes = {str(p.pattern) for p in urlpatterns}
    covered = {
        "^scorecards/$",
        "^scorecards/(?P<pk>[^/.]+)/$",
        "^scorecards/(?P<pk>[^/.]+)/archive/$",
        "^scorecards/(?P<pk>[^/.]+)/restore/$",
        "^scorecards/(?P<pk>[^/.]+)/versions/$",
        "^calls/$",
        "^calls/(?P<pk>[^/.]+)/$",
        "^evaluations/$",
        "^evaluations/(?P<pk>[^/.]+)/$",
        "^evaluations/(?P<pk>[^/.]+)/acknowledge/$",
        "^evaluations/(?P<pk>[^/.]+)/dispute/$",
        "^evaluations/(?P<pk>[^/.]+)/history/$",
        "^evaluations/(?P<pk>[^/.]+)/submit/$",
        "^disputes/$",
        "^disputes/(?P<pk>[^/.]+)/$",
        "^disputes/(?P<pk>[^/.]+)/resolve/$",
        "^samples/$",
        "^samples/(?P<pk>[^/.]+)/$",
        "^queue/$",
    }
    # Calibration and coaching routes have their own matrix (test_calibration_permissions.py).
    assert {r for r in routes if not r.startswith(("^calibrations/", "^coaching/"))} == covered


# --- object scope in lists -------------------------------------------------------------


def listed(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200
    return sorted(row["id"] for row in response.json()["results"])


def test_agent_lists_only_their_own_submitted_evaluations(api_as, world):
    agent = world["people"][Role.AGENT]
    assert listed(api_as(agent), "/api/v1/evaluations/") == sorted([world["submitted"], world["disputed"]])
    other = api_as(world["people"]["other_agent"])
    assert listed(other, "/api/v1/evaluations/") == [world["other_submitted"]]


def test_agent_cannot_widen_their_list_with_filters(api_as, world):
    agent = api_as(world["people"][Role.AGENT])
    other_id = world["people"]["other_agent"].pk
    assert listed(agent, f"/api/v1/evaluations/?agent={other_id}") == []
    assert listed(agent, "/api/v1/evaluations/?status=draft") == []


def test_evaluator_lists_evaluations_of_their_teams_and_their_own(api_as, world, personas):
    evaluator = personas[Role.QA_EVALUATOR]
    client = api_as(evaluator)
    team_ids = sorted([world["submitted"], world["draft"], world["disputed"]])
    assert listed(client, "/api/v1/evaluations/") == team_ids

    # Scoring a queued call of another team makes that evaluation theirs too.
    card = world["card"]
    queued = services.evaluation_save(
        by=evaluator,
        call=Call.objects.get(pk=world["queued_call"]),
        version=card.version,
        answers=card.answers(),
        submit=True,
    )
    assert listed(client, "/api/v1/evaluations/") == sorted([*team_ids, queued.pk])
    assert world["other_submitted"] not in listed(client, "/api/v1/evaluations/")


def test_evaluator_of_no_team_sees_only_what_they_scored(api_as, world):
    loner = UserFactory(roles=[Role.QA_EVALUATOR])
    assert listed(api_as(loner), "/api/v1/evaluations/") == []
    assert listed(api_as(loner), "/api/v1/calls/") == []
    assert listed(api_as(loner), "/api/v1/disputes/") == []
    assert api_as(loner).get(f"/api/v1/evaluations/{world['submitted']}/").status_code == 404


def test_evaluator_sees_one_row_per_evaluation_even_when_evaluating_a_team_twice(
    api_as, world, personas, other_team
):
    evaluator = personas[Role.QA_EVALUATOR]
    other_team.evaluators.add(evaluator)
    ids = listed(api_as(evaluator), "/api/v1/evaluations/")
    assert ids == sorted([world["submitted"], world["draft"], world["disputed"], world["other_submitted"]])
    assert api_as(evaluator).get("/api/v1/evaluations/").json()["count"] == 4


def test_manager_lists_every_evaluation(api_as, world, personas):
    everything = sorted([world["submitted"], world["draft"], world["disputed"], world["other_submitted"]])
    assert listed(api_as(personas[Role.QA_MANAGER]), "/api/v1/evaluations/") == everything


def test_evaluator_lists_calls_of_their_teams_and_their_queue(api_as, world, personas):
    ids = listed(api_as(personas[Role.QA_EVALUATOR]), "/api/v1/calls/")
    assert world["queued_call"] in ids
    assert world["agent_call"] in ids
    assert world["other_call"] not in ids
    assert len(ids) == 5  # the agent's four calls and the queued one


def test_disputes_are_scoped_like_their_evaluations(api_as, world, personas):
    assert listed(api_as(personas[Role.AGENT]), "/api/v1/disputes/") == [world["dispute"]]
    assert listed(api_as(personas["other_agent"]), "/api/v1/disputes/") == []
    assert listed(api_as(personas[Role.QA_EVALUATOR]), "/api/v1/disputes/") == [world["dispute"]]
    assert listed(api_as(personas[Role.QA_MANAGER]), "/api/v1/disputes/") == [world["dispute"]]


def test_queue_shows_only_the_signed_in_evaluators_assignments(api_as, world, personas):
    assert [
        row["call"]["id"]
        for row in api_as(personas[Role.QA_EVALUATOR]).get("/api/v1/queue/").json()["results"]
    ] == [world["queued_call"]]
    assert api_as(personas[Role.QA_MANAGER]).get("/api/v1/queue/").json()["results"] == []


def test_agent_sees_the_dispute_outcome(api_as, world, personas):
    dispute_id = world["dispute"]
    api_as(personas[Role.QA_MANAGER]).post(
        f"/api/v1/disputes/{dispute_id}/resolve/",
        {"outcome": "rejected", "note": "The score stands."},
        format="json",
    )
    agent = api_as(personas[Role.AGENT])
    dispute = agent.get(f"/api/v1/disputes/{dispute_id}/").json()
    assert (dispute["status"], dispute["resolution_note"]) == ("rejected", "The score stands.")
    assert (
        agent.get(f"/api/v1/evaluations/{world['disputed']}/").json()["status"]
        == EvaluationStatus.DISPUTE_REJECTED
    )


# --- customer numbers ----------------------------------------------------------------


def test_qa_staff_see_full_customer_numbers_in_calls_and_queue(api_as, world, personas):
    for role in (Role.QA_EVALUATOR, Role.QA_MANAGER):
        call = api_as(personas[role]).get(f"/api/v1/calls/{world['agent_call']}/").json()
        assert call["customer_phone"] == "13812348000"
    queue = api_as(personas[Role.QA_EVALUATOR]).get("/api/v1/queue/").json()["results"]
    assert queue[0]["call"]["customer_phone"] == "13800138000"


@pytest.mark.parametrize("role", [Role.AGENT, Role.EXPERT, Role.DUTY_MANAGER, Role.ADMIN, "no_role"])
def test_a_call_shown_to_someone_who_is_not_qa_staff_has_its_number_masked(world, personas, role):
    request = APIRequestFactory().get("/")
    request.user = personas[role]
    call = Call.objects.get(pk=world["agent_call"])
    assert CallSerializer(call, context={"request": request}).data["customer_phone"] == "138****8000"


def test_agent_never_receives_the_customer_number_through_evaluations(api_as, world, personas):
    agent = api_as(personas[Role.AGENT])
    for url in (
        "/api/v1/evaluations/",
        f"/api/v1/evaluations/{world['submitted']}/",
        f"/api/v1/evaluations/{world['submitted']}/history/",
        "/api/v1/disputes/",
    ):
        assert "13812348000" not in agent.get(url).content.decode(), url


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("13812348000", "138****8000"),
        ("+8613812348000", "+86*******8000"),
        ("02112345", "021*2345"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_phone_keeps_the_first_three_and_last_four_digits_of_long_numbers(number, masked):
    assert mask_phone(number) == masked
