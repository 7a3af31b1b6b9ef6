"""The registry of chart kinds. Each family module lists its kinds; names are an API contract."""

from __future__ import annotations

from .base import FAMILIES, SCHEDULES, ChartKind, NothingToDraw  # noqa: F401


def _all_kinds() -> dict[str, ChartKind]:
    from . import calibration, complaints, metrics, qa, tqm

    kinds: dict[str, ChartKind] = {}
    for module in (qa, calibration, complaints, metrics, tqm):
        for kind in module.KINDS:
            assert kind.name not in kinds, f"chart kind {kind.name} is defined twice"
            kinds[kind.name] = kind
    return kinds


_KINDS: dict[str, ChartKind] | None = None


def registry() -> dict[str, ChartKind]:
    global _KINDS
    if _KINDS is None:
        _KINDS = _all_kinds()
    return _KINDS


def get(name: str) -> ChartKind:
    """The kind called ``name``; KeyError if there is none."""
    return registry()[name]


def names() -> list[str]:
    return list(registry())


def of_family(family: str) -> list[ChartKind]:
    return [kind for kind in registry().values() if kind.family == family]


def on_schedule(schedule: str) -> list[ChartKind]:
    return [kind for kind in registry().values() if kind.schedule == schedule]
