"""Who may do what on calibrations/ and coaching/: every persona × every endpoint, anonymous 401,
odd ids and odd bodies answered 400/404 (never 500), and lists with a constant number of queries."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import calibration, coaching, services
from apps.scorecards.coaching import ActionInput
from apps.scorecards.models import CalibrationSession, CoachingSession
from tests.factories import UserFactory
from tests.scorecards.factories import CallFactory, typical_scorecard

pytestmark = pytest.mark.django_db

BIG = 2**64
NO_QA_ROLES = [
    Role.EXPERT,
    Role.DUTY_MANAGER,
    Role.DEPARTMENT_STAFF,
    Role.IMPROVEMENT_MEMBER,
    Role.ADMIN,
    "no_role",
    "other_department_staff",
]
EVERYONE = [Role.AGENT, "other_agent", Role.QA_EVALUATOR, Role.QA_MANAGER, *NO_QA_ROLES, "anonymous"]


@pytest.fixture
def world(personas, team):
    """A session the evaluator persona takes part in (both participants submitted) and a coaching
    session of the agent persona held by the evaluator persona, who evaluates the agent's team."""
    agent, manager, evaluator = personas[Role.AGENT], personas[Role.QA_MANAGER], personas[Role.QA_EVALUATOR]
    team.evaluators.add(evaluator)
    peer = UserFactory(username="peer", roles=[Role.QA_EVALUATOR])
    card = typical_scorecard(created_by=manager)
    call = CallFactory(agent=agent)
    session = calibration.calibration_create(
        by=manager, call=call, version=card.version, participants=[evaluator, peer]
    )
    for who in (evaluator, peer):
        services.evaluation_save(
            by=who, call=call, version=card.version, answers=card.answers(), submit=True, calibration=session
        )
    coached = coaching.coaching_create(
        by=evaluator,
        agent=agent,
        held_on=timezone.localdate(),
        observations="Rushed the identity check.",
        follow_up_on=timezone.localdate() + timedelta(days=7),
        actions=[ActionInput("Verify identity first", timezone.localdate())],
    )
    return {
        "people": personas,
        "card": card,
        "call": call,
        "peer": peer,
        "session": session.pk,
        "coaching": coached.pk,
        "action": coached.actions.get().pk,
    }


def calibration_payload(world) -> dict:
    people = world["people"]
    return {
        "call": world["call"].pk,
        "scorecard_version": world["card"].version.pk,
        "participants": [people[Role.QA_EVALUATOR].pk, world["peer"].pk],
    }


def coaching_payload(world) -> dict:
    return {
        "agent": world["people"][Role.AGENT].pk,
        "held_on": str(timezone.localdate()),
        "observations": "Good empathy, slow verification.",
        "follow_up_on": str(timezone.localdate() + timedelta(days=7)),
    }


def expect(agent=403, evaluator=403, manager=403, other_agent=None, others=403) -> dict:
    """Statuses per persona; ``others`` for every role without QA data; anonymous always 401."""
    return {
        Role.AGENT: agent,
        "other_agent": agent if other_agent is None else other_agent,
        Role.QA_EVALUATOR: evaluator,
        Role.QA_MANAGER: manager,
        **dict.fromkeys(NO_QA_ROLES, others),
        "anonymous": 401,
    }


# (name, method, url with {world keys}, payload builder, expected status per persona)
ENDPOINTS = [
    ("calibrations list", "get", "/api/v1/calibrations/", None, expect(evaluator=200, manager=200)),
    ("calibrations create", "post", "/api/v1/calibrations/", calibration_payload, expect(manager=201)),
    (
        "calibration detail",
        "get",
        "/api/v1/calibrations/{session}/",
        None,
        expect(evaluator=200, manager=200),
    ),
    ("calibration close", "post", "/api/v1/calibrations/{session}/close/", None, expect(manager=200)),
    (
        "coaching list",
        "get",
        "/api/v1/coaching/",
        None,
        expect(agent=200, evaluator=200, manager=200, others=200),
    ),
    (
        "coaching create",
        "post",
        "/api/v1/coaching/",
        coaching_payload,
        expect(evaluator=201, manager=201),
    ),
    (
        "coaching detail",
        "get",
        "/api/v1/coaching/{coaching}/",
        None,
        expect(agent=200, other_agent=404, evaluator=200, manager=200, others=404),
    ),
    (
        "coaching sign-off",
        "post",
        "/api/v1/coaching/{coaching}/sign-off/",
        None,
        expect(agent=200, other_agent=404, evaluator=403, manager=403, others=404),
    ),
    (
        "coaching add action",
        "post",
        "/api/v1/coaching/{coaching}/actions/",
        lambda w: {"text": "Listen back", "due_on": str(timezone.localdate())},
        expect(agent=403, other_agent=404, evaluator=201, manager=201, others=404),
    ),
    (
        "coaching action done",
        "post",
        "/api/v1/coaching/{coaching}/action-done/",
        lambda w: {"action": w["action"]},
        expect(agent=200, other_agent=404, evaluator=200, manager=200, others=404),
    ),
    (
        "coaching comment",
        "post",
        "/api/v1/coaching/{coaching}/comments/",
        lambda w: {"body": "Noted."},
        expect(agent=201, other_agent=404, evaluator=201, manager=201, others=404),
    ),
    (
        "coaching follow-up",
        "post",
        "/api/v1/coaching/{coaching}/follow-up/",
        lambda w: {"note": "Better."},
        expect(agent=403, other_agent=404, evaluator=200, manager=200, others=404),
    ),
]


@pytest.mark.parametrize("persona", EVERYONE)
@pytest.mark.parametrize(
    ("url", "method", "build", "expected"),
    [pytest.param(url, method, build, expected, id=name) for name, method, url, build, expected in ENDPOINTS],
)
def test_permission_matrix(api, api_as, world, persona, url, method, build, expected):
    client = api if persona == "anonymous" else api_as(world["people"][persona])
    path = url.format(**world)
    body = build(world) if build else None
    response = getattr(client, method)(path, body, format="json") if method == "post" else client.get(path)
    assert response.status_code == expected[persona], response.content
    if response.status_code == 401:
        assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_the_matrix_covers_every_calibration_and_coaching_route():
    from apps.scorecards.api_urls import urlpatterns

    routes = {
        str(p.pattern) for p in urlpatterns if str(p.pattern).startswith(("^calibrations/", "^coaching/"))
    }
    covered = {
        "^"
        + url.removeprefix("/api/v1/")
        .replace("{session}", "(?P<pk>[^/.]+)")
        .replace("{coaching}", "(?P<pk>[^/.]+)")
        + "$"
        for _name, _method, url, _build, _expected in ENDPOINTS
    }
    assert routes == covered


def test_the_lists_are_empty_for_roles_without_sessions(api_as, world):
    for persona in NO_QA_ROLES:
        response = api_as(world["people"][persona]).get("/api/v1/coaching/")
        assert response.json()["results"] == [], persona
    other = api_as(world["people"]["other_agent"]).get("/api/v1/coaching/")
    assert other.json()["results"] == []


def test_an_evaluator_outside_the_session_gets_404(api_as, world):
    outsider = UserFactory(roles=[Role.QA_EVALUATOR])
    client = api_as(outsider)
    assert client.get("/api/v1/calibrations/").json()["results"] == []
    assert client.get(f"/api/v1/calibrations/{world['session']}/").status_code == 404


def test_nothing_is_written_on_refused_creates(api_as, world):
    sessions, coachings = CalibrationSession.objects.count(), CoachingSession.objects.count()
    for persona in [Role.AGENT, Role.QA_EVALUATOR, *NO_QA_ROLES]:
        api_as(world["people"][persona]).post(
            "/api/v1/calibrations/", calibration_payload(world), format="json"
        )
    for persona in [Role.AGENT, "other_agent", *NO_QA_ROLES]:
        api_as(world["people"][persona]).post("/api/v1/coaching/", coaching_payload(world), format="json")
    assert (CalibrationSession.objects.count(), CoachingSession.objects.count()) == (sessions, coachings)


# --- odd ids and bodies: 400/404, never 500 ------------------------------------------------------


@pytest.mark.parametrize("pk", ["abc", str(BIG), "0", "-1", "1.5", "99999"])
def test_odd_ids_in_urls_are_404_never_500(api_as, world, pk):
    people = world["people"]
    manager, agent = api_as(people[Role.QA_MANAGER]), api_as(people[Role.AGENT])
    assert manager.get(f"/api/v1/calibrations/{pk}/").status_code == 404
    assert manager.post(f"/api/v1/calibrations/{pk}/close/").status_code == 404
    assert manager.get(f"/api/v1/coaching/{pk}/").status_code == 404
    for action, body in (
        ("comments", {"body": "Hi"}),
        ("actions", {"text": "More", "due_on": str(timezone.localdate())}),
        ("action-done", {"action": 1}),
        ("follow-up", {}),
    ):
        assert manager.post(f"/api/v1/coaching/{pk}/{action}/", body, format="json").status_code == 404, (
            action
        )
    assert agent.post(f"/api/v1/coaching/{pk}/sign-off/").status_code == 404


def odd_calibration_bodies(world) -> list[dict]:
    base = calibration_payload(world)
    return [
        {**base, "call": "abc"},
        {**base, "call": BIG},
        {**base, "call": -1},
        {**base, "call": None},
        {**base, "scorecard_version": BIG},
        {**base, "participants": "all"},
        {**base, "participants": [BIG]},
        {**base, "participants": ["abc"]},
        {**base, "participants": None},
        {**base, "reference": BIG},
        {**base, "reference": "me"},
        {**base, "deadline": "soon"},
        {**base, "deadline": None},
        {**base, "tolerance": "wide"},
        {**base, "tolerance": "NaN"},
        {**base, "tolerance": "Infinity"},
        {**base, "tolerance": 10**400},
        {**base, "note": ["a"]},
        {},
    ]


def test_odd_calibration_bodies_are_400(api_as, world):
    manager = api_as(world["people"][Role.QA_MANAGER])
    before = CalibrationSession.objects.count()
    for body in odd_calibration_bodies(world):
        response = manager.post("/api/v1/calibrations/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["detail"]
    assert CalibrationSession.objects.count() == before


@pytest.mark.parametrize("value", ["abc", BIG, -1, 0, [1], {"id": 1}, True])
def test_odd_calibration_ids_in_an_evaluation_are_400(api_as, world, value):
    card = world["card"]
    response = api_as(world["people"][Role.QA_EVALUATOR]).post(
        "/api/v1/evaluations/",
        {
            "call": world["call"].pk,
            "scorecard_version": card.version.pk,
            "answers": card.payload(),
            "calibration": value,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "calibration" in response.json()


def odd_coaching_bodies(world) -> list[dict]:
    base = coaching_payload(world)
    return [
        {**base, "agent": "abc"},
        {**base, "agent": BIG},
        {**base, "agent": None},
        {**base, "held_on": "yesterday"},
        {**base, "held_on": None},
        {**base, "follow_up_on": "2025-02-30"},
        {**base, "observations": None},
        {**base, "observations": ["a"]},
        {**base, "evaluations": [BIG]},
        {**base, "evaluations": ["abc"]},
        {**base, "evaluations": "all"},
        {**base, "actions": "all"},
        {**base, "actions": [1]},
        {**base, "actions": [{"text": "Slow down"}]},
        {**base, "actions": [{"text": "Slow down", "due_on": "soon"}]},
        {**base, "actions": [{"text": "x" * 301, "due_on": base["held_on"]}]},
        {},
    ]


def test_odd_coaching_bodies_are_400(api_as, world):
    evaluator = api_as(world["people"][Role.QA_EVALUATOR])
    before = CoachingSession.objects.count()
    for body in odd_coaching_bodies(world):
        response = evaluator.post("/api/v1/coaching/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["detail"]
    assert CoachingSession.objects.count() == before


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("action-done", {"action": "abc"}),
        ("action-done", {"action": BIG}),
        ("action-done", {"action": 0}),
        ("action-done", {"action": 99999}),
        ("action-done", {"action": None}),
        ("action-done", {"action": 1, "done": "perhaps"}),
        ("action-done", {}),
        ("actions", {"text": "More"}),
        ("actions", {"text": "More", "due_on": "soon"}),
        ("actions", {"text": None, "due_on": "2025-01-01"}),
        ("comments", {}),
        ("comments", {"body": None}),
        ("comments", {"body": ["a"]}),
        ("follow-up", {"note": ["a"]}),
    ],
)
def test_odd_coaching_action_bodies_are_400(api_as, world, action, body):
    response = api_as(world["people"][Role.QA_EVALUATOR]).post(
        f"/api/v1/coaching/{world['coaching']}/{action}/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


WRONG_BODIES = [[], [1, 2], "text", 42, None, True]


@pytest.mark.parametrize("body", WRONG_BODIES, ids=repr)
def test_wrong_json_shapes_are_400_never_500(api_as, world, body):
    people = world["people"]
    manager, evaluator = api_as(people[Role.QA_MANAGER]), api_as(people[Role.QA_EVALUATOR])
    for client, url in (
        (manager, "/api/v1/calibrations/"),
        (evaluator, "/api/v1/coaching/"),
        (evaluator, f"/api/v1/coaching/{world['coaching']}/actions/"),
        (evaluator, f"/api/v1/coaching/{world['coaching']}/action-done/"),
        (evaluator, f"/api/v1/coaching/{world['coaching']}/comments/"),
    ):
        response = client.generic("POST", url, json.dumps(body), content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert response.json()["detail"], url


def test_malformed_json_is_400(api_as, world):
    manager = api_as(world["people"][Role.QA_MANAGER])
    for url in (
        "/api/v1/calibrations/",
        "/api/v1/coaching/",
        f"/api/v1/coaching/{world['coaching']}/comments/",
    ):
        response = manager.generic("POST", url, '{"call": ', content_type="application/json")
        assert response.status_code == 400, url
        assert response.json()["detail"].startswith("JSON parse error"), url


@pytest.mark.parametrize(
    "query",
    ["status=lost", f"call={BIG}", "call=abc", "ordering=password", "page=abc", "page=99", "page_size=abc"],
)
def test_odd_calibration_list_queries_never_yield_500(api_as, world, query):
    response = api_as(world["people"][Role.QA_MANAGER]).get(f"/api/v1/calibrations/?{query}")
    assert response.status_code in (200, 400, 404)
    assert response.json()


@pytest.mark.parametrize(
    "query", ["status=lost", f"agent={BIG}", f"coach={BIG}", "agent=abc", "ordering=password", "page=99"]
)
def test_odd_coaching_list_queries_never_yield_500(api_as, world, query):
    response = api_as(world["people"][Role.QA_MANAGER]).get(f"/api/v1/coaching/?{query}")
    assert response.status_code in (200, 400, 404)
    assert response.json()


# --- lists run a constant number of queries ------------------------------------------------------


def make_calibrations(world, count: int) -> None:
    """``count`` sessions of the evaluator persona and the peer; every other one closed with results."""
    people = world["people"]
    manager, evaluator = people[Role.QA_MANAGER], people[Role.QA_EVALUATOR]
    card = world["card"]
    for n in range(count):
        call = CallFactory(agent=people[Role.AGENT])
        session = calibration.calibration_create(
            by=manager,
            call=call,
            version=card.version,
            participants=[evaluator, world["peer"]],
            reference=evaluator,
        )
        for who, resolve in ((evaluator, 8), (world["peer"], n % 11)):
            services.evaluation_save(
                by=who,
                call=call,
                version=card.version,
                answers=card.answers(resolve=resolve),
                submit=True,
                calibration=session,
            )
        if n % 2:
            calibration.calibration_close(session=session, by=manager)


def make_coaching(world, count: int) -> None:
    people = world["people"]
    evaluator, agent = people[Role.QA_EVALUATOR], people[Role.AGENT]
    card = world["card"]
    for _n in range(count):
        linked = services.evaluation_save(
            by=evaluator,
            call=CallFactory(agent=agent),
            version=card.version,
            answers=card.answers(),
            submit=True,
        )
        session = coaching.coaching_create(
            by=evaluator,
            agent=agent,
            held_on=timezone.localdate(),
            observations="Again.",
            follow_up_on=timezone.localdate(),
            evaluations=[linked],
            actions=[ActionInput("One", timezone.localdate()), ActionInput("Two", timezone.localdate())],
        )
        coaching.coaching_comment(session=session, by=agent, body="Noted.")


def queries_for(client, url: str, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected_rows
    return len(context.captured_queries)


@pytest.mark.parametrize("who", [Role.QA_MANAGER, Role.QA_EVALUATOR])
def test_calibrations_list_runs_the_same_queries_for_2_and_15_rows(api_as, world, who):
    # token, roles, count, sessions, then participants, evaluations and scores (prefetched)
    client = api_as(world["people"][who])
    make_calibrations(world, 1)  # with the fixture's session: 2 rows
    small = queries_for(client, "/api/v1/calibrations/", 2)
    make_calibrations(world, 13)
    assert queries_for(client, "/api/v1/calibrations/", 15) == small == 7


@pytest.mark.parametrize(
    ("who", "expected"),
    # An evaluator's covered teams and an agent's "do I lead a team" cost one query each.
    [(Role.QA_MANAGER, 7), (Role.QA_EVALUATOR, 8), (Role.AGENT, 8)],
)
def test_coaching_list_runs_the_same_queries_for_2_and_15_rows(api_as, world, who, expected):
    client = api_as(world["people"][who])
    make_coaching(world, 1)  # with the fixture's session: 2 rows
    small = queries_for(client, "/api/v1/coaching/", 2)
    make_coaching(world, 13)
    assert queries_for(client, "/api/v1/coaching/", 15) == small == expected
