"""KPI targets (targets.py): the operating manual's defaults, bands set by managers, "no target",
reset, and the refusals: role, unknown KPI, bounds out of order or out of range."""

from decimal import Decimal

import pytest

from apps.accounts.roles import Role
from apps.metrics import kpis, targets
from apps.metrics.models import KpiTarget
from qa_center.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(personas):
    return personas[Role.QA_MANAGER]


def test_without_stored_rows_the_defaults_apply():
    assert targets.target_for("connection_rate") == kpis.Target(minimum=Decimal("90"))
    assert targets.target_for("acw_seconds") == kpis.Target(minimum=Decimal("30"), maximum=Decimal("60"))
    assert targets.target_for("aht_seconds") is None  # no default: no target


def test_a_stored_band_wins_over_the_default(manager):
    row = targets.target_set(by=manager, kpi="connection_rate", minimum=Decimal("92.5"), maximum=None)
    assert (row.kpi, row.minimum, row.maximum, row.updated_by) == (
        "connection_rate",
        Decimal("92.5"),
        None,
        manager,
    )
    assert targets.target_for("connection_rate") == kpis.Target(minimum=Decimal("92.50"))


def test_setting_again_replaces_the_band(manager):
    targets.target_set(by=manager, kpi="aht_seconds", minimum=None, maximum=Decimal("300"))
    targets.target_set(by=manager, kpi="aht_seconds", minimum=Decimal("120"), maximum=Decimal("280"))
    assert KpiTarget.objects.count() == 1
    assert targets.target_for("aht_seconds") == kpis.Target(minimum=Decimal("120"), maximum=Decimal("280"))


def test_both_bounds_empty_means_no_target_even_where_a_default_exists(manager):
    targets.target_set(by=manager, kpi="csat", minimum=None, maximum=None)
    assert targets.target_for("csat") is None
    assert kpis.status(Decimal("50"), targets.target_for("csat")) == kpis.NO_TARGET


def test_reset_brings_the_default_back(manager):
    targets.target_set(by=manager, kpi="csat", minimum=Decimal("99"), maximum=None)
    targets.target_reset(by=manager, kpi="csat")
    assert targets.target_for("csat") == kpis.Target(minimum=Decimal("97"))
    assert not KpiTarget.objects.exists()


def test_targets_reads_every_kpi_in_one_query(manager, django_assert_num_queries):
    targets.target_set(by=manager, kpi="occupancy", minimum=Decimal("75"), maximum=Decimal("85"))
    with django_assert_num_queries(1):
        bands = targets.targets()
    assert list(bands) == [kpi.key for kpi in kpis.KPIS]
    assert bands["occupancy"] == kpis.Target(minimum=Decimal("75"), maximum=Decimal("85"))
    assert bands["fcr_rate"] == kpis.Target(minimum=Decimal("95"))
    assert bands["abandon_rate"] is None


def test_target_list_says_where_each_band_comes_from(manager):
    targets.target_set(by=manager, kpi="occupancy", minimum=Decimal("75"), maximum=Decimal("85"))
    infos = {info.kpi.key: info for info in targets.target_list()}
    assert infos["occupancy"].is_default is False
    assert infos["occupancy"].updated_by == manager.name
    assert infos["connection_rate"].is_default is True
    assert infos["connection_rate"].updated_by == ""


@pytest.mark.parametrize("role", [Role.QA_MANAGER, Role.DUTY_MANAGER, Role.ADMIN])
def test_managers_may_set_targets(personas, role):
    targets.target_set(by=personas[role], kpi="fcr_rate", minimum=Decimal("96"), maximum=None)
    assert targets.target_for("fcr_rate") == kpis.Target(minimum=Decimal("96"))


@pytest.mark.parametrize("who", [Role.AGENT, Role.QA_EVALUATOR, Role.EXPERT, "no_role"])
def test_others_may_not_set_or_reset_targets(personas, who):
    message = "Only QA managers, duty managers and administrators can change targets."
    with pytest.raises(PermissionDenied, match=message):
        targets.target_set(by=personas[who], kpi="fcr_rate", minimum=Decimal("50"), maximum=None)
    with pytest.raises(PermissionDenied, match=message):
        targets.target_reset(by=personas[who], kpi="fcr_rate")
    assert not KpiTarget.objects.exists()


def test_unknown_kpi_is_refused_on_the_kpi_field(manager):
    with pytest.raises(ValidationFailed, match="Unknown KPI “speed”.") as refused:
        targets.target_set(by=manager, kpi="speed", minimum=None, maximum=None)
    assert refused.value.fields == {"kpi": ["Unknown KPI “speed”."]}
    with pytest.raises(ValidationFailed, match="Unknown KPI"):
        targets.target_for("speed")


@pytest.mark.parametrize(
    ("kpi", "minimum", "maximum", "field", "message"),
    [
        ("acw_seconds", "61", "60", "maximum", "The lower bound must not be above the upper bound."),
        ("acw_seconds", "-1", None, "minimum", "A target cannot be negative."),
        ("csat", None, "100.01", "maximum", "A percentage target must be between 0 and 100."),
        ("aht_seconds", "100000000", None, "minimum", "This target is too large."),
        ("aht_seconds", "1.234", None, "minimum", "Use at most two decimal places."),
        ("aht_seconds", "NaN", None, "minimum", "Enter a number."),
    ],
)
def test_bad_bands_are_refused_and_nothing_is_written(manager, kpi, minimum, maximum, field, message):
    with pytest.raises(ValidationFailed, match=message) as refused:
        targets.target_set(
            by=manager,
            kpi=kpi,
            minimum=Decimal(minimum) if minimum else None,
            maximum=Decimal(maximum) if maximum else None,
        )
    assert refused.value.fields == {field: [message]}
    assert not KpiTarget.objects.exists()


def test_a_band_of_one_value_and_time_targets_above_100_are_fine(manager):
    targets.target_set(by=manager, kpi="attendance", minimum=Decimal("100"), maximum=Decimal("100"))
    targets.target_set(by=manager, kpi="aht_seconds", minimum=None, maximum=Decimal("420"))
    assert KpiTarget.objects.count() == 2
