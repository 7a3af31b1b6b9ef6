"""Writes of the ranking: weights (sum 100, managers only) and ability scores (one, or a CSV file:
all or nothing, re-import replaces)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.accounts.roles import Role
from apps.metrics import ranking_selectors, ranking_services
from apps.metrics.models import AbilityScore, RankingWeights
from qa_center.errors import PermissionDenied, ValidationFailed
from tests.metrics.ranking_builders import MARCH, make_agent


@pytest.fixture
def manager(personas):
    return personas[Role.QA_MANAGER]


@pytest.fixture
def ann(team):
    return make_agent(team, "ann")


@pytest.fixture
def bob(team):
    return make_agent(team, "bob")


# --- Weights --------------------------------------------------------------------------------


def test_without_a_saved_row_the_weights_are_the_defaults(db):
    assert ranking_selectors.weights_current().as_dict() == {
        "volume": 30,
        "quality": 40,
        "attendance": 15,
        "ability": 15,
    }


def test_a_manager_saves_the_weights_in_one_row(manager):
    ranking_services.weights_set(by=manager, volume=25, quality=50, attendance=10, ability=15)
    ranking_services.weights_set(by=manager, volume=20, quality=50, attendance=15, ability=15)
    assert RankingWeights.objects.count() == 1
    assert ranking_selectors.weights_current().as_dict() == {
        "volume": 20,
        "quality": 50,
        "attendance": 15,
        "ability": 15,
    }
    assert RankingWeights.objects.get().updated_by == manager


def test_weights_that_do_not_add_up_to_100_are_refused_and_nothing_is_saved(manager):
    with pytest.raises(ValidationFailed, match=r"^The weights must add up to 100 \(now 90\)\.$") as caught:
        ranking_services.weights_set(by=manager, volume=30, quality=30, attendance=15, ability=15)
    assert caught.value.status_code == 400
    assert not RankingWeights.objects.exists()


def test_a_negative_weight_is_refused_on_its_field(manager):
    with pytest.raises(ValidationFailed) as caught:
        ranking_services.weights_set(by=manager, volume=-10, quality=80, attendance=15, ability=15)
    assert caught.value.fields == {"volume": ["Each weight must be a whole number from 0 to 100."]}


@pytest.mark.parametrize("role", [Role.AGENT, Role.QA_EVALUATOR, Role.EXPERT])
def test_only_managers_change_the_weights(personas, role):
    with pytest.raises(PermissionDenied, match="Your role does not allow you to change the ranking weights."):
        ranking_services.weights_set(by=personas[role], volume=25, quality=45, attendance=15, ability=15)


def test_a_duty_manager_may_change_the_weights(personas):
    ranking_services.weights_set(
        by=personas[Role.DUTY_MANAGER], volume=25, quality=45, attendance=15, ability=15
    )
    assert RankingWeights.objects.get().volume == 25


# --- One ability score ----------------------------------------------------------------------


def test_a_manager_enters_and_replaces_an_agents_score(manager, ann):
    ranking_services.ability_score_set(by=manager, agent=ann, month=date(2024, 3, 17), score="86.5")
    ranking_services.ability_score_set(by=manager, agent=ann, month=MARCH, score=Decimal("91"))
    row = AbilityScore.objects.get()
    assert (row.agent, row.month, row.score) == (ann, MARCH, Decimal("91.00"))


@pytest.mark.parametrize("score", ["100.5", "-1", "85.555", "abc", "NaN", True])
def test_a_score_outside_0_to_100_or_with_more_decimals_is_refused(manager, ann, score):
    with pytest.raises(ValidationFailed) as caught:
        ranking_services.ability_score_set(by=manager, agent=ann, month=MARCH, score=score)
    assert caught.value.fields == {"score": ["A score is a number from 0 to 100 with at most 2 decimals."]}
    assert not AbilityScore.objects.exists()


def test_only_active_agents_get_ability_scores(manager, personas, team):
    gone = make_agent(team, "gone", is_active=False)
    for user in (personas[Role.QA_EVALUATOR], gone):
        with pytest.raises(ValidationFailed, match=f"“{user.username}” is not an active agent."):
            ranking_services.ability_score_set(by=manager, agent=user, month=MARCH, score="80")


def test_agents_do_not_enter_ability_scores(personas, ann):
    with pytest.raises(PermissionDenied, match="Your role does not allow you to enter ability scores."):
        ranking_services.ability_score_set(by=personas[Role.AGENT], agent=ann, month=MARCH, score="80")


# --- CSV import -----------------------------------------------------------------------------


def scores() -> dict[tuple[str, str], Decimal]:
    return {
        (row.agent.username, f"{row.month:%Y-%m}"): row.score
        for row in AbilityScore.objects.select_related("agent")
    }


def test_a_good_file_is_imported(manager, ann, bob):
    result = ranking_services.ability_scores_import_csv(
        by=manager, raw=b"month,agent,score\n2024-03,ann,86.5\n2024-03,bob,92\n2024-04,ann,70\n"
    )
    assert (result.created, result.replaced, result.total) == (3, 0, 3)
    assert scores() == {
        ("ann", "2024-03"): Decimal("86.50"),
        ("bob", "2024-03"): Decimal("92.00"),
        ("ann", "2024-04"): Decimal("70.00"),
    }


def test_reimporting_a_file_replaces_the_scores_and_never_duplicates(manager, ann, bob):
    data = b"month,agent,score\n2024-03,ann,86.5\n2024-03,bob,92\n"
    ranking_services.ability_scores_import_csv(by=manager, raw=data)
    again = ranking_services.ability_scores_import_csv(by=manager, raw=data)
    assert (again.created, again.replaced) == (0, 2)
    corrected = ranking_services.ability_scores_import_csv(
        by=manager, raw=b"month,agent,score\n2024-03,ann,60\n"
    )
    assert (corrected.created, corrected.replaced) == (0, 1)
    assert scores() == {("ann", "2024-03"): Decimal("60.00"), ("bob", "2024-03"): Decimal("92.00")}


def test_excel_files_import_bom_semicolons_column_order_and_rewritten_months(manager, ann, bob):
    raw = "\ufeffScore;Agent;Month;Note\n88;ann;2024/3/1;retest\n\n77.25;bob;2024/03;\n;;;\n".encode()
    result = ranking_services.ability_scores_import_csv(by=manager, raw=raw)
    assert result.total == 2
    assert scores() == {("ann", "2024-03"): Decimal("88.00"), ("bob", "2024-03"): Decimal("77.25")}


def test_a_file_with_bad_rows_is_rejected_whole_with_every_problem(manager, ann, bob, personas, team):
    make_agent(team, "left", is_active=False)
    raw = (
        b"month,agent,score\n"
        b"2024-03,ann,80\n"  # good, but not written
        b"2024-13,bob,101\n"
        b"2024-03,nobody_here,50\n"
        b"2024-03,qa_evaluator,50\n"
        b"2024-03,left,50\n"
        b"2024-03,,50\n"
        b"2024-03-15,ann,80\n"
        b"2024-03,ann,81\n"
    )
    with pytest.raises(ranking_services.AbilityImportRejected) as caught:
        ranking_services.ability_scores_import_csv(by=manager, raw=raw)
    assert caught.value.message == "Nothing was imported: the file has 8 problems."
    assert [error.as_dict() for error in caught.value.errors] == [
        {"row": 3, "field": "month", "message": "Enter a month as YYYY-MM, for example 2024-03."},
        {"row": 3, "field": "score", "message": "A score is a number from 0 to 100 with at most 2 decimals."},
        {"row": 4, "field": "agent", "message": "No user has the username “nobody_here”."},
        {"row": 5, "field": "agent", "message": "“qa_evaluator” is not an active agent."},
        {"row": 6, "field": "agent", "message": "“left” is not an active agent."},
        {"row": 7, "field": "agent", "message": "Give the agent's username."},
        {"row": 8, "field": "month", "message": "Enter a month as YYYY-MM, for example 2024-03."},
        {
            "row": 9,
            "field": "agent",
            "message": "The agent “ann” already has a score for 2024-03 on row 2.",
        },
    ]
    assert not AbilityScore.objects.exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The file is empty."),
        (b"month,agent,score\n", "The file has a header row but no scores."),
        (
            b"month,agent\n2024-03,ann\n",
            "The first row must name the columns month, agent and score; missing: score.",
        ),
        (b"month,agent,score,score\n2024-03,ann,1,2\n", "The column “score” appears more than once."),
        ("month,agent,score\n2024-03,张三,80\n".encode("gbk"), "The file is not UTF-8 text."),
        (
            b"month,agent,score\n2024-03,ann\x00,80\n",
            "The file is not a CSV text file (it contains NUL characters).",
        ),
    ],
)
def test_unreadable_files_are_rejected_with_one_clear_message(manager, ann, raw, message):
    with pytest.raises(ranking_services.AbilityImportRejected) as caught:
        ranking_services.ability_scores_import_csv(by=manager, raw=raw)
    [error] = caught.value.errors
    assert error.message.startswith(message)
    assert error.field == "file"


def test_agents_do_not_import_ability_scores(personas):
    with pytest.raises(PermissionDenied):
        ranking_services.ability_scores_import_csv(
            by=personas[Role.AGENT], raw=b"month,agent,score\n2024-03,agent,1\n"
        )


def test_an_import_touches_only_the_rows_of_the_file(manager, ann, bob):
    AbilityScore.objects.create(agent=bob, month=MARCH, score=Decimal("55"))
    ranking_services.ability_scores_import_csv(by=manager, raw=b"month,agent,score\n2024-03,ann,80\n")
    assert scores() == {("ann", "2024-03"): Decimal("80.00"), ("bob", "2024-03"): Decimal("55.00")}
