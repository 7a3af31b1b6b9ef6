"""Calibration statistics of DESIGN.md §4 on plain data (no Django imports).

When several evaluators score the same call, a closed calibration session shows: each evaluator's
total score with its deviation from the reference (benchmark) evaluator and from the mean, the spread
of totals and who is outside the tolerance band; per criterion the spread of points, who differed and
the alignment with the reference; and Krippendorff's alpha (interval metric) over the criteria, a
chance-corrected agreement figure. The service that closes a session, the results page, the API and
the per-evaluator history all read these numbers from here.

Every refusal is an :class:`AgreementError` whose message a user can read; ``field`` names the input
at fault ("reference", "tolerance", "scores", "criteria", "units") so a form can show it there.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

# Krippendorff's own reading of alpha: "rely only on variables with reliabilities above α = .800",
# and "consider variables with reliabilities between α = .667 and α = .800 only for drawing
# tentative conclusions" (Krippendorff, Content Analysis: An Introduction to Its Methodology,
# 2nd ed., 2004, §11.4.4, p. 241).
ALPHA_GOOD = 0.8
ALPHA_TENTATIVE = 0.667

ALPHA_GOOD_READING = "good"
ALPHA_TENTATIVE_READING = "tentative"
ALPHA_UNRELIABLE_READING = "unreliable"
ALPHA_NOT_AVAILABLE_READING = "not_available"

SCORE_PLACES = 2  # scores, deviations, means and spreads: like the evaluation score itself
ALIGNMENT_PLACES = 4  # alignments are fractions of 1; 4 places = hundredths of a percent
MAX_SCORE = 100


class AgreementError(ValueError):
    """Input the calibration statistics cannot use.

    ``message`` is plain English for the user and ``field`` names the input at fault. ``template``
    and ``params`` are the untranslated message and its values, so a caller with a translation
    catalogue can show it in the user's language: ``gettext(error.template) % error.params``.
    """

    def __init__(self, template: str, *, field: str | None = None, **params: object):
        message = template % params if params else template
        super().__init__(message)
        self.message = message
        self.template = template
        self.params = params
        self.field = field


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue (Django's makemessages looks for this name)
    without importing Django: this module stays pure."""
    return message


def _is_whole(value: object) -> bool:
    """A real ``int``: not a bool (True is 1 to Python), not a float like 3.0."""
    return isinstance(value, int) and not isinstance(value, bool)


def _exact(value: object, *, field: str, template: str, **params: object) -> Fraction:
    """``value`` as an exact Fraction (floats exactly as stored); refuses non-numbers and NaN/∞."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise AgreementError(template, field=field, **params)
    if (isinstance(value, float) and not math.isfinite(value)) or (
        isinstance(value, Decimal) and not value.is_finite()
    ):
        raise AgreementError(template, field=field, **params)
    return Fraction(value)


def _round_half_up(value: Fraction, places: int) -> Decimal:
    """``value`` with ``places`` decimals, ties away from zero (Decimal's ROUND_HALF_UP).

    Integer arithmetic on the exact fraction, so a mean like 250/3 is rounded once, not after
    a first rounding to 28 digits: round-half-up of a/b is ⌊(2a + b) ÷ 2b⌋ for a ≥ 0, b > 0.
    """
    scale = 10**places
    magnitude = (2 * abs(value.numerator) * scale + value.denominator) // (2 * value.denominator)
    return Decimal(magnitude if value >= 0 else -magnitude).scaleb(-places)


def _mean(values: Sequence[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def _sample_standard_deviation(values: Sequence[Fraction]) -> Decimal | None:
    """s = √(Σ(x − x̄)² ÷ (n − 1)), rounded to 2 places; None with fewer than 2 values.

    The sample (n − 1) form, not the population (n) form: it is what a QA manager's spreadsheet
    STDEV / STDEV.S gives for the same totals, so the two can be compared, and a calibration is a
    sample of how the team scores, not the whole population of its evaluations.
    """
    if len(values) < 2:
        return None
    mean = sum(values, Fraction(0)) / len(values)
    variance = sum(((value - mean) ** 2 for value in values), Fraction(0)) / (len(values) - 1)
    with localcontext() as context:
        # √ of the exact variance to 40 significant digits (Decimal's sqrt is correctly rounded),
        # then one half-up rounding to 2 places.
        context.prec = 40
        root = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
        return root.quantize(Decimal(1).scaleb(-SCORE_PLACES), rounding=ROUND_HALF_UP)


# --- Krippendorff's alpha -----------------------------------------------------------------------


def krippendorff_alpha_interval(units: Sequence[Sequence[float | int | None]]) -> float | None:
    """Krippendorff's alpha with the interval metric.

    ``units``: one row per unit (criterion), one value per coder (evaluator), None = missing (N/A
    or not rated). Units with fewer than two pairable values are left out. Returns None when there
    is nothing to compute (fewer than 2 pairable values overall) and 1.0 when the expected
    disagreement is 0 but there are pairable values: every value is the same, which Krippendorff's
    formula leaves as 0/0; for a calibration that is perfect agreement, so it is reported as such.
    """
    # Source: Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
    # for Communication, Departmental Papers 43, https://repository.upenn.edu/asc_papers/43,
    # §C "Multiple values, any metric, missing data":
    #   α = 1 − D_o / D_e = 1 − (n − 1) · Σ_c Σ_k o_ck δ²_ck ÷ Σ_c Σ_k n_c n_k δ²_ck
    # with o_ck = Σ_u (number of c–k pairs in unit u) ÷ (m_u − 1), m_u the number of values in
    # unit u, n = Σ m_u over the units with m_u ≥ 2 (the "pairable" values) and, for the interval
    # metric, δ²_ck = (c − k)².
    # Summing over values instead of over the coincidence matrix gives the same numbers: with the
    # elementary identity Σ_i Σ_j (x_i − x_j)² = 2m Σ_i (x_i − x̄)² over m values,
    #   Σ_c Σ_k o_ck δ²_ck = Σ_u 2 m_u SS_u ÷ (m_u − 1)   and   Σ_c Σ_k n_c n_k δ²_ck = 2n SS,
    # SS_u the sum of squares about the unit's mean and SS about the mean of all pairable values.
    # That is O(n) instead of O(n²), and done in exact fractions, so the only rounding is the final
    # conversion to float.
    pairable_units: list[list[Fraction]] = []
    for unit_number, unit in enumerate(units, start=1):
        values = [
            _exact(
                value,
                field="units",
                template=gettext_noop("Every rating of unit %(unit)s must be a finite number or missing."),
                unit=unit_number,
            )
            for value in unit
            if value is not None
        ]
        if len(values) >= 2:
            pairable_units.append(values)

    pairable = [value for values in pairable_units for value in values]
    n = len(pairable)
    if n < 2:
        return None

    total_sum_of_squares = _sum_of_squares(pairable)
    if total_sum_of_squares == 0:
        return 1.0
    within_units = sum(
        (len(values) * _sum_of_squares(values) / (len(values) - 1) for values in pairable_units),
        Fraction(0),
    )
    # 1 − (n − 1) · Σ_u 2 m_u SS_u/(m_u − 1) ÷ (2n SS); the 2s cancel.
    return float(1 - (n - 1) * within_units / (n * total_sum_of_squares))


def _sum_of_squares(values: Sequence[Fraction]) -> Fraction:
    mean = sum(values, Fraction(0)) / len(values)
    return sum(((value - mean) ** 2 for value in values), Fraction(0))


# --- Calibration result -------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionRatings:
    """What every evaluator answered on one criterion: evaluator id → points, None = N/A."""

    criterion_id: int
    max_points: int
    points: Mapping[int, int | None]


@dataclass(frozen=True)
class EvaluatorResult:
    evaluator_id: int
    score: Decimal | None
    deviation_from_reference: Decimal | None
    deviation_from_mean: Decimal | None
    alignment: Decimal | None
    outside_tolerance: bool


@dataclass(frozen=True)
class CriterionResult:
    """``alignment``: per evaluator, 1 − |points − reference points| ÷ max points (None when either
    is N/A or there is no reference). ``reference_points`` is None without a reference and when
    the reference answered N/A."""

    criterion_id: int
    max_points: int
    points: Mapping[int, int | None]
    mean: Decimal | None
    spread: Decimal | None
    differing_evaluators: tuple[int, ...]
    reference_points: int | None
    alignment: Mapping[int, Decimal | None]


@dataclass(frozen=True)
class CalibrationResult:
    evaluators: tuple[EvaluatorResult, ...]
    criteria: tuple[CriterionResult, ...]
    mean_score: Decimal | None
    spread: Decimal | None
    alpha_interval: float | None
    reference_id: int | None
    tolerance: Decimal

    @property
    def alpha_reading(self) -> str:
        return alpha_reading(self.alpha_interval)


def alpha_reading(alpha: float | None) -> str:
    """ "good" (α ≥ 0.8), "tentative" (0.667 ≤ α < 0.8), "unreliable" (below) or
    "not_available" (no alpha); thresholds from Krippendorff (2004), see ALPHA_GOOD."""
    if alpha is None:
        return ALPHA_NOT_AVAILABLE_READING
    if alpha >= ALPHA_GOOD:
        return ALPHA_GOOD_READING
    if alpha >= ALPHA_TENTATIVE:
        return ALPHA_TENTATIVE_READING
    return ALPHA_UNRELIABLE_READING


def calibration_result(
    *,
    scores: Mapping[int, Decimal | None],
    criteria: Sequence[CriterionRatings],
    reference_id: int | None,
    tolerance: Decimal,
) -> CalibrationResult:
    """The results of a closed calibration session (DESIGN.md §4).

    ``scores``: evaluator id → total score 0–100 from the scoring rules (None if not computable);
    ``criteria``: every criterion's points by evaluator; ``reference_id``: the benchmark evaluator
    or None; ``tolerance``: the band, in score points, beyond which an evaluator is flagged.
    """
    exact_tolerance = _validated_tolerance(tolerance)
    exact_scores = _validated_scores(scores)
    if reference_id is not None and reference_id not in exact_scores:
        raise AgreementError(
            gettext_noop("The reference evaluator must be one of the evaluators who submitted."),
            field="reference",
        )
    evaluator_ids = sorted(exact_scores)
    _validate_criteria(criteria, evaluator_ids)

    computable = [score for score in exact_scores.values() if score is not None]
    mean = _mean(computable)
    reference_score = exact_scores[reference_id] if reference_id is not None else None

    criterion_results = tuple(
        _criterion_result(ratings, evaluator_ids=evaluator_ids, reference_id=reference_id)
        for ratings in criteria
    )

    evaluators = []
    for evaluator_id in evaluator_ids:
        score = exact_scores[evaluator_id]
        from_mean = _rounded_difference(score, mean)
        from_reference = _rounded_difference(score, reference_score)
        # With a usable reference score the band is around the reference, otherwise around the
        # mean. The rounded (displayed) deviation is compared, so the flag always agrees with the
        # number on the page: a deviation shown as 5.00 is inside a ±5 band.
        compared = from_reference if reference_score is not None else from_mean
        evaluators.append(
            EvaluatorResult(
                evaluator_id=evaluator_id,
                score=_round_half_up(score, SCORE_PLACES) if score is not None else None,
                deviation_from_reference=from_reference,
                deviation_from_mean=from_mean,
                alignment=_evaluator_alignment(evaluator_id, criteria, reference_id),
                outside_tolerance=compared is not None and abs(compared) > exact_tolerance,
            )
        )

    # Criteria are the units and evaluators the coders; N/A is a missing value.
    alpha = krippendorff_alpha_interval(
        [[ratings.points[evaluator_id] for evaluator_id in evaluator_ids] for ratings in criteria]
    )
    return CalibrationResult(
        evaluators=tuple(evaluators),
        criteria=criterion_results,
        mean_score=_round_half_up(mean, SCORE_PLACES) if mean is not None else None,
        spread=_sample_standard_deviation(computable),
        alpha_interval=alpha,
        reference_id=reference_id,
        tolerance=Decimal(tolerance),
    )


def _validated_tolerance(tolerance: object) -> Fraction:
    exact = _exact(tolerance, field="tolerance", template=gettext_noop("The tolerance must be a number."))
    if exact < 0:
        raise AgreementError(gettext_noop("The tolerance cannot be negative."), field="tolerance")
    return exact


def _validated_scores(scores: Mapping[int, object]) -> dict[int, Fraction | None]:
    # Counted on submissions, not on computable scores: an evaluator whose score is not computable
    # still answered every criterion and takes part in the per-criterion figures and in alpha.
    if len(scores) < 2:
        raise AgreementError(gettext_noop("At least two evaluators must have submitted."))
    exact_scores: dict[int, Fraction | None] = {}
    for evaluator_id, score in scores.items():
        if score is None:
            exact_scores[evaluator_id] = None
            continue
        template = gettext_noop("The score of evaluator %(evaluator)s must be a number from 0 to 100.")
        exact = _exact(score, field="scores", template=template, evaluator=evaluator_id)
        if not 0 <= exact <= MAX_SCORE:
            raise AgreementError(template, field="scores", evaluator=evaluator_id)
        exact_scores[evaluator_id] = exact
    return exact_scores


def _validate_criteria(criteria: Sequence[CriterionRatings], evaluator_ids: Sequence[int]) -> None:
    seen: set[int] = set()
    for ratings in criteria:
        criterion = ratings.criterion_id
        if criterion in seen:
            raise AgreementError(
                gettext_noop("Criterion %(criterion)s appears more than once."),
                field="criteria",
                criterion=criterion,
            )
        seen.add(criterion)
        if not _is_whole(ratings.max_points) or ratings.max_points < 0:
            raise AgreementError(
                gettext_noop("The maximum points of criterion %(criterion)s must be a whole number ≥ 0."),
                field="criteria",
                criterion=criterion,
            )
        for evaluator_id in ratings.points:
            if evaluator_id not in evaluator_ids:
                raise AgreementError(
                    gettext_noop(
                        "Criterion %(criterion)s has points from evaluator %(evaluator)s, "
                        "who has no submission in this session."
                    ),
                    field="criteria",
                    criterion=criterion,
                    evaluator=evaluator_id,
                )
        for evaluator_id in evaluator_ids:
            # A missing answer is refused rather than read as N/A: N/A is an answer and counts
            # as one in "who differed", a missing one would be a bug upstream.
            if evaluator_id not in ratings.points:
                raise AgreementError(
                    gettext_noop("Criterion %(criterion)s has no answer from evaluator %(evaluator)s."),
                    field="criteria",
                    criterion=criterion,
                    evaluator=evaluator_id,
                )
            points = ratings.points[evaluator_id]
            if points is None:
                continue
            if not _is_whole(points) or not 0 <= points <= ratings.max_points:
                raise AgreementError(
                    gettext_noop(
                        "Evaluator %(evaluator)s gave criterion %(criterion)s %(points)s points: "
                        "it takes a whole number from 0 to %(max_points)s."
                    ),
                    field="criteria",
                    criterion=criterion,
                    evaluator=evaluator_id,
                    points=points,
                    max_points=ratings.max_points,
                )


def _rounded_difference(value: Fraction | None, base: Fraction | None) -> Decimal | None:
    if value is None or base is None:
        return None
    return _round_half_up(value - base, SCORE_PLACES)


def _criterion_alignment(
    points: int | None, reference_points: int | None, max_points: int
) -> Fraction | None:
    """1 − |points − reference points| ÷ max points (DESIGN.md §4); None when either is N/A or the
    criterion is worth nothing."""
    if points is None or reference_points is None or max_points <= 0:
        return None
    return 1 - Fraction(abs(points - reference_points), max_points)


def _criterion_result(
    ratings: CriterionRatings, *, evaluator_ids: Sequence[int], reference_id: int | None
) -> CriterionResult:
    points = {evaluator_id: ratings.points[evaluator_id] for evaluator_id in evaluator_ids}
    answered = [Fraction(value) for value in points.values() if value is not None]
    mean = _mean(answered)

    if reference_id is not None:
        reference_points = points[reference_id]
        benchmark = reference_points
    else:
        reference_points = None
        benchmark = _modal_answer(list(points.values()))
    # N/A (None) is an answer of its own: None != 3, so N/A against a number differs, N/A against
    # N/A does not.
    differing = tuple(evaluator_id for evaluator_id, value in points.items() if value != benchmark)

    alignment: dict[int, Decimal | None] = {}
    for evaluator_id, value in points.items():
        exact = (
            _criterion_alignment(value, reference_points, ratings.max_points)
            if reference_id is not None
            else None
        )
        alignment[evaluator_id] = _round_half_up(exact, ALIGNMENT_PLACES) if exact is not None else None

    return CriterionResult(
        criterion_id=ratings.criterion_id,
        max_points=ratings.max_points,
        points=points,
        mean=_round_half_up(mean, SCORE_PLACES) if mean is not None else None,
        spread=_sample_standard_deviation(answered),
        differing_evaluators=differing,
        reference_points=reference_points,
        alignment=alignment,
    )


def _modal_answer(answers: Sequence[int | None]) -> int | None:
    """The most frequent answer, N/A included; on a tie the smallest number, and N/A only when
    no number is as frequent (a tie between N/A and a number goes to the number)."""
    counts = Counter(answers)
    return min(counts, key=lambda answer: (-counts[answer], answer is None, answer or 0))


def _evaluator_alignment(
    evaluator_id: int, criteria: Sequence[CriterionRatings], reference_id: int | None
) -> Decimal | None:
    """Σ(alignment_c × max_points_c) ÷ Σ max_points_c over the criteria where alignment_c exists
    (DESIGN.md §4: the average weighted by max points), from the exact per-criterion values."""
    if reference_id is None:
        return None
    weighted = Fraction(0)
    weights = 0
    for ratings in criteria:
        exact = _criterion_alignment(
            ratings.points[evaluator_id], ratings.points[reference_id], ratings.max_points
        )
        if exact is None:
            continue
        weighted += exact * ratings.max_points
        weights += ratings.max_points
    if weights == 0:
        return None
    return _round_half_up(weighted / weights, ALIGNMENT_PLACES)
