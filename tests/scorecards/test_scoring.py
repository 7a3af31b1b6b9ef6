"""apps/scorecards/scoring.py on plain data: the scoring rules of DESIGN.md §4."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from apps.scorecards import scoring
from apps.scorecards.scoring import (
    SCALE,
    AnswerValue,
    CriterionSpec,
    ScoringError,
    check_answer,
    compute_score,
)

GREET = CriterionSpec(1, 2)
VERIFY = CriterionSpec(2, 3, critical=True)
RESOLVE = CriterionSpec(3, 10, kind=SCALE)
OFFER_HELP = CriterionSpec(4, 4, allow_na=True)
TYPICAL = [GREET, VERIFY, RESOLVE, OFFER_HELP]  # 19 points


def answers(**points_by_id) -> dict[int, AnswerValue]:
    """answers(c1=2, c4=None): criterion 1 earns 2 points, criterion 4 is N/A."""
    return {int(key[1:]): AnswerValue(int(key[1:]), value) for key, value in points_by_id.items()}


def score_of(earned: int, possible: int) -> Decimal:
    """The score of one scale criterion worth ``possible`` points that earned ``earned``."""
    return compute_score([CriterionSpec(1, possible, kind=SCALE)], answers(c1=earned), Decimal("85")).score


def test_score_is_earned_over_possible_times_100():
    result = compute_score(TYPICAL, answers(c1=2, c2=3, c3=8, c4=4), Decimal("85"))
    assert result == scoring.ScoreResult(
        score=Decimal("89.47"), passed=True, critical_failed=False, earned=17, possible=19
    )


@pytest.mark.parametrize(
    ("earned", "possible", "expected"),
    [
        (17, 19, "89.47"),
        (2, 3, "66.67"),
        (1, 3, "33.33"),
        (1, 8, "12.50"),
        (1, 6, "16.67"),
        # Exactly half a hundredth: half-up goes up where banker's rounding would go to the even digit.
        (1, 32, "3.13"),
        (5, 32, "15.63"),
        (0, 7, "0.00"),
        (7, 7, "100.00"),
    ],
)
def test_score_is_rounded_half_up_to_two_decimals(earned, possible, expected):
    score = score_of(earned, possible)
    assert str(score) == expected


def test_na_answers_count_in_neither_earned_nor_possible():
    result = compute_score(TYPICAL, answers(c1=2, c2=3, c3=8, c4=None), Decimal("85"))
    assert (result.earned, result.possible, result.score) == (13, 15, Decimal("86.67"))
    assert result.passed is True


def test_na_can_turn_a_fail_into_a_pass_because_it_shrinks_the_denominator():
    with_zero = compute_score(TYPICAL, answers(c1=2, c2=3, c3=10, c4=0), Decimal("85"))
    with_na = compute_score(TYPICAL, answers(c1=2, c2=3, c3=10, c4=None), Decimal("85"))
    assert (with_zero.score, with_zero.passed) == (Decimal("78.95"), False)
    assert (with_na.score, with_na.passed) == (Decimal("100.00"), True)


def test_critical_criterion_with_zero_points_fails_the_whole_evaluation():
    result = compute_score(TYPICAL, answers(c1=2, c2=0, c3=10, c4=4), Decimal("0"))
    assert result.score == Decimal("0.00")
    assert result.critical_failed is True
    assert result.passed is False  # even with a pass mark of 0
    assert (result.earned, result.possible) == (16, 19)


def test_non_critical_criterion_with_zero_points_is_not_an_auto_fail():
    result = compute_score(TYPICAL, answers(c1=0, c2=3, c3=10, c4=4), Decimal("85"))
    assert (result.score, result.critical_failed, result.passed) == (Decimal("89.47"), False, True)


def test_critical_criterion_answered_na_is_not_a_failure():
    critical_na = CriterionSpec(5, 5, critical=True, allow_na=True)
    result = compute_score([GREET, critical_na], answers(c1=2, c5=None), Decimal("85"))
    assert (result.score, result.critical_failed, result.passed) == (Decimal("100.00"), False, True)


def test_critical_scale_criterion_fails_only_at_zero():
    critical_scale = CriterionSpec(5, 10, kind=SCALE, critical=True)
    one_point = compute_score([critical_scale], answers(c5=1), Decimal("5"))
    zero = compute_score([critical_scale], answers(c5=0), Decimal("5"))
    assert (one_point.score, one_point.critical_failed, one_point.passed) == (Decimal("10.00"), False, True)
    assert (zero.score, zero.critical_failed) == (Decimal("0.00"), True)


@pytest.mark.parametrize(
    ("pass_mark", "passed"),
    [(Decimal("85"), True), (Decimal("85.00"), True), (Decimal("84.99"), True), (Decimal("85.01"), False)],
)
def test_score_exactly_at_the_pass_mark_passes_and_a_hundredth_below_fails(pass_mark, passed):
    # 17 of 20 points is exactly 85.00.
    result = compute_score([CriterionSpec(1, 20, kind=SCALE)], answers(c1=17), pass_mark)
    assert result.score == Decimal("85.00")
    assert result.passed is passed


@pytest.mark.parametrize("pass_mark", [Decimal("66.67"), "66.67", 66.67])
def test_rounded_score_equal_to_the_pass_mark_passes_whatever_type_the_mark_has(pass_mark):
    # 2/3 = 66.666… is shown and compared as 66.67; a float mark must not become 66.670000000000001705.
    result = compute_score([CriterionSpec(1, 3, kind=SCALE)], answers(c1=2), pass_mark)
    assert (result.score, result.passed) == (Decimal("66.67"), True)


def test_every_criterion_na_is_an_error_not_100():
    specs = [CriterionSpec(1, 2, allow_na=True), CriterionSpec(2, 3, allow_na=True)]
    with pytest.raises(
        ScoringError, match=r"^Every answered criterion is N/A: there is nothing to score\.$"
    ) as info:
        compute_score(specs, answers(c1=None, c2=None), Decimal("85"))
    assert info.value.code == "nothing_to_score"
    assert info.value.criterion_id is None


def test_missing_answer_refused_when_every_criterion_is_required():
    with pytest.raises(ScoringError, match=r"^Every criterion needs an answer before submitting\.$") as info:
        compute_score(TYPICAL, answers(c1=2, c2=3, c4=4), Decimal("85"))
    assert (info.value.code, info.value.criterion_id) == ("missing_answer", 3)


def test_answer_for_an_unknown_criterion_refused():
    with pytest.raises(
        ScoringError, match=r"^The answer is for a criterion of another scorecard version\.$"
    ) as info:
        compute_score(TYPICAL, answers(c1=2, c2=3, c3=8, c4=4, c99=1), Decimal("85"))
    assert (info.value.code, info.value.criterion_id) == ("unknown_criterion", 99)


@pytest.mark.parametrize("points", [1, 3, -1])
def test_yes_no_criterion_takes_only_zero_or_its_maximum(points):
    with pytest.raises(
        ScoringError, match=rf"^A yes/no criterion takes 0 or 2 points, not {points}\.$"
    ) as info:
        check_answer(GREET, AnswerValue(1, points))
    assert (info.value.code, info.value.criterion_id) == ("points_yes_no", 1)


@pytest.mark.parametrize("points", [0, 2])
def test_yes_no_criterion_accepts_zero_and_its_maximum(points):
    assert check_answer(GREET, AnswerValue(1, points)) is None


@pytest.mark.parametrize("points", [0, 1, 5, 10])
def test_scale_criterion_accepts_every_whole_number_from_zero_to_its_maximum(points):
    assert check_answer(RESOLVE, AnswerValue(3, points)) is None
    assert compute_score([RESOLVE], answers(c3=points), Decimal("85")).earned == points


@pytest.mark.parametrize("points", [-1, 11, 1000])
def test_scale_criterion_refuses_points_outside_zero_to_maximum(points):
    with pytest.raises(ScoringError, match=rf"^Points must be between 0 and 10, not {points}\.$") as info:
        compute_score([RESOLVE], answers(c3=points), Decimal("85"))
    assert (info.value.code, info.value.criterion_id) == ("points_range", 3)


def test_na_refused_where_the_criterion_does_not_allow_it():
    with pytest.raises(ScoringError, match=r"^N/A is not allowed for this criterion\.$") as info:
        compute_score(TYPICAL, answers(c1=None, c2=3, c3=8, c4=4), Decimal("85"))
    assert (info.value.code, info.value.criterion_id) == ("na_not_allowed", 1)


@pytest.mark.parametrize("points", [True, False, 1.0, 2.5, "1", Decimal("1")])
def test_points_that_are_not_a_whole_int_are_refused(points):
    # True == 1 and 1.0 == 1 would pass the range checks of a 1-point criterion.
    one_point = CriterionSpec(7, 1, kind=SCALE)
    with pytest.raises(ScoringError, match=r"^Points must be a whole number\.$") as info:
        check_answer(one_point, AnswerValue(7, points))
    assert info.value.code == "points_not_whole"


def test_draft_score_leaves_unanswered_criteria_out():
    result = compute_score(TYPICAL, answers(c1=2, c3=5), Decimal("85"), require_all=False)
    assert (result.earned, result.possible, result.score, result.passed) == (7, 12, Decimal("58.33"), False)


def test_draft_score_still_checks_every_given_answer():
    with pytest.raises(ScoringError, match=r"^A yes/no criterion takes 0 or 3 points, not 1\.$"):
        compute_score(TYPICAL, answers(c2=1), Decimal("85"), require_all=False)


def test_draft_with_no_answers_has_nothing_to_score():
    with pytest.raises(ScoringError, match=r"nothing to score") as info:
        compute_score(TYPICAL, {}, Decimal("85"), require_all=False)
    assert info.value.code == "nothing_to_score"


def test_draft_with_a_critical_zero_is_already_failed():
    result = compute_score(TYPICAL, answers(c2=0), Decimal("85"), require_all=False)
    assert (result.score, result.critical_failed, result.passed) == (Decimal("0.00"), True, False)


def test_scoring_module_has_no_django_imports():
    tree = ast.parse(Path(scoring.__file__).read_text(encoding="utf-8"))
    imported = [
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert [name for name in imported if name.split(".")[0] in ("django", "rest_framework", "apps")] == []
