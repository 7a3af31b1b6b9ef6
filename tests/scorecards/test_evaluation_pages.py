"""Scoring pages, the agent's view, disputes and arbitration, lists, exports, queue and sampling pages."""

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import services
from apps.scorecards.models import Call, Evaluation, EvaluationStatus
from apps.scorecards.services import AnswerInput, CriterionInput, SectionInput
from tests.factories import UserFactory

QA_PAGES = [
    "/qa/evaluations/",
    "/qa/evaluations/export.csv",
    "/qa/evaluations/answers.csv",
]
STAFF_PAGES = ["/qa/queue/"]
MANAGER_PAGES = ["/qa/disputes/", "/qa/sampling/"]
NO_QA_ROLES = [
    Role.EXPERT,
    Role.DUTY_MANAGER,
    Role.DEPARTMENT_STAFF,
    Role.IMPROVEMENT_MEMBER,
    Role.ADMIN,
    "no_role",
]


@pytest.fixture
def world(personas, team):
    """A published scorecard (greeting 5, critical ID check 10, tone 0–4 with N/A) and a call of the agent."""
    manager, evaluator = personas[Role.QA_MANAGER], personas[Role.QA_EVALUATOR]
    team.evaluators.add(evaluator)
    scorecard = services.scorecard_create(
        by=manager,
        name="Inbound",
        pass_mark=80,
        sections=[
            SectionInput(
                "Opening",
                [
                    CriterionInput("Greets the caller", 5),
                    CriterionInput("Verifies identity", 10, critical=True),
                    CriterionInput("Friendly tone", 4, kind="scale", allow_na=True),
                ],
            )
        ],
    )
    version = scorecard.current_version
    greet, verify, tone = version.criteria.order_by("position")
    call = Call.objects.create(
        external_id="CALL-1",
        agent=personas[Role.AGENT],
        started_at=timezone.now() - timedelta(hours=2),
        duration_seconds=240,
        customer_phone="13812348000",
    )
    return {"version": version, "greet": greet, "verify": verify, "tone": tone, "call": call, **personas}


def _submitted(world, *, tone=2, by=None):
    return services.evaluation_save(
        by=by or world[Role.QA_EVALUATOR],
        call=world["call"],
        version=world["version"],
        answers=[
            AnswerInput(world["greet"].pk, 5),
            AnswerInput(world["verify"].pk, 10),
            AnswerInput(world["tone"].pk, tone),
        ],
        submit=True,
    )


def _form_data(world, greet="5", verify="10", tone="2", action="submit"):
    return {
        f"value_{world['greet'].pk}": greet,
        f"value_{world['verify'].pk}": verify,
        f"value_{world['tone'].pk}": tone,
        f"comment_{world['tone'].pk}": "a little flat",
        "comment": "good call",
        "action": action,
    }


# --- Scoring ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_evaluator_scores_a_call_and_submits(client, world):
    client.force_login(world[Role.QA_EVALUATOR])
    page = client.get(f"/qa/evaluations/new/?call={world['call'].pk}")
    assert page.status_code == 200
    assert "Verifies identity" in page.content.decode()
    response = client.post(f"/qa/evaluations/new/?call={world['call'].pk}", _form_data(world))
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/qa/evaluations/{evaluation.pk}/"
    assert (evaluation.status, str(evaluation.score), evaluation.passed) == ("submitted", "89.47", True)
    assert evaluation.answers.get(criterion=world["tone"]).comment == "a little flat"


@pytest.mark.django_db
def test_draft_is_saved_incomplete_then_edited_and_submitted(client, world):
    client.force_login(world[Role.QA_EVALUATOR])
    url = f"/qa/evaluations/new/?call={world['call'].pk}"
    response = client.post(url, _form_data(world, verify="", tone="", action="save"))
    evaluation = Evaluation.objects.get()
    assert response["Location"] == f"/qa/evaluations/{evaluation.pk}/edit/"
    assert evaluation.status == "draft"
    assert evaluation.answers.count() == 1
    edit = client.get(f"/qa/evaluations/{evaluation.pk}/edit/")
    assert re.search(rf'name="value_{world["greet"].pk}" value="5"[^>]*checked', edit.content.decode())
    client.post(f"/qa/evaluations/{evaluation.pk}/edit/", _form_data(world, tone="na"))
    evaluation.refresh_from_db()
    assert (evaluation.status, str(evaluation.score)) == ("submitted", "100.00")


@pytest.mark.django_db
def test_submitting_an_incomplete_form_is_refused_and_writes_nothing(client, world):
    client.force_login(world[Role.QA_EVALUATOR])
    response = client.post(f"/qa/evaluations/new/?call={world['call'].pk}", _form_data(world, tone=""))
    assert response.status_code == 400
    assert (
        "Every criterion needs an answer before submitting; “Friendly tone” has none."
        in response.content.decode()
    )
    assert not Evaluation.objects.exists()


@pytest.mark.django_db
def test_points_outside_the_choices_are_refused(client, world):
    client.force_login(world[Role.QA_EVALUATOR])
    response = client.post(f"/qa/evaluations/new/?call={world['call'].pk}", _form_data(world, greet="3"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Evaluation.objects.exists()


@pytest.mark.django_db
def test_evaluating_a_call_twice_is_refused_on_the_page(client, world):
    _submitted(world)
    client.force_login(world[Role.QA_EVALUATOR])
    response = client.post(f"/qa/evaluations/new/?call={world['call'].pk}", _form_data(world))
    assert response.status_code == 400
    assert "This call already has an evaluation with this scorecard version." in response.content.decode()
    assert Evaluation.objects.count() == 1


@pytest.mark.django_db
def test_live_score_fragment_follows_the_answers_and_writes_nothing(client, world):
    client.force_login(world[Role.QA_EVALUATOR])
    url = f"/qa/evaluations/score-preview/{world['version'].pk}/"
    partial = client.post(url, {f"value_{world['greet'].pk}": "5"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert "100.00" in partial
    failed = client.post(url, _form_data(world, verify="0")).content.decode()
    assert "0.00" in failed
    assert "Critical failure" in failed
    assert not Evaluation.objects.exists()


@pytest.mark.django_db
def test_call_outside_the_evaluators_teams_is_404(client, world):
    stranger_call = Call.objects.create(
        external_id="OTHER", agent=world["other_agent"], started_at=timezone.now(), duration_seconds=10
    )
    client.force_login(world[Role.QA_EVALUATOR])
    assert client.get(f"/qa/evaluations/new/?call={stranger_call.pk}").status_code == 404


# --- Agent view, acknowledge, dispute ----------------------------------------------------


@pytest.mark.django_db
def test_agent_sees_own_submitted_evaluation_but_not_others_or_drafts(client, world):
    evaluation = _submitted(world)
    client.force_login(world[Role.AGENT])
    page = client.get(f"/qa/evaluations/{evaluation.pk}/").content.decode()
    assert "89.47" in page
    assert "13812348000" not in page
    client.force_login(world["other_agent"])
    assert client.get(f"/qa/evaluations/{evaluation.pk}/").status_code == 404


@pytest.mark.django_db
def test_agent_cannot_see_a_draft_of_their_call(client, world):
    draft = services.evaluation_save(
        by=world[Role.QA_EVALUATOR],
        call=world["call"],
        version=world["version"],
        answers=[AnswerInput(world["greet"].pk, 5)],
    )
    client.force_login(world[Role.AGENT])
    assert client.get(f"/qa/evaluations/{draft.pk}/").status_code == 404
    assert "CALL-1" not in client.get("/qa/evaluations/").content.decode()


@pytest.mark.django_db
def test_agent_acknowledges(client, world):
    evaluation = _submitted(world)
    client.force_login(world[Role.AGENT])
    response = client.post(f"/qa/evaluations/{evaluation.pk}/acknowledge/", follow=True)
    assert "the evaluation is acknowledged" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.ACKNOWLEDGED


@pytest.mark.django_db
def test_agent_disputes_one_answer_within_the_window(client, world):
    evaluation = _submitted(world)
    client.force_login(world[Role.AGENT])
    response = client.post(
        f"/qa/evaluations/{evaluation.pk}/dispute/",
        {"reason": "My tone was friendly", "criteria": [str(world["tone"].pk)]},
        follow=True,
    )
    assert "Your dispute was sent to the QA managers." in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.DISPUTED
    assert list(evaluation.disputes.get().criteria.all()) == [world["tone"]]


@pytest.mark.django_db
def test_dispute_after_the_window_is_refused_and_changes_nothing(client, world):
    with time_machine.travel(timezone.now() - timedelta(days=7, minutes=1)):
        evaluation = _submitted(world)
    client.force_login(world[Role.AGENT])
    page = client.get(f"/qa/evaluations/{evaluation.pk}/").content.decode()
    assert 'data-testid="dispute-form"' not in page
    response = client.post(f"/qa/evaluations/{evaluation.pk}/dispute/", {"reason": "late"}, follow=True)
    assert "The dispute window of 7 days has passed." in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.SUBMITTED


@pytest.mark.django_db
def test_agent_cannot_dispute_someone_elses_evaluation(client, world):
    evaluation = _submitted(world)
    client.force_login(world["other_agent"])
    assert client.post(f"/qa/evaluations/{evaluation.pk}/dispute/", {"reason": "x"}).status_code == 404
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.SUBMITTED


# --- Arbitration -------------------------------------------------------------------------


@pytest.mark.django_db
def test_manager_upholds_a_dispute_and_the_agent_sees_the_new_score_and_history(client, world):
    evaluation = _submitted(world)
    dispute = services.dispute_open(
        by=world[Role.AGENT], evaluation=evaluation, reason="tone", criterion_ids=[]
    )
    client.force_login(world[Role.QA_MANAGER])
    page = client.get(f"/qa/evaluations/{evaluation.pk}/").content.decode()
    assert 'data-testid="arbitration"' in page
    client.post(
        f"/qa/disputes/{dispute.pk}/resolve/",
        {"outcome": "upheld", "note": "Tone was fine", f"correct_{world['tone'].pk}": "4"},
    )
    client.force_login(world[Role.AGENT])
    page = client.get(f"/qa/evaluations/{evaluation.pk}/").content.decode()
    assert re.search(r'data-testid="score">\s*100.00', page)
    assert "Score before: 89.47" in page
    assert "Tone was fine" in page


@pytest.mark.django_db
def test_manager_who_scored_the_evaluation_cannot_arbitrate_it(client, world):
    manager = world[Role.QA_MANAGER]
    evaluation = _submitted(world, by=manager)
    dispute = services.dispute_open(by=world[Role.AGENT], evaluation=evaluation, reason="no")
    client.force_login(manager)
    assert 'data-testid="arbitration"' not in client.get(f"/qa/evaluations/{evaluation.pk}/").content.decode()
    response = client.post(f"/qa/disputes/{dispute.pk}/resolve/", {"outcome": "rejected", "note": "mine"})
    assert response.status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == "open"


@pytest.mark.django_db
def test_open_disputes_are_listed_with_their_age(client, world):
    evaluation = _submitted(world)
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        services.dispute_open(by=world[Role.AGENT], evaluation=evaluation, reason="tone")
    client.force_login(world[Role.QA_MANAGER])
    page = client.get("/qa/disputes/").content.decode()
    assert "CALL-1" in page
    assert "3\xa0days" in page


# --- Lists and exports ----------------------------------------------------------------------


def _bulk_evaluations(world, count, offset=0):
    calls = Call.objects.bulk_create(
        Call(
            external_id=f"BULK-{n + offset}",
            agent=world[Role.AGENT],
            started_at=timezone.now() - timedelta(days=1),
            duration_seconds=60,
        )
        for n in range(count)
    )
    Evaluation.objects.bulk_create(
        Evaluation(
            call=c,
            scorecard_version=world["version"],
            agent=world[Role.AGENT],
            evaluator=world[Role.QA_EVALUATOR],
            status="submitted",
            score=90 if n % 2 else 50,
            passed=bool(n % 2),
            submitted_at=timezone.now(),
        )
        for n, c in enumerate(calls)
    )


def _query_count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.QA_MANAGER, Role.QA_EVALUATOR, Role.AGENT])
def test_evaluation_list_runs_the_same_queries_for_10_and_500_rows(client, world, role):
    client.force_login(world[role])
    _bulk_evaluations(world, 10)
    with_ten = _query_count(client, "/qa/evaluations/")
    _bulk_evaluations(world, 490, offset=10)
    assert _query_count(client, "/qa/evaluations/") == with_ten


@pytest.mark.django_db
def test_evaluation_list_filters_by_result(client, world):
    _bulk_evaluations(world, 6)
    client.force_login(world[Role.QA_MANAGER])
    page = client.get("/qa/evaluations/?passed=false").content.decode()
    assert page.count("badge-warn") >= 3
    assert "BULK-1<" not in page
    assert "BULK-0<" in page


@pytest.mark.django_db
def test_csv_exports_follow_the_filters(client, world):
    _submitted(world)
    _bulk_evaluations(world, 4)
    client.force_login(world[Role.QA_MANAGER])
    body = b"".join(client.get("/qa/evaluations/export.csv?passed=false").streaming_content).decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["evaluation_id", "call_external_id", "call_started_at"]
    assert sorted(r[1] for r in rows[1:]) == ["BULK-0", "BULK-2"]
    answers = b"".join(client.get("/qa/evaluations/answers.csv?agent=&passed=true").streaming_content)
    answer_rows = list(csv.reader(io.StringIO(answers.decode("utf-8-sig"))))
    assert [r[6] for r in answer_rows[1:]] == ["Greets the caller", "Verifies identity", "Friendly tone"]
    assert [r[8] for r in answer_rows[1:]] == ["5", "10", "2"]


# --- Queue and sampling ---------------------------------------------------------------------


@pytest.mark.django_db
def test_manager_draws_a_sample_and_the_evaluator_sees_it_in_their_queue(client, world):
    client.force_login(world[Role.QA_MANAGER])
    today = timezone.localdate()
    response = client.post(
        "/qa/sampling/",
        {
            "scorecard_version": world["version"].pk,
            "period_start": today - timedelta(days=1),
            "period_end": today,
            "per_agent": 2,
            "evaluators": [world[Role.QA_EVALUATOR].pk],
            "seed": 11,
        },
        follow=True,
    )
    assert "1 calls drawn with seed 11" in response.content.decode()
    client.force_login(world[Role.QA_EVALUATOR])
    queue = client.get("/qa/queue/").content.decode()
    assert "CALL-1" in queue
    home = client.get("/").content.decode()
    assert 'data-testid="count-calls_to_score">1<' in home


@pytest.mark.django_db
def test_sample_with_end_before_start_shows_the_error(client, world):
    client.force_login(world[Role.QA_MANAGER])
    today = timezone.localdate()
    response = client.post(
        "/qa/sampling/",
        {
            "scorecard_version": world["version"].pk,
            "period_start": today,
            "period_end": today - timedelta(days=3),
            "per_agent": 2,
            "evaluators": [world[Role.QA_EVALUATOR].pk],
        },
    )
    assert response.status_code == 400
    assert "The period ends before it starts." in response.content.decode()


@pytest.mark.django_db
def test_home_shows_open_disputes_to_managers_and_waiting_evaluations_to_agents(client, world):
    evaluation = _submitted(world)
    client.force_login(world[Role.AGENT])
    assert 'data-testid="count-my_evaluations">1<' in client.get("/").content.decode()
    services.dispute_open(by=world[Role.AGENT], evaluation=evaluation, reason="tone")
    client.force_login(world[Role.QA_MANAGER])
    assert 'data-testid="count-disputes">1<' in client.get("/").content.decode()


# --- Role matrix ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", NO_QA_ROLES)
@pytest.mark.parametrize("url", QA_PAGES + STAFF_PAGES + MANAGER_PAGES + ["/qa/evaluations/new/?call=1"])
def test_roles_without_qa_work_get_403(client, world, role, url):
    client.force_login(world[role])
    assert client.get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("url", STAFF_PAGES + MANAGER_PAGES + ["/qa/evaluations/new/?call=1"])
def test_agents_get_403_on_staff_pages(client, world, url):
    client.force_login(world[Role.AGENT])
    assert client.get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("url", MANAGER_PAGES)
def test_evaluators_get_403_on_manager_pages(client, world, url):
    client.force_login(world[Role.QA_EVALUATOR])
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_evaluator_sees_only_evaluations_of_teams_they_evaluate(client, world):
    _submitted(world)
    outsider = UserFactory(roles=[Role.QA_EVALUATOR])
    client.force_login(outsider)
    assert "CALL-1" not in client.get("/qa/evaluations/").content.decode()


@pytest.mark.django_db
def test_a_critical_failure_shows_score_zero_not_a_dash(client, world):
    evaluation = services.evaluation_save(
        by=world[Role.QA_EVALUATOR],
        call=world["call"],
        version=world["version"],
        answers=[
            AnswerInput(world["greet"].pk, 5),
            AnswerInput(world["verify"].pk, 0),
            AnswerInput(world["tone"].pk, 4),
        ],
        submit=True,
    )
    client.force_login(world[Role.AGENT])
    listing = client.get("/qa/evaluations/").content.decode()
    assert re.search(r'<td class="num">0\.00</td>', listing)
    assert "Critical failure" in listing
    detail = client.get(f"/qa/evaluations/{evaluation.pk}/").content.decode()
    assert re.search(r'data-testid="score">0\.00<', detail)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/admin/scorecards/scorecard/",
        "/admin/scorecards/scorecardversion/",
        "/admin/scorecards/call/",
        "/admin/scorecards/evaluation/",
        "/admin/scorecards/dispute/",
        "/admin/scorecards/samplerun/",
        "/admin/scorecards/callimport/",
    ],
)
def test_admin_lists_qa_data(client, world, path):
    _submitted(world)
    client.force_login(world[Role.ADMIN])
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_admin_shows_an_evaluation_read_only(client, world):
    evaluation = _submitted(world)
    client.force_login(world[Role.ADMIN])
    page = client.get(f"/admin/scorecards/evaluation/{evaluation.pk}/change/")
    assert page.status_code == 200
    assert 'name="score"' not in page.content.decode()
