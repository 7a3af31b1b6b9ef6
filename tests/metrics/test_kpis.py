"""Every KPI formula of DESIGN.md §7 on plain sums (kpis.py): exact values, half-up rounding,
zero denominators as None ("no data"), target status and each KPI's better direction."""

from decimal import Decimal

import pytest

from apps.metrics import kpis

# One month of a small team, chosen so that each KPI has a known value.
SUMS = {
    "calls_offered": 1000,
    "calls_answered": 903,
    "calls_abandoned": 97,
    "answered_within_sl": 801,
    "talk_seconds": 150_000,
    "hold_seconds": 10_000,
    "acw_seconds": 40_000,
    "not_ready_seconds": 9_000,
    "idle_seconds": 36_000,
    "logged_in_seconds": 288_000,
    "fcr_count": 860,
    "survey_responses": 200,
    "survey_satisfied": 195,
    "scheduled_minutes": 4_800,
    "worked_minutes": 4_650,
}

EXPECTED = {
    "connection_rate": Decimal("90.30"),  # 903 / 1000
    "abandon_rate": Decimal("9.70"),  # 97 / 1000
    "service_level": Decimal("80.10"),  # 801 / 1000
    "aht_seconds": Decimal("221.5"),  # 200000 / 903 = 221.483…
    "acw_seconds": Decimal("44.3"),  # 40000 / 903 = 44.296…
    "fcr_rate": Decimal("95.24"),  # 860 / 903 = 95.238…
    "csat": Decimal("97.50"),  # 195 / 200
    "occupancy": Decimal("84.75"),  # 200000 / 236000 = 84.745…
    "not_ready_share": Decimal("3.13"),  # 9000 / 288000 = 3.125: half-up, not to even
    "idle_share": Decimal("12.50"),  # 36000 / 288000
    "attendance": Decimal("96.88"),  # 4650 / 4800 = 96.875
}


def test_the_eleven_kpis_are_named_as_the_api_contract_says():
    assert [kpi.key for kpi in kpis.KPIS] == list(EXPECTED)


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_kpi_from_the_sums(key):
    assert kpis.value(kpis.BY_KEY[key], SUMS) == EXPECTED[key]


def test_values_gives_every_kpi_at_once():
    assert kpis.values(SUMS) == EXPECTED


def test_rates_keep_two_decimals_and_times_one():
    result = kpis.values(SUMS)
    assert str(result["csat"]) == "97.50"
    assert str(result["aht_seconds"]) == "221.5"


@pytest.mark.parametrize(
    ("key", "sums", "expected"),
    [
        # 1 / 8 = 12.5 %; 1 / 800 = 0.125 % → 0.13 (half-up; half-to-even would give 0.12)
        ("connection_rate", {"calls_offered": 800, "calls_answered": 1}, Decimal("0.13")),
        # 1 / 4 = 0.25 s → 0.3 (half-even would give 0.2)
        ("acw_seconds", {"calls_answered": 4, "acw_seconds": 1}, Decimal("0.3")),
        # 2 / 3 = 66.666… → 66.67
        ("csat", {"survey_responses": 3, "survey_satisfied": 2}, Decimal("66.67")),
        # 1 / 3 = 33.333… → 33.33
        ("attendance", {"scheduled_minutes": 3, "worked_minutes": 1}, Decimal("33.33")),
        # (1 + 1 + 1) / 2 = 1.5 s exactly
        (
            "aht_seconds",
            {"calls_answered": 2, "talk_seconds": 1, "hold_seconds": 1, "acw_seconds": 1},
            Decimal("1.5"),
        ),
    ],
)
def test_rounding_is_half_up(key, sums, expected):
    assert kpis.value(kpis.BY_KEY[key], sums) == expected


@pytest.mark.parametrize("key", list(EXPECTED))
def test_zero_denominator_is_no_data_not_zero(key):
    assert kpis.value(kpis.BY_KEY[key], {name: 0 for name in kpis.BASE_FIELDS}) is None


def test_missing_and_null_sums_count_as_zero():
    """A group without rows sums to NULL in SQL: no data, never an error."""
    assert kpis.values({}) == dict.fromkeys(EXPECTED)
    assert kpis.values(dict.fromkeys(kpis.BASE_FIELDS)) == dict.fromkeys(EXPECTED)


def test_only_the_kpis_whose_denominator_is_zero_have_no_data():
    """Calls but no survey and no schedule: CSAT and attendance are no data, the rest are values."""
    sums = {**SUMS, "survey_responses": 0, "survey_satisfied": 0, "scheduled_minutes": 0}
    result = kpis.values(sums)
    assert result["csat"] is None
    assert result["attendance"] is None
    assert result["connection_rate"] == Decimal("90.30")


def test_a_zero_numerator_is_a_real_zero():
    assert kpis.value(kpis.BY_KEY["abandon_rate"], {"calls_offered": 10}) == Decimal("0.00")


def test_occupancy_counts_idle_only_in_the_denominator():
    sums = {"talk_seconds": 60, "hold_seconds": 10, "acw_seconds": 30, "idle_seconds": 300}
    assert kpis.value(kpis.BY_KEY["occupancy"], sums) == Decimal("25.00")  # 100 / 400


def test_occupancy_without_idle_is_full():
    assert kpis.value(kpis.BY_KEY["occupancy"], {"talk_seconds": 60}) == Decimal("100.00")


# --- Better direction ---------------------------------------------------------------------


def test_each_kpi_says_which_way_is_better():
    assert {kpi.key: kpi.better for kpi in kpis.KPIS} == {
        "connection_rate": kpis.UP,
        "abandon_rate": kpis.DOWN,
        "service_level": kpis.UP,
        "aht_seconds": kpis.DOWN,
        "acw_seconds": None,  # a band: 30–60 s
        "fcr_rate": kpis.UP,
        "csat": kpis.UP,
        "occupancy": None,  # a band: too high burns people out
        "not_ready_share": kpis.DOWN,
        "idle_share": None,  # the routing's, not the agent's
        "attendance": kpis.UP,
    }


# --- Targets --------------------------------------------------------------------------------


def test_default_targets_are_the_operating_manuals():
    assert kpis.DEFAULT_TARGETS == {
        "connection_rate": kpis.Target(minimum=Decimal("90")),
        "fcr_rate": kpis.Target(minimum=Decimal("95")),
        "csat": kpis.Target(minimum=Decimal("97")),
        "acw_seconds": kpis.Target(minimum=Decimal("30"), maximum=Decimal("60")),
        "service_level": kpis.Target(minimum=Decimal("80")),
        "idle_share": kpis.Target(maximum=Decimal("20")),
    }


BAND = kpis.Target(minimum=Decimal("30"), maximum=Decimal("60"))


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (Decimal("30.0"), BAND, kpis.MET),  # bounds are inclusive
        (Decimal("60.0"), BAND, kpis.MET),
        (Decimal("29.9"), BAND, kpis.MISSED),
        (Decimal("60.1"), BAND, kpis.MISSED),
        (Decimal("89.99"), kpis.Target(minimum=Decimal("90")), kpis.MISSED),
        (Decimal("20.00"), kpis.Target(maximum=Decimal("20")), kpis.MET),
        (None, BAND, kpis.NO_DATA),
        (Decimal("50"), None, kpis.NO_TARGET),
        (Decimal("50"), kpis.Target(), kpis.NO_TARGET),
        (None, None, kpis.NO_TARGET),
    ],
)
def test_status_against_a_target(value, target, expected):
    assert kpis.status(value, target) == expected
