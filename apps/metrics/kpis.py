"""The KPI formulas of DESIGN.md §7, each written once.

A KPI is a ratio of sums over the period and group: Σ numerator fields ÷ Σ denominator fields,
× 100 for rates. The query builder (selectors.kpi_rows) sums the base fields in the database; the
API, the pages and the charts turn those sums into values with ``value()`` — so a formula exists
in exactly one place. A zero denominator gives None ("no data"), never 0 or an error.

No Django imports beyond lazy translation of the labels: the arithmetic is testable with plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The daily figures' summable fields, in the CSV's column order (DESIGN.md §9).
BASE_FIELDS = (
    "calls_offered",
    "calls_answered",
    "calls_abandoned",
    "answered_within_sl",
    "talk_seconds",
    "hold_seconds",
    "acw_seconds",
    "not_ready_seconds",
    "idle_seconds",
    "logged_in_seconds",
    "fcr_count",
    "survey_responses",
    "survey_satisfied",
    "scheduled_minutes",
    "worked_minutes",
)

PERCENT = "%"
SECONDS = "s"

# Which way is better, for ranking agents on a KPI and reading a deviation from the team.
UP = "up"
DOWN = "down"


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str | Promise
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    unit: str  # PERCENT: × 100, 2 decimals; SECONDS: 1 decimal
    formula: str | Promise  # shown on the pages, as users read it
    # UP: higher is better, DOWN: lower is better; None where the target is a band (too short ACW
    # means skipped notes, too high occupancy burns people out) or the agent does not control it
    # (idle time is the routing's): such KPIs are not ranked.
    better: str | None = None

    @property
    def scale(self) -> int:
        return 100 if self.unit == PERCENT else 1

    @property
    def decimals(self) -> int:
        return 2 if self.unit == PERCENT else 1


HANDLING = ("talk_seconds", "hold_seconds", "acw_seconds")

KPIS: tuple[Kpi, ...] = (
    Kpi(
        "connection_rate",
        _("Connection rate"),
        ("calls_answered",),
        ("calls_offered",),
        PERCENT,
        _("answered ÷ offered × 100"),
        better=UP,
    ),
    Kpi(
        "abandon_rate",
        _("Abandon rate"),
        ("calls_abandoned",),
        ("calls_offered",),
        PERCENT,
        _("abandoned ÷ offered × 100"),
        better=DOWN,
    ),
    Kpi(
        "service_level",
        _("Service level"),
        ("answered_within_sl",),
        ("calls_offered",),
        PERCENT,
        _("answered within the threshold ÷ offered × 100"),
        better=UP,
    ),
    Kpi(
        "aht_seconds",
        _("Average handle time"),
        HANDLING,
        ("calls_answered",),
        SECONDS,
        _("(talk + hold + after-call work) ÷ answered, in seconds"),
        better=DOWN,
    ),
    Kpi(
        "acw_seconds",
        _("After-call work"),
        ("acw_seconds",),
        ("calls_answered",),
        SECONDS,
        _("after-call work ÷ answered, in seconds"),
    ),
    Kpi(
        "fcr_rate",
        _("First-call resolution"),
        ("fcr_count",),
        ("calls_answered",),
        PERCENT,
        _("first-call resolutions ÷ answered × 100"),
        better=UP,
    ),
    Kpi(
        "csat",
        _("Customer satisfaction"),
        ("survey_satisfied",),
        ("survey_responses",),
        PERCENT,
        _("satisfied ÷ survey responses × 100"),
        better=UP,
    ),
    Kpi(
        "occupancy",
        _("Occupancy"),
        HANDLING,
        (*HANDLING, "idle_seconds"),
        PERCENT,
        _("(talk + hold + after-call work) ÷ (talk + hold + after-call work + idle) × 100"),
    ),
    Kpi(
        "not_ready_share",
        _("Not-ready share"),
        ("not_ready_seconds",),
        ("logged_in_seconds",),
        PERCENT,
        _("not-ready ÷ logged-in time × 100"),
        better=DOWN,
    ),
    Kpi(
        "idle_share",
        _("Idle share"),
        ("idle_seconds",),
        ("logged_in_seconds",),
        PERCENT,
        _("idle ÷ logged-in time × 100"),
    ),
    Kpi(
        "attendance",
        _("Attendance"),
        ("worked_minutes",),
        ("scheduled_minutes",),
        PERCENT,
        _("worked ÷ scheduled minutes × 100"),
        better=UP,
    ),
)

BY_KEY: dict[str, Kpi] = {kpi.key: kpi for kpi in KPIS}


def value(kpi: Kpi, sums: Mapping[str, int | None]) -> Decimal | None:
    """The KPI from summed base fields, rounded half-up; None when the denominator is 0."""
    denominator = sum(sums.get(name) or 0 for name in kpi.denominator)
    if denominator == 0:
        return None
    numerator = sum(sums.get(name) or 0 for name in kpi.numerator)
    exact = Decimal(numerator * kpi.scale) / Decimal(denominator)
    return exact.quantize(Decimal(1).scaleb(-kpi.decimals), rounding=ROUND_HALF_UP)


def values(sums: Mapping[str, int | None]) -> dict[str, Decimal | None]:
    """Every KPI of one group's sums, keyed as the API names them."""
    return {kpi.key: value(kpi, sums) for kpi in KPIS}


# --- Targets -------------------------------------------------------------------------------

MET = "met"
MISSED = "missed"
NO_DATA = "no_data"
NO_TARGET = "no_target"


@dataclass(frozen=True)
class Target:
    minimum: Decimal | None = None
    maximum: Decimal | None = None


# The operating manual's defaults (editable per KPI in the Target table): monthly connection rate
# ≥ 90%, FCR ≥ 95%, CSAT ≥ 97%, average ACW 30–60 s, service level 80% (in 20 s); an idle share
# above 20% flags over-staffing.
DEFAULT_TARGETS: dict[str, Target] = {
    "connection_rate": Target(minimum=Decimal("90")),
    "fcr_rate": Target(minimum=Decimal("95")),
    "csat": Target(minimum=Decimal("97")),
    "acw_seconds": Target(minimum=Decimal("30"), maximum=Decimal("60")),
    "service_level": Target(minimum=Decimal("80")),
    "idle_share": Target(maximum=Decimal("20")),
}


def status(kpi_value: Decimal | None, target: Target | None) -> str:
    """met / missed / no_data / no_target; the bounds are inclusive."""
    if target is None or (target.minimum is None and target.maximum is None):
        return NO_TARGET
    if kpi_value is None:
        return NO_DATA
    if target.minimum is not None and kpi_value < target.minimum:
        return MISSED
    if target.maximum is not None and kpi_value > target.maximum:
        return MISSED
    return MET
