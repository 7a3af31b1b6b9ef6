"""What every kind of chart declares: its scopes, period, schedule, data, drawing and CSV table.

A kind is a plain record of functions, so the task, the API, the pages and the tests drive every kind
the same way:

- ``scopes()`` lists every scheduled scope that has something to draw now (the fan-out task enqueues one
  task each); scopes of ``on_view_scope_types`` are left out and drawn when first viewed each day;
- ``collect(scope, period)`` aggregates the figures in the database and returns JSON-ready data: only
  str, int, float, bool, None, lists and dicts. Codes (states, KPI names) stay codes; names of data
  (teams, categories) stay as stored. The snapshot keeps exactly this;
- ``draw(data)`` returns a matplotlib Figure from that data alone, translated into the active language
  (the task draws once per language);
- ``table(data)`` returns the CSV header and rows of the same data, header in the active language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise
from matplotlib.figure import Figure

from .. import periods
from ..scopes import Scope

HOURLY = "hourly"
NIGHTLY = "nightly"
WEEKLY = "weekly"
MONTHLY = "monthly"
ON_CHANGE = "on_change"
SCHEDULES = (HOURLY, NIGHTLY, WEEKLY, MONTHLY, ON_CHANGE)

# Families decide who sees a kind (see access.py) and which dashboard shows it.
QA = "qa"
CALIBRATION = "calibration"
COMPLAINTS = "complaints"
METRICS = "metrics"
TQM = "tqm"
FAMILIES = (QA, CALIBRATION, COMPLAINTS, METRICS, TQM)

Table = tuple[list[str], list[list[object]]]


class NothingToDraw(Exception):
    """The scope no longer exists or has no data of this kind: no snapshot is written."""


@dataclass(frozen=True)
class ChartKind:
    name: str
    label: Promise
    description: Promise
    family: str
    schedule: str
    scope_types: tuple[str, ...]
    period_unit: str
    window: int
    scopes: Callable[[], Iterable[Scope]]
    collect: Callable[[Scope, periods.Period], dict]
    draw: Callable[[dict], Figure]
    table: Callable[[dict], Table]
    period_offset: int = 0  # -1: the last complete month (ranking)
    # Scope types drawn when someone opens them rather than on the schedule: one chart per agent
    # would be hundreds of charts a night that mostly nobody looks at (see services.draw_on_view).
    on_view_scope_types: tuple[str, ...] = ()

    def current_period(self, today: date) -> periods.Period:
        return periods.current(self.period_unit, today, window=self.window, offset=self.period_offset)

    def parse_period(self, key: str) -> periods.Period:
        return periods.parse(self.period_unit, key, window=self.window)

    def accepts(self, scope: Scope) -> bool:
        return scope.type in self.scope_types
