"""apps/tqm/analysis.py on plain data: the calculation rules of DESIGN.md §6, against textbook examples."""

import ast
import math
import re
from decimal import Decimal
from pathlib import Path

import pytest

from apps.tqm import analysis
from apps.tqm.analysis import (
    PRIORITY_FORMULA,
    RATING_RANGE,
    AnalysisError,
    ParetoRow,
    countermeasure_priority,
    goal_met,
    p_chart,
    pareto,
    topic_score,
    two_proportion_test,
)


def shape(result) -> list[tuple[str, int, str, str, bool, bool]]:
    """Pareto rows as (label, count, percent, cumulative, vital_few, is_other); str() pins 2 decimals."""
    return [
        (row.label, row.count, str(row.percent), str(row.cumulative_percent), row.vital_few, row.is_other)
        for row in result.rows
    ]


# --- Pareto -----------------------------------------------------------------------------------


def test_pareto_sorts_by_count_and_marks_vital_few_up_to_80_percent():
    result = pareto([("Hold too long", 20), ("Wrong information", 45), ("Rude", 10), ("No call back", 25)])
    assert result.total == 100
    assert shape(result) == [
        ("Wrong information", 45, "45.00", "45.00", True, False),
        ("No call back", 25, "25.00", "70.00", True, False),
        ("Hold too long", 20, "20.00", "90.00", True, False),
        ("Rude", 10, "10.00", "100.00", False, False),
    ]
    assert result.vital_few_labels == ["Wrong information", "No call back", "Hold too long"]


def test_pareto_rows_are_frozen_dataclasses_with_decimal_percents():
    row = pareto([("Rude", 3)]).rows[0]
    assert row == ParetoRow("Rude", 3, Decimal("100.00"), Decimal("100.00"), vital_few=True)
    with pytest.raises(AttributeError):
        row.count = 4


def test_pareto_ties_keep_input_order():
    result = pareto(
        [("Rude", 10), ("Wrong information", 30), ("Hold", 10), ("Billing", 30), ("Callback", 10)]
    )
    assert [row.label for row in result.rows] == ["Wrong information", "Billing", "Rude", "Hold", "Callback"]


def test_pareto_cumulative_share_of_exactly_80_percent_is_vital_and_inclusive():
    result = pareto([("Billing", 30), ("Network", 50), ("Other issues", 20)])
    assert shape(result) == [
        ("Network", 50, "50.00", "50.00", True, False),
        ("Billing", 30, "30.00", "80.00", True, False),
        ("Other issues", 20, "20.00", "100.00", False, False),
    ]


def test_pareto_share_just_under_80_percent_does_not_end_the_vital_few_even_when_it_displays_80_00():
    # 19 999 / 25 000 = 79.996 %: shown rounded as 80.00 but below 80 %, so the next row is vital too.
    result = pareto([("Network", 19_999), ("Billing", 5_000), ("Rude", 1)])
    assert shape(result) == [
        ("Network", 19_999, "80.00", "80.00", True, False),
        ("Billing", 5_000, "20.00", "100.00", True, False),
        ("Rude", 1, "0.00", "100.00", False, False),
    ]


def test_pareto_share_of_79_99_percent_is_not_enough():
    result = pareto([("Network", 7_999), ("Billing", 2_000), ("Rude", 1)])
    assert [row.vital_few for row in result.rows] == [True, True, False]
    assert str(result.rows[0].cumulative_percent) == "79.99"


def test_pareto_rounds_half_up_and_last_cumulative_is_exactly_100():
    # Thirds: percents 33.33 each (sum 99.99), yet cumulative comes from counts, so it ends at 100.00.
    thirds = pareto([("A", 1), ("B", 1), ("C", 1)])
    assert shape(thirds) == [
        ("A", 1, "33.33", "33.33", True, False),
        ("B", 1, "33.33", "66.67", True, False),
        ("C", 1, "33.33", "100.00", True, False),
    ]
    # 31/32 = 96.875 % and 1/32 = 3.125 %: half up gives 96.88 and 3.13 (half-even would give 3.12).
    halves = pareto([("Rude", 1), ("Billing", 31)])
    assert shape(halves) == [
        ("Billing", 31, "96.88", "96.88", True, False),
        ("Rude", 1, "3.13", "100.00", False, False),
    ]
    assert halves.rows[-1].cumulative_percent == Decimal("100.00")


def test_pareto_allows_zero_counts_and_sorts_them_last():
    result = pareto([("A", 5), ("B", 0), ("C", 5)])
    assert shape(result) == [
        ("A", 5, "50.00", "50.00", True, False),
        ("C", 5, "50.00", "100.00", True, False),
        ("B", 0, "0.00", "100.00", False, False),
    ]


def test_pareto_strips_labels():
    assert [row.label for row in pareto([("  Rude ", 2), ("Billing\n", 1)]).rows] == ["Rude", "Billing"]


def test_pareto_merges_categories_after_the_threshold_into_other():
    items = [("A", 40), ("B", 30), ("C", 15), ("D", 8), ("E", 5), ("F", 2)]
    result = pareto(items, other_after_percent=80)
    assert shape(result) == [
        ("A", 40, "40.00", "40.00", True, False),
        ("B", 30, "30.00", "70.00", True, False),
        ("C", 15, "15.00", "85.00", True, False),
        ("Other", 15, "15.00", "100.00", False, True),
    ]
    assert result.total == 100


def test_pareto_threshold_reached_exactly_keeps_that_category():
    result = pareto([("A", 50), ("B", 30), ("C", 12), ("D", 8)], other_after_percent=Decimal("80"))
    assert [(row.label, row.count, row.is_other) for row in result.rows] == [
        ("A", 50, False),
        ("B", 30, False),
        ("Other", 20, True),
    ]


def test_pareto_other_is_drawn_last_even_when_larger_than_kept_bars():
    result = pareto([("A", 70), ("B", 12), ("C", 6), ("D", 6), ("E", 6)], other_after_percent=80.0)
    assert shape(result) == [
        ("A", 70, "70.00", "70.00", True, False),
        ("B", 12, "12.00", "82.00", True, False),
        ("Other", 18, "18.00", "100.00", False, True),
    ]


def test_pareto_vital_few_is_computed_over_the_merged_rows():
    # Kept: 30, 25 (cumulative 55 % ≥ 50 %); Other (45) is the bar that reaches 80 %, so it is vital.
    result = pareto([("A", 30), ("B", 25), ("C", 20), ("D", 15), ("E", 10)], other_after_percent=50)
    assert shape(result) == [
        ("A", 30, "30.00", "30.00", True, False),
        ("B", 25, "25.00", "55.00", True, False),
        ("Other", 45, "45.00", "100.00", True, True),
    ]
    assert result.vital_few_labels == ["A", "B", "Other"]


def test_pareto_threshold_is_compared_exactly_not_as_a_binary_float():
    # 161/1000 is exactly 16.1 %; the float 16.1 is 16.100000000000001…, and in floats
    # 16.1 × 1000 > 161 × 100, so a float comparison would say A does not reach it and keep B too.
    items = [("A", 161), ("B", 140), ("C", 140), ("D", 140), ("E", 140), ("F", 140), ("G", 139)]
    assert [(row.label, row.count) for row in pareto(items, other_after_percent=16.1).rows] == [
        ("A", 161),
        ("Other", 839),
    ]
    assert [row.label for row in pareto(items, other_after_percent=Decimal("16.11")).rows] == [
        "A",
        "B",
        "Other",
    ]


def test_pareto_without_anything_left_to_merge_adds_no_other_row():
    result = pareto([("A", 50), ("B", 50)], other_after_percent=100)
    assert [(row.label, row.is_other) for row in result.rows] == [("A", False), ("B", False)]


def test_pareto_other_label_can_be_chosen():
    result = pareto([("A", 90), ("B", 5), ("C", 5)], other_after_percent=80, other_label=" 其他 ")
    assert [(row.label, row.count, row.is_other) for row in result.rows] == [
        ("A", 90, False),
        ("其他", 10, True),
    ]


def test_pareto_category_named_like_the_merged_bar_is_merged_when_it_falls_behind():
    result = pareto([("A", 90), ("Other", 6), ("C", 4)], other_after_percent=80)
    assert [(row.label, row.count, row.is_other) for row in result.rows] == [
        ("A", 90, False),
        ("Other", 10, True),
    ]


@pytest.mark.parametrize(
    ("items", "message", "index"),
    [
        ([], "Enter at least one category.", None),
        ([("A", 1), ("", 2)], "Category 2 has no label.", 1),
        ([("   ", 2)], "Category 1 has no label.", 0),
        ([(None, 2)], "Category 1 has no label.", 0),
        ([("A", 1), ("B", -1)], 'The count of "B" cannot be negative.', 1),
        ([("A", 3.0)], 'The count of "A" must be a whole number.', 0),
        ([("A", True)], 'The count of "A" must be a whole number.', 0),
        ([("A", "3")], 'The count of "A" must be a whole number.', 0),
        ([("A", Decimal(3))], 'The count of "A" must be a whole number.', 0),
        ([("Rude", 1), (" Rude ", 2)], 'The category "Rude" appears more than once.', 1),
        ([("A", 1, 2)], "Category 1 must be a label and a count.", 0),
        ([("A", 0), ("B", 0)], "All counts are zero: there is nothing to analyse.", None),
    ],
)
def test_pareto_refuses_bad_items(items, message, index):
    with pytest.raises(AnalysisError, match=f"^{re.escape(message)}$") as info:
        pareto(items)
    assert (info.value.message, info.value.field, info.value.index) == (message, "items", index)


def test_pareto_duplicate_labels_are_case_sensitive():
    assert len(pareto([("Rude", 1), ("rude", 2)]).rows) == 2


@pytest.mark.parametrize("threshold", [0, -5, 100.01, Decimal("0")])
def test_pareto_refuses_a_threshold_outside_0_to_100(threshold):
    with pytest.raises(AnalysisError, match="must be more than 0 and at most 100 percent") as info:
        pareto([("A", 1)], other_after_percent=threshold)
    assert info.value.field == "other_after_percent"


@pytest.mark.parametrize(
    ("threshold", "message"),
    [
        (True, "This must be a number."),
        ("80", "This must be a number."),
        (math.nan, "This must be a finite number."),
        (Decimal("Infinity"), "This must be a finite number."),
    ],
)
def test_pareto_refuses_a_threshold_that_is_not_a_finite_number(threshold, message):
    with pytest.raises(AnalysisError, match=f"^{message}$") as info:
        pareto([("A", 1)], other_after_percent=threshold)
    assert info.value.field == "other_after_percent"


def test_pareto_refuses_an_empty_other_label():
    with pytest.raises(AnalysisError, match="The merged category needs a label.") as info:
        pareto([("A", 1)], other_after_percent=80, other_label="  ")
    assert info.value.field == "other_label"


def test_pareto_names_the_merged_bar_by_its_size_when_a_kept_category_is_called_other():
    result = pareto([("Other", 90), ("B", 6), ("C", 4)], other_after_percent=80)
    assert [(row.label, row.count, row.is_other) for row in result.rows] == [
        ("Other", 90, False),
        ("Other (2)", 10, True),
    ]


def test_analysis_errors_carry_a_translatable_template_and_its_values():
    with pytest.raises(AnalysisError) as info:
        pareto([("A", 1), ("A", 2)])
    assert info.value.template == 'The category "%(label)s" appears more than once.'
    assert info.value.params == {"label": "A"}
    assert info.value.message == 'The category "A" appears more than once.'


# --- p-chart ----------------------------------------------------------------------------------

# Montgomery, Introduction to Statistical Quality Control (6th ed.), Example 7.1: frozen orange
# juice cans, 30 samples of n = 50, defectives below (Σ = 347). The book gives p̄ = 0.2313,
# UCL = 0.4102, LCL = 0.0524 with samples 15 and 23 out of control; with those two excluded the
# revised limits are p̄ = 0.2150, UCL = 0.3893, LCL = 0.0407 (all re-computed here and confirmed).
ORANGE_JUICE_DEFECTIVES = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22]
ORANGE_JUICE_DEFECTIVES += [8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]
ORANGE_JUICE = [(defectives, 50) for defectives in ORANGE_JUICE_DEFECTIVES]

# Montgomery, ISQC, Example 7.3 (Table 7.4): purchase orders over 25 days, variable sample size.
# Σd = 234, Σn = 2450. The book rounds p̄ to 0.096; the unrounded p̄ = 0.09551 gives the limits
# Maple's ProcessControl[PControlLimits] help page prints for the same data (its worked example,
# maplesoft.com/support/help/maple/view.aspx?path=ProcessControl/PControlLimits):
# n = 100 → (0.00733469, 0.18368571), n = 80 → (0, 0.19409342), n = 110 → LCL 0.01143815.
PURCHASE_ORDER_DEFECTIVES = [
    12,
    8,
    6,
    9,
    10,
    12,
    11,
    16,
    10,
    6,
    20,
    15,
    9,
    8,
    6,
    8,
    10,
    7,
    5,
    8,
    5,
    8,
    10,
    6,
    9,
]
PURCHASE_ORDER_SIZES = [100, 80, 80, 100, 110, 110, 100, 100, 90, 90, 110, 120, 120]
PURCHASE_ORDER_SIZES += [120, 110, 80, 80, 80, 90, 100, 100, 100, 100, 90, 90]
PURCHASE_ORDERS = list(zip(PURCHASE_ORDER_DEFECTIVES, PURCHASE_ORDER_SIZES, strict=True))


def test_p_chart_matches_montgomery_orange_juice_trial_limits():
    result = p_chart(ORANGE_JUICE)
    assert result.center_line == 347 / 1500
    assert round(result.center_line, 4) == 0.2313
    assert {round(point.ucl, 4) for point in result.points} == {0.4102}
    assert {round(point.lcl, 4) for point in result.points} == {0.0524}
    # Samples 15 (22/50 = 0.44) and 23 (24/50 = 0.48), 1-based in the book.
    assert result.out_of_control_indices == [14, 22]
    assert result.revised is None
    assert result.excluded == ()


def test_p_chart_revised_limits_match_montgomery_orange_juice():
    result = p_chart(ORANGE_JUICE, revise=True)
    assert result.excluded == (14, 22)
    assert result.out_of_control_indices == [14, 22]  # the trial flags are kept
    revised = result.revised
    assert revised.center_line == 301 / 1400
    assert round(revised.center_line, 4) == 0.2150
    assert {round(point.ucl, 4) for point in revised.points} == {0.3893}
    assert {round(point.lcl, 4) for point in revised.points} == {0.0407}
    # Revised limits are drawn for every sample, the excluded ones too; against them sample 21
    # (20/50 = 0.40 > 0.3893) is also above the UCL.
    assert len(revised.points) == 30
    assert revised.out_of_control_indices == [14, 20, 22]


def test_p_chart_with_variable_sample_size_gives_each_sample_its_own_limits():
    result = p_chart(PURCHASE_ORDERS)
    assert result.center_line == 234 / 2450
    by_size = {point.size: (point.lcl, point.ucl) for point in result.points}
    assert by_size[100] == pytest.approx((0.00733469, 0.18368571), abs=1e-6)
    assert by_size[80] == (0.0, pytest.approx(0.19409342, abs=1e-6))  # LCL clamped at 0
    assert by_size[110] == pytest.approx((0.01143815, 0.17958225), abs=1e-6)
    # Hand computed from p̄ ± 3·√(p̄(1−p̄)/n):
    assert by_size[90] == pytest.approx((0.00256506, 0.18845535), abs=1e-6)
    assert by_size[120] == pytest.approx((0.01501734, 0.17600306), abs=1e-6)
    # Day 11: 20/110 = 0.1818 is above its own UCL 0.1796, though below the n = 80 limit.
    assert result.out_of_control_indices == [10]
    day_11 = result.points[10]
    assert (day_11.index, day_11.defectives, day_11.size) == (10, 20, 110)
    assert day_11.proportion == 20 / 110


def test_p_chart_centre_line_is_pooled_not_the_mean_of_proportions():
    result = p_chart([(5, 10), (10, 100)])
    assert result.center_line == 15 / 110  # the mean of proportions would be 0.30


def test_p_chart_clamps_limits_to_0_and_1_and_a_point_on_a_limit_is_in_control():
    result = p_chart([(1, 1), (0, 1)])
    assert result.center_line == 0.5
    assert [(point.lcl, point.ucl) for point in result.points] == [(0.0, 1.0), (0.0, 1.0)]
    assert result.out_of_control_indices == []


def test_p_chart_with_no_defectives_at_all_flags_nothing():
    result = p_chart([(0, 20), (0, 30)], revise=True)
    assert result.center_line == 0.0
    assert [(point.lcl, point.ucl, point.out_of_control) for point in result.points] == [
        (0.0, 0.0, False),
        (0.0, 0.0, False),
    ]
    assert (result.revised, result.excluded) == (None, ())


def test_p_chart_revision_needs_something_flagged_and_something_left():
    in_control = p_chart([(5, 50), (6, 50), (4, 50)], revise=True)
    assert (in_control.revised, in_control.excluded) == (None, ())

    # p̄ = 0.5 with limits 0.4526…0.5474: both samples are outside, so nothing would be left.
    all_flagged = p_chart([(0, 1000), (1000, 1000)], revise=True)
    assert all_flagged.out_of_control_indices == [0, 1]
    assert (all_flagged.revised, all_flagged.excluded) == (None, ())


@pytest.mark.parametrize(
    ("samples", "message", "index"),
    [
        ([], "Enter at least one sample.", None),
        ([(1, 10), (2, 10), (0, 0)], "Sample 3 has size 0: a sample needs at least one item.", 2),
        ([(1, -5)], "Sample 1 has size -5: a sample needs at least one item.", 0),
        ([(11, 10)], "Sample 1 has more defectives than its size (11 of 10).", 0),
        ([(1, 10), (-1, 10)], "Sample 2 has a negative number of defectives.", 1),
        ([(True, 10)], "Sample 1 must have whole numbers of defectives and items.", 0),
        ([(1, 10.0)], "Sample 1 must have whole numbers of defectives and items.", 0),
        ([(1,)], "Sample 1 must be a number of defectives and a sample size.", 0),
    ],
)
def test_p_chart_refuses_bad_samples(samples, message, index):
    with pytest.raises(AnalysisError, match=f"^{re.escape(message)}$") as info:
        p_chart(samples)
    assert (info.value.field, info.value.index) == ("samples", index)


# --- Two-proportion test ----------------------------------------------------------------------


def test_two_proportion_test_matches_openstax_hives_example():
    # OpenStax Introductory Statistics §10.3 (Illowsky & Dean), medication for hives: 20 of 200
    # adults on medication A and 12 of 200 on B still had hives; pooled p = 0.08, p-value = 0.1404,
    # not significant at the 1 % level. (TI-84 2-PropZTest: z = 1.47 for A − B.)
    result = two_proportion_test(
        before_successes=20, before_n=200, after_successes=12, after_n=200, confidence=0.99
    )
    assert (result.before_rate, result.after_rate) == (0.1, 0.06)
    assert result.difference == pytest.approx(-0.04, abs=1e-12)
    assert result.pooled_rate == 0.08
    assert result.z == pytest.approx(-1.4744, abs=5e-5)
    assert result.p_value == pytest.approx(0.1404, abs=5e-5)
    assert result.significant is False
    # Unpooled 99 % interval, hand computed: −0.04 ± 2.5758 × 0.027055.
    assert (result.ci_low, result.ci_high) == (
        pytest.approx(-0.1097, abs=5e-5),
        pytest.approx(0.0297, abs=5e-5),
    )
    assert result.confidence == 0.99


def test_two_proportion_test_matches_openintro_cpr_example():
    # OpenIntro Statistics (4th ed.) §6.2, blood thinner after CPR: survived 11 of 50 in the control
    # group and 14 of 40 in the treatment group; difference 0.13, SE 0.095, 90 % CI (−0.027, 0.287).
    # Hope College's course notes on the same data (math.hope.edu/bekmetjev/115/F25/Slides/Ch17.html):
    # z = 1.37, p = 0.171, 95 % normal-approximation CI (−0.057, 0.317).
    result = two_proportion_test(before_successes=11, before_n=50, after_successes=14, after_n=40)
    assert result.difference == pytest.approx(0.13, abs=1e-12)
    assert result.pooled_rate == 25 / 90
    assert result.z == pytest.approx(1.3682, abs=5e-5)
    assert result.p_value == pytest.approx(0.1712, abs=5e-5)
    assert (round(result.ci_low, 3), round(result.ci_high, 3)) == (-0.057, 0.317)
    assert result.significant is False

    at_90 = two_proportion_test(
        before_successes=11, before_n=50, after_successes=14, after_n=40, confidence=0.90
    )
    assert (round(at_90.ci_low, 3), round(at_90.ci_high, 3)) == (-0.027, 0.287)
    assert at_90.p_value == result.p_value  # the test does not depend on the confidence level


def test_two_proportion_test_flags_a_significant_drop():
    # Hand computed: pooled p = 0.4, SE = √(0.4·0.6·0.02) = 0.069282, z = −0.2 / 0.069282 = −2.8868.
    result = two_proportion_test(before_successes=50, before_n=100, after_successes=30, after_n=100)
    assert result.z == pytest.approx(-2.8868, abs=5e-5)
    assert result.p_value == pytest.approx(0.0039, abs=5e-5)
    assert result.p_value == pytest.approx(2 * (1 - analysis.NormalDist().cdf(abs(result.z))))
    assert (result.ci_low, result.ci_high) == (
        pytest.approx(-0.3329, abs=5e-5),
        pytest.approx(-0.0671, abs=5e-5),
    )
    assert result.significant is True


@pytest.mark.parametrize(("before", "after"), [((0, 10), (0, 20)), ((10, 10), (20, 20))])
def test_two_proportion_test_without_variation_has_no_z(before, after):
    result = two_proportion_test(
        before_successes=before[0], before_n=before[1], after_successes=after[0], after_n=after[1]
    )
    assert (result.z, result.p_value, result.significant) == (None, None, False)
    assert (result.difference, result.ci_low, result.ci_high) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"before_n": 0}, "before_n", "The sample size must be at least 1."),
        ({"after_n": 0, "after_successes": 0}, "after_n", "The sample size must be at least 1."),
        (
            {"before_successes": 11},
            "before_successes",
            "The count must be between 0 and the sample size (10).",
        ),
        ({"after_successes": -1}, "after_successes", "The count must be between 0 and the sample size (10)."),
        ({"before_successes": True}, "before_successes", "The count must be a whole number."),
        ({"after_n": 10.0}, "after_n", "The sample size must be a whole number."),
        ({"confidence": 0}, "confidence", "The confidence level must be between 0 and 1, e.g. 0.95."),
        ({"confidence": 1}, "confidence", "The confidence level must be between 0 and 1, e.g. 0.95."),
        ({"confidence": 95}, "confidence", "The confidence level must be between 0 and 1, e.g. 0.95."),
        ({"confidence": math.nan}, "confidence", "The confidence level must be between 0 and 1, e.g. 0.95."),
        ({"confidence": True}, "confidence", "The confidence level must be a number."),
    ],
)
def test_two_proportion_test_refuses_bad_input(arguments, field, message):
    values = {"before_successes": 5, "before_n": 10, "after_successes": 5, "after_n": 10} | arguments
    with pytest.raises(AnalysisError, match=f"^{re.escape(message)}$") as info:
        two_proportion_test(**values)
    assert info.value.field == field


# --- Ratings ----------------------------------------------------------------------------------


def test_topic_score_adds_the_three_ratings():
    assert topic_score(urgency=5, controllability=4, time_bound=3) == 12
    assert topic_score(urgency=5, controllability=5, time_bound=5) == 15
    assert topic_score(urgency=1, controllability=1, time_bound=1) == 3
    assert list(RATING_RANGE) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("ratings", "field", "message"),
    [
        ({"urgency": 0}, "urgency", "Rate urgency with a whole number from 1 to 5."),
        ({"controllability": 6}, "controllability", "Rate controllability with a whole number from 1 to 5."),
        ({"time_bound": 3.0}, "time_bound", "Rate time-boundedness with a whole number from 1 to 5."),
        ({"urgency": True}, "urgency", "Rate urgency with a whole number from 1 to 5."),
    ],
)
def test_topic_score_refuses_ratings_outside_1_to_5(ratings, field, message):
    with pytest.raises(AnalysisError, match=f"^{message}$") as info:
        topic_score(**({"urgency": 3, "controllability": 3, "time_bound": 3} | ratings))
    assert info.value.field == field


def test_countermeasure_priority_follows_the_formula():
    # expected effect × controllability × (6 − cost) × 2 if the team can decide alone
    assert (
        countermeasure_priority(controllability=4, expected_effect=5, cost=2, team_decides_alone=False) == 80
    )
    assert (
        countermeasure_priority(controllability=4, expected_effect=5, cost=2, team_decides_alone=True) == 160
    )
    assert (
        countermeasure_priority(controllability=5, expected_effect=5, cost=1, team_decides_alone=True) == 250
    )
    assert (
        countermeasure_priority(controllability=1, expected_effect=1, cost=5, team_decides_alone=False) == 1
    )
    assert (
        PRIORITY_FORMULA == "expected effect × controllability × (6 − cost) × 2 if the team can decide alone"
    )


@pytest.mark.parametrize(
    ("ratings", "field", "message"),
    [
        ({"controllability": 0}, "controllability", "Rate controllability with a whole number from 1 to 5."),
        ({"expected_effect": 6}, "expected_effect", "Rate expected effect with a whole number from 1 to 5."),
        ({"cost": 0}, "cost", "Rate cost with a whole number from 1 to 5."),
        (
            {"team_decides_alone": 1},
            "team_decides_alone",
            "Say whether the team can decide alone (yes or no).",
        ),
    ],
)
def test_countermeasure_priority_refuses_bad_ratings(ratings, field, message):
    values = {"controllability": 3, "expected_effect": 3, "cost": 3, "team_decides_alone": False} | ratings
    with pytest.raises(AnalysisError, match=f"^{re.escape(message)}$") as info:
        countermeasure_priority(**values)
    assert info.value.field == field


def test_goal_met_up_means_at_or_above_target():
    assert goal_met(direction="up", value=Decimal("85.00"), target=Decimal("85")) is True
    assert goal_met(direction="up", value=Decimal("84.99"), target=Decimal("85")) is False
    assert goal_met(direction="up", value=92.5, target=Decimal("90")) is True


def test_goal_met_down_means_at_or_below_target():
    assert goal_met(direction="down", value=Decimal("3.0"), target=Decimal("3")) is True
    assert goal_met(direction="down", value=3.01, target=3) is False
    assert goal_met(direction="down", value=Decimal("2.5"), target=3.0) is True


def test_goal_met_compares_floats_by_their_decimal_value():
    # As binary floats 0.1 is a hair above Decimal("0.1"); a target of 0.1 must still be met exactly.
    assert goal_met(direction="down", value=0.1, target=Decimal("0.1")) is True
    assert goal_met(direction="up", value=Decimal("0.3"), target=0.1 + 0.2) is False  # 0.30000000000000004


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"direction": "higher"}, "direction", 'The direction must be "up" or "down".'),
        ({"value": "85"}, "value", "This must be a number."),
        ({"target": math.inf}, "target", "This must be a finite number."),
    ],
)
def test_goal_met_refuses_bad_input(arguments, field, message):
    with pytest.raises(AnalysisError, match=f"^{message}$") as info:
        goal_met(**({"direction": "up", "value": Decimal("1"), "target": Decimal("1")} | arguments))
    assert info.value.field == field


# --- The module itself ------------------------------------------------------------------------


def test_analysis_error_is_a_value_error_with_its_message():
    error = AnalysisError("Bad row.", field="items", index=3)
    assert isinstance(error, ValueError)
    assert (str(error), error.message, error.field, error.index) == ("Bad row.", "Bad row.", "items", 3)
    assert (AnalysisError("Bad.").field, AnalysisError("Bad.").index) == (None, None)


def test_analysis_module_has_no_django_imports():
    tree = ast.parse(Path(analysis.__file__).read_text(encoding="utf-8"))
    imported = [
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert [name for name in imported if name.split(".")[0] in ("django", "rest_framework", "apps")] == []
