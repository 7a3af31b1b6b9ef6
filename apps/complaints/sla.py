"""Business-hours arithmetic for SLA clocks (no Django imports).

A calendar has working periods per weekday (Monday = 0) in its own time zone
and holiday dates; ``always_open`` means 24×7. The clock only runs inside
working periods: adding 2 hours at 17:30 on a Friday with 09:00–18:00 hours
lands at 10:30 on Monday.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS_SCANNED = 3660  # ten years: a calendar with no working time at all must not loop forever


class CalendarError(ValueError):
    pass


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    hours: Mapping[int, Sequence[tuple[time, time]]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    def periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of a local date, as aware datetimes."""
        if day in self.holidays:
            return []
        periods = []
        for start, end in sorted(self.hours.get(day.weekday(), ())):
            begin = datetime.combine(day, start, tzinfo=self.tz)
            # An end of 00:00 means midnight at the end of the day.
            finish = datetime.combine(day + timedelta(days=1) if end == time(0) else day, end, tzinfo=self.tz)
            if finish > begin:
                periods.append((begin, finish))
        return periods


def add_business_seconds(start: datetime, seconds: int, calendar: Calendar) -> datetime:
    """The moment when ``seconds`` of working time have passed since ``start``."""
    if start.tzinfo is None:
        raise CalendarError("start must be timezone-aware")
    if seconds < 0:
        raise CalendarError("seconds must not be negative")
    remaining = timedelta(seconds=seconds)
    # Arithmetic on UTC: two aware datetimes in one zone subtract and add as wall-clock times,
    # so a period that spans a DST change would be an hour too long or too short.
    moment = start.astimezone(UTC)
    if calendar.always_open:
        return (moment + remaining).astimezone(start.tzinfo)
    # A period may have started the evening before.
    day = start.astimezone(calendar.tz).date() - timedelta(days=1)
    for _ in range(MAX_DAYS_SCANNED):
        for begin, finish in _utc_periods_on(calendar, day):
            if finish <= moment:
                continue
            begin = max(begin, moment)
            available = finish - begin
            if remaining <= available:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= available
        day += timedelta(days=1)
    raise CalendarError("the calendar has no working time in the next ten years")


def business_seconds_between(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Working seconds from ``start`` to ``end`` (0 if end is not after start)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise CalendarError("times must be timezone-aware")
    if end <= start:
        return 0
    utc_start, utc_end = start.astimezone(UTC), end.astimezone(UTC)
    if calendar.always_open:
        return int((utc_end - utc_start).total_seconds())
    total = timedelta()
    day = start.astimezone(calendar.tz).date() - timedelta(days=1)
    last_day = end.astimezone(calendar.tz).date()
    while day <= last_day:
        for begin, finish in _utc_periods_on(calendar, day):
            overlap = min(finish, utc_end) - max(begin, utc_start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return int(total.total_seconds())


def _utc_periods_on(calendar: Calendar, day: date) -> list[tuple[datetime, datetime]]:
    return [(begin.astimezone(UTC), finish.astimezone(UTC)) for begin, finish in calendar.periods_on(day)]
