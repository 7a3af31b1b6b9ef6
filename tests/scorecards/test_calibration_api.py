"""The calibrations/ API and calibration scorings through evaluations/ (DESIGN.md §9): create,
refusals with their statuses and messages, blindness until close, results after close, and
calibration scorings never reaching the agent."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards.models import (
    Answer,
    CalibrationScore,
    CalibrationSession,
    CalibrationStatus,
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    VersionStatus,
)
from tests.factories import TeamFactory, UserFactory
from tests.scorecards.factories import CallFactory, ScorecardVersionFactory, typical_scorecard

pytestmark = pytest.mark.django_db

BIG = 2**64


@pytest.fixture
def world(db):
    team = TeamFactory(name="Team Calibrate")
    agent = UserFactory(username="agent", display_name="Andy Agent", roles=[Role.AGENT], team=team)
    people = {
        "agent": agent,
        "manager": UserFactory(username="qm", display_name="Quinn Manager", roles=[Role.QA_MANAGER]),
        "ref": UserFactory(username="ref", display_name="Rita Reference", roles=[Role.QA_EVALUATOR]),
        "eva": UserFactory(username="eva", display_name="Eva Evaluator", roles=[Role.QA_EVALUATOR]),
        "bob": UserFactory(username="bob", display_name="Bob Evaluator", roles=[Role.QA_EVALUATOR]),
        "outsider": UserFactory(username="out", display_name="Olga Outsider", roles=[Role.QA_EVALUATOR]),
    }
    team.evaluators.add(people["outsider"])
    return {**people, "card": typical_scorecard(), "call": CallFactory(agent=agent)}


@pytest.fixture
def client_of(api_as, world):
    clients = {}

    def get(name):
        if name not in clients:
            clients[name] = api_as(world[name])
        return clients[name]

    return get


def create_payload(world, **changes) -> dict:
    return {
        "call": world["call"].pk,
        "scorecard_version": world["card"].version.pk,
        "participants": [world["ref"].pk, world["eva"].pk, world["bob"].pk],
        "reference": world["ref"].pk,
        **changes,
    }


@pytest.fixture
def session_id(client_of, world) -> int:
    response = client_of("manager").post("/api/v1/calibrations/", create_payload(world), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def scoring_payload(world, session_id, submit=True, **points) -> dict:
    return {
        "call": world["call"].pk,
        "scorecard_version": world["card"].version.pk,
        "calibration": session_id,
        "answers": world["card"].payload(**points),
        "submit": submit,
    }


def post_scoring(client, world, session_id, submit=True, **points):
    return client.post(
        "/api/v1/evaluations/", scoring_payload(world, session_id, submit, **points), format="json"
    )


def snapshot() -> tuple[int, ...]:
    return (
        CalibrationSession.objects.count(),
        Evaluation.objects.count(),
        Answer.objects.count(),
        EvaluationEvent.objects.count(),
        CalibrationScore.objects.count(),
    )


# --- create --------------------------------------------------------------------------------------


def test_create_returns_the_session_with_defaults_and_no_results(client_of, world):
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        response = client_of("manager").post("/api/v1/calibrations/", create_payload(world), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["call"] == world["call"].pk
    assert body["scorecard_version"] == world["card"].version.pk
    assert body["reference"] == world["ref"].pk
    assert body["status"] == "open"
    assert body["tolerance"] == "5.00"
    assert body["note"] == ""
    assert body["created_by"] == world["manager"].pk
    assert body["closed_at"] is None
    assert body["results"] is None
    session = CalibrationSession.objects.get(pk=body["id"])
    assert session.deadline == moment + timedelta(days=7)
    assert sorted(body["participants"], key=lambda p: p["id"]) == [
        {"id": world[name].pk, "name": world[name].name, "submitted": False} for name in ("ref", "eva", "bob")
    ]


def test_create_with_a_deadline_tolerance_note_and_no_reference(client_of, world):
    deadline = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    response = client_of("manager").post(
        "/api/v1/calibrations/",
        create_payload(world, reference=None, deadline=deadline.isoformat(), tolerance="2.5", note="Refunds"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    session = CalibrationSession.objects.get(pk=response.json()["id"])
    assert (session.reference, session.deadline, str(session.tolerance), session.note) == (
        None,
        deadline,
        "2.50",
        "Refunds",
    )


@pytest.mark.parametrize("who", ["eva", "agent"])
def test_only_qa_managers_create(client_of, world, who):
    response = client_of(who).post("/api/v1/calibrations/", create_payload(world), format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this action."}
    assert CalibrationSession.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"participants": []}, "participants", "Choose at least two participants."),
        ({"participants": ["eva"]}, "participants", "Choose at least two participants."),
        ({"participants": ["eva", "eva"]}, "participants", "Choose at least two participants."),
        (
            {"participants": ["eva", "agent"]},
            "participants",
            "Only active QA evaluators and QA managers can take part: Andy Agent.",
        ),
        (
            {"participants": ["eva", "bob"], "reference": "ref"},
            "reference",
            "The reference evaluator must be one of the participants.",
        ),
        ({"tolerance": "-1"}, "tolerance", "The tolerance is a number of points from 0 to 100."),
        ({"tolerance": "100.01"}, "tolerance", "The tolerance is a number of points from 0 to 100."),
        ({"deadline": "2020-01-01T10:00:00Z"}, "deadline", "The deadline must be in the future."),
    ],
)
def test_create_refusals_are_400_with_the_field_message(client_of, world, changes, field, message):
    changes = dict(changes)
    # People are named in the parameters; the API takes their ids.
    if "participants" in changes:
        changes["participants"] = [world[name].pk for name in changes["participants"]]
    if "reference" in changes:
        changes["reference"] = world[changes["reference"]].pk
    response = client_of("manager").post(
        "/api/v1/calibrations/", create_payload(world, **changes), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body[field] == [message]
    assert body["detail"] == "Please correct the calibration session."
    assert CalibrationSession.objects.count() == 0


def test_create_with_an_unpublished_version_is_400(client_of, world):
    draft = ScorecardVersionFactory(scorecard=world["card"].scorecard, number=2, status=VersionStatus.DRAFT)
    response = client_of("manager").post(
        "/api/v1/calibrations/", create_payload(world, scorecard_version=draft.pk), format="json"
    )
    assert response.status_code == 400
    assert response.json()["scorecard_version"] == ["Only published scorecard versions can be used."]


def test_create_with_an_inactive_participant_is_400(client_of, world):
    world["eva"].is_active = False
    world["eva"].save()
    response = client_of("manager").post("/api/v1/calibrations/", create_payload(world), format="json")
    assert response.status_code == 400
    assert response.json()["participants"] == [
        "Only active QA evaluators and QA managers can take part: Eva Evaluator."
    ]


# --- scoring -------------------------------------------------------------------------------------


def test_a_participant_scores_through_evaluations(client_of, world, session_id):
    response = post_scoring(client_of("eva"), world, session_id, resolve=6)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["calibration"], body["score"], body["status"]) == (session_id, 78.95, "submitted")
    seen = client_of("eva").get(f"/api/v1/calibrations/{session_id}/").json()
    assert {p["id"]: p["submitted"] for p in seen["participants"]} == {
        world["ref"].pk: False,
        world["eva"].pk: True,
        world["bob"].pk: False,
    }


def test_a_non_participant_is_403_and_nothing_is_written(client_of, world, session_id):
    before = snapshot()
    response = post_scoring(client_of("outsider"), world, session_id)
    assert response.status_code == 403
    assert response.json() == {"detail": "You are not a participant of this calibration session."}
    assert snapshot() == before


def test_a_second_submission_is_409_and_nothing_is_written(client_of, world, session_id):
    assert post_scoring(client_of("eva"), world, session_id).status_code == 201
    before = snapshot()
    response = post_scoring(client_of("eva"), world, session_id, resolve=1)
    assert response.status_code == 409
    assert response.json() == {"detail": "You have already scored this call in this calibration session."}
    assert snapshot() == before


def test_a_draft_then_a_second_create_is_409(client_of, world, session_id):
    assert post_scoring(client_of("eva"), world, session_id, submit=False).status_code == 201
    before = snapshot()
    assert post_scoring(client_of("eva"), world, session_id).status_code == 409
    assert snapshot() == before


def test_a_draft_is_submitted_later_with_put_and_with_submit(client_of, world, session_id):
    draft = post_scoring(client_of("eva"), world, session_id, submit=False, resolve=None).json()
    assert (draft["status"], draft["calibration"]) == ("draft", session_id)
    updated = client_of("eva").put(
        f"/api/v1/evaluations/{draft['id']}/",
        {"answers": world["card"].payload(resolve=6), "submit": True},
        format="json",
    )
    assert updated.status_code == 200, updated.json()
    assert (updated.json()["status"], updated.json()["score"]) == ("submitted", 78.95)

    other = post_scoring(client_of("bob"), world, session_id, submit=False).json()
    submitted = client_of("bob").post(f"/api/v1/evaluations/{other['id']}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["calibration"] == session_id
    assert Evaluation.objects.filter(calibration_id=session_id, status="submitted").count() == 2


def test_submitting_a_draft_after_close_is_409_and_nothing_changes(client_of, world, session_id):
    draft = post_scoring(client_of("eva"), world, session_id, submit=False).json()
    post_scoring(client_of("ref"), world, session_id)
    post_scoring(client_of("bob"), world, session_id)
    assert client_of("manager").post(f"/api/v1/calibrations/{session_id}/close/").status_code == 200
    before = snapshot()
    put = client_of("eva").put(
        f"/api/v1/evaluations/{draft['id']}/",
        {"answers": world["card"].payload(), "submit": True},
        format="json",
    )
    assert put.status_code == 409
    assert put.json() == {"detail": "This calibration session is closed; it takes no more scorings."}
    assert client_of("eva").post(f"/api/v1/evaluations/{draft['id']}/submit/").status_code == 409
    assert snapshot() == before
    assert Evaluation.objects.get(pk=draft["id"]).status == EvaluationStatus.DRAFT


def test_scoring_a_closed_session_is_409(client_of, world, session_id):
    post_scoring(client_of("ref"), world, session_id)
    post_scoring(client_of("eva"), world, session_id)
    client_of("manager").post(f"/api/v1/calibrations/{session_id}/close/")
    before = snapshot()
    response = post_scoring(client_of("bob"), world, session_id)
    assert response.status_code == 409
    assert response.json() == {"detail": "This calibration session is closed; it takes no more scorings."}
    assert snapshot() == before


def test_scoring_another_call_or_version_for_the_session_is_400(client_of, world, session_id):
    other_call = CallFactory(agent=world["agent"])
    other_card = typical_scorecard(name="Outbound")
    before = snapshot()
    wrong_call = client_of("eva").post(
        "/api/v1/evaluations/", {**scoring_payload(world, session_id), "call": other_call.pk}, format="json"
    )
    assert wrong_call.status_code == 400
    assert wrong_call.json() == {
        "detail": "This session calibrates another call.",
        "call": ["This session calibrates another call."],
    }
    wrong_version = client_of("eva").post(
        "/api/v1/evaluations/",
        {
            **scoring_payload(world, session_id),
            "scorecard_version": other_card.version.pk,
            "answers": other_card.payload(),
        },
        format="json",
    )
    assert wrong_version.status_code == 400
    assert wrong_version.json()["scorecard_version"] == ["This session uses another scorecard version."]
    assert snapshot() == before


def test_an_unknown_session_is_400(client_of, world, session_id):
    response = post_scoring(client_of("eva"), world, session_id + 100)
    assert response.status_code == 400
    assert "calibration" in response.json()


def test_the_regular_evaluation_is_still_possible_and_only_once(client_of, world, session_id):
    post_scoring(client_of("eva"), world, session_id)
    regular = {**scoring_payload(world, session_id), "calibration": None}
    first = client_of("outsider").post("/api/v1/evaluations/", regular, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["calibration"] is None
    before = snapshot()
    second = client_of("manager").post("/api/v1/evaluations/", regular, format="json")
    assert second.status_code == 400
    assert second.json()["call"] == ["This call already has an evaluation with this scorecard version."]
    assert snapshot() == before


# --- blindness -----------------------------------------------------------------------------------


@pytest.fixture
def two_scored(client_of, world, session_id):
    """eva scored 73.33 (offer N/A), bob 89.47; ref has not scored."""
    eva = post_scoring(client_of("eva"), world, session_id, resolve=6, offer_help="na").json()
    bob = post_scoring(client_of("bob"), world, session_id, greet=0, resolve=10).json()
    assert (eva["score"], bob["score"]) == (73.33, 89.47)
    return {"eva": eva["id"], "bob": bob["id"]}


def test_before_close_a_participant_lists_only_their_own_scoring(client_of, world, two_scored):
    listed = client_of("bob").get("/api/v1/evaluations/").json()["results"]
    assert [e["id"] for e in listed] == [two_scored["bob"]]
    filtered = client_of("bob").get(f"/api/v1/evaluations/?call={world['call'].pk}").json()["results"]
    assert [e["id"] for e in filtered] == [two_scored["bob"]]


@pytest.mark.parametrize("who", ["bob", "ref", "manager", "outsider"])
def test_before_close_nobody_opens_another_participants_scoring(client_of, two_scored, who):
    assert client_of(who).get(f"/api/v1/evaluations/{two_scored['eva']}/").status_code == 404
    assert client_of(who).get(f"/api/v1/evaluations/{two_scored['eva']}/history/").status_code == 404


def test_before_close_the_manager_lists_no_calibration_scoring(client_of, two_scored):
    assert client_of("manager").get("/api/v1/evaluations/").json()["results"] == []


@pytest.mark.parametrize("who", ["bob", "ref", "manager"])
def test_before_close_the_session_shows_who_submitted_never_a_score(
    client_of, world, session_id, two_scored, who
):
    response = client_of(who).get(f"/api/v1/calibrations/{session_id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["results"] is None
    assert sorted(body["participants"], key=lambda p: p["id"]) == [
        {"id": world["ref"].pk, "name": "Rita Reference", "submitted": False},
        {"id": world["eva"].pk, "name": "Eva Evaluator", "submitted": True},
        {"id": world["bob"].pk, "name": "Bob Evaluator", "submitted": True},
    ]
    for text in (response.content.decode(), client_of(who).get("/api/v1/calibrations/").content.decode()):
        assert "73.33" not in text
        assert "89.47" not in text
        assert '"score"' not in text


def test_after_close_managers_and_participants_see_results(client_of, world, session_id, two_scored):
    closed = client_of("manager").post(f"/api/v1/calibrations/{session_id}/close/")
    assert closed.status_code == 200
    for who in ("manager", "ref", "eva", "bob"):
        response = client_of(who).get(f"/api/v1/calibrations/{session_id}/")
        assert response.status_code == 200
        results = response.json()["results"]
        assert [(row["evaluator"], row["score"]) for row in results["evaluators"]] == [
            (world["eva"].pk, 73.33),
            (world["bob"].pk, 89.47),
        ]
    assert client_of("outsider").get(f"/api/v1/calibrations/{session_id}/").status_code == 404
    assert client_of("agent").get(f"/api/v1/calibrations/{session_id}/").status_code == 403


# --- close ---------------------------------------------------------------------------------------


def test_close_returns_the_hand_computed_results(client_of, world, session_id):
    post_scoring(client_of("ref"), world, session_id)  # 17/19 = 89.47
    post_scoring(client_of("eva"), world, session_id, resolve=6, offer_help="na")  # 11/15 = 73.33
    post_scoring(client_of("bob"), world, session_id, greet=0, resolve=10)  # 17/19 = 89.47
    response = client_of("manager").post(f"/api/v1/calibrations/{session_id}/close/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "closed"
    assert body["closed_at"] is not None
    results = body["results"]
    # Worked out by hand in test_calibration.py: α = 47/57.
    assert results["alpha_interval"] == pytest.approx(47 / 57, abs=1e-12)
    assert results["alpha_reading"] == "good"
    assert results["mean_score"] == 84.09
    assert results["spread"] == 9.32
    assert results["evaluators"] == [
        {
            "evaluator": world["ref"].pk,
            "evaluator_name": "Rita Reference",
            "score": 89.47,
            "deviation": 0.0,
            "deviation_from_reference": 0.0,
            "deviation_from_mean": 5.38,
            "alignment": 1.0,
            "outside_tolerance": False,
        },
        {
            "evaluator": world["eva"].pk,
            "evaluator_name": "Eva Evaluator",
            "score": 73.33,
            "deviation": -16.14,
            "deviation_from_reference": -16.14,
            "deviation_from_mean": -10.76,
            "alignment": 0.8667,
            "outside_tolerance": True,
        },
        {
            "evaluator": world["bob"].pk,
            "evaluator_name": "Bob Evaluator",
            "score": 89.47,
            "deviation": 0.0,
            "deviation_from_reference": 0.0,
            "deviation_from_mean": 5.38,
            "alignment": 0.7895,
            "outside_tolerance": False,
        },
    ]
    assert [c["differing_evaluators"] for c in results["criteria"]] == [
        [world["bob"].pk],
        [],
        [world["eva"].pk, world["bob"].pk],
        [world["eva"].pk],
    ]
    assert client_of("manager").get(f"/api/v1/calibrations/{session_id}/").json() == body


def test_close_without_a_submitted_reference_uses_the_mean(client_of, world, session_id, two_scored):
    response = client_of("manager").post(f"/api/v1/calibrations/{session_id}/close/")
    results = response.json()["results"]
    assert results["alpha_interval"] == pytest.approx(68 / 93, abs=1e-12)
    assert results["alpha_reading"] == "tentative"
    assert [
        (r["deviation"], r["deviation_from_reference"], r["alignment"]) for r in results["evaluators"]
    ] == [
        (-8.07, None, None),
        (8.07, None, None),
    ]


def test_close_with_one_submission_is_400_and_nothing_changes(client_of, world, session_id):
    post_scoring(client_of("eva"), world, session_id)
    post_scoring(client_of("bob"), world, session_id, submit=False)
    before = snapshot()
    response = client_of("manager").post(f"/api/v1/calibrations/{session_id}/close/")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "At least two participants must submit before the session can be closed (1 so far)."
    }
    assert snapshot() == before
    assert CalibrationSession.objects.get(pk=session_id).status == CalibrationStatus.OPEN


def test_closing_twice_is_409(client_of, world, session_id, two_scored):
    assert client_of("manager").post(f"/api/v1/calibrations/{session_id}/close/").status_code == 200
    before = snapshot()
    again = client_of("manager").post(f"/api/v1/calibrations/{session_id}/close/")
    assert again.status_code == 409
    assert again.json() == {"detail": "This calibration session is already closed."}
    assert snapshot() == before


@pytest.mark.parametrize("who", ["eva", "agent"])
def test_only_qa_managers_close(client_of, session_id, two_scored, who):
    response = client_of(who).post(f"/api/v1/calibrations/{session_id}/close/")
    assert response.status_code == 403
    assert CalibrationSession.objects.get(pk=session_id).status == CalibrationStatus.OPEN


def test_the_list_filters_by_status(client_of, world, session_id, two_scored):
    other = client_of("manager").post("/api/v1/calibrations/", create_payload(world), format="json").json()
    client_of("manager").post(f"/api/v1/calibrations/{session_id}/close/")
    closed = client_of("manager").get("/api/v1/calibrations/?status=closed").json()["results"]
    assert [s["id"] for s in closed] == [session_id]
    opened = client_of("manager").get("/api/v1/calibrations/?status=open").json()["results"]
    assert [s["id"] for s in opened] == [other["id"]]


# --- never shown to the agent --------------------------------------------------------------------


def test_the_agent_never_sees_or_acts_on_calibration_scorings(client_of, world, session_id, two_scored):
    client_of("manager").post(f"/api/v1/calibrations/{session_id}/close/")
    agent = client_of("agent")
    assert agent.get("/api/v1/evaluations/").json()["results"] == []
    for evaluation_id in two_scored.values():
        assert agent.get(f"/api/v1/evaluations/{evaluation_id}/").status_code == 404
        assert agent.post(f"/api/v1/evaluations/{evaluation_id}/acknowledge/").status_code == 404
        response = agent.post(f"/api/v1/evaluations/{evaluation_id}/dispute/", {"reason": "Unfair"})
        assert response.status_code == 404
    assert set(Evaluation.objects.values_list("status", flat=True)) == {"submitted"}


def test_the_call_list_evaluated_filter_ignores_calibration_scorings(client_of, world, two_scored):
    manager = client_of("manager")
    not_evaluated = manager.get("/api/v1/calls/?evaluated=false").json()["results"]
    assert [c["id"] for c in not_evaluated] == [world["call"].pk]
    assert manager.get("/api/v1/calls/?evaluated=true").json()["results"] == []
