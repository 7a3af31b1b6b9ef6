"""The ranking's arithmetic on plain data (apps/metrics/ranking.py): normalisation within the team,
the composite, shared ranks, weights, and who is left out and why."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.metrics import ranking
from apps.metrics.ranking import AgentInput, RankingError, Weights

D = Decimal


def agent(agent_id, *, team=1, answered=100, quality="80", attendance="95", ability="70") -> AgentInput:
    return AgentInput(
        agent_id=agent_id,
        team_id=team,
        answered=answered,
        quality=None if quality is None else D(quality),
        attendance=None if attendance is None else D(attendance),
        ability=None if ability is None else D(ability),
    )


def by_id(team: ranking.TeamRanking) -> dict[int, ranking.RankedAgent]:
    return {row.agent_id: row for row in team.ranked}


def test_each_component_is_scaled_min_max_within_the_team_and_weighted_into_the_composite():
    [team] = ranking.rank(
        [
            agent(1, answered=100, quality="80", attendance="90", ability="70"),
            agent(2, answered=200, quality="90", attendance="100", ability="70"),
            agent(3, answered=150, quality="85", attendance="95", ability="60"),
        ],
        Weights(30, 40, 15, 15),
    )
    rows = by_id(team)
    assert rows[1].normalised == {
        "volume": D("0.00"),
        "quality": D("0.00"),
        "attendance": D("0.00"),
        "ability": D("100.00"),
    }
    assert rows[3].normalised == {
        "volume": D("50.00"),
        "quality": D("50.00"),
        "attendance": D("50.00"),
        "ability": D("0.00"),
    }
    # 15 × 100 ÷ 100; 30+40+15+15; (30+40+15) × 50 ÷ 100
    assert [(row.agent_id, row.rank, row.composite) for row in team.ranked] == [
        (2, 1, D("100.00")),
        (3, 2, D("42.50")),
        (1, 3, D("15.00")),
    ]
    assert rows[2].raw == {"volume": 200, "quality": D("90"), "attendance": D("100"), "ability": D("70")}
    assert team.unranked == []


def test_the_composite_uses_unrounded_scaled_values_and_rounds_half_up():
    # Volume 0, 1, 8 → scaled 0, 12.5, 100; quality equal → 100 for all.
    # Agent 2: (1 × 12.5 + 99 × 100) ÷ 100 = 99.125 → 99.13 (half-even would give 99.12).
    [team] = ranking.rank(
        [agent(1, answered=0), agent(2, answered=1), agent(3, answered=8)], Weights(1, 99, 0, 0)
    )
    rows = by_id(team)
    assert rows[2].normalised["volume"] == D("12.50")
    assert rows[2].composite == D("99.13")
    # Volume 0, 1, 3 → agent 2 scaled 33.333…: shown 33.33, composite from the exact value.
    [team] = ranking.rank(
        [agent(1, answered=0), agent(2, answered=1), agent(3, answered=3)], Weights(100, 0, 0, 0)
    )
    assert by_id(team)[2].normalised["volume"] == D("33.33")
    assert by_id(team)[2].composite == D("33.33")


def test_a_component_everyone_in_the_team_shares_gives_everyone_100():
    [team] = ranking.rank(
        [agent(1, answered=120, quality="88"), agent(2, answered=80, quality="88")], Weights(50, 50, 0, 0)
    )
    rows = by_id(team)
    assert rows[1].normalised["quality"] == rows[2].normalised["quality"] == D("100.00")
    assert (rows[1].composite, rows[2].composite) == (D("100.00"), D("50.00"))


def test_a_team_with_one_rankable_agent_ranks_them_first_with_100():
    [team] = ranking.rank([agent(7)], Weights())
    [only] = team.ranked
    assert (only.rank, only.composite) == (1, D("100.00"))
    assert set(only.normalised.values()) == {D("100.00")}


def test_equal_composites_share_a_rank_and_the_next_rank_skips():
    # Weights 50/50: D (100, 100) → 100; A (100, 0) and B (0, 100) → 50 each; E (0, 0) → 0.
    agents = [
        agent(1, answered=200, quality="60"),
        agent(2, answered=100, quality="90"),
        agent(4, answered=200, quality="90"),
        agent(5, answered=100, quality="60"),
    ]
    [team] = ranking.rank(agents, Weights(50, 50, 0, 0))
    assert [(row.agent_id, row.rank, row.composite) for row in team.ranked] == [
        (4, 1, D("100.00")),
        (1, 2, D("50.00")),
        (2, 2, D("50.00")),
        (5, 4, D("0.00")),
    ]


def test_agents_without_data_are_listed_apart_with_every_reason():
    [team] = ranking.rank(
        [
            agent(1),
            agent(2, answered=None, attendance=None, quality=None, ability=None),
            agent(3, attendance=None),
            agent(4, quality=None),
            agent(5, ability=None),
        ],
        Weights(),
    )
    assert [row.agent_id for row in team.ranked] == [1]
    assert {row.agent_id: row.reasons for row in team.unranked} == {
        2: ("no_daily_figures", "no_qa_evaluation", "no_ability_score"),
        3: ("no_scheduled_minutes",),
        4: ("no_qa_evaluation",),
        5: ("no_ability_score",),
    }
    assert (
        ranking.REASONS["no_scheduled_minutes"]
        == "No scheduled minutes in the month, so attendance is unknown."
    )


def test_unranked_agents_do_not_move_the_scale_of_the_ranked_ones():
    [team] = ranking.rank(
        [agent(1, answered=100), agent(2, answered=200), agent(3, answered=1000, quality=None)], Weights()
    )
    rows = by_id(team)
    assert (rows[1].normalised["volume"], rows[2].normalised["volume"]) == (D("0.00"), D("100.00"))
    assert [row.agent_id for row in team.unranked] == [3]


def test_zero_calls_answered_is_a_figure_not_missing_data():
    [team] = ranking.rank([agent(1, answered=0), agent(2, answered=10)], Weights())
    assert [row.agent_id for row in team.ranked] == [2, 1]


def test_a_component_weighted_zero_keeps_nobody_out():
    [team] = ranking.rank(
        [agent(1, ability=None), agent(2, ability="60", answered=300), agent(3, ability="90")],
        Weights(60, 40, 0, 0),
    )
    assert team.unranked == []
    rows = by_id(team)
    assert rows[1].normalised["ability"] is None
    assert (rows[2].normalised["ability"], rows[3].normalised["ability"]) == (D("0.00"), D("100.00"))
    assert rows[2].rank == 1


def test_teams_are_ranked_separately_in_the_order_they_first_appear():
    teams = ranking.rank(
        [agent(1, team=9, answered=10), agent(2, team=4, answered=50), agent(3, team=9, answered=20)],
        Weights(100, 0, 0, 0),
    )
    assert [team.team_id for team in teams] == [9, 4]
    assert [(row.agent_id, row.rank, row.composite) for row in teams[0].ranked] == [
        (3, 1, D("100.00")),
        (1, 2, D("0.00")),
    ]
    assert teams[1].ranked[0].composite == D("100.00")


def test_a_team_where_nobody_has_data_only_lists_the_unranked():
    [team] = ranking.rank([agent(1, quality=None)], Weights())
    assert team.ranked == []
    assert team.unranked[0].reasons == ("no_qa_evaluation",)


def test_the_default_weights_are_30_40_15_15():
    assert ranking.DEFAULT_WEIGHTS.as_dict() == {"volume": 30, "quality": 40, "attendance": 15, "ability": 15}


def test_weights_must_add_up_to_100():
    with pytest.raises(RankingError, match=r"^The weights must add up to 100 \(now 99\)\.$") as caught:
        Weights(30, 40, 15, 14)
    assert caught.value.template == "The weights must add up to 100 (now %(total)s)."
    assert caught.value.params == {"total": 99}
    assert caught.value.field is None


@pytest.mark.parametrize("bad", [-5, 30.0, True, "30", 101, None])
def test_each_weight_must_be_a_whole_number_from_0_to_100(bad):
    with pytest.raises(RankingError, match=r"^Each weight must be a whole number from 0 to 100\.$") as caught:
        Weights(volume=bad, quality=40, attendance=15, ability=15)
    assert caught.value.field == "volume"


def test_a_single_component_may_take_all_the_weight():
    assert Weights(0, 100, 0, 0).quality == 100
