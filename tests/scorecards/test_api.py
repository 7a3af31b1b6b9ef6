"""The QA API contract of DESIGN.md §9: scorecards/, calls/, evaluations/, disputes/, samples/, queue/."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import services
from apps.scorecards.models import (
    Answer,
    Assignment,
    Call,
    Criterion,
    Dispute,
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    SampleRun,
    Scorecard,
    ScorecardVersion,
    Section,
    VersionStatus,
)
from tests.factories import UserFactory
from tests.scorecards.factories import CallFactory, typical_scorecard

BIG = 10**30  # larger than any database integer


@pytest.fixture
def manager(personas):
    return personas[Role.QA_MANAGER]


@pytest.fixture
def evaluator(personas, team):
    team.evaluators.add(personas[Role.QA_EVALUATOR])
    return personas[Role.QA_EVALUATOR]


@pytest.fixture
def agent(personas):
    return personas[Role.AGENT]


@pytest.fixture
def card(manager):
    return typical_scorecard(created_by=manager)


@pytest.fixture
def call(agent):
    return CallFactory(agent=agent, customer_phone="13812348000")


@pytest.fixture
def as_manager(api_as, manager):
    return api_as(manager)


@pytest.fixture
def as_evaluator(api_as, evaluator):
    return api_as(evaluator)


@pytest.fixture
def as_agent(api_as, agent):
    return api_as(agent)


def evaluation_payload(card, call, submit=True, **points) -> dict:
    return {
        "call": call.pk,
        "scorecard_version": card.version.pk,
        "answers": card.payload(**points),
        "submit": submit,
    }


def submitted(card, by, call, **points) -> Evaluation:
    return services.evaluation_save(
        by=by, call=call, version=card.version, answers=card.answers(**points), submit=True
    )


def nothing_written():
    return (Evaluation.objects.count(), Answer.objects.count(), EvaluationEvent.objects.count()) == (0, 0, 0)


# --- scorecards/ ---------------------------------------------------------------------

SCORECARD_PAYLOAD = {
    "name": "Inbound service",
    "pass_mark": 80,
    "sections": [
        {
            "title": "Opening",
            "criteria": [
                {"text": "Greets the customer", "max_points": 2},
                {"text": "Verifies identity", "max_points": 3, "kind": "yes_no", "critical": True},
            ],
        },
        {
            "title": "Resolution",
            "criteria": [
                {"text": "Explains the solution", "max_points": 10, "kind": "scale", "allow_na": True}
            ],
        },
    ],
}


def test_post_scorecard_creates_and_publishes_version_1_with_ids(as_manager):
    response = as_manager.post("/api/v1/scorecards/", SCORECARD_PAYLOAD, format="json")
    assert response.status_code == 201
    body = response.json()
    scorecard = Scorecard.objects.get()
    version = ScorecardVersion.objects.get()
    opening, resolution = Section.objects.order_by("position")
    greet, verify = Criterion.objects.filter(section=opening).order_by("position")
    explain = Criterion.objects.get(section=resolution)
    assert (version.status, scorecard.current_version) == (VersionStatus.PUBLISHED, version)

    def criterion(c, position):
        return {
            "id": c.pk,
            "text": c.text,
            "guidance": "",
            "kind": c.kind,
            "max_points": c.max_points,
            "critical": c.critical,
            "allow_na": c.allow_na,
            "position": position,
        }

    assert body == {
        "id": scorecard.pk,
        "name": "Inbound service",
        "description": "",
        "pass_mark": 80.0,
        "current_version": version.pk,
        "current_version_number": 1,
        "archived": False,
        "sections": [
            {
                "id": opening.pk,
                "title": "Opening",
                "position": 0,
                "criteria": [criterion(greet, 0), criterion(verify, 1)],
            },
            {"id": resolution.pk, "title": "Resolution", "position": 1, "criteria": [criterion(explain, 0)]},
        ],
    }
    assert (greet.kind, greet.critical, greet.allow_na) == ("yes_no", False, False)  # the defaults
    assert (explain.kind, explain.allow_na, verify.critical) == ("scale", True, True)


def test_post_scorecard_without_pass_mark_uses_85(as_manager):
    payload = {**SCORECARD_PAYLOAD}
    del payload["pass_mark"]
    body = as_manager.post("/api/v1/scorecards/", payload, format="json").json()
    assert body["pass_mark"] == 85.0
    assert ScorecardVersion.objects.get().pass_mark == Decimal("85.00")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", ["This field may not be blank."]),
        ({"pass_mark": 100.5}, "pass_mark", ["Ensure this value is less than or equal to 100."]),
        ({"pass_mark": "high"}, "pass_mark", ["A valid number is required."]),
        ({"sections": []}, "sections", {"non_field_errors": ["This list may not be empty."]}),
        (
            {"sections": [{"title": "Opening", "criteria": []}]},
            "sections",
            {"0": {"criteria": {"non_field_errors": ["This list may not be empty."]}}},
        ),
        (
            {"sections": [{"title": "Opening", "criteria": [{"text": "Greets", "max_points": 0}]}]},
            "sections",
            {"0": {"criteria": {"0": {"max_points": ["Ensure this value is greater than or equal to 1."]}}}},
        ),
        (
            {
                "sections": [
                    {"title": "Opening", "criteria": [{"text": "Greets", "max_points": 2, "kind": "stars"}]}
                ]
            },
            "sections",
            {"0": {"criteria": {"0": {"kind": ['"stars" is not a valid choice.']}}}},
        ),
    ],
)
def test_post_scorecard_with_bad_fields_is_400_with_field_messages(as_manager, change, field, message):
    response = as_manager.post("/api/v1/scorecards/", {**SCORECARD_PAYLOAD, **change}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some fields are invalid; see the messages per field.",
        field: message,
    }
    assert Scorecard.objects.count() == 0


def test_post_scorecard_missing_fields_names_them(as_manager):
    response = as_manager.post("/api/v1/scorecards/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some fields are invalid; see the messages per field.",
        "name": ["This field is required."],
        "sections": ["This field is required."],
    }


def test_scorecard_versions_lists_every_version_newest_first(as_manager, manager, card):
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    response = as_manager.get(f"/api/v1/scorecards/{card.scorecard.pk}/versions/")
    assert response.status_code == 200
    body = response.json()
    assert [(v["id"], v["number"], v["status"]) for v in body] == [
        (draft.pk, 2, "draft"),
        (card.version.pk, 1, "published"),
    ]
    assert [c["text"] for s in body[1]["sections"] for c in s["criteria"]] == [c.text for c in card.criteria]


def test_scorecard_archive_and_restore(as_manager, card):
    archived = as_manager.post(f"/api/v1/scorecards/{card.scorecard.pk}/archive/")
    assert (archived.status_code, archived.json()["archived"]) == (200, True)
    assert [s["id"] for s in as_manager.get("/api/v1/scorecards/?archived=true").json()["results"]] == [
        card.scorecard.pk
    ]
    assert as_manager.get("/api/v1/scorecards/?archived=false").json()["results"] == []
    restored = as_manager.post(f"/api/v1/scorecards/{card.scorecard.pk}/restore/")
    assert (restored.status_code, restored.json()["archived"]) == (200, False)


def test_scorecard_rename_by_patch(as_manager, card):
    response = as_manager.patch(
        f"/api/v1/scorecards/{card.scorecard.pk}/", {"name": "Renamed"}, format="json"
    )
    assert (response.status_code, response.json()["name"]) == (200, "Renamed")
    blank = as_manager.patch(f"/api/v1/scorecards/{card.scorecard.pk}/", {"name": " "}, format="json")
    assert blank.status_code == 400
    assert blank.json()["name"] == ["This field may not be blank."]


# --- calls/ --------------------------------------------------------------------------


def call_payload(agent, external_id="EXT-1", **extra) -> dict:
    return {
        "external_id": external_id,
        "agent": agent.pk,
        "started_at": "2025-03-10T09:15:00+08:00",
        "duration_seconds": 312,
        **extra,
    }


def test_post_call_creates_it(as_evaluator, agent):
    payload = call_payload(
        agent, queue="billing", recording_url="https://rec.example.test/1.wav", customer_phone="13812348000"
    )
    response = as_evaluator.post("/api/v1/calls/", payload, format="json")
    assert response.status_code == 201
    call = Call.objects.get()
    body = response.json()
    assert body == {
        "id": call.pk,
        "external_id": "EXT-1",
        "agent": agent.pk,
        "agent_name": agent.name,
        "queue": "billing",
        "started_at": "2025-03-10T09:15:00+08:00",
        "duration_seconds": 312,
        "direction": "inbound",
        "recording_url": "https://rec.example.test/1.wav",
        "customer_phone": "13812348000",
        "imported_at": body["imported_at"],
    }
    assert call.started_at == datetime(2025, 3, 10, 1, 15, tzinfo=UTC)


def test_post_call_with_only_the_required_fields(as_manager, agent):
    response = as_manager.post("/api/v1/calls/", call_payload(agent), format="json")
    assert response.status_code == 201
    assert (
        response.json()["queue"],
        response.json()["recording_url"],
        response.json()["customer_phone"],
    ) == ("", "", "")


def test_post_list_of_calls_creates_all(as_manager, agent, personas):
    payload = [call_payload(agent, "EXT-1"), call_payload(personas["other_agent"], "EXT-2", queue="sales")]
    response = as_manager.post("/api/v1/calls/", payload, format="json")
    assert response.status_code == 201
    assert [row["external_id"] for row in response.json()] == ["EXT-1", "EXT-2"]
    assert Call.objects.count() == 2


@pytest.mark.parametrize(
    "problem", ["duplicate in batch", "existing id", "not an agent", "unknown user", "bad row"]
)
def test_post_list_of_calls_is_all_or_nothing(as_manager, agent, personas, problem):
    CallFactory(external_id="OLD-1", agent=agent)
    second = {
        "duplicate in batch": call_payload(agent, "EXT-1"),
        "existing id": call_payload(agent, "OLD-1"),
        "not an agent": call_payload(personas[Role.EXPERT], "EXT-2"),
        "unknown user": {**call_payload(agent, "EXT-2"), "agent": 999_999},
        "bad row": {**call_payload(agent, "EXT-2"), "duration_seconds": -5},
    }[problem]
    response = as_manager.post("/api/v1/calls/", [call_payload(agent, "EXT-1"), second], format="json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert list(Call.objects.values_list("external_id", flat=True)) == ["OLD-1"]


def test_post_list_of_calls_names_the_bad_row_by_its_index(as_manager, agent):
    payload = [call_payload(agent, "EXT-1"), {**call_payload(agent, "EXT-2"), "agent": 999_999}]
    response = as_manager.post("/api/v1/calls/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some fields are invalid; see the messages per field.",
        "1": {"agent": ['Invalid pk "999999" - object does not exist.']},
    }


def test_post_call_of_a_non_agent_is_400_with_message(as_manager, personas):
    expert = personas[Role.EXPERT]
    response = as_manager.post("/api/v1/calls/", call_payload(expert), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"User {expert.pk} is not an agent.",
        "agent": [f"User {expert.pk} is not an agent."],
    }


def test_post_call_with_an_existing_external_id_is_400(as_manager, agent):
    CallFactory(external_id="EXT-1", agent=agent)
    response = as_manager.post("/api/v1/calls/", call_payload(agent), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A call with external id “EXT-1” already exists.",
        "external_id": ["A call with external id “EXT-1” already exists."],
    }


# --- evaluations/ --------------------------------------------------------------------


def test_post_evaluation_submitted_returns_the_score(as_evaluator, evaluator, card, call):
    response = as_evaluator.post("/api/v1/evaluations/", evaluation_payload(card, call), format="json")
    assert response.status_code == 201
    body = response.json()
    evaluation = Evaluation.objects.get()
    assert (body["id"], body["status"], body["score"], body["passed"], body["critical_failed"]) == (
        evaluation.pk,
        "submitted",
        89.47,
        True,
        False,
    )
    assert (body["call"], body["agent"], body["evaluator"], body["scorecard_version"], body["scorecard"]) == (
        call.pk,
        call.agent_id,
        evaluator.pk,
        card.version.pk,
        card.scorecard.pk,
    )
    assert body["pass_mark"] == 85.0
    assert [(a["criterion"], a["points"], a["na"], a["max_points"]) for a in body["answers"]] == [
        (card.greet.pk, 2, False, 2),
        (card.verify.pk, 3, False, 3),
        (card.resolve.pk, 8, False, 10),
        (card.offer_help.pk, 4, False, 4),
    ]


def test_post_evaluation_without_submit_is_a_draft_with_a_live_score(as_evaluator, card, call):
    payload = evaluation_payload(card, call, submit=False, verify=None, offer_help="na", resolve=5)
    del payload["submit"]
    response = as_evaluator.post("/api/v1/evaluations/", payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["score"], body["passed"], body["submitted_at"]) == (
        "draft",
        58.33,
        False,
        None,
    )
    assert [(a["criterion"], a["points"], a["na"]) for a in body["answers"]] == [
        (card.greet.pk, 2, False),
        (card.resolve.pk, 5, False),
        (card.offer_help.pk, None, True),
    ]


def test_post_evaluation_critical_failure(as_evaluator, card, call):
    body = as_evaluator.post(
        "/api/v1/evaluations/", evaluation_payload(card, call, verify=0), format="json"
    ).json()
    assert (body["score"], body["passed"], body["critical_failed"]) == (0.0, False, True)


def test_post_evaluation_answer_comments_are_kept(as_evaluator, card, call):
    payload = evaluation_payload(card, call)
    payload["answers"][0]["comment"] = "Warm greeting"
    payload["comment"] = "Solid call"
    body = as_evaluator.post("/api/v1/evaluations/", payload, format="json").json()
    assert (body["answers"][0]["comment"], body["comment"]) == ("Warm greeting", "Solid call")


def test_submit_without_every_answer_is_400_and_writes_nothing(as_evaluator, card, call):
    response = as_evaluator.post(
        "/api/v1/evaluations/", evaluation_payload(card, call, resolve=None), format="json"
    )
    assert response.status_code == 400
    message = "Every criterion needs an answer before submitting; “Explains the solution” has none."
    assert response.json() == {"detail": message, "answers": [message]}
    assert nothing_written()


@pytest.mark.parametrize("submit", [True, False], ids=["submit", "draft"])
@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("yes/no half points", "“Greets the customer” is yes/no: give 0 or its maximum points."),
        ("scale above max", "Points for “Explains the solution” are outside 0 to its maximum."),
        ("negative points", "Points for “Explains the solution” are outside 0 to its maximum."),
        ("huge points", "Points for “Explains the solution” are outside 0 to its maximum."),
        ("na not allowed", "N/A is not allowed for “Verifies identity”."),
        ("other version", "Criterion {other} is not part of this scorecard version."),
        ("unknown criterion", "Criterion 999999 is not part of this scorecard version."),
        ("answered twice", "A criterion was answered twice."),
    ],
)
def test_bad_answer_is_400_with_a_message_and_writes_nothing(
    as_evaluator, manager, card, call, case, message, submit
):
    other = typical_scorecard(created_by=manager, name="Other")
    payload = evaluation_payload(card, call, submit=submit)
    answers = payload["answers"]
    if case == "yes/no half points":
        answers[0]["points"] = 1
    elif case == "scale above max":
        answers[2]["points"] = 11
    elif case == "negative points":
        answers[2]["points"] = -1
    elif case == "huge points":
        answers[2]["points"] = BIG
    elif case == "na not allowed":
        answers[1] = {"criterion": card.verify.pk, "na": True}
    elif case == "other version":
        answers.append({"criterion": other.greet.pk, "points": 2})
    elif case == "unknown criterion":
        answers.append({"criterion": 999_999, "points": 2})
    elif case == "answered twice":
        answers.append({"criterion": card.greet.pk, "points": 0})
    response = as_evaluator.post("/api/v1/evaluations/", payload, format="json")
    assert response.status_code == 400
    expected = message.format(other=other.greet.pk)
    assert response.json() == {"detail": expected, "answers": [expected]}
    assert nothing_written()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"points": 2, "na": True}, "Give points or “na”: true, not both."),
        ({}, "Give points, or “na”: true."),
        ({"points": None}, "Give points, or “na”: true."),
    ],
)
def test_answer_needs_points_or_na_but_not_both(as_evaluator, card, call, answer, message):
    payload = evaluation_payload(card, call)
    payload["answers"][0] = {"criterion": card.greet.pk, **answer}
    response = as_evaluator.post("/api/v1/evaluations/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["answers"] == {"0": {"non_field_errors": [message]}}
    assert nothing_written()


def test_second_evaluation_of_the_same_call_and_version_is_400(as_evaluator, evaluator, card, call):
    submitted(card, evaluator, call)
    response = as_evaluator.post("/api/v1/evaluations/", evaluation_payload(card, call), format="json")
    assert response.status_code == 400
    message = "This call already has an evaluation with this scorecard version."
    assert response.json() == {"detail": message, "call": [message]}
    assert Evaluation.objects.count() == 1


def test_evaluation_with_a_draft_version_is_400(as_evaluator, manager, card, call):
    draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    payload = {**evaluation_payload(card, call), "scorecard_version": draft.pk, "answers": []}
    response = as_evaluator.post("/api/v1/evaluations/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["scorecard_version"] == ["Only published scorecard versions can be used."]


def test_evaluation_of_a_call_outside_the_evaluators_teams_is_404(as_evaluator, card, personas):
    other_call = CallFactory(agent=personas["other_agent"])
    response = as_evaluator.post("/api/v1/evaluations/", evaluation_payload(card, other_call), format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "This call does not exist or is not yours to evaluate."}
    assert nothing_written()


def test_draft_is_updated_with_put_then_submitted(as_evaluator, card, call):
    created = as_evaluator.post(
        "/api/v1/evaluations/", evaluation_payload(card, call, submit=False, resolve=None), format="json"
    ).json()
    url = f"/api/v1/evaluations/{created['id']}/"
    updated = as_evaluator.put(
        url, {"answers": card.payload(resolve=10), "comment": "Complete"}, format="json"
    )
    assert updated.status_code == 200
    assert (updated.json()["status"], updated.json()["score"], updated.json()["comment"]) == (
        "draft",
        100.0,
        "Complete",
    )
    patched = as_evaluator.patch(url, {"answers": card.payload(resolve=9)}, format="json")
    assert (patched.status_code, patched.json()["score"]) == (200, 94.74)
    submitted_now = as_evaluator.post(f"{url}submit/")
    assert submitted_now.status_code == 200
    assert (submitted_now.json()["status"], submitted_now.json()["score"]) == ("submitted", 94.74)
    again = as_evaluator.put(url, {"answers": card.payload()}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "This evaluation is already submitted and can no longer be edited."}


def test_a_draft_is_hidden_from_colleagues_and_only_its_author_edits_it(api_as, evaluator, team, card, call):
    draft = services.evaluation_save(
        by=evaluator, call=call, version=card.version, answers=card.answers(resolve=None)
    )
    colleague = UserFactory(roles=[Role.QA_EVALUATOR])
    team.evaluators.add(colleague)
    hidden = api_as(colleague).put(
        f"/api/v1/evaluations/{draft.pk}/", {"answers": card.payload()}, format="json"
    )
    assert hidden.status_code == 404
    manager = UserFactory(roles=[Role.QA_MANAGER])
    response = api_as(manager).put(
        f"/api/v1/evaluations/{draft.pk}/", {"answers": card.payload()}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the evaluator who started this evaluation can change it."}
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_acknowledge(as_agent, evaluator, card, call):
    evaluation = submitted(card, evaluator, call)
    response = as_agent.post(f"/api/v1/evaluations/{evaluation.pk}/acknowledge/")
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_at"] is not None
    again = as_agent.post(f"/api/v1/evaluations/{evaluation.pk}/acknowledge/")
    assert again.status_code == 409
    assert again.json() == {"detail": "This evaluation cannot be acknowledged in its current state."}


def test_dispute_whole_evaluation_and_specific_criteria(as_agent, api_as, evaluator, card, call, agent):
    evaluation = submitted(card, evaluator, call, resolve=5)
    response = as_agent.post(
        f"/api/v1/evaluations/{evaluation.pk}/dispute/",
        {"reason": "I explained everything.", "criteria": [card.resolve.pk]},
        format="json",
    )
    assert response.status_code == 201
    dispute = Dispute.objects.get()
    body = response.json()
    assert {
        k: body[k] for k in ("id", "evaluation", "raised_by", "reason", "criteria", "status", "age_days")
    } == {
        "id": dispute.pk,
        "evaluation": evaluation.pk,
        "raised_by": agent.pk,
        "reason": "I explained everything.",
        "criteria": [card.resolve.pk],
        "status": "open",
        "age_days": 0,
    }
    assert as_agent.get(f"/api/v1/evaluations/{evaluation.pk}/").json()["status"] == "disputed"

    whole_call = CallFactory(agent=agent)
    whole = submitted(card, evaluator, whole_call)
    response = as_agent.post(f"/api/v1/evaluations/{whole.pk}/dispute/", {"reason": "Unfair"}, format="json")
    assert (response.status_code, response.json()["criteria"]) == (201, [])


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({}, "reason", ["This field is required."]),
        ({"reason": "  "}, "reason", ["This field may not be blank."]),
        ({"reason": "x", "criteria": "all"}, "criteria", ['Expected a list of items but got type "str".']),
        ({"reason": "x", "criteria": ["abc"]}, "criteria", {"0": ["A valid integer is required."]}),
    ],
)
def test_dispute_with_bad_fields_is_400(as_agent, evaluator, card, call, payload, field, message):
    evaluation = submitted(card, evaluator, call)
    response = as_agent.post(f"/api/v1/evaluations/{evaluation.pk}/dispute/", payload, format="json")
    assert response.status_code == 400
    assert response.json()[field] == message
    assert Dispute.objects.count() == 0


def test_dispute_of_criteria_of_another_version_is_400(as_agent, manager, evaluator, card, call):
    evaluation = submitted(card, evaluator, call)
    other = typical_scorecard(created_by=manager, name="Other")
    url = f"/api/v1/evaluations/{evaluation.pk}/dispute/"
    response = as_agent.post(url, {"reason": "x", "criteria": [card.greet.pk, other.greet.pk]}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "You can only dispute criteria of this evaluation.",
        "criteria": ["You can only dispute criteria of this evaluation."],
    }
    huge = as_agent.post(url, {"reason": "x", "criteria": [BIG]}, format="json")
    assert huge.status_code == 400
    assert huge.json()["criteria"] == {"0": [f"Ensure this value is less than or equal to {2**63 - 1}."]}
    assert Dispute.objects.count() == 0


def test_answer_for_a_criterion_id_beyond_any_row_is_400(as_evaluator, card, call):
    payload = evaluation_payload(card, call)
    payload["answers"].append({"criterion": BIG, "points": 2})
    response = as_evaluator.post("/api/v1/evaluations/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["answers"] == {
        "4": {"criterion": [f"Ensure this value is less than or equal to {2**63 - 1}."]}
    }
    assert nothing_written()


def test_dispute_after_seven_days_is_400(as_agent, evaluator, card, call):
    evaluation = submitted(card, evaluator, call)
    url = f"/api/v1/evaluations/{evaluation.pk}/dispute/"
    with time_machine.travel(evaluation.submitted_at + timedelta(days=7, minutes=1), tick=False):
        response = as_agent.post(url, {"reason": "Late"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "The dispute window of 7 days has passed."}
    with time_machine.travel(evaluation.submitted_at + timedelta(days=6, hours=23), tick=False):
        assert as_agent.post(url, {"reason": "In time"}, format="json").status_code == 201


def test_second_open_dispute_is_409(as_agent, evaluator, card, call):
    evaluation = submitted(card, evaluator, call)
    url = f"/api/v1/evaluations/{evaluation.pk}/dispute/"
    assert as_agent.post(url, {"reason": "Unfair"}, format="json").status_code == 201
    again = as_agent.post(url, {"reason": "Unfair"}, format="json")
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "This evaluation already has an open dispute."},
    )


@pytest.fixture
def dispute(evaluator, agent, card, call):
    evaluation = submitted(card, evaluator, call, resolve=5)  # 73.68, not passed
    return services.dispute_open(by=agent, evaluation=evaluation, reason="I solved it fully.")


def test_resolve_upheld_rescores_and_history_shows_the_previous_answers(
    as_manager, as_agent, manager, card, dispute
):
    response = as_manager.post(
        f"/api/v1/disputes/{dispute.pk}/resolve/",
        {
            "outcome": "upheld",
            "note": "Full solution on the recording.",
            "answers": [{"criterion": card.resolve.pk, "points": 9}],
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["resolved_by"], body["resolution_note"]) == (
        "upheld",
        manager.pk,
        "Full solution on the recording.",
    )
    evaluation_url = f"/api/v1/evaluations/{dispute.evaluation_id}/"
    evaluation = as_agent.get(evaluation_url).json()  # the agent sees the outcome
    assert (evaluation["status"], evaluation["score"], evaluation["passed"]) == (
        "dispute_upheld",
        94.74,
        True,
    )

    history = as_agent.get(f"{evaluation_url}history/").json()
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history] == [
        ("created", "", "submitted"),
        ("submitted", "draft", "submitted"),
        ("disputed", "submitted", "disputed"),
        ("dispute_upheld", "disputed", "dispute_upheld"),
    ]
    rescore = history[-1]
    assert (rescore["actor"], rescore["note"]) == (manager.pk, "Full solution on the recording.")
    assert rescore["previous"]["score"] == "73.68"
    assert rescore["previous"]["passed"] is False
    assert {a["criterion"]: a["points"] for a in rescore["previous"]["answers"]} == {
        card.greet.pk: 2,
        card.verify.pk: 3,
        card.resolve.pk: 5,
        card.offer_help.pk: 4,
    }


def test_resolve_rejected_needs_a_note_and_twice_is_409(as_manager, dispute):
    url = f"/api/v1/disputes/{dispute.pk}/resolve/"
    missing = as_manager.post(url, {"outcome": "rejected"}, format="json")
    assert (missing.status_code, missing.json()["note"]) == (400, ["This field is required."])
    done = as_manager.post(url, {"outcome": "rejected", "note": "Score stands."}, format="json")
    assert (done.status_code, done.json()["status"]) == (200, "rejected")
    again = as_manager.post(url, {"outcome": "rejected", "note": "Score stands."}, format="json")
    assert (again.status_code, again.json()) == (409, {"detail": "This dispute has already been resolved."})


def test_resolve_upheld_without_a_changed_answer_is_400(as_manager, card, dispute):
    url = f"/api/v1/disputes/{dispute.pk}/resolve/"
    none = as_manager.post(url, {"outcome": "upheld", "note": "Yes"}, format="json")
    assert none.status_code == 400
    assert none.json()["answers"] == ["Upholding a dispute needs at least one corrected answer."]
    same = as_manager.post(
        url,
        {"outcome": "upheld", "note": "Yes", "answers": [{"criterion": card.resolve.pk, "points": 5}]},
        format="json",
    )
    assert same.json() == {
        "detail": "The corrected answers are the same as before.",
        "answers": ["The corrected answers are the same as before."],
    }


def test_resolve_with_unknown_outcome_is_400(as_manager, dispute):
    response = as_manager.post(
        f"/api/v1/disputes/{dispute.pk}/resolve/", {"outcome": "maybe", "note": "x"}, format="json"
    )
    assert (response.status_code, response.json()["outcome"]) == (400, ['"maybe" is not a valid choice.'])


def test_original_evaluator_cannot_resolve_even_as_qa_manager(api_as, manager, agent, card, call):
    evaluation = submitted(card, manager, call)
    dispute = services.dispute_open(by=agent, evaluation=evaluation, reason="Unfair")
    response = api_as(manager).post(
        f"/api/v1/disputes/{dispute.pk}/resolve/", {"outcome": "rejected", "note": "Fine"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "You scored this evaluation; another QA manager must arbitrate the dispute."
    }


def test_disputes_list_oldest_open_first_with_filters(as_manager, evaluator, agent, card):
    disputes = []
    for day in (3, 1, 2):
        with time_machine.travel(timezone.now() - timedelta(days=day), tick=False):
            evaluation = submitted(card, evaluator, CallFactory(agent=agent))
            disputes.append(services.dispute_open(by=agent, evaluation=evaluation, reason=f"{day} days ago"))
    body = as_manager.get("/api/v1/disputes/").json()
    assert [d["reason"] for d in body["results"]] == ["3 days ago", "2 days ago", "1 days ago"]
    assert [d["age_days"] for d in body["results"]] == [3, 2, 1]
    one = as_manager.get(f"/api/v1/disputes/?evaluation={disputes[0].evaluation_id}").json()["results"]
    assert [d["id"] for d in one] == [disputes[0].pk]
    assert as_manager.get("/api/v1/disputes/?status=upheld").json()["count"] == 0


# --- samples/ and queue/ -------------------------------------------------------------


def test_post_sample_draws_and_queue_shows_the_calls(as_manager, as_evaluator, evaluator, card, agent):
    tz = timezone.get_current_timezone()
    calls = [CallFactory(agent=agent, started_at=datetime(2025, 3, d, 10, tzinfo=tz)) for d in range(1, 6)]
    response = as_manager.post(
        "/api/v1/samples/",
        {
            "scorecard_version": card.version.pk,
            "period_start": "2025-03-01",
            "period_end": "2025-03-31",
            "per_agent": 2,
            "evaluators": [evaluator.pk],
            "seed": 7,
        },
        format="json",
    )
    assert response.status_code == 201
    run = SampleRun.objects.get()
    body = response.json()
    assert {k: v for k, v in body.items() if k != "created_at"} == {
        "id": run.pk,
        "scorecard_version": card.version.pk,
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "per_agent": 2,
        "per_queue": False,
        "seed": 7,
        "assignment_count": 2,
    }
    assert as_manager.get("/api/v1/samples/").json()["results"][0]["id"] == run.pk

    queue = as_evaluator.get("/api/v1/queue/").json()
    assert queue["count"] == 2
    drawn = {a.call_id for a in Assignment.objects.all()}
    assert {row["call"]["id"] for row in queue["results"]} == drawn <= {c.pk for c in calls}
    row = queue["results"][0]
    assert (row["evaluator"], row["status"], row["scorecard_version"]) == (
        evaluator.pk,
        "pending",
        card.version.pk,
    )
    assert row["call"]["customer_phone"] == "13800138000"  # QA staff see the full number


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"period_end": "2025-02-01"}, "period_end", ["The period ends before it starts."]),
        ({"per_agent": 0}, "per_agent", ["Ensure this value is greater than or equal to 1."]),
        ({"per_agent": 101}, "per_agent", ["Ensure this value is less than or equal to 100."]),
        ({"evaluators": []}, "evaluators", ["This list may not be empty."]),
        ({"evaluators": "manager"}, "evaluators", ["Choose one or more QA evaluators."]),
        (
            {"period_start": "2024-01-01", "period_end": "2024-01-31"},
            "period_start",
            ["No calls left to sample in this period."],
        ),
        (
            {"period_start": "March"},
            "period_start",
            ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        ),
    ],
)
def test_post_sample_with_bad_input_is_400(
    as_manager, manager, evaluator, card, agent, change, field, message
):
    CallFactory(agent=agent, started_at=datetime(2025, 3, 3, 10, tzinfo=timezone.get_current_timezone()))
    payload = {
        "scorecard_version": card.version.pk,
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "per_agent": 2,
        "evaluators": [evaluator.pk],
        **change,
    }
    if payload["evaluators"] == "manager":
        payload["evaluators"] = [evaluator.pk, manager.pk]
    response = as_manager.post("/api/v1/samples/", payload, format="json")
    assert response.status_code == 400
    assert response.json()[field] == message
    assert SampleRun.objects.count() == 0


# --- filters on evaluations/ ---------------------------------------------------------


def test_evaluation_list_filters(as_manager, manager, evaluator, agent, personas, team, other_team, card):
    tz = timezone.get_current_timezone()
    other_card = typical_scorecard(created_by=manager, name="Outbound")
    other_agent = personas["other_agent"]
    e1 = submitted(card, evaluator, CallFactory(agent=agent, started_at=datetime(2025, 3, 1, 9, tzinfo=tz)))
    e2 = submitted(
        card, manager, CallFactory(agent=agent, started_at=datetime(2025, 3, 15, 9, tzinfo=tz)), verify=0
    )
    e3 = submitted(
        other_card, manager, CallFactory(agent=other_agent, started_at=datetime(2025, 3, 31, 23, tzinfo=tz))
    )
    e4 = services.evaluation_save(
        by=evaluator,
        call=CallFactory(agent=agent, started_at=datetime(2025, 4, 1, 0, 30, tzinfo=tz)),
        version=card.version,
        answers=card.answers(resolve=None, greet=0),  # a draft's live score: 7 of 9, not passed
    )

    def ids(query):
        response = as_manager.get(f"/api/v1/evaluations/?{query}")
        assert response.status_code == 200, response.json()
        return sorted(row["id"] for row in response.json()["results"])

    assert ids("") == sorted([e1.pk, e2.pk, e3.pk, e4.pk])
    assert ids(f"agent={agent.pk}") == sorted([e1.pk, e2.pk, e4.pk])
    assert ids(f"team={other_team.pk}") == [e3.pk]
    assert ids(f"team={team.pk}") == sorted([e1.pk, e2.pk, e4.pk])
    assert ids(f"evaluator={manager.pk}") == sorted([e2.pk, e3.pk])
    assert ids(f"scorecard={other_card.scorecard.pk}") == [e3.pk]
    assert ids("status=draft") == [e4.pk]
    assert ids("passed=true") == sorted([e1.pk, e3.pk])
    assert ids("passed=false") == sorted([e2.pk, e4.pk])
    assert ids("critical_failed=true") == [e2.pk]
    # Dates are the call's local date: 23:00 on 31 March is still March in Shanghai.
    assert ids("date_from=2025-03-15&date_to=2025-03-31") == sorted([e2.pk, e3.pk])
    assert ids("date_from=2025-04-01") == [e4.pk]
    assert ids("date_to=2025-03-01") == [e1.pk]
    assert ids(f"agent={agent.pk}&status=submitted&passed=true") == [e1.pk]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("agent=abc", "agent", ["Select a valid choice. That choice is not one of the available choices."]),
        (
            "agent=999999",
            "agent",
            ["Select a valid choice. That choice is not one of the available choices."],
        ),
        (
            f"agent={BIG}",
            "agent",
            ["Select a valid choice. That choice is not one of the available choices."],
        ),
        ("team=abc", "team", ["Enter a number."]),
        ("status=lost", "status", ["Select a valid choice. lost is not one of the available choices."]),
        ("date_from=2025-13-01", "date_from", ["Enter a valid date."]),
    ],
)
def test_evaluation_list_bad_filter_is_400(as_manager, query, field, message):
    response = as_manager.get(f"/api/v1/evaluations/?{query}")
    assert response.status_code == 400
    assert response.json()[field] == message


# --- bad input never yields a 500 ----------------------------------------------------


def test_malformed_json_is_400_on_every_post(as_manager, evaluator, card, call, dispute):
    evaluation_id = dispute.evaluation_id
    for url in (
        "/api/v1/scorecards/",
        "/api/v1/calls/",
        "/api/v1/evaluations/",
        f"/api/v1/disputes/{dispute.pk}/resolve/",
        "/api/v1/samples/",
    ):
        response = as_manager.generic("POST", url, '{"name": ', content_type="application/json")
        assert response.status_code == 400, url
        assert response.json()["detail"].startswith("JSON parse error"), url
    response = as_manager.generic(
        "PATCH", f"/api/v1/scorecards/{card.scorecard.pk}/", "{", content_type="application/json"
    )
    assert response.status_code == 400
    assert Evaluation.objects.filter(pk=evaluation_id).exists()


WRONG_BODIES = [[], [1, 2], "text", 42, None, True, {"unexpected": "field"}]


@pytest.mark.parametrize("body", WRONG_BODIES, ids=repr)
def test_wrong_json_shapes_are_400_never_500(as_manager, api_as, agent, evaluator, card, call, dispute, body):
    evaluation = submitted(card, evaluator, CallFactory(agent=agent))
    as_agent = api_as(agent)
    for client, method, url in (
        (as_manager, "post", "/api/v1/scorecards/"),
        (as_manager, "patch", f"/api/v1/scorecards/{card.scorecard.pk}/"),
        (as_manager, "post", "/api/v1/calls/"),
        (as_manager, "post", "/api/v1/evaluations/"),
        (as_manager, "post", f"/api/v1/disputes/{dispute.pk}/resolve/"),
        (as_manager, "post", "/api/v1/samples/"),
        (as_agent, "post", f"/api/v1/evaluations/{evaluation.pk}/dispute/"),
    ):
        response = client.generic(method.upper(), url, json.dumps(body), content_type="application/json")
        if body == [] and url == "/api/v1/calls/":
            assert response.status_code == 201  # an empty batch imports nothing
            continue
        if method == "patch" and isinstance(body, dict):
            assert response.status_code == 200  # unknown fields are ignored
            continue
        assert response.status_code == 400, (method, url, response.json())
        assert response.json()["detail"], url


def wrong_typed_evaluations(card, call) -> list[dict]:
    base = evaluation_payload(card, call)
    return [
        {**base, "call": "abc"},
        {**base, "call": str(BIG)},
        {**base, "call": BIG},
        {**base, "call": -1},
        {**base, "call": [call.pk]},
        {**base, "call": {"id": call.pk}},
        {**base, "call": None},
        {**base, "scorecard_version": "v1"},
        {**base, "scorecard_version": BIG},
        {**base, "answers": "all good"},
        {**base, "answers": {"criterion": 1}},
        {**base, "answers": [1, 2]},
        {**base, "answers": [{"criterion": "greet", "points": 2}]},
        {**base, "answers": [{"criterion": card.greet.pk, "points": "two"}]},
        {**base, "answers": [{"criterion": card.greet.pk, "points": 1.5}]},
        {**base, "answers": [{"criterion": card.greet.pk, "points": True}]},
        {**base, "answers": [{"criterion": card.greet.pk, "points": 10**400}]},
        {**base, "answers": [{"criterion": card.greet.pk, "na": "perhaps"}]},
        {**base, "answers": [{"criterion": None, "points": 2}]},
        {**base, "submit": "maybe"},
        {**base, "comment": ["a"]},
        {"call": call.pk},
        {},
    ]


def test_wrong_types_in_an_evaluation_are_400_never_500(as_evaluator, card, call):
    for payload in wrong_typed_evaluations(card, call):
        response = as_evaluator.post("/api/v1/evaluations/", payload, format="json")
        assert response.status_code == 400, (payload, response.json())
        assert response.json()["detail"], payload
    assert nothing_written()


@pytest.mark.parametrize(
    "change",
    [
        {"agent": "abc"},
        {"agent": BIG},
        {"agent": None},
        {"external_id": ""},
        {"external_id": "x" * 101},
        {"external_id": ["EXT-1"]},
        {"started_at": "yesterday"},
        {"started_at": 1700000000},
        {"duration_seconds": -1},
        {"duration_seconds": BIG},
        {"duration_seconds": "long"},
        {"direction": "sideways"},
        {"recording_url": "not a url"},
        {"customer_phone": "1" * 33},
        {"queue": {"name": "billing"}},
    ],
    ids=repr,
)
def test_wrong_types_in_a_call_are_400_never_500(as_manager, agent, change):
    response = as_manager.post("/api/v1/calls/", {**call_payload(agent), **change}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["detail", *change]
    assert Call.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"name": ["Inbound"]},
        {"name": "x" * 201},
        {"pass_mark": BIG},
        {"pass_mark": "NaN"},
        {"pass_mark": 1e308},
        {"sections": "Opening"},
        {"sections": [{"title": "Opening", "criteria": "all"}]},
        {"sections": [{"title": "Opening", "criteria": [{"text": "G", "max_points": BIG}]}]},
        {"sections": [{"title": "Opening", "criteria": [{"text": "G", "max_points": "two"}]}]},
        {
            "sections": [
                {"title": "Opening", "criteria": [{"text": "G", "max_points": 2, "critical": "sure"}]}
            ]
        },
        {"sections": [{"title": None, "criteria": [{"text": "G", "max_points": 2}]}]},
    ],
    ids=repr,
)
def test_wrong_types_in_a_scorecard_are_400_never_500(as_manager, change):
    response = as_manager.post("/api/v1/scorecards/", {**SCORECARD_PAYLOAD, **change}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["detail", *change]
    assert Scorecard.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"scorecard_version": "abc"},
        {"scorecard_version": BIG},
        {"evaluators": [BIG]},
        {"evaluators": ["abc"]},
        {"evaluators": "all"},
        {"per_agent": BIG},
        {"seed": BIG},
        {"seed": -1},
        {"seed": "lucky"},
        {"per_queue": "sometimes"},
        {"period_end": "2025-02-30"},
    ],
    ids=repr,
)
def test_wrong_types_in_a_sample_are_400_never_500(as_manager, evaluator, card, change):
    payload = {
        "scorecard_version": card.version.pk,
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "per_agent": 2,
        "evaluators": [evaluator.pk],
        **change,
    }
    response = as_manager.post("/api/v1/samples/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["detail", *change]


@pytest.mark.parametrize(
    "payload",
    [
        {"outcome": "upheld", "note": "x", "answers": [{"criterion": BIG, "points": 1}]},
        {"outcome": "upheld", "note": "x", "answers": [{"criterion": "resolve", "points": 1}]},
        {"outcome": "upheld", "note": "x", "answers": "resolve=9"},
        {"outcome": ["upheld"], "note": "x"},
        {"outcome": "rejected", "note": None},
    ],
    ids=repr,
)
def test_wrong_types_in_a_resolution_are_400_never_500(as_manager, dispute, payload):
    response = as_manager.post(f"/api/v1/disputes/{dispute.pk}/resolve/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]
    dispute.refresh_from_db()
    assert dispute.status == "open"


@pytest.mark.parametrize("pk", ["abc", str(BIG), "0", "-1", "1.5"])
def test_detail_urls_with_odd_ids_are_404_never_500(as_manager, api_as, agent, pk):
    for url in (
        f"/api/v1/scorecards/{pk}/",
        f"/api/v1/scorecards/{pk}/versions/",
        f"/api/v1/calls/{pk}/",
        f"/api/v1/evaluations/{pk}/",
        f"/api/v1/evaluations/{pk}/history/",
        f"/api/v1/disputes/{pk}/",
        f"/api/v1/samples/{pk}/",
    ):
        assert as_manager.get(url).status_code == 404, url
    assert (
        as_manager.post(f"/api/v1/disputes/{pk}/resolve/", {"outcome": "rejected", "note": "x"}).status_code
        == 404
    )
    assert api_as(agent).post(f"/api/v1/evaluations/{pk}/acknowledge/").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        f"team={BIG}",
        "team=1e400",
        f"evaluator={BIG}",
        f"scorecard={BIG}",
        f"scorecard_version={BIG}",
        f"call={BIG}",
        "passed=perhaps",
        "page=abc",
        "page=99",
        "page_size=abc",
        "ordering=password",
    ],
)
def test_odd_list_queries_never_yield_500(as_manager, query):
    response = as_manager.get(f"/api/v1/evaluations/?{query}")
    assert response.status_code in (200, 400, 404)
    assert response.json()


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/calls/?agent={BIG}",
        "/api/v1/calls/?started_after=soon",
        "/api/v1/calls/?evaluated=perhaps",
        f"/api/v1/disputes/?evaluation={BIG}",
        "/api/v1/disputes/?status=lost",
        "/api/v1/scorecards/?archived=perhaps",
    ],
)
def test_odd_queries_on_other_lists_never_yield_500(as_manager, url):
    response = as_manager.get(url)
    assert response.status_code in (200, 400)


# --- list endpoints run a constant number of queries ----------------------------------


def bulk_calls(agent, count: int, start: int) -> list[Call]:
    now = timezone.now()
    return Call.objects.bulk_create(
        Call(
            external_id=f"BULK-{start + i:05d}",
            agent=agent,
            queue="billing",
            started_at=now - timedelta(minutes=start + i),
            duration_seconds=120,
            customer_phone="13800138000",
        )
        for i in range(count)
    )


def bulk_evaluations(card, evaluator, agent, count: int, start: int) -> list[Evaluation]:
    now = timezone.now()
    evaluations = Evaluation.objects.bulk_create(
        Evaluation(
            call=call,
            scorecard_version=card.version,
            agent=agent,
            evaluator=evaluator,
            status=EvaluationStatus.SUBMITTED,
            score=Decimal("89.47"),
            passed=True,
            submitted_at=now,
        )
        for call in bulk_calls(agent, count, start)
    )
    Answer.objects.bulk_create(
        Answer(evaluation=evaluation, criterion=criterion, points=criterion.max_points)
        for evaluation in evaluations
        for criterion in card.criteria
    )
    return evaluations


def bulk_disputes(card, evaluator, agent, count: int, start: int) -> None:
    evaluations = bulk_evaluations(card, evaluator, agent, count, start)
    disputes = Dispute.objects.bulk_create(
        Dispute(evaluation=evaluation, raised_by=agent, reason="Unfair") for evaluation in evaluations
    )
    Dispute.criteria.through.objects.bulk_create(
        Dispute.criteria.through(dispute_id=dispute.pk, criterion_id=card.resolve.pk) for dispute in disputes
    )


def bulk_scorecards(manager, count: int, start: int) -> None:
    scorecards = Scorecard.objects.bulk_create(
        Scorecard(name=f"Bulk {start + i:05d}", created_by=manager) for i in range(count)
    )
    versions = ScorecardVersion.objects.bulk_create(
        ScorecardVersion(scorecard=s, number=1, status=VersionStatus.PUBLISHED) for s in scorecards
    )
    for scorecard, version in zip(scorecards, versions, strict=True):
        scorecard.current_version = version
    Scorecard.objects.bulk_update(scorecards, ["current_version"])
    sections = Section.objects.bulk_create(Section(version=v, title="Opening") for v in versions)
    Criterion.objects.bulk_create(
        Criterion(section=s, version=s.version, text=f"Criterion {n}", max_points=5, position=n)
        for s in sections
        for n in range(2)
    )


def queries_for(client, url: str, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected_rows
    return len(context.captured_queries)


@pytest.mark.parametrize("who", [Role.QA_MANAGER, Role.QA_EVALUATOR])
def test_evaluations_list_runs_the_same_queries_for_10_and_500_rows(
    api_as, personas, evaluator, agent, card, who
):
    client = api_as(personas[who])
    bulk_evaluations(card, evaluator, agent, 10, 0)
    small = queries_for(client, "/api/v1/evaluations/?page_size=500", 10)
    bulk_evaluations(card, evaluator, agent, 490, 10)
    assert queries_for(client, "/api/v1/evaluations/?page_size=500", 500) == small == 5


def test_agent_evaluations_list_runs_the_same_queries_for_10_and_500_rows(as_agent, evaluator, agent, card):
    bulk_evaluations(card, evaluator, agent, 10, 0)
    small = queries_for(as_agent, "/api/v1/evaluations/?page_size=500", 10)
    bulk_evaluations(card, evaluator, agent, 490, 10)
    assert queries_for(as_agent, "/api/v1/evaluations/?page_size=500", 500) == small == 5


@pytest.mark.parametrize("who", [Role.QA_MANAGER, Role.QA_EVALUATOR])
def test_calls_list_runs_the_same_queries_for_10_and_500_rows(api_as, personas, evaluator, agent, who):
    client = api_as(personas[who])
    bulk_calls(agent, 10, 0)
    small = queries_for(client, "/api/v1/calls/?page_size=500", 10)
    bulk_calls(agent, 490, 10)
    assert queries_for(client, "/api/v1/calls/?page_size=500", 500) == small == 4


def test_disputes_list_runs_the_same_queries_for_10_and_500_rows(as_manager, evaluator, agent, card):
    bulk_disputes(card, evaluator, agent, 10, 0)
    small = queries_for(as_manager, "/api/v1/disputes/?page_size=500", 10)
    bulk_disputes(card, evaluator, agent, 490, 10)
    assert queries_for(as_manager, "/api/v1/disputes/?page_size=500", 500) == small == 5


def test_scorecards_list_runs_the_same_queries_for_10_and_500_rows(as_manager, manager):
    bulk_scorecards(manager, 10, 0)
    small = queries_for(as_manager, "/api/v1/scorecards/?page_size=500", 10)
    bulk_scorecards(manager, 490, 10)
    assert queries_for(as_manager, "/api/v1/scorecards/?page_size=500", 500) == small == 6


def test_queue_list_runs_the_same_queries_for_10_and_500_rows(
    as_manager, as_evaluator, manager, evaluator, agent, card
):
    today = timezone.localdate()
    bulk_calls(agent, 10, 0)
    services.sample_draw(
        by=manager,
        version=card.version,
        period_start=today - timedelta(days=2),
        period_end=today,
        per_agent=100,
        evaluator_ids=[evaluator.pk],
        seed=1,
    )
    small = queries_for(as_evaluator, "/api/v1/queue/?page_size=500", 10)
    bulk_calls(agent, 490, 10)
    for _ in range(5):
        services.sample_draw(
            by=manager,
            version=card.version,
            period_start=today - timedelta(days=2),
            period_end=today,
            per_agent=100,
            evaluator_ids=[evaluator.pk],
            seed=1,
        )
    assert queries_for(as_evaluator, "/api/v1/queue/?page_size=500", 500) == small


def test_list_endpoints_are_paginated(as_manager, evaluator, agent, card):
    bulk_evaluations(card, evaluator, agent, 60, 0)
    body = as_manager.get("/api/v1/evaluations/").json()
    assert (body["count"], len(body["results"]), body["previous"]) == (60, 50, None)
    assert body["next"].endswith("/api/v1/evaluations/?page=2")


def test_calls_list_is_newest_first_and_can_be_ordered(as_manager, agent):
    now = timezone.now()
    middle = CallFactory(agent=agent, started_at=now - timedelta(days=2))
    newest = CallFactory(agent=agent, started_at=now - timedelta(days=1))
    oldest = CallFactory(agent=agent, started_at=now - timedelta(days=3))
    assert [c["id"] for c in as_manager.get("/api/v1/calls/").json()["results"]] == [
        newest.pk,
        middle.pk,
        oldest.pk,
    ]
    ordered = as_manager.get("/api/v1/calls/?ordering=started_at").json()["results"]
    assert [c["id"] for c in ordered] == [oldest.pk, middle.pk, newest.pk]


def test_scorecard_versions_run_the_same_queries_for_2_and_10_versions(as_manager, manager, card):
    def versions_queries(expected_count: int) -> int:
        with CaptureQueriesContext(connection) as context:
            response = as_manager.get(f"/api/v1/scorecards/{card.scorecard.pk}/versions/")
        assert [v["number"] for v in response.json()] == list(range(expected_count, 0, -1))
        return len(context.captured_queries)

    services.version_publish(
        by=manager, version=services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
    )
    small = versions_queries(2)
    for _ in range(8):
        draft = services.scorecard_start_draft(by=manager, scorecard=card.scorecard)
        services.version_publish(by=manager, version=draft)
    assert versions_queries(10) == small == 8


def test_samples_list_runs_the_same_queries_for_10_and_500_rows(as_manager, manager, card):
    def bulk_runs(count: int) -> None:
        SampleRun.objects.bulk_create(
            SampleRun(
                created_by=manager,
                scorecard_version=card.version,
                period_start=date(2025, 3, 1),
                period_end=date(2025, 3, 31),
                per_agent=3,
                seed=n,
            )
            for n in range(count)
        )

    bulk_runs(10)
    small = queries_for(as_manager, "/api/v1/samples/?page_size=500", 10)
    bulk_runs(490)
    assert queries_for(as_manager, "/api/v1/samples/?page_size=500", 500) == small == 4
