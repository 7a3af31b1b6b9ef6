"""TQM calculations of DESIGN.md §6 on plain data (no Django imports).

Pareto analysis, p-chart control limits, the before/after two-proportion test and the small
rating formulas of the seven-step method (topic score, countermeasure priority, goal met).
Pages, the API, the A3 report and the stateless calculators all call these functions, so the
numbers people check against their textbooks come from one place.

Every refusal is an :class:`AnalysisError` whose message a user can read; ``field`` and ``index``
say which input (and which 0-based row of it) was wrong, so forms can put the error next to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from statistics import NormalDist

RATING_RANGE = range(1, 6)

# The wording shown next to a countermeasure's priority (the page translates its own copy).
PRIORITY_FORMULA = "expected effect × controllability × (6 − cost) × 2 if the team can decide alone"

# Vital few = categories up to and including the first whose cumulative share reaches 80 %
# (Juran's Pareto principle, as DESIGN.md §6 fixes it).
VITAL_FEW_PERCENT = 80

# Shewhart control limits sit three standard deviations from the centre line
# (Montgomery, Introduction to Statistical Quality Control, §7.2 "control chart for fraction
# nonconforming").
CONTROL_LIMIT_SIGMAS = 3


class AnalysisError(ValueError):
    """Input the calculations cannot use.

    ``message`` is plain English for the user, ``field`` names the input ("items", "samples",
    "urgency", …) and ``index`` is the 0-based row of that input at fault, when there is one.
    """

    def __init__(
        self, template: str, *, field: str | None = None, index: int | None = None, **params: object
    ):
        message = template % params if params else template
        super().__init__(message)
        self.message = message
        # The untranslated template and its values, so a caller with a translation catalogue can
        # show the message in the user's language: gettext(error.template) % error.params.
        self.template = template
        self.params = params
        self.field = field
        self.index = index


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue (Django's makemessages looks for this name)
    without importing Django: this module stays pure."""
    return message


def _is_whole(value: object) -> bool:
    """A real ``int``: not a bool (True is 1 to Python, not a count), not a float like 3.0."""
    return isinstance(value, int) and not isinstance(value, bool)


def _exact_number(value: object, *, field: str) -> Decimal:
    """``value`` as a finite Decimal. Floats go through ``repr`` so 33.3 means 33.3, not 33.29999…"""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise AnalysisError(gettext_noop("This must be a number."), field=field)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise AnalysisError(gettext_noop("This must be a finite number."), field=field)
    return number


def _hundredths_half_up(numerator: int, denominator: int) -> Decimal:
    """numerator × 100 ÷ denominator as a percent with 2 decimals, rounded half up.

    Integer arithmetic, so no intermediate rounding: round-half-up of a/b is ⌊(2a + b) ÷ 2b⌋
    for a ≥ 0, b > 0, taken here with a = numerator × 100 × 100 (percent, in hundredths).
    """
    hundredths = (2 * numerator * 10_000 + denominator) // (2 * denominator)
    return Decimal(hundredths).scaleb(-2)


# --- Pareto -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParetoRow:
    label: str
    count: int
    percent: Decimal
    cumulative_percent: Decimal
    vital_few: bool
    is_other: bool = False


@dataclass(frozen=True)
class ParetoResult:
    rows: tuple[ParetoRow, ...]
    total: int

    @property
    def vital_few_labels(self) -> list[str]:
        return [row.label for row in self.rows if row.vital_few]


def _validated_items(items: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    if not items:
        raise AnalysisError(gettext_noop("Enter at least one category."), field="items")
    seen: set[str] = set()
    cleaned: list[tuple[str, int]] = []
    for index, item in enumerate(items):
        number = index + 1
        try:
            label, count = item
        except (TypeError, ValueError):
            raise AnalysisError(
                gettext_noop("Category %(number)s must be a label and a count."),
                field="items",
                index=index,
                number=number,
            ) from None
        if not isinstance(label, str) or not label.strip():
            raise AnalysisError(
                gettext_noop("Category %(number)s has no label."), field="items", index=index, number=number
            )
        label = label.strip()
        if not _is_whole(count):
            raise AnalysisError(
                gettext_noop('The count of "%(label)s" must be a whole number.'),
                field="items",
                index=index,
                label=label,
            )
        if count < 0:
            raise AnalysisError(
                gettext_noop('The count of "%(label)s" cannot be negative.'),
                field="items",
                index=index,
                label=label,
            )
        if label in seen:
            raise AnalysisError(
                gettext_noop('The category "%(label)s" appears more than once.'),
                field="items",
                index=index,
                label=label,
            )
        seen.add(label)
        cleaned.append((label, count))
    return cleaned


def _pareto_rows(counted: Sequence[tuple[str, int, bool]], total: int) -> tuple[ParetoRow, ...]:
    """Percentages and the vital-few flag over rows already in drawing order."""
    rows = []
    cumulative = 0
    vital = True
    for label, count, is_other in counted:
        cumulative += count
        rows.append(
            ParetoRow(
                label=label,
                count=count,
                percent=_hundredths_half_up(count, total),
                # From the cumulative count, not a sum of rounded percents: the last row is 100.00.
                cumulative_percent=_hundredths_half_up(cumulative, total),
                vital_few=vital,
                is_other=is_other,
            )
        )
        # Exact integer comparison, so a cumulative share of exactly 80 % is inclusive.
        if vital and cumulative * 100 >= VITAL_FEW_PERCENT * total:
            vital = False
    return tuple(rows)


def pareto(
    items: Sequence[tuple[str, int]],
    *,
    other_after_percent: float | int | Decimal | None = None,
    other_label: str = "Other",
) -> ParetoResult:
    """Pareto analysis of (label, count) pairs: sorted by count descending, ties in input order.

    Percent and cumulative percent have 2 decimals (half up); vital few = every category up to and
    including the first whose cumulative share is ≥ 80 %. With ``other_after_percent`` = P, the
    categories after the first one whose cumulative share reaches P are merged into one
    ``other_label`` row, drawn last whatever its size.
    """
    cleaned = _validated_items(items)
    total = sum(count for _, count in cleaned)
    if total == 0:
        raise AnalysisError(gettext_noop("All counts are zero: there is nothing to analyse."), field="items")

    # sorted() is stable, so equal counts keep the order they were entered in.
    ordered = sorted(cleaned, key=lambda item: -item[1])
    counted = [(label, count, False) for label, count in ordered]

    if other_after_percent is not None:
        threshold = Fraction(_exact_number(other_after_percent, field="other_after_percent"))
        if not 0 < threshold <= 100:
            raise AnalysisError(
                gettext_noop(
                    "The threshold for merging into one bar must be more than 0 and at most 100 percent."
                ),
                field="other_after_percent",
            )
        if not isinstance(other_label, str) or not other_label.strip():
            raise AnalysisError(gettext_noop("The merged category needs a label."), field="other_label")
        other_label = other_label.strip()

        kept_count = 0
        cumulative = 0
        for _label, count in ordered:
            kept_count += 1
            cumulative += count
            if cumulative * 100 >= threshold * total:  # exact: Fraction against integers
                break
        kept, merged = ordered[:kept_count], ordered[kept_count:]
        if merged:
            if any(label == other_label for label, _ in kept):
                # A kept category already carries the label (常见: a real "其他" category): name the
                # merged bar by how many categories it holds, so no two bars share a label.
                other_label = f"{other_label} ({len(merged)})"
            counted = [(label, count, False) for label, count in kept]
            counted.append((other_label, sum(count for _, count in merged), True))

    return ParetoResult(rows=_pareto_rows(counted, total), total=total)


# --- p-chart ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PChartPoint:
    """One sample; ``index`` is its 0-based position in the input."""

    index: int
    defectives: int
    size: int
    proportion: float
    lcl: float
    ucl: float
    out_of_control: bool


@dataclass(frozen=True)
class PChartLimits:
    center_line: float
    points: tuple[PChartPoint, ...]

    @property
    def out_of_control_indices(self) -> list[int]:
        return [point.index for point in self.points if point.out_of_control]


@dataclass(frozen=True)
class PChartResult:
    """Trial limits over all samples; ``revised`` = limits recomputed without ``excluded``."""

    center_line: float
    points: tuple[PChartPoint, ...]
    revised: PChartLimits | None
    excluded: tuple[int, ...]

    @property
    def out_of_control_indices(self) -> list[int]:
        return [point.index for point in self.points if point.out_of_control]


def _validated_samples(samples: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    if not samples:
        raise AnalysisError(gettext_noop("Enter at least one sample."), field="samples")
    cleaned: list[tuple[int, int]] = []
    for index, sample in enumerate(samples):
        number = index + 1
        try:
            defectives, size = sample
        except (TypeError, ValueError):
            raise AnalysisError(
                gettext_noop("Sample %(number)s must be a number of defectives and a sample size."),
                field="samples",
                index=index,
                number=number,
            ) from None
        if not _is_whole(defectives) or not _is_whole(size):
            raise AnalysisError(
                gettext_noop("Sample %(number)s must have whole numbers of defectives and items."),
                field="samples",
                index=index,
                number=number,
            )
        if size < 1:
            raise AnalysisError(
                gettext_noop("Sample %(number)s has size %(size)s: a sample needs at least one item."),
                field="samples",
                index=index,
                number=number,
                size=size,
            )
        if defectives < 0:
            raise AnalysisError(
                gettext_noop("Sample %(number)s has a negative number of defectives."),
                field="samples",
                index=index,
                number=number,
            )
        if defectives > size:
            raise AnalysisError(
                gettext_noop(
                    "Sample %(number)s has more defectives than its size (%(defectives)s of %(size)s)."
                ),
                field="samples",
                index=index,
                number=number,
                defectives=defectives,
                size=size,
            )
        cleaned.append((defectives, size))
    return cleaned


def _p_chart_limits(samples: Sequence[tuple[int, int]], basis: Sequence[int]) -> PChartLimits:
    """Limits for every sample, with the centre line estimated from the samples in ``basis``."""
    # p̄ = Σd ÷ Σn, the fraction nonconforming of all items inspected — not the mean of the
    # sample proportions, which would overweight small samples (Montgomery, ISQC §7.2, Examples 7.1
    # and 7.3, the latter with variable sample size).
    center = sum(samples[i][0] for i in basis) / sum(samples[i][1] for i in basis)
    points = []
    for index, (defectives, size) in enumerate(samples):
        # Each sample's own n: p̄ ± 3·√(p̄(1−p̄)/nᵢ), clamped to [0, 1] (Montgomery, ISQC §7.2:
        # a negative LCL is taken as 0; variable-width limits for variable sample size).
        spread = CONTROL_LIMIT_SIGMAS * math.sqrt(center * (1 - center) / size)
        lcl = max(0.0, center - spread)
        ucl = min(1.0, center + spread)
        proportion = defectives / size
        points.append(
            PChartPoint(
                index=index,
                defectives=defectives,
                size=size,
                proportion=proportion,
                lcl=lcl,
                ucl=ucl,
                out_of_control=proportion > ucl or proportion < lcl,
            )
        )
    return PChartLimits(center_line=center, points=tuple(points))


def p_chart(samples: Sequence[tuple[int, int]], *, revise: bool = False) -> PChartResult:
    """p-chart of (defectives, size) samples: centre line, each sample's 3σ limits and flags.

    With ``revise``, the samples flagged against the trial limits are excluded and p̄ is
    recomputed from the rest; the revised limits are drawn (and flags set) for every sample.
    No revision when nothing, or everything, was flagged.
    """
    cleaned = _validated_samples(samples)
    trial = _p_chart_limits(cleaned, range(len(cleaned)))
    revised = None
    excluded: tuple[int, ...] = ()
    if revise:
        flagged = set(trial.out_of_control_indices)
        if flagged and len(flagged) < len(cleaned):
            # Revised limits after dropping out-of-control samples with assignable causes
            # (Montgomery, ISQC §7.2, Example 7.1, "revised control limits").
            excluded = tuple(sorted(flagged))
            basis = [index for index in range(len(cleaned)) if index not in flagged]
            revised = _p_chart_limits(cleaned, basis)
    return PChartResult(
        center_line=trial.center_line, points=trial.points, revised=revised, excluded=excluded
    )


# --- Two-proportion test ----------------------------------------------------------------------


@dataclass(frozen=True)
class EffectTestResult:
    before_rate: float
    after_rate: float
    difference: float
    pooled_rate: float
    z: float | None
    p_value: float | None
    ci_low: float
    ci_high: float
    confidence: float
    significant: bool


def _check_count_pair(successes: object, n: object, *, prefix: str) -> None:
    if not _is_whole(n):
        raise AnalysisError(gettext_noop("The sample size must be a whole number."), field=f"{prefix}_n")
    if n < 1:
        raise AnalysisError(gettext_noop("The sample size must be at least 1."), field=f"{prefix}_n")
    if not _is_whole(successes):
        raise AnalysisError(gettext_noop("The count must be a whole number."), field=f"{prefix}_successes")
    if not 0 <= successes <= n:
        raise AnalysisError(
            gettext_noop("The count must be between 0 and the sample size (%(n)s)."),
            field=f"{prefix}_successes",
            n=n,
        )


def two_proportion_test(
    *,
    before_successes: int,
    before_n: int,
    after_successes: int,
    after_n: int,
    confidence: float = 0.95,
) -> EffectTestResult:
    """Before/after comparison of two proportions: pooled two-sided z-test and an unpooled CI.

    difference = after rate − before rate. ``significant`` when p < 1 − confidence.
    """
    _check_count_pair(before_successes, before_n, prefix="before")
    _check_count_pair(after_successes, after_n, prefix="after")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float | Decimal):
        raise AnalysisError(gettext_noop("The confidence level must be a number."), field="confidence")
    confidence = float(confidence)
    if not 0 < confidence < 1:
        raise AnalysisError(
            gettext_noop("The confidence level must be between 0 and 1, e.g. 0.95."), field="confidence"
        )

    before_rate = before_successes / before_n
    after_rate = after_successes / after_n
    difference = after_rate - before_rate

    # Test of H0: p1 = p2 with the pooled proportion in the standard error
    # (OpenStax Introductory Statistics §10.3 "Comparing two independent population proportions").
    pooled_rate = (before_successes + after_successes) / (before_n + after_n)
    pooled_se = math.sqrt(pooled_rate * (1 - pooled_rate) * (1 / before_n + 1 / after_n))
    # Both samples all-success or all-failure: no variation, so no test statistic.
    z: float | None = None
    p_value: float | None = None
    if pooled_se > 0:
        z = difference / pooled_se
        # Two-sided p = 2·(1 − Φ(|z|)) = erfc(|z|/√2); erfc keeps precision in the far tail.
        p_value = math.erfc(abs(z) / math.sqrt(2))

    # Confidence interval of the difference with unpooled standard errors (Wald interval;
    # OpenIntro Statistics §6.2 "Difference of two proportions"):
    # (p2 − p1) ± z_{1−α/2}·√(p1(1−p1)/n1 + p2(1−p2)/n2).
    unpooled_se = math.sqrt(
        before_rate * (1 - before_rate) / before_n + after_rate * (1 - after_rate) / after_n
    )
    margin = NormalDist().inv_cdf(1 - (1 - confidence) / 2) * unpooled_se

    return EffectTestResult(
        before_rate=before_rate,
        after_rate=after_rate,
        difference=difference,
        pooled_rate=pooled_rate,
        z=z,
        p_value=p_value,
        ci_low=difference - margin,
        ci_high=difference + margin,
        confidence=confidence,
        significant=p_value is not None and p_value < 1 - confidence,
    )


# --- Ratings of the seven steps ---------------------------------------------------------------


def _check_rating(value: object, *, field: str, label: str) -> int:
    if not _is_whole(value) or value not in RATING_RANGE:
        raise AnalysisError(
            gettext_noop("Rate %(what)s with a whole number from 1 to 5."),
            field=field,
            what=label,
        )
    return value


def topic_score(*, urgency: int, controllability: int, time_bound: int) -> int:
    """Step 1 candidate topic score = urgency + controllability + time-boundedness (3..15)."""
    return (
        _check_rating(urgency, field="urgency", label=gettext_noop("urgency"))
        + _check_rating(controllability, field="controllability", label=gettext_noop("controllability"))
        + _check_rating(time_bound, field="time_bound", label=gettext_noop("time-boundedness"))
    )


def countermeasure_priority(
    *, controllability: int, expected_effect: int, cost: int, team_decides_alone: bool
) -> int:
    """Step 4 priority (1..250); cost 5 is the most expensive.

    priority = expected_effect × controllability × (6 − cost) × (2 if team_decides_alone else 1)
    """
    controllability = _check_rating(
        controllability, field="controllability", label=gettext_noop("controllability")
    )
    expected_effect = _check_rating(
        expected_effect, field="expected_effect", label=gettext_noop("expected effect")
    )
    cost = _check_rating(cost, field="cost", label=gettext_noop("cost"))
    if not isinstance(team_decides_alone, bool):
        raise AnalysisError(
            gettext_noop("Say whether the team can decide alone (yes or no)."), field="team_decides_alone"
        )
    # 6 − cost turns "5 = most expensive" into "1 = least attractive", so every factor grows
    # with desirability; an action the team can take without approval counts double.
    return expected_effect * controllability * (6 - cost) * (2 if team_decides_alone else 1)


def goal_met(*, direction: str, value: Decimal | float, target: Decimal | float) -> bool:
    """Whether a metric reached its target: ``"up"`` means value ≥ target, ``"down"`` value ≤ target."""
    if direction not in ("up", "down"):
        raise AnalysisError('The direction must be "up" or "down".', field="direction")
    # Compared as decimals (floats via repr), so 0.1 against Decimal("0.1") is equal, not off by 1e-17.
    value_number = _exact_number(value, field="value")
    target_number = _exact_number(target, field="target")
    if direction == "up":
        return value_number >= target_number
    return value_number <= target_number
