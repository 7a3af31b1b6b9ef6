"""Calibration pages: the list, a new session, the blind session page, closing it, its results,
an evaluator's history, and scoring through the ordinary scoring page with ?calibration=<id>."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import calibration, services
from apps.scorecards.models import CalibrationScore, CalibrationSession, Evaluation
from tests.factories import UserFactory
from tests.scorecards.factories import CallFactory, typical_scorecard

pytestmark = pytest.mark.django_db

NO_QA_STAFF = [
    Role.AGENT,
    Role.EXPERT,
    Role.DUTY_MANAGER,
    Role.DEPARTMENT_STAFF,
    Role.IMPROVEMENT_MEMBER,
    Role.ADMIN,
    "no_role",
]
# Two distinctive totals of the typical scorecard (19 points): 17/19 and 15/19.
REFERENCE_SCORE, LOW_SCORE = "89.47", "78.95"


@pytest.fixture
def world(personas):
    card = typical_scorecard()
    return {
        **personas,
        "card": card,
        "call": CallFactory(agent=personas[Role.AGENT], external_id="CALL-CAL-1"),
        "manager": personas[Role.QA_MANAGER],
        "ref": personas[Role.QA_EVALUATOR],
        "eva": UserFactory(username="eva", display_name="Eva Lin", roles=[Role.QA_EVALUATOR]),
        "bob": UserFactory(username="bob", display_name="Bob Wu", roles=[Role.QA_EVALUATOR]),
        "outsider": UserFactory(username="out", display_name="Olga Out", roles=[Role.QA_EVALUATOR]),
    }


def _session(world, *, participants=("ref", "eva", "bob"), reference="ref", **kwargs) -> CalibrationSession:
    return calibration.calibration_create(
        by=world["manager"],
        call=world["call"],
        version=world["card"].version,
        participants=[world[name] for name in participants],
        reference=world[reference] if reference else None,
        **kwargs,
    )


def _score(world, session, who, **points) -> Evaluation:
    return services.evaluation_save(
        by=world[who],
        call=world["call"],
        version=world["card"].version,
        answers=world["card"].answers(**points),
        submit=True,
        calibration=session,
    )


def _closed(world, session) -> CalibrationSession:
    _score(world, session, "ref")  # 17/19 = 89.47
    _score(world, session, "eva", resolve=6)  # 15/19 = 78.95
    _score(world, session, "bob", greet=0, resolve=10)  # 17/19 = 89.47
    return calibration.calibration_close(session=session, by=world["manager"])


def _form_data(card, **values) -> dict:
    data = {
        f"value_{card.greet.pk}": "2",
        f"value_{card.verify.pk}": "3",
        f"value_{card.resolve.pk}": "8",
        f"value_{card.offer_help.pk}": "4",
        "comment": "",
        "action": "submit",
    }
    data.update({f"value_{getattr(card, k).pk}": v for k, v in values.items() if k != "action"})
    if "action" in values:
        data["action"] = values["action"]
    return data


# --- The list ------------------------------------------------------------------------------


def test_manager_sees_every_session_and_the_new_session_button(client, world):
    mine, other = _session(world), _session(world, participants=("eva", "bob"), reference=None)
    client.force_login(world["manager"])
    body = client.get("/qa/calibrations/").content.decode()
    assert 'data-testid="calibration-new"' in body
    assert f'data-session="{mine.pk}"' in body
    assert f'data-session="{other.pk}"' in body
    assert 'data-testid="score-now"' not in body  # the manager takes part in neither


def test_evaluator_sees_their_sessions_with_a_score_now_link(client, world):
    theirs = _session(world)
    not_theirs = _session(world, participants=("eva", "bob"), reference=None)
    client.force_login(world["ref"])
    body = client.get("/qa/calibrations/").content.decode()
    assert 'data-testid="calibration-new"' not in body
    assert f'data-session="{theirs.pk}"' in body
    assert f'data-session="{not_theirs.pk}"' not in body
    assert f'href="/qa/evaluations/new/?calibration={theirs.pk}" data-testid="score-now"' in body
    assert client.get(f"/qa/calibrations/{not_theirs.pk}/").status_code == 404


def test_score_now_link_goes_once_the_evaluator_has_submitted(client, world):
    session = _session(world)
    _score(world, session, "ref")
    client.force_login(world["ref"])
    body = client.get("/qa/calibrations/").content.decode()
    assert 'data-testid="score-now"' not in body
    assert 'data-testid="submitted-count">1 / 3<' in body


@pytest.mark.parametrize("role", NO_QA_STAFF)
def test_calibration_pages_are_refused_to_other_roles(client, world, role):
    session = _session(world)
    client.force_login(world[role])
    for url in [
        "/qa/calibrations/",
        "/qa/calibrations/new/",
        f"/qa/calibrations/{session.pk}/",
        f"/qa/calibrations/history/{world['ref'].pk}/",
        f"/qa/evaluations/new/?calibration={session.pk}",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/qa/calibrations/{session.pk}/close/").status_code == 403


def test_overdue_session_lists_the_missing_participants(client, world):
    session = _session(world)
    _score(world, session, "ref")
    client.force_login(world["manager"])
    assert 'data-testid="calibration-overdue"' not in client.get("/qa/calibrations/").content.decode()
    with time_machine.travel(session.deadline + timedelta(hours=1), tick=False):
        client.force_login(world["manager"])  # a fresh sign-in: the old one may have expired by then
        body = client.get("/qa/calibrations/").content.decode()
        home = client.get("/").content.decode()
    assert 'data-testid="calibration-overdue"' in body
    assert "missing: Bob Wu, Eva Lin" in body
    assert 'data-section="overdue_calibrations"' in home
    assert f"Calibration #{session.pk} · CALL-CAL-1" in home


def test_closed_sessions_show_alpha_and_its_reading(client, world):
    session = _closed(world, _session(world))
    client.force_login(world["eva"])
    body = client.get("/qa/calibrations/").content.decode()
    assert f"{session.alpha_interval:.3f}" in body
    assert {
        "good": "Good agreement",
        "tentative": "Tentative agreement",
        "unreliable": "Unreliable agreement",
    }[calibration.alpha_reading(session.alpha_interval)] in body


def _list_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/qa/calibrations/").status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["manager", "ref"])
def test_list_queries_do_not_grow_with_the_sessions(client, world, who):
    for _ in range(2):
        _session(world)
    _closed(world, _session(world))
    few = _list_queries(client, world[who])
    for _ in range(18):
        _session(world)
    for _ in range(3):
        _closed(world, _session(world))
    assert _list_queries(client, world[who]) == few


# --- A new session -----------------------------------------------------------------------


def _new_session_data(world, **changes) -> dict:
    data = {
        "call": "CALL-CAL-1",
        "scorecard_version": world["card"].version.pk,
        "participants": [world["ref"].pk, world["eva"].pk],
        "reference": world["ref"].pk,
        "deadline": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "tolerance": "4",
        "note": "Billing dispute call",
    }
    data.update(changes)
    return data


def test_manager_opens_a_session_through_the_form(client, world):
    client.force_login(world["manager"])
    page = client.get("/qa/calibrations/new/").content.decode()
    assert 'name="call"' in page
    assert 'type="datetime-local"' in page
    default_deadline = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%d")
    assert re.search(rf'name="deadline" value="{default_deadline}T\d\d:\d\d"', page)
    assert re.search(r'name="tolerance" value="5(\.00)?"', page)
    response = client.post("/qa/calibrations/new/", _new_session_data(world))
    session = CalibrationSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/qa/calibrations/{session.pk}/"
    assert session.call == world["call"]
    assert set(session.participants.all()) == {world["ref"], world["eva"]}
    assert (session.reference, str(session.tolerance), session.note) == (
        world["ref"],
        "4.00",
        "Billing dispute call",
    )


def test_unknown_call_id_is_shown_next_to_the_field(client, world):
    client.force_login(world["manager"])
    response = client.post("/qa/calibrations/new/", _new_session_data(world, call="CALL-NOPE"))
    assert response.status_code == 400
    assert "No call has the id “CALL-NOPE”. Copy it from the call list." in response.content.decode()
    assert not CalibrationSession.objects.exists()


def test_reference_outside_the_participants_is_refused_by_the_service(client, world):
    client.force_login(world["manager"])
    response = client.post("/qa/calibrations/new/", _new_session_data(world, reference=world["bob"].pk))
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(
        r'name="reference".*?The reference evaluator must be one of the participants\.', body, flags=re.S
    )
    assert not CalibrationSession.objects.exists()


def test_one_participant_is_refused(client, world):
    client.force_login(world["manager"])
    response = client.post("/qa/calibrations/new/", _new_session_data(world, participants=[world["ref"].pk]))
    assert response.status_code == 400
    assert "Choose at least two participants." in response.content.decode()


def test_evaluator_cannot_open_a_session(client, world):
    client.force_login(world["ref"])
    assert client.get("/qa/calibrations/new/").status_code == 403
    assert client.post("/qa/calibrations/new/", _new_session_data(world)).status_code == 403
    assert not CalibrationSession.objects.exists()


# --- Blind until closed ------------------------------------------------------------------


def test_session_page_before_closing_shows_who_submitted_and_no_score(client, world):
    session = _session(world)
    ref_eval = _score(world, session, "ref")
    eva_eval = _score(world, session, "eva", resolve=6)
    for who in ["manager", "ref", "eva", "bob"]:
        client.force_login(world[who])
        body = client.get(f"/qa/calibrations/{session.pk}/").content.decode()
        assert "2 of 3 submitted" in body, who
        assert REFERENCE_SCORE not in body, who
        assert LOW_SCORE not in body, who
        assert 'data-testid="calibration-results"' not in body, who
        assert "Explains the solution" not in body, who  # no per-criterion table either
    # A participant finds their own evaluation, and no one else's.
    client.force_login(world["eva"])
    body = client.get(f"/qa/calibrations/{session.pk}/").content.decode()
    assert f'href="/qa/evaluations/{eva_eval.pk}/"' in body
    assert f"/qa/evaluations/{ref_eval.pk}/" not in body
    assert client.get(f"/qa/evaluations/{ref_eval.pk}/").status_code == 404
    # Bob has not scored yet: he is offered the scoring page.
    client.force_login(world["bob"])
    body = client.get(f"/qa/calibrations/{session.pk}/").content.decode()
    assert f'href="/qa/evaluations/new/?calibration={session.pk}" data-testid="score-now"' in body


def test_manager_cannot_open_a_participants_scoring_before_or_after_closing(client, world):
    session = _session(world)
    ref_eval = _score(world, session, "ref")
    client.force_login(world["manager"])
    assert client.get(f"/qa/evaluations/{ref_eval.pk}/").status_code == 404
    assert REFERENCE_SCORE not in client.get("/qa/evaluations/").content.decode()


def test_close_is_refused_with_fewer_than_two_submissions(client, world):
    session = _session(world)
    _score(world, session, "ref")
    client.force_login(world["manager"])
    page = client.get(f"/qa/calibrations/{session.pk}/").content.decode()
    assert 'data-testid="calibration-close"' in page
    response = client.post(f"/qa/calibrations/{session.pk}/close/", follow=True)
    assert response.redirect_chain == [(f"/qa/calibrations/{session.pk}/", 302)]
    assert (
        "At least two participants must submit before the session can be closed (1 so far)."
        in response.content.decode()
    )
    session.refresh_from_db()
    assert (session.status, session.closed_at, session.alpha_interval) == ("open", None, None)
    assert not CalibrationScore.objects.exists()


def test_evaluator_cannot_close_and_sees_no_close_button(client, world):
    session = _session(world)
    _score(world, session, "ref")
    _score(world, session, "eva")
    client.force_login(world["ref"])
    assert (
        'data-testid="calibration-close"'
        not in client.get(f"/qa/calibrations/{session.pk}/").content.decode()
    )
    assert client.post(f"/qa/calibrations/{session.pk}/close/").status_code == 403
    session.refresh_from_db()
    assert session.status == "open"


def test_closing_through_htmx_sends_the_browser_to_the_results(client, world):
    session = _session(world)
    _score(world, session, "ref")
    _score(world, session, "eva", resolve=6)
    client.force_login(world["manager"])
    response = client.post(f"/qa/calibrations/{session.pk}/close/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/qa/calibrations/{session.pk}/"
    session.refresh_from_db()
    assert session.status == "closed"


# --- Results -----------------------------------------------------------------------------


def test_manager_closes_the_session_and_sees_the_results(client, world):
    session = _session(world)
    _score(world, session, "ref")
    _score(world, session, "eva", resolve=6)
    _score(world, session, "bob", greet=0, resolve=10)
    client.force_login(world["manager"])
    response = client.post(f"/qa/calibrations/{session.pk}/close/", follow=True)
    body = response.content.decode()
    session.refresh_from_db()
    assert "The session is closed and its results are computed." in body
    assert 'data-testid="calibration-close"' not in body
    assert 'data-testid="calibration-results"' in body
    alpha = f"{session.alpha_interval:.3f}"
    assert re.search(rf'data-testid="calibration-alpha">{alpha}<', body)
    assert 'data-testid="calibration-mean">85.96<' in body  # (89.47 + 78.95 + 89.47) / 3
    assert 'data-testid="calibration-spread">6.07<' in body  # sample standard deviation
    # Eva: 10.52 below the reference (outside ±5), 7.01 below the mean; alignment with the
    # reference, weighted by max points: (2·1 + 3·1 + 10·0.8 + 4·1) / 19 = 89.5 %.
    eva_row = re.search(rf'<tr data-evaluator="{world["eva"].pk}" class="row-flagged">(.*?)</tr>', body, re.S)
    assert eva_row, "Eva is flagged outside the tolerance"
    cells = re.findall(r'<td class="num">([^<]*)</td>', eva_row.group(1))
    assert cells == [LOW_SCORE, "−10.52", "−7.01", "89.5%"]
    ref_row = re.search(rf'<tr data-evaluator="{world["ref"].pk}">(.*?)</tr>', body, re.S)
    assert re.findall(r'<td class="num">([^<]*)</td>', ref_row.group(1)) == [
        REFERENCE_SCORE,
        "0.00",
        "+3.51",
        "100.0%",
    ]
    # Bob: the reference's total from different answers: within the band, alignment 79.0 %.
    bob_row = re.search(rf'<tr data-evaluator="{world["bob"].pk}">(.*?)</tr>', body, re.S)
    assert re.findall(r'<td class="num">([^<]*)</td>', bob_row.group(1)) == [
        REFERENCE_SCORE,
        "0.00",
        "+3.51",
        "79.0%",
    ]
    # Per criterion: Bob's 0 on the greeting and both differing "resolve" answers are highlighted.
    assert "Explains the solution" in body
    assert body.count("cell-differs") == 3
    assert re.search(r"Explains the solution</td>.*?<td class=\"small\">Eva Lin, Bob Wu</td>", body, re.S)


def test_participants_see_the_results_once_closed(client, world):
    session = _closed(world, _session(world))
    client.force_login(world["eva"])
    body = client.get(f"/qa/calibrations/{session.pk}/").content.decode()
    assert 'data-testid="calibration-results"' in body
    assert LOW_SCORE in body
    assert REFERENCE_SCORE in body
    # Eva links to her own history only; the manager links to everyone's.
    assert f'href="/qa/calibrations/history/{world["eva"].pk}/"' in body
    assert f'href="/qa/calibrations/history/{world["ref"].pk}/"' not in body
    client.force_login(world["manager"])
    body = client.get(f"/qa/calibrations/{session.pk}/").content.decode()
    assert f'href="/qa/calibrations/history/{world["ref"].pk}/"' in body


def test_session_without_reference_measures_from_the_mean(client, world):
    session = _closed(world, _session(world, reference=None))
    client.force_login(world["manager"])
    body = client.get(f"/qa/calibrations/{session.pk}/").content.decode()
    assert "Without a reference evaluator, deviations are measured from the mean" in body
    assert f'<tr data-evaluator="{world["eva"].pk}" class="row-flagged">' in body  # 7.01 from the mean


@pytest.mark.parametrize(
    ("alpha", "reading"),
    [
        (0.92, "Good agreement (α ≥ 0.8)"),
        (0.7, "Tentative agreement (0.667 ≤ α &lt; 0.8)"),
        (0.1, "Unreliable (α below 0.667)"),
        (None, "Not available:"),
    ],
)
def test_alpha_is_read_in_plain_words(client, world, alpha, reading):
    session = _closed(world, _session(world))
    CalibrationSession.objects.filter(pk=session.pk).update(alpha_interval=alpha)
    client.force_login(world["manager"])
    body = client.get(f"/qa/calibrations/{session.pk}/").content.decode()
    assert reading in body
    expected = "—" if alpha is None else f"{alpha:.3f}"
    assert f'data-testid="calibration-alpha">{expected}<' in body


# --- History -----------------------------------------------------------------------------


def test_evaluator_sees_their_own_history(client, world):
    first = _closed(world, _session(world))
    second = _closed(world, _session(world))
    open_one = _session(world)
    client.force_login(world["eva"])
    response = client.get(f"/qa/calibrations/history/{world['eva'].pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "My calibration history" in body
    rows = re.findall(r'<tr data-session="(\d+)" class="row-flagged">', body)
    assert rows == [str(second.pk), str(first.pk)]  # newest first, both outside the ±5 band
    assert f'data-session="{open_one.pk}"' not in body
    assert LOW_SCORE in body
    assert "−10.52" in body
    assert "−7.01" in body
    assert "89.5%" in body


def test_evaluator_cannot_see_anothers_history_but_a_manager_can(client, world):
    _closed(world, _session(world))
    client.force_login(world["eva"])
    assert client.get(f"/qa/calibrations/history/{world['ref'].pk}/").status_code == 403
    client.force_login(world["manager"])
    body = client.get(f"/qa/calibrations/history/{world['eva'].pk}/").content.decode()
    assert "Calibration history of Eva Lin" in body
    assert LOW_SCORE in body


# --- Scoring with ?calibration= ----------------------------------------------------------


def test_participant_scores_through_the_scoring_page(client, world):
    session = _session(world)
    client.force_login(world["eva"])
    url = f"/qa/evaluations/new/?calibration={session.pk}"
    page = client.get(url).content.decode()
    assert (
        f"Calibration session #{session.pk} — blind: your answers stay hidden until the session closes."
        in page
    )
    assert "Score call CALL-CAL-1" in page
    response = client.post(url, _form_data(world["card"], resolve="6"))
    assert response.status_code == 302
    assert response["Location"] == f"/qa/calibrations/{session.pk}/"
    evaluation = Evaluation.objects.get(evaluator=world["eva"])
    assert (evaluation.calibration, evaluation.call, str(evaluation.score)) == (
        session,
        world["call"],
        LOW_SCORE,
    )
    # Never counted for the agent, never shown to them.
    assert not Evaluation.objects.submitted().filter(agent=world[Role.AGENT]).exists()
    client.force_login(world[Role.AGENT])
    assert client.get(f"/qa/evaluations/{evaluation.pk}/").status_code == 404


def test_participant_outside_the_calls_team_can_still_score_it(client, world, other_team):
    """Taking part gives access to the session's call, whichever team it belongs to."""
    other_team.evaluators.add(world["eva"])
    session = _session(world)
    client.force_login(world["eva"])
    response = client.post(f"/qa/evaluations/new/?calibration={session.pk}", _form_data(world["card"]))
    assert response.status_code == 302
    assert Evaluation.objects.filter(calibration=session, evaluator=world["eva"]).exists()


def test_a_draft_is_continued_and_submitted_back_to_the_session(client, world):
    session = _session(world)
    client.force_login(world["eva"])
    url = f"/qa/evaluations/new/?calibration={session.pk}"
    response = client.post(url, _form_data(world["card"], action="save"))
    draft = Evaluation.objects.get(evaluator=world["eva"])
    assert response["Location"] == f"/qa/evaluations/{draft.pk}/edit/"
    assert client.get(url)["Location"] == f"/qa/evaluations/{draft.pk}/edit/"
    edit = client.get(f"/qa/evaluations/{draft.pk}/edit/").content.decode()
    assert 'data-testid="calibration-banner"' in edit
    response = client.post(f"/qa/evaluations/{draft.pk}/edit/", _form_data(world["card"]))
    assert response["Location"] == f"/qa/calibrations/{session.pk}/"
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_scoring_page_refuses_non_participants_and_second_scorings(client, world):
    session = _session(world)
    url = f"/qa/evaluations/new/?calibration={session.pk}"
    client.force_login(world["manager"])  # sees the session, is not a participant
    assert client.get(url).status_code == 403
    client.force_login(world["outsider"])  # does not see it at all
    assert client.get(url).status_code == 404
    assert client.post(url, _form_data(world["card"])).status_code == 404
    _score(world, session, "eva")
    client.force_login(world["eva"])
    response = client.post(url, _form_data(world["card"]), follow=True)
    assert response.redirect_chain == [(f"/qa/calibrations/{session.pk}/", 302)]
    assert "You have already scored this call in this calibration session." in response.content.decode()
    assert Evaluation.objects.filter(evaluator=world["eva"]).count() == 1


@pytest.mark.parametrize("value", ["abc", "99999", "99999999999999999999"])
def test_scoring_page_with_an_unknown_session_is_404(client, world, value):
    client.force_login(world["eva"])
    assert client.get(f"/qa/evaluations/new/?calibration={value}").status_code == 404


def test_scoring_page_of_a_closed_session_sends_back_to_the_results(client, world):
    session = _session(world)
    _score(world, session, "ref")
    _score(world, session, "eva")
    calibration.calibration_close(session=session, by=world["manager"])
    client.force_login(world["bob"])
    response = client.get(f"/qa/evaluations/new/?calibration={session.pk}", follow=True)
    assert response.redirect_chain == [(f"/qa/calibrations/{session.pk}/", 302)]
    assert "This calibration session is closed; it takes no more scorings." in response.content.decode()


def test_sessions_to_score_are_in_the_evaluators_work_list(client, world):
    session = _session(world)
    client.force_login(world["eva"])
    home = client.get("/").content.decode()
    assert 'data-section="calibrations_to_score"' in home
    assert f'href="/qa/evaluations/new/?calibration={session.pk}"' in home
    _score(world, session, "eva")
    assert f'href="/qa/evaluations/new/?calibration={session.pk}"' not in client.get("/").content.decode()
    # A QA manager sees the section only when they take part in an open session.
    client.force_login(world["manager"])
    assert 'data-section="calibrations_to_score"' not in client.get("/").content.decode()
    manager_session = _session(world, participants=("manager", "eva"), reference=None)
    home = client.get("/").content.decode()
    assert 'data-section="calibrations_to_score"' in home
    assert f"?calibration={manager_session.pk}" in home
