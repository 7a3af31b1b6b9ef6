"""A calibration session through the API: three evaluators score one call blind, the manager
closes it, the results hold alpha, spread and per-evaluator deviation and alignment."""

import pytest

from apps.accounts.roles import Role
from apps.scorecards.models import CalibrationScore, Evaluation
from tests.factories import UserFactory
from tests.scorecards.factories import CallFactory, typical_scorecard

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    card = typical_scorecard()
    return {
        "card": card,
        "call": CallFactory(),
        "manager": UserFactory(username="qm", roles=[Role.QA_MANAGER]),
        "ref": UserFactory(username="ref", roles=[Role.QA_EVALUATOR]),
        "eva": UserFactory(username="eva", roles=[Role.QA_EVALUATOR]),
        "bob": UserFactory(username="bob", roles=[Role.QA_EVALUATOR]),
        "outsider": UserFactory(username="out", roles=[Role.QA_EVALUATOR]),
    }


def _score(client, world, session_id, **points):
    return client.post(
        "/api/v1/evaluations/",
        {
            "call": world["call"].pk,
            "scorecard_version": world["card"].version.pk,
            "calibration": session_id,
            "answers": world["card"].payload(**points),
            "submit": True,
        },
    )


def test_three_evaluators_score_blind_and_the_manager_sees_agreement(api_as, world):
    manager = api_as(world["manager"])
    created = manager.post(
        "/api/v1/calibrations/",
        {
            "call": world["call"].pk,
            "scorecard_version": world["card"].version.pk,
            "participants": [world["ref"].pk, world["eva"].pk, world["bob"].pk],
            "reference": world["ref"].pk,
        },
    )
    assert created.status_code == 201, created.json()
    session = created.json()
    assert session["results"] is None

    assert _score(api_as(world["ref"]), world, session["id"]).status_code == 201  # 17/19 = 89.47
    assert _score(api_as(world["eva"]), world, session["id"], resolve=6).status_code == 201  # 15/19
    # Blind: before closing a participant sees only who submitted, not what.
    seen = api_as(world["eva"]).get(f"/api/v1/calibrations/{session['id']}/").json()
    assert seen["results"] is None
    assert {p["name"]: p["submitted"] for p in seen["participants"]}.values()
    listed = api_as(world["eva"]).get("/api/v1/evaluations/").json()["results"]
    assert [e["evaluator"] for e in listed] == [world["eva"].pk]
    # Refusals: a second scoring, an outsider.
    assert _score(api_as(world["eva"]), world, session["id"]).status_code == 409
    assert _score(api_as(world["outsider"]), world, session["id"]).status_code == 403
    assert _score(api_as(world["bob"]), world, session["id"], greet=0, resolve=10).status_code == 201  # 17/19

    closed = manager.post(f"/api/v1/calibrations/{session['id']}/close/")
    assert closed.status_code == 200, closed.json()
    results = closed.json()["results"]
    by_name = {row["evaluator_name"]: row for row in results["evaluators"]}
    assert by_name[world["ref"].name]["score"] == 89.47
    assert by_name[world["eva"].name]["deviation"] == pytest.approx(78.95 - 89.47)
    assert by_name[world["ref"].name]["deviation"] == 0.0
    assert by_name[world["eva"].name]["outside_tolerance"] is True
    assert by_name[world["bob"].name]["outside_tolerance"] is False
    assert results["alpha_interval"] is not None
    assert results["spread"] == pytest.approx(6.08, abs=0.01)
    assert manager.post(f"/api/v1/calibrations/{session['id']}/close/").status_code == 409
    assert _score(api_as(world["outsider"]), world, session["id"]).status_code in (403, 409)
    assert CalibrationScore.objects.count() == 3
    # Never counted for the agent.
    agent = world["call"].agent
    assert Evaluation.objects.submitted().filter(agent=agent).count() == 0
