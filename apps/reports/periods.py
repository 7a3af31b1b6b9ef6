"""Chart periods: the window of time a snapshot covers, named by a stable key (no Django imports).

A kind of chart picks a unit and a window: "12 weeks to 2026-W48" has the key ``2026-W48`` and covers
the Monday of week 37 to the Sunday of week 48. Regenerating a chart in the same week replaces it; the
next week starts a new snapshot, so history is kept one snapshot per period.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEK = "week"
MONTH = "month"
DAY = "day"
CURRENT = "current"  # "as the data is now": one snapshot, replaced on every change (TQM projects)
UNITS = (WEEK, MONTH, DAY, CURRENT)

_WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")
_DAY_KEY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    key: str
    start: date | None
    end: date | None


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _week_period(monday: date, window: int) -> Period:
    return Period(week_key(monday), monday - timedelta(weeks=window - 1), monday + timedelta(days=6))


def _month_period(year: int, month: int, window: int) -> Period:
    first_year, first_month = _add_months(year, month, -(window - 1))
    last_day = calendar.monthrange(year, month)[1]
    return Period(f"{year}-{month:02d}", date(first_year, first_month, 1), date(year, month, last_day))


def _day_period(day: date, window: int) -> Period:
    return Period(day.isoformat(), day - timedelta(days=window - 1), day)


def current(unit: str, today: date, *, window: int = 1, offset: int = 0) -> Period:
    """The period containing ``today`` (shifted by ``offset`` units, e.g. -1 for last month)."""
    if unit == WEEK:
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        return _week_period(monday, window)
    if unit == MONTH:
        year, month = _add_months(today.year, today.month, offset)
        return _month_period(year, month, window)
    if unit == DAY:
        return _day_period(today + timedelta(days=offset), window)
    if unit == CURRENT:
        return Period(CURRENT, None, None)
    raise ValueError(f"Unknown period unit {unit!r}")


def parse(unit: str, key: str, *, window: int = 1) -> Period:
    """The period named ``key``; ValueError if the key does not name a period of this unit."""
    try:
        if unit == WEEK and (match := _WEEK_KEY.match(key)):
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            return _week_period(monday, window)
        if unit == MONTH and (match := _MONTH_KEY.match(key)):
            year, month = int(match[1]), int(match[2])
            date(year, month, 1)  # validates the month
            return _month_period(year, month, window)
        if unit == DAY and _DAY_KEY.match(key):
            return _day_period(date.fromisoformat(key), window)
    except ValueError:
        pass
    if unit == CURRENT and key == CURRENT:
        return Period(CURRENT, None, None)
    raise ValueError(f"{key!r} is not a {unit} period")


def weeks_of(period: Period) -> list[date]:
    """The Mondays of the weeks a week period covers, oldest first."""
    assert period.start is not None
    assert period.end is not None
    count = (period.end - period.start).days // 7 + 1
    return [period.start + timedelta(weeks=i) for i in range(count)]
