"""Count sources: where a step-2 dataset can be pulled from inside QA Center.

Other apps register a source in their ``AppConfig.ready`` (complaints: counts by category;
QA: failed criteria), so this app never imports their models or selectors. A source is a
function from a period to ``(label, count)`` pairs, already aggregated in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise

CountFetcher = Callable[[date, date], list[tuple[str, int]]]


@dataclass(frozen=True)
class CountSource:
    key: str
    label: str | Promise
    fetch: CountFetcher


_REGISTRY: dict[str, CountSource] = {}


def register(key: str, label: str | Promise, fetch: CountFetcher) -> None:
    """Register (or replace, so a reloaded app does not fail) the source called ``key``."""
    _REGISTRY[key] = CountSource(key=key, label=label, fetch=fetch)


def get(key: str) -> CountSource | None:
    return _REGISTRY.get(key)


def all_sources() -> list[CountSource]:
    return sorted(_REGISTRY.values(), key=lambda source: source.key)


def choices() -> list[tuple[str, str | Promise]]:
    return [(source.key, source.label) for source in all_sources()]
