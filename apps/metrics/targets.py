"""KPI targets: the operating manual's defaults (kpis.DEFAULT_TARGETS) unless a manager set a band.

A stored row wins over the default, even with both bounds empty: that is how a manager says
"no target for this KPI". Deleting the row (``target_reset``) brings the default back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qa_center.errors import PermissionDenied, ValidationFailed

from . import access, kpis
from .models import KpiTarget

NOT_A_MANAGER = gettext_lazy("Only QA managers, duty managers and administrators can change targets.")

# Percent KPIs live in 0–100; times have no upper end.
_PERCENT_MAX = Decimal(100)
# The model stores 10 digits with 2 decimals.
_LARGEST = Decimal("99999999.99")


@dataclass(frozen=True)
class TargetInfo:
    """A KPI with its band, and where the band comes from."""

    kpi: kpis.Kpi
    target: kpis.Target | None
    is_default: bool
    updated_by: str = ""
    updated_at: datetime | None = None


def _kpi(key: str) -> kpis.Kpi:
    try:
        return kpis.BY_KEY[key]
    except KeyError:
        raise ValidationFailed(
            _("Unknown KPI “%(kpi)s”.") % {"kpi": key},
            field="kpi",
        ) from None


def _stored(row: KpiTarget) -> kpis.Target | None:
    if row.minimum is None and row.maximum is None:
        return None
    return kpis.Target(minimum=row.minimum, maximum=row.maximum)


def target_for(kpi: str) -> kpis.Target | None:
    """The band ``kpi`` is judged by: the stored one, else the default; None means no target."""
    _kpi(kpi)
    row = KpiTarget.objects.filter(kpi=kpi).first()
    return _stored(row) if row else kpis.DEFAULT_TARGETS.get(kpi)


def targets() -> dict[str, kpis.Target | None]:
    """Every KPI's band, keyed by KPI: one query."""
    return {info.kpi.key: info.target for info in target_list()}


def target_list() -> list[TargetInfo]:
    """Every KPI in the order of kpis.KPIS with its band and who set it: one query."""
    stored = {row.kpi: row for row in KpiTarget.objects.select_related("updated_by")}
    infos = []
    for kpi in kpis.KPIS:
        row = stored.get(kpi.key)
        if row is None:
            infos.append(TargetInfo(kpi, kpis.DEFAULT_TARGETS.get(kpi.key), is_default=True))
        else:
            infos.append(TargetInfo(kpi, _stored(row), False, row.updated_by.name, row.updated_at))
    return infos


def _check_bound(kpi: kpis.Kpi, name: str, bound: Decimal | None) -> None:
    if bound is None:
        return
    if not bound.is_finite():
        raise ValidationFailed(_("Enter a number."), field=name)
    if bound < 0:
        raise ValidationFailed(_("A target cannot be negative."), field=name)
    if kpi.unit == kpis.PERCENT and bound > _PERCENT_MAX:
        raise ValidationFailed(_("A percentage target must be between 0 and 100."), field=name)
    if bound > _LARGEST:
        raise ValidationFailed(_("This target is too large."), field=name)
    if bound != bound.quantize(Decimal("0.01")):
        raise ValidationFailed(_("Use at most two decimal places."), field=name)


def _require_manager(by) -> None:
    if not access.may_manage(by):
        raise PermissionDenied(str(NOT_A_MANAGER))


@transaction.atomic
def target_set(*, by, kpi: str, minimum: Decimal | None, maximum: Decimal | None) -> KpiTarget:
    """Store ``kpi``'s band (both bounds inclusive; both empty = no target)."""
    _require_manager(by)
    definition = _kpi(kpi)
    _check_bound(definition, "minimum", minimum)
    _check_bound(definition, "maximum", maximum)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ValidationFailed(_("The lower bound must not be above the upper bound."), field="maximum")
    row, _created = KpiTarget.objects.update_or_create(
        kpi=kpi, defaults={"minimum": minimum, "maximum": maximum, "updated_by": by}
    )
    return row


@transaction.atomic
def target_reset(*, by, kpi: str) -> None:
    """Go back to the operating manual's default for ``kpi``."""
    _require_manager(by)
    _kpi(kpi)
    KpiTarget.objects.filter(kpi=kpi).delete()
