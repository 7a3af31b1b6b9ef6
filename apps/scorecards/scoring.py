"""Scoring rules of DESIGN.md §4, on plain data (no Django imports).

score = earned ÷ possible × 100 over the applicable (non-N/A) criteria, rounded
half-up to 2 decimals. A critical criterion that earns 0 points fails the
whole evaluation: score 0 and ``critical_failed``. ``passed`` = not
critical_failed and score ≥ pass mark. All criteria N/A is an error, not 100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

YES_NO = "yes_no"
SCALE = "scale"
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    max_points: int
    kind: str = YES_NO
    critical: bool = False
    allow_na: bool = False


@dataclass(frozen=True)
class AnswerValue:
    """``points`` is None exactly when the answer is N/A."""

    criterion_id: int
    points: int | None

    @property
    def is_na(self) -> bool:
        return self.points is None


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal
    passed: bool
    critical_failed: bool
    earned: int
    possible: int


class ScoringError(ValueError):
    """An answer or answer set the rules do not allow. ``code`` names the rule for callers."""

    def __init__(self, code: str, message: str, criterion_id: int | None = None):
        super().__init__(message)
        self.code = code
        self.criterion_id = criterion_id


def check_answer(spec: CriterionSpec, answer: AnswerValue) -> None:
    """Refuse points the criterion's kind does not allow, and N/A where it is not allowed."""
    if answer.is_na:
        if not spec.allow_na:
            raise ScoringError("na_not_allowed", "N/A is not allowed for this criterion.", spec.id)
        return
    points = answer.points
    if isinstance(points, bool) or not isinstance(points, int):
        raise ScoringError("points_not_whole", "Points must be a whole number.", spec.id)
    if spec.kind == YES_NO and points not in (0, spec.max_points):
        raise ScoringError(
            "points_yes_no", f"A yes/no criterion takes 0 or {spec.max_points} points, not {points}.", spec.id
        )
    if not 0 <= points <= spec.max_points:
        raise ScoringError(
            "points_range", f"Points must be between 0 and {spec.max_points}, not {points}.", spec.id
        )


def compute_score(
    criteria: Iterable[CriterionSpec],
    answers: Mapping[int, AnswerValue],
    pass_mark: Decimal,
    *,
    require_all: bool = True,
) -> ScoreResult:
    """Score ``answers`` (keyed by criterion id) against ``criteria``.

    With ``require_all`` every criterion needs an answer (submitting); without it,
    unanswered criteria are left out (the live score of a draft).
    """
    criteria = list(criteria)
    known = {spec.id for spec in criteria}
    stray = sorted(set(answers) - known)
    if stray:
        raise ScoringError(
            "unknown_criterion", "The answer is for a criterion of another scorecard version.", stray[0]
        )

    earned = possible = 0
    critical_failed = False
    for spec in criteria:
        answer = answers.get(spec.id)
        if answer is None:
            if require_all:
                raise ScoringError(
                    "missing_answer", "Every criterion needs an answer before submitting.", spec.id
                )
            continue
        check_answer(spec, answer)
        if answer.is_na:
            continue
        earned += answer.points
        possible += spec.max_points
        if spec.critical and answer.points == 0:
            critical_failed = True

    if possible == 0:
        raise ScoringError("nothing_to_score", "Every answered criterion is N/A: there is nothing to score.")
    if critical_failed:
        return ScoreResult(Decimal("0.00"), False, True, earned, possible)
    score = (Decimal(earned) * 100 / Decimal(possible)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    # Via str(): Decimal(66.67) is 66.670000000000001705…, which a score of 66.67 would not reach.
    return ScoreResult(score, score >= Decimal(str(pass_mark)), False, earned, possible)
