"""GET metrics/ranking/?month=YYYY-MM, the weights and the ability scores over the API: the shape,
a composite computed by hand from real QA evaluations, bad input, scope, and the query count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from apps.accounts.roles import Role
from apps.metrics.models import AbilityScore, RankingWeights
from apps.scorecards import services as qa_services
from apps.scorecards.models import CalibrationSession, EvaluationStatus
from tests.factories import TeamFactory, UserFactory
from tests.metrics.ranking_builders import (
    MARCH,
    add_ability,
    add_evaluation,
    add_figures,
    complete_month,
    local,
    make_agent,
)
from tests.scorecards.factories import CallFactory, typical_scorecard

URL = "/api/v1/metrics/ranking/"


def evaluate(evaluator, agent, card, when, **answers):
    """A real evaluation through the QA service, submitted at ``when`` (Shanghai time)."""
    with time_machine.travel(when, tick=False):
        return qa_services.evaluation_save(
            by=evaluator,
            call=CallFactory(agent=agent),
            version=card.version,
            answers=card.answers(**answers),
            submit=True,
        )


@pytest.fixture
def march_team(personas, team):
    """Team Aurora in March 2024, with the figures worked out in the test below."""
    manager = personas[Role.QA_MANAGER]
    card = typical_scorecard(created_by=manager)
    ann = make_agent(team, "ann", "Ann")
    bob = make_agent(team, "bob", "Bob")
    cid = make_agent(team, "cid", "Cid")
    # answered 100, attendance 912 ÷ 960 = 95.00
    add_figures(ann, [(date(2024, 3, 4), 60, 480, 480), (date(2024, 3, 5), 40, 480, 432)])
    # answered 150, attendance 100.00
    add_figures(bob, [(date(2024, 3, 4), 150, 480, 480)])
    # answered 50, attendance 95.00
    add_figures(cid, [(date(2024, 3, 6), 50, 480, 456)])
    # Outside March: not counted.
    add_figures(cid, [(date(2024, 2, 29), 900, 480, 100), (date(2024, 4, 1), 900, 480, 100)])

    # ann: 19/19 = 100.00 and 17/19 = 89.47 → mean 94.735 → 94.74; bob 89.47; cid 100.00.
    evaluate(manager, ann, card, local(2024, 3, 8, 10, 0), resolve=10)
    evaluate(manager, ann, card, local(2024, 3, 31, 23, 30))  # 15:30 UTC: still March in Shanghai
    evaluate(manager, bob, card, local(2024, 3, 9, 10, 0))
    evaluate(manager, cid, card, local(2024, 3, 9, 11, 0), resolve=10)
    # Not counted: April in Shanghai (though 31 March in UTC), February, a draft, a calibration.
    evaluate(manager, cid, card, local(2024, 4, 1, 0, 30), resolve=0)
    evaluate(manager, cid, card, local(2024, 2, 28, 9, 0), resolve=0)
    add_evaluation(cid, "10.00", status=EvaluationStatus.DRAFT, submitted_at=None)
    session = CalibrationSession.objects.create(
        call=CallFactory(agent=cid),
        scorecard_version=card.version,
        deadline=local(2024, 3, 20, 18, 0),
        created_by=manager,
    )
    add_evaluation(cid, "5.00", calibration=session, evaluator=manager)

    add_ability(ann, "80")
    add_ability(bob, "90")
    add_ability(cid, "70")
    add_ability(cid, "10", month=date(2024, 2, 1))
    return {"ann": ann, "bob": bob, "cid": cid, "manager": manager, "agent": personas[Role.AGENT]}


def test_the_ranking_matches_the_hand_computed_composites(api_as, march_team):
    response = api_as(march_team["manager"]).get(URL, {"month": "2024-03"})
    assert response.status_code == 200
    body = response.json()
    assert body["month"] == "2024-03"
    assert body["weights"] == {"volume": 30, "quality": 40, "attendance": 15, "ability": 15}
    assert body["detail"] is None
    aurora, bamboo = body["teams"]
    assert aurora["team"] == {"id": march_team["ann"].team_id, "name": "Team Aurora"}
    assert aurora["ranked_count"] == 3
    # The persona agents (fixtures) have no figures in March.
    assert [row["agent"]["id"] for row in aurora["unranked"]] == [march_team["agent"].pk]
    assert (bamboo["ranked"], len(bamboo["unranked"])) == ([], 1)
    # Scaled within the team: volume 50–150, quality 89.47–100, attendance 95–100, ability 70–90.
    # ann: 30 × 50 + 40 × (5.27 ÷ 10.53 × 100) + 15 × 0 + 15 × 50 = 4251.90 → 42.52
    # bob: 30 × 100 + 40 × 0 + 15 × 100 + 15 × 100 → 60.00; cid: 40 × 100 → 40.00
    assert aurora["ranked"] == [
        {
            "rank": 1,
            "agent": {"id": march_team["bob"].pk, "name": "Bob"},
            "composite": 60.0,
            "volume": 150,
            "quality": 89.47,
            "attendance": 100.0,
            "ability": 90.0,
            "normalised": {
                "volume": 100.0,
                "quality": 0.0,
                "attendance": 100.0,
                "ability": 100.0,
            },
        },
        {
            "rank": 2,
            "agent": {"id": march_team["ann"].pk, "name": "Ann"},
            "composite": 42.52,
            "volume": 100,
            "quality": 94.74,
            "attendance": 95.0,
            "ability": 80.0,
            "normalised": {"volume": 50.0, "quality": 50.05, "attendance": 0.0, "ability": 50.0},
        },
        {
            "rank": 3,
            "agent": {"id": march_team["cid"].pk, "name": "Cid"},
            "composite": 40.0,
            "volume": 50,
            "quality": 100.0,
            "attendance": 95.0,
            "ability": 70.0,
            "normalised": {"volume": 0.0, "quality": 100.0, "attendance": 0.0, "ability": 0.0},
        },
    ]


def test_agents_missing_data_are_listed_with_the_reasons(api_as, personas, team):
    ann = make_agent(team, "ann", "Ann")
    complete_month(ann)
    newcomer = make_agent(team, "newcomer", "Newcomer")
    add_figures(newcomer, [(date(2024, 3, 4), 12, 0, 0)])
    body = api_as(personas[Role.QA_MANAGER]).get(URL, {"month": "2024-03"}).json()
    [aurora] = [t for t in body["teams"] if t["team"]["name"] == "Team Aurora"]
    assert [row["agent"]["name"] for row in aurora["ranked"]] == ["Ann"]
    unranked = {row["agent"]["id"]: row for row in aurora["unranked"]}
    assert unranked[newcomer.pk] == {
        "agent": {"id": newcomer.pk, "name": "Newcomer"},
        "reasons": [
            {"code": "no_qa_evaluation", "message": "No submitted QA evaluation in the month."},
            {"code": "no_ability_score", "message": "No business ability score for the month."},
            {
                "code": "no_scheduled_minutes",
                "message": "No scheduled minutes in the month, so attendance is unknown.",
            },
        ],
        "volume": 12,
        "quality": None,
        "attendance": None,
        "ability": None,
    }
    # The persona agent of Team Aurora has nothing at all this month.
    assert [reason["code"] for reason in unranked[personas[Role.AGENT].pk]["reasons"]] == [
        "no_daily_figures",
        "no_qa_evaluation",
        "no_ability_score",
    ]


def test_inactive_users_and_non_agents_are_not_ranked(api_as, personas, team):
    complete_month(make_agent(team, "ann", "Ann"))
    complete_month(make_agent(team, "gone", "Gone", is_active=False))
    lead_only = UserFactory(username="lead_only", team=team)
    complete_month(lead_only)
    body = api_as(personas[Role.QA_MANAGER]).get(URL, {"month": "2024-03"}).json()
    names = {row["agent"]["name"] for t in body["teams"] for row in t["ranked"] + t["unranked"]}
    assert "Gone" not in names
    assert lead_only.name not in names
    assert "Ann" in names


def test_a_month_without_data_answers_200_with_the_same_keys_and_a_message(api_as, personas):
    response = api_as(personas[Role.QA_MANAGER]).get(URL, {"month": "2031-07"})
    assert response.status_code == 200
    assert response.json() == {
        "month": "2031-07",
        "weights": {"volume": 30, "quality": 40, "attendance": 15, "ability": 15},
        "scope": "all",
        "detail": "No daily figures, QA evaluations or ability scores for 2031-07.",
        "teams": [],
    }


@pytest.mark.parametrize(
    "month", [None, "", "2024-13", "2024-3", "March", "2024-03-01", "0001-01", "9999-12"]
)
def test_a_missing_or_bad_month_is_400_on_the_month_field(api_as, personas, month):
    params = {} if month is None else {"month": month}
    response = api_as(personas[Role.QA_MANAGER]).get(URL, params)
    assert response.status_code == 400
    assert response.json()["month"]
    assert response.json()["detail"] == response.json()["month"][0]


def test_the_weights_in_force_are_used(api_as, march_team, personas):
    client = api_as(march_team["manager"])
    response = client.put(URL + "weights/", {"volume": 100, "quality": 0, "attendance": 0, "ability": 0})
    assert response.status_code == 200
    body = client.get(URL, {"month": "2024-03"}).json()
    assert body["weights"] == {"volume": 100, "quality": 0, "attendance": 0, "ability": 0}
    assert [(row["agent"]["name"], row["composite"]) for row in body["teams"][0]["ranked"]] == [
        ("Bob", 100.0),
        ("Ann", 50.0),
        ("Cid", 0.0),
    ]


# --- Scope ----------------------------------------------------------------------------------


@pytest.fixture
def two_teams(personas, team, other_team):
    ann = make_agent(team, "ann", "Ann")
    complete_month(ann, answered=200)
    complete_month(personas[Role.AGENT], answered=100)
    bob = make_agent(team, "bob", "Bob")
    complete_month(bob, answered=150)
    complete_month(personas["other_agent"], answered=80)
    return {"ann": ann, "bob": bob}


def test_an_agent_sees_only_their_own_row_and_rank(api_as, personas, two_teams):
    agent = personas[Role.AGENT]
    body = api_as(agent).get(URL, {"month": "2024-03"}).json()
    assert body["scope"] == "own"
    [own_team] = body["teams"]
    assert own_team["team"]["name"] == "Team Aurora"
    assert own_team["ranked_count"] == 3
    assert [(row["agent"]["id"], row["rank"]) for row in own_team["ranked"]] == [(agent.pk, 3)]
    assert own_team["unranked"] == []


def test_a_team_lead_sees_the_teams_they_lead(api_as, personas, team, two_teams):
    lead = UserFactory(username="lead")
    team.lead = lead
    team.save()
    body = api_as(lead).get(URL, {"month": "2024-03"}).json()
    assert body["scope"] == "teams"
    assert [t["team"]["name"] for t in body["teams"]] == ["Team Aurora"]
    # Only the answered calls differ (200, 150, 100): composites 100, 85, 70.
    assert [(row["agent"]["id"], row["rank"], row["composite"]) for row in body["teams"][0]["ranked"]] == [
        (two_teams["ann"].pk, 1, 100.0),
        (two_teams["bob"].pk, 2, 85.0),
        (personas[Role.AGENT].pk, 3, 70.0),
    ]


@pytest.mark.parametrize("role", [Role.QA_MANAGER, Role.DUTY_MANAGER, Role.ADMIN])
def test_managers_see_every_team(api_as, personas, two_teams, role):
    body = api_as(personas[role]).get(URL, {"month": "2024-03"}).json()
    assert [t["team"]["name"] for t in body["teams"]] == ["Team Aurora", "Team Bamboo"]
    assert [t["ranked_count"] for t in body["teams"]] == [3, 1]


@pytest.mark.parametrize("who", [Role.QA_EVALUATOR, Role.EXPERT, Role.DEPARTMENT_STAFF, "no_role"])
def test_others_are_refused(api_as, personas, two_teams, who):
    response = api_as(personas[who]).get(URL, {"month": "2024-03"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow you to see the ranking."}


def test_without_credentials_the_answer_is_401(api):
    assert api.get(URL, {"month": "2024-03"}).status_code == 401


# --- Query count ----------------------------------------------------------------------------


def _teams_of_agents(first: int, count: int) -> None:
    teams = [TeamFactory(), TeamFactory()]
    for number in range(first, first + count):
        agent = make_agent(teams[number % 2], f"bulk{number:03d}")
        complete_month(agent, answered=50 + number, score=f"{60 + number % 40}", ability=f"{50 + number}")


def test_the_ranking_runs_the_same_queries_for_5_and_40_agents(api_as, personas, django_assert_num_queries):
    client = api_as(personas[Role.QA_MANAGER])
    _teams_of_agents(0, 5)
    client.get(URL, {"month": "2024-03"})  # warm the role cache and token lookups alike
    # Token, roles, weights, then the agents, figures, QA scores and ability scores.
    with django_assert_num_queries(7) as few:
        assert client.get(URL, {"month": "2024-03"}).status_code == 200
    _teams_of_agents(5, 35)
    with django_assert_num_queries(len(few.captured_queries)):
        body = client.get(URL, {"month": "2024-03"}).json()
    assert sum(t["ranked_count"] for t in body["teams"]) == 40


# --- Weights --------------------------------------------------------------------------------


def test_anyone_who_sees_the_ranking_reads_the_weights(api_as, personas):
    response = api_as(personas[Role.AGENT]).get(URL + "weights/")
    assert response.json() == {"volume": 30, "quality": 40, "attendance": 15, "ability": 15}
    assert api_as(personas["no_role"]).get(URL + "weights/").status_code == 403


def test_weights_not_adding_up_to_100_are_400_and_not_saved(api_as, personas):
    response = api_as(personas[Role.QA_MANAGER]).put(
        URL + "weights/", {"volume": 30, "quality": 30, "attendance": 15, "ability": 15}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The weights must add up to 100 (now 90)."}
    assert not RankingWeights.objects.exists()


def test_weights_must_be_whole_numbers_and_all_four_given(api_as, personas):
    client = api_as(personas[Role.QA_MANAGER])
    response = client.put(URL + "weights/", {"volume": 30.5, "quality": 40, "attendance": 15})
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "volume", "ability"}


def test_agents_may_not_change_the_weights(api_as, personas):
    response = api_as(personas[Role.AGENT]).put(
        URL + "weights/", {"volume": 25, "quality": 45, "attendance": 15, "ability": 15}
    )
    assert response.status_code == 403


# --- Ability scores -------------------------------------------------------------------------

ABILITY_URL = "/api/v1/metrics/ability-scores/"


def test_a_manager_posts_one_ability_score(api_as, personas):
    agent = personas[Role.AGENT]
    response = api_as(personas[Role.QA_MANAGER]).post(
        ABILITY_URL, {"agent": agent.pk, "month": "2024-03", "score": 86.5}
    )
    assert response.status_code == 201
    assert response.json() == {
        "id": AbilityScore.objects.get().pk,
        "agent": {"id": agent.pk, "name": agent.name},
        "month": "2024-03",
        "score": 86.5,
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"agent": None, "month": "2024-03", "score": 50}, "agent"),
        ({"agent": 999999, "month": "2024-03", "score": 50}, "agent"),
        ({"month": "2024-3", "score": 50}, "month"),
        ({"month": "2024-03", "score": 150}, "score"),
        ({"month": "2024-03", "score": "lots"}, "score"),
    ],
)
def test_a_bad_ability_score_is_400_on_its_field(api_as, personas, payload, field):
    payload = {"agent": personas[Role.AGENT].pk, **payload}
    response = api_as(personas[Role.QA_MANAGER]).post(ABILITY_URL, payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not AbilityScore.objects.exists()


def test_a_csv_of_ability_scores_is_imported_and_reimported(api_as, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_as(personas[Role.QA_MANAGER])
    data = b"month,agent,score\n2024-03,agent,80\n2024-03,other_agent,70.5\n"
    first = client.post(ABILITY_URL, {"file": SimpleUploadedFile("a.csv", data)}, format="multipart")
    assert first.status_code == 200
    assert first.json() == {"imported": 2, "created": 2, "replaced": 0}
    again = client.post(ABILITY_URL, {"file": SimpleUploadedFile("a.csv", data)}, format="multipart")
    assert again.json() == {"imported": 2, "created": 0, "replaced": 2}
    assert AbilityScore.objects.count() == 2


def test_a_bad_csv_is_400_with_the_row_errors_and_nothing_written(api_as, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = b"month,agent,score\n2024-03,agent,80\n2024-03,ghost,70\n"
    response = api_as(personas[Role.QA_MANAGER]).post(
        ABILITY_URL, {"file": SimpleUploadedFile("a.csv", data)}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Nothing was imported: the file has 1 problem.",
        "errors": [{"row": 3, "field": "agent", "message": "No user has the username “ghost”."}],
    }
    assert not AbilityScore.objects.exists()


def test_agents_may_not_post_ability_scores(api_as, personas):
    agent = personas[Role.AGENT]
    response = api_as(agent).post(ABILITY_URL, {"agent": agent.pk, "month": "2024-03", "score": 100})
    assert response.status_code == 403


def test_ability_scores_count_for_their_month_only(api_as, personas, team):
    ann = make_agent(team, "ann", "Ann")
    complete_month(ann)
    AbilityScore.objects.filter(agent=ann).update(month=MARCH.replace(month=4))
    body = api_as(personas[Role.QA_MANAGER]).get(URL, {"month": "2024-03"}).json()
    [row] = [r for r in body["teams"][0]["unranked"] if r["agent"]["name"] == "Ann"]
    assert [reason["code"] for reason in row["reasons"]] == ["no_ability_score"]
    assert Decimal(row["quality"]) == Decimal("90.00")
