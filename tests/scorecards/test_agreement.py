"""apps/scorecards/agreement.py on plain data: the calibration statistics of DESIGN.md §4.

Krippendorff's alpha is checked against published worked examples and against the reference
implementation, the ``krippendorff`` package on PyPI (0.9.0, numpy), which is NOT a dependency of
this project: its values were computed once, outside the test run, with
``pip install --target /tmp/kalpha krippendorff`` and
``krippendorff.alpha(reliability_data=<coders × units, NaN = missing>, level_of_measurement="interval")``,
and pasted here as literals.
"""

import ast
import math
from decimal import Decimal
from pathlib import Path

import pytest

from apps.scorecards import agreement
from apps.scorecards.agreement import (
    AgreementError,
    CalibrationResult,
    CriterionRatings,
    CriterionResult,
    EvaluatorResult,
    calibration_result,
    krippendorff_alpha_interval,
)

N = None  # a missing value (N/A or not rated), short so the data tables line up


def units_from_coders(*coders):
    """The published tables list one row per coder; the function takes one row per unit."""
    return [list(unit) for unit in zip(*coders, strict=True)]


# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability, §C "Multiple values, any
# metric, missing data" (https://repository.upenn.edu/asc_papers/43): 4 observers × 12 units.
# Published: nominal α = 0.743, ordinal 0.815, interval 0.849, ratio 0.797. The reference package
# gives 0.743421052631579, 0.8153875037548814, 0.8491071428571428 and 0.7974027747116121; interval
# α is exactly 951/1120.
KRIPPENDORFF_2011 = units_from_coders(
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],  # observer A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],  # observer B
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],  # observer C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],  # observer D
)

# Wikipedia, "Krippendorff's alpha", §"A computational example" (3 coders × 15 units; nominal
# α = 0.691 there). Interval α from the reference package: 0.8108448928121059 (its docstring
# prints 0.810845), exactly 643/793.
WIKIPEDIA = units_from_coders(
    [N, N, N, N, N, 3, 4, 1, 2, 1, 1, 3, 3, N, 3],  # coder A
    [1, N, 2, 1, 3, 3, 4, 3, N, N, N, N, N, N, N],  # coder B
    [N, N, 2, 1, 3, 4, 4, N, 2, 1, 1, 3, 3, N, 4],  # coder C
)


# --- Krippendorff's alpha, interval metric --------------------------------------------------------


def test_alpha_reproduces_krippendorff_2011_worked_example_with_missing_values():
    alpha = krippendorff_alpha_interval(KRIPPENDORFF_2011)
    assert round(alpha, 3) == 0.849
    assert alpha == pytest.approx(0.8491071428571428, abs=1e-12)
    assert alpha == 951 / 1120


def test_alpha_reproduces_wikipedia_example():
    alpha = krippendorff_alpha_interval(WIKIPEDIA)
    assert alpha == pytest.approx(0.8108448928121059, abs=1e-12)
    assert alpha == 643 / 793


@pytest.mark.parametrize(
    ("units", "reference_alpha"),
    [
        # Random data sets (random.Random(20240611)), values from the reference package.
        # 8 criteria × 5 evaluators, scale 0–10, about 20 % N/A.
        (
            [
                [5, 2, 5, 3, 4],
                [1, 6, 4, 1, N],
                [N, 3, 6, 7, 10],
                [3, 0, 9, 4, 3],
                [6, 10, 0, 8, 1],
                [7, 0, N, 10, 10],
                [4, 5, 8, 5, 0],
                [3, 5, 6, 8, 1],
            ],
            -0.06583850931677038,
        ),
        # 10 yes/no criteria worth 5 × 3 evaluators, some N/A.
        (
            [
                [5, N, 5],
                [0, N, 5],
                [5, 0, 0],
                [5, 5, 0],
                [5, 0, 5],
                [N, 0, 0],
                [5, N, 0],
                [5, 5, N],
                [5, 5, 0],
                [0, 0, 5],
            ],
            -0.09090909090909083,
        ),
        # 15 criteria × 6 evaluators who mostly agree within a point, about 25 % N/A.
        (
            [
                [N, 9, 9, 9, 9, 9],
                [N, 2, N, 1, 1, 2],
                [2, 0, 2, N, 1, N],
                [7, 7, 7, 7, N, 8],
                [N, 2, N, N, 2, 2],
                [6, N, 7, 6, 5, 6],
                [7, 7, 7, 7, 7, 7],
                [8, 9, 9, 9, N, 7],
                [4, 2, 3, 4, N, 3],
                [N, 2, N, 2, N, 2],
                [3, 2, 3, 4, 4, 3],
                [2, 3, N, 3, 1, 2],
                [5, 6, 5, N, 5, 5],
                [8, 8, N, 7, 8, 7],
                [N, 7, 7, 8, 7, 8],
            ],
            0.9478537801163113,
        ),
        # Non-integer values: 6 units × 4 coders.
        (
            [
                [1.2, 2.6, 2.6, 0.5],
                [1.0, 0.8, 0.3, 3.8],
                [3.5, 2.5, 3.2, 0.5],
                [3.3, 3.0, 3.7, 0.8],
                [0.8, 0.2, 2.1, 2.8],
                [0.3, N, 2.8, 3.3],
            ],
            -0.11243133363986169,
        ),
    ],
    ids=["scale-0-10", "yes-no", "close-agreement", "floats"],
)
def test_alpha_matches_reference_implementation_on_random_data(units, reference_alpha):
    # The package sums floats in numpy order, so the last digits differ from an exact computation.
    assert krippendorff_alpha_interval(units) == pytest.approx(reference_alpha, abs=1e-12)


def test_alpha_is_one_when_every_unit_agrees_across_different_values():
    assert krippendorff_alpha_interval([[3, 3, 3], [5, 5, N], [0, 0, 0]]) == 1.0


def test_alpha_is_one_when_every_value_is_the_same_a_documented_choice():
    # Expected disagreement 0: the formula gives 0/0; the module reports perfect agreement.
    assert krippendorff_alpha_interval([[4, 4], [4, 4, 4]]) == 1.0


def test_alpha_of_total_disagreement_on_two_units_is_minus_one_half():
    # n = 4 values (mean ½, SS = 1); each unit: m·SS_u ÷ (m − 1) = 2 · ½ ÷ 1 = 1.
    # α = 1 − (n − 1) · Σ ÷ (n · SS) = 1 − 3 · 2 ÷ 4 = −½.
    assert krippendorff_alpha_interval([[0, 1], [1, 0]]) == -0.5


def test_alpha_of_total_disagreement_on_three_units_is_minus_two_thirds():
    # k units of (0, max)/(max, 0) give α = (1 − k) ÷ k.
    assert krippendorff_alpha_interval([[0, 10], [10, 0], [0, 10]]) == -2 / 3


def test_alpha_penalises_a_systematic_one_point_offset():
    # Coder B always one point above coder A: values 1..6 (SS = 17.5), each unit contributes 1.
    # α = 1 − 5 · 3 ÷ (6 · 17.5) = 6/7: the interval metric counts a constant bias as disagreement.
    assert krippendorff_alpha_interval([[1, 2], [3, 4], [5, 6]]) == 6 / 7


def test_alpha_of_a_single_unit_with_any_disagreement_is_zero():
    # With one unit, observed and expected disagreement are the same sum: α = 1 − 1 = 0.
    assert krippendorff_alpha_interval([[1, 2, 3]]) == 0.0
    assert krippendorff_alpha_interval([[0, 10]]) == 0.0


def test_alpha_of_a_single_unit_in_agreement_is_one():
    assert krippendorff_alpha_interval([[2, 2]]) == 1.0


def test_units_with_one_rating_are_left_out():
    # Unit 12 of the 2011 example has a single value (observer B: 3); the table without it gives
    # the same α, and so does the table with another lonely value added.
    without_unit_12 = KRIPPENDORFF_2011[:11]
    assert krippendorff_alpha_interval(without_unit_12) == 951 / 1120
    assert krippendorff_alpha_interval([*KRIPPENDORFF_2011, [N, N, 100, N]]) == 951 / 1120


def test_alpha_is_none_when_nothing_is_pairable():
    assert krippendorff_alpha_interval([]) is None
    assert krippendorff_alpha_interval([[N, N, N]]) is None
    assert krippendorff_alpha_interval([[1, N], [N, 2], [3]]) is None


def test_alpha_accepts_decimals_exactly():
    assert (
        krippendorff_alpha_interval([[Decimal("0.1"), Decimal("0.2")], [Decimal("0.2"), Decimal("0.1")]])
        == -0.5
    )


@pytest.mark.parametrize("bad", ["3", True, math.nan, math.inf, Decimal("NaN"), [1]])
def test_alpha_refuses_a_rating_that_is_not_a_finite_number(bad):
    with pytest.raises(
        AgreementError, match=r"^Every rating of unit 2 must be a finite number or missing\.$"
    ) as caught:
        krippendorff_alpha_interval([[1, 2], [1, bad]])
    assert (caught.value.field, caught.value.params) == ("units", {"unit": 2})


# --- calibration_result ---------------------------------------------------------------------------

ANNA, BORIS, CHEN = 11, 12, 13

# Anna (the reference), Boris and Chen score the same call. Criterion 4 allows N/A.
GREETING = CriterionRatings(criterion_id=1, max_points=2, points={ANNA: 2, BORIS: 2, CHEN: 0})
RESOLUTION = CriterionRatings(criterion_id=2, max_points=10, points={ANNA: 8, BORIS: 6, CHEN: 9})
OFFER_HELP = CriterionRatings(criterion_id=3, max_points=4, points={ANNA: N, BORIS: 4, CHEN: N})
CLOSING = CriterionRatings(criterion_id=4, max_points=3, points={ANNA: 3, BORIS: 3, CHEN: 3})
SESSION_CRITERIA = [GREETING, RESOLUTION, OFFER_HELP, CLOSING]
# The scores the QA scoring rules give those answers: 13/15, 15/19 and 12/15.
SESSION_SCORES = {ANNA: Decimal("86.67"), BORIS: Decimal("78.95"), CHEN: Decimal("80.00")}
FIVE = Decimal("5")


def session(**overrides) -> CalibrationResult:
    arguments = {
        "scores": SESSION_SCORES,
        "criteria": SESSION_CRITERIA,
        "reference_id": ANNA,
        "tolerance": FIVE,
    }
    return calibration_result(**(arguments | overrides))


def evaluator(result: CalibrationResult, evaluator_id: int) -> EvaluatorResult:
    return next(row for row in result.evaluators if row.evaluator_id == evaluator_id)


def test_session_with_reference_gives_every_figure():
    result = session()

    # Mean 245.62 ÷ 3 = 81.8733…; sample SD of (86.67, 78.95, 80.00) = 4.18708… (spreadsheet STDEV).
    assert (result.mean_score, result.spread) == (Decimal("81.87"), Decimal("4.19"))
    assert result.evaluators == (
        EvaluatorResult(
            evaluator_id=ANNA,
            score=Decimal("86.67"),
            deviation_from_reference=Decimal("0.00"),
            deviation_from_mean=Decimal("4.80"),
            alignment=Decimal("1.0000"),
            outside_tolerance=False,
        ),
        EvaluatorResult(
            evaluator_id=BORIS,
            score=Decimal("78.95"),
            deviation_from_reference=Decimal("-7.72"),
            deviation_from_mean=Decimal("-2.92"),
            # (1 × 2 + 0.8 × 10 + 1 × 3) ÷ (2 + 10 + 3) = 13/15; criterion 3 is N/A for the reference.
            alignment=Decimal("0.8667"),
            outside_tolerance=True,
        ),
        EvaluatorResult(
            evaluator_id=CHEN,
            score=Decimal("80.00"),
            deviation_from_reference=Decimal("-6.67"),
            deviation_from_mean=Decimal("-1.87"),
            # (0 × 2 + 0.9 × 10 + 1 × 3) ÷ 15 = 12/15.
            alignment=Decimal("0.8000"),
            outside_tolerance=True,
        ),
    )
    # Hand computation of α (criterion 3 has one rating and is left out): values 2,2,0,8,6,9,3,3,3,
    # n = 9, mean 4, SS = 72; units contribute 3·(8/3)/2 = 4, 3·(14/3)/2 = 7 and 0.
    # α = 1 − 8 · 11 ÷ (9 · 72) = 70/81 (the reference package: 0.8641975308641976).
    assert result.alpha_interval == 70 / 81
    assert result.alpha_reading == "good"
    assert (result.reference_id, result.tolerance) == (ANNA, FIVE)


def test_session_with_reference_gives_every_criterion_figure():
    one, four_fifths, nine_tenths = Decimal("1.0000"), Decimal("0.8000"), Decimal("0.9000")
    assert session().criteria == (
        CriterionResult(
            criterion_id=1,
            max_points=2,
            points={ANNA: 2, BORIS: 2, CHEN: 0},
            mean=Decimal("1.33"),
            spread=Decimal("1.15"),  # √(4/3)
            differing_evaluators=(CHEN,),
            reference_points=2,
            alignment={ANNA: one, BORIS: one, CHEN: Decimal("0.0000")},
        ),
        CriterionResult(
            criterion_id=2,
            max_points=10,
            points={ANNA: 8, BORIS: 6, CHEN: 9},
            mean=Decimal("7.67"),
            spread=Decimal("1.53"),  # √(7/3)
            differing_evaluators=(BORIS, CHEN),
            reference_points=8,
            alignment={ANNA: one, BORIS: four_fifths, CHEN: nine_tenths},
        ),
        CriterionResult(
            criterion_id=3,
            max_points=4,
            points={ANNA: N, BORIS: 4, CHEN: N},
            mean=Decimal("4.00"),  # over the one evaluator who did not answer N/A
            spread=None,
            differing_evaluators=(BORIS,),  # a number against the reference's N/A
            reference_points=None,
            alignment={ANNA: None, BORIS: None, CHEN: None},
        ),
        CriterionResult(
            criterion_id=4,
            max_points=3,
            points={ANNA: 3, BORIS: 3, CHEN: 3},
            mean=Decimal("3.00"),
            spread=Decimal("0.00"),
            differing_evaluators=(),
            reference_points=3,
            alignment={ANNA: one, BORIS: one, CHEN: one},
        ),
    )


def test_session_without_reference_compares_with_the_mean_and_the_modal_answer():
    result = session(reference_id=None)

    assert [(row.deviation_from_reference, row.alignment) for row in result.evaluators] == [(None, None)] * 3
    assert [(row.deviation_from_mean, row.outside_tolerance) for row in result.evaluators] == [
        (Decimal("4.80"), False),
        (Decimal("-2.92"), False),
        (Decimal("-1.87"), False),
    ]
    assert [criterion.differing_evaluators for criterion in result.criteria] == [
        (CHEN,),  # mode 2
        (ANNA, CHEN),  # 8, 6, 9 all once: the smallest, 6, is the mode
        (BORIS,),  # N/A twice is the mode; 4 differs from it
        (),
    ]
    assert [criterion.reference_points for criterion in result.criteria] == [None] * 4
    assert [criterion.alignment for criterion in result.criteria] == [
        {ANNA: None, BORIS: None, CHEN: None}
    ] * 4
    assert (result.mean_score, result.spread, result.alpha_interval) == (
        Decimal("81.87"),
        Decimal("4.19"),
        70 / 81,
    )


def test_modal_answer_tie_between_na_and_a_number_goes_to_the_number():
    criterion = CriterionRatings(criterion_id=7, max_points=5, points={1: N, 2: 3, 3: N, 4: 3})
    result = calibration_result(
        scores=dict.fromkeys([1, 2, 3, 4], Decimal("90")),
        criteria=[criterion],
        reference_id=None,
        tolerance=FIVE,
    )
    assert result.criteria[0].differing_evaluators == (1, 3)


def test_deviation_of_exactly_the_tolerance_is_not_outside_it():
    scores = {1: Decimal("80"), 2: Decimal("85"), 3: Decimal("75"), 4: Decimal("85.01")}
    result = calibration_result(scores=scores, criteria=[], reference_id=1, tolerance=FIVE)
    assert [(row.deviation_from_reference, row.outside_tolerance) for row in result.evaluators] == [
        (Decimal("0.00"), False),
        (Decimal("5.00"), False),
        (Decimal("-5.00"), False),
        (Decimal("5.01"), True),
    ]


def test_without_reference_the_band_is_around_the_mean():
    scores = {1: Decimal("70"), 2: Decimal("80")}
    at_band = calibration_result(scores=scores, criteria=[], reference_id=None, tolerance=FIVE)
    assert [(row.deviation_from_mean, row.outside_tolerance) for row in at_band.evaluators] == [
        (Decimal("-5.00"), False),
        (Decimal("5.00"), False),
    ]
    narrower = calibration_result(scores=scores, criteria=[], reference_id=None, tolerance=Decimal("4.99"))
    assert [row.outside_tolerance for row in narrower.evaluators] == [True, True]


def test_tolerance_flag_compares_the_displayed_deviation():
    # Mean 254.99 ÷ 3 = 84.99666…: evaluator 1 is 5.00333… above it, shown as 5.00, inside ±5.
    scores = {1: Decimal("90.00"), 2: Decimal("80.00"), 3: Decimal("84.99")}
    result = calibration_result(scores=scores, criteria=[], reference_id=None, tolerance=FIVE)
    assert (evaluator(result, 1).deviation_from_mean, evaluator(result, 1).outside_tolerance) == (
        Decimal("5.00"),
        False,
    )
    assert result.mean_score == Decimal("85.00")


def test_zero_tolerance_flags_every_difference():
    scores = {1: Decimal("80"), 2: Decimal("80"), 3: Decimal("80.01")}
    result = calibration_result(scores=scores, criteria=[], reference_id=1, tolerance=Decimal("0"))
    assert [row.outside_tolerance for row in result.evaluators] == [False, False, True]


def test_spread_is_the_sample_standard_deviation():
    # Population SD of (70, 80) would be 5; the sample SD (n − 1) is √50 = 7.0710…
    result = calibration_result(
        scores={1: Decimal("70"), 2: Decimal("80")}, criteria=[], reference_id=None, tolerance=FIVE
    )
    assert result.spread == Decimal("7.07")


def test_evaluator_without_a_computable_score_gets_no_deviations_but_counts_for_criteria():
    offer_help = CriterionRatings(criterion_id=5, max_points=4, points={1: 4, 2: 3, 3: N})
    scores = {1: Decimal("100"), 2: Decimal("75"), 3: None}
    result = calibration_result(scores=scores, criteria=[offer_help], reference_id=1, tolerance=FIVE)

    assert evaluator(result, 3) == EvaluatorResult(
        evaluator_id=3,
        score=None,
        deviation_from_reference=None,
        deviation_from_mean=None,
        alignment=None,  # no criterion where both answered
        outside_tolerance=False,
    )
    assert (result.mean_score, result.spread) == (Decimal("87.50"), Decimal("17.68"))  # √312.5
    assert result.criteria[0].differing_evaluators == (2, 3)
    assert evaluator(result, 2).alignment == Decimal("0.7500")


def test_reference_without_a_computable_score_falls_back_to_the_mean_band():
    scores = {1: None, 2: Decimal("70"), 3: Decimal("80")}
    result = calibration_result(scores=scores, criteria=[], reference_id=1, tolerance=Decimal("4"))
    assert [
        (row.deviation_from_reference, row.deviation_from_mean, row.outside_tolerance)
        for row in result.evaluators
    ] == [
        (None, None, False),
        (None, Decimal("-5.00"), True),
        (None, Decimal("5.00"), True),
    ]


def test_mean_and_spread_are_none_with_fewer_than_two_computable_scores():
    result = calibration_result(scores={1: None, 2: None}, criteria=[], reference_id=None, tolerance=FIVE)
    assert (result.mean_score, result.spread, result.alpha_interval) == (None, None, None)
    assert result.alpha_reading == "not_available"
    one = calibration_result(
        scores={1: Decimal("90"), 2: None}, criteria=[], reference_id=None, tolerance=FIVE
    )
    assert (one.mean_score, one.spread, evaluator(one, 1).deviation_from_mean) == (
        Decimal("90.00"),
        None,
        Decimal("0.00"),
    )


def test_evaluator_alignment_is_weighted_by_max_points_and_rounded_once():
    # Criterion alignments 2/3 (max 3) and 0.9 (max 10) and a criterion worth 0 (no alignment).
    # Weighted: (2/3 × 3 + 0.9 × 10) ÷ 13 = 11/13 = 0.846153…; an unweighted mean would be 0.7833.
    criteria = [
        CriterionRatings(criterion_id=1, max_points=3, points={1: 3, 2: 2}),
        CriterionRatings(criterion_id=2, max_points=10, points={1: 10, 2: 9}),
        CriterionRatings(criterion_id=3, max_points=0, points={1: 0, 2: 0}),
    ]
    result = calibration_result(
        scores={1: Decimal("100"), 2: Decimal("84.62")}, criteria=criteria, reference_id=1, tolerance=FIVE
    )
    assert result.criteria[0].alignment == {1: Decimal("1.0000"), 2: Decimal("0.6667")}
    assert result.criteria[2].alignment == {1: None, 2: None}
    assert evaluator(result, 2).alignment == Decimal("0.8462")


def test_alignment_is_none_when_no_criterion_can_be_compared():
    criteria = [CriterionRatings(criterion_id=1, max_points=2, points={1: N, 2: 2})]
    result = calibration_result(
        scores={1: None, 2: Decimal("100")}, criteria=criteria, reference_id=1, tolerance=FIVE
    )
    assert [row.alignment for row in result.evaluators] == [None, None]


def test_evaluators_are_ordered_by_id_in_the_output():
    scores = {CHEN: Decimal("80.00"), ANNA: Decimal("86.67"), BORIS: Decimal("78.95")}
    criteria = [CriterionRatings(criterion_id=1, max_points=2, points={CHEN: 0, BORIS: 2, ANNA: 2})]
    result = calibration_result(scores=scores, criteria=criteria, reference_id=None, tolerance=FIVE)
    assert [row.evaluator_id for row in result.evaluators] == [ANNA, BORIS, CHEN]
    assert list(result.criteria[0].points) == [ANNA, BORIS, CHEN]
    assert list(result.criteria[0].alignment) == [ANNA, BORIS, CHEN]


def test_scores_are_shown_with_two_decimals():
    result = calibration_result(scores={1: 90, 2: Decimal("85.5")}, criteria=[], reference_id=1, tolerance=5)
    assert [(row.score, row.deviation_from_reference) for row in result.evaluators] == [
        (Decimal("90.00"), Decimal("0.00")),
        (Decimal("85.50"), Decimal("-4.50")),
    ]
    assert result.tolerance == Decimal("5")


@pytest.mark.parametrize(
    ("alpha", "reading"),
    [
        (1.0, "good"),
        (0.8, "good"),
        (0.7999, "tentative"),
        (0.667, "tentative"),
        (0.6669, "unreliable"),
        (-0.5, "unreliable"),
        (None, "not_available"),
    ],
)
def test_alpha_reading_follows_krippendorffs_thresholds(alpha, reading):
    result = CalibrationResult(
        evaluators=(),
        criteria=(),
        mean_score=None,
        spread=None,
        alpha_interval=alpha,
        reference_id=None,
        tolerance=FIVE,
    )
    assert result.alpha_reading == reading


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("scores", [{}, {ANNA: Decimal("90")}, {ANNA: None}])
def test_fewer_than_two_evaluators_is_refused(scores):
    with pytest.raises(AgreementError, match=r"^At least two evaluators must have submitted\.$") as caught:
        calibration_result(scores=scores, criteria=[], reference_id=None, tolerance=FIVE)
    assert (caught.value.template, caught.value.params, caught.value.field) == (
        "At least two evaluators must have submitted.",
        {},
        None,
    )


def test_reference_who_did_not_submit_is_refused():
    with pytest.raises(
        AgreementError, match=r"^The reference evaluator must be one of the evaluators who submitted\.$"
    ) as caught:
        session(reference_id=99)
    assert caught.value.field == "reference"


def test_negative_tolerance_is_refused():
    with pytest.raises(AgreementError, match=r"^The tolerance cannot be negative\.$") as caught:
        session(tolerance=Decimal("-0.01"))
    assert caught.value.field == "tolerance"


@pytest.mark.parametrize("tolerance", ["5", None, Decimal("NaN"), True])
def test_tolerance_that_is_not_a_number_is_refused(tolerance):
    with pytest.raises(AgreementError, match=r"^The tolerance must be a number\.$") as caught:
        session(tolerance=tolerance)
    assert caught.value.field == "tolerance"


@pytest.mark.parametrize("score", [Decimal("100.01"), Decimal("-1"), "90", Decimal("Infinity")])
def test_score_outside_0_to_100_is_refused(score):
    with pytest.raises(
        AgreementError, match=r"^The score of evaluator 12 must be a number from 0 to 100\.$"
    ) as caught:
        session(scores=SESSION_SCORES | {BORIS: score})
    assert (caught.value.field, caught.value.params) == ("scores", {"evaluator": BORIS})


@pytest.mark.parametrize("points", [3, -1, 1.5, True, "2"])
def test_points_outside_0_to_max_points_are_refused(points):
    bad = CriterionRatings(criterion_id=1, max_points=2, points={ANNA: 2, BORIS: points, CHEN: 0})
    with pytest.raises(
        AgreementError,
        match=rf"^Evaluator 12 gave criterion 1 {points} points: it takes a whole number from 0 to 2\.$",
    ) as caught:
        session(criteria=[bad])
    assert caught.value.field == "criteria"
    assert caught.value.params == {"criterion": 1, "evaluator": BORIS, "points": points, "max_points": 2}


def test_criterion_listed_twice_is_refused():
    with pytest.raises(AgreementError, match=r"^Criterion 2 appears more than once\.$") as caught:
        session(criteria=[GREETING, RESOLUTION, RESOLUTION])
    assert caught.value.field == "criteria"


@pytest.mark.parametrize("max_points", [-1, 2.0])
def test_criterion_with_bad_max_points_is_refused(max_points):
    bad = CriterionRatings(criterion_id=8, max_points=max_points, points={ANNA: 0, BORIS: 0, CHEN: 0})
    with pytest.raises(
        AgreementError, match=r"^The maximum points of criterion 8 must be a whole number ≥ 0\.$"
    ):
        session(criteria=[bad])


def test_points_from_an_evaluator_without_a_submission_are_refused():
    bad = CriterionRatings(criterion_id=1, max_points=2, points={ANNA: 2, BORIS: 2, CHEN: 0, 99: 2})
    with pytest.raises(
        AgreementError,
        match=r"^Criterion 1 has points from evaluator 99, who has no submission in this session\.$",
    ):
        session(criteria=[bad])


def test_criterion_without_an_answer_from_an_evaluator_is_refused():
    bad = CriterionRatings(criterion_id=1, max_points=2, points={ANNA: 2, CHEN: 0})
    with pytest.raises(AgreementError, match=r"^Criterion 1 has no answer from evaluator 12\.$") as caught:
        session(criteria=[bad])
    assert caught.value.params == {"criterion": 1, "evaluator": BORIS}


def test_agreement_error_is_a_value_error_with_its_message_template_and_params():
    error = AgreementError("Criterion %(criterion)s is odd.", field="criteria", criterion=3)
    assert isinstance(error, ValueError)
    assert (str(error), error.message, error.template, error.params, error.field) == (
        "Criterion 3 is odd.",
        "Criterion 3 is odd.",
        "Criterion %(criterion)s is odd.",
        {"criterion": 3},
        "criteria",
    )
    assert AgreementError("50% off.").message == "50% off."  # no params: the template is not %-formatted


def test_agreement_module_has_no_django_imports():
    tree = ast.parse(Path(agreement.__file__).read_text(encoding="utf-8"))
    imported = [
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert [name for name in imported if name.split(".")[0] in ("django", "rest_framework", "apps")] == []
