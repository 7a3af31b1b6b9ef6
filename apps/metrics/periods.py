"""The period a KPI question is about: a calendar month ("2024-03") or a start and end date.

One rule for the pages and the API: a month, or both dates, never both; start ≤ end; at most
MAX_PERIOD_DAYS. Nothing given means this month. Refusals are ValidationFailed with the field
they concern, so the API answers 400 with field errors and the pages show them next to the field.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from qa_center.errors import ValidationFailed

# Two years: enough for a year-on-year trend, and it bounds a day-by-agent answer's size.
MAX_PERIOD_DAYS = 731

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def month(self) -> str:
        """The month as YYYY-MM when the period is exactly one calendar month, else an empty string."""
        if self == month_period(self.start.year, self.start.month):
            return f"{self.start:%Y-%m}"
        return ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last))


def parse_month(text: str) -> Period:
    """``2024-03`` → 1–31 March 2024; anything else is refused on the field ``month``."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise ValidationFailed(_("Enter a month as YYYY-MM, for example 2024-03."), field="month")
    return month_period(int(match.group(1)), int(match.group(2)))


def period_from(
    *, month: str | None = None, start: date | None = None, end: date | None = None, today: date
) -> Period:
    """The period asked for: ``month`` or ``start`` and ``end`` (parsed dates), else today's month."""
    if month and (start or end):
        raise ValidationFailed(_("Give either a month or a start and end date, not both."), field="month")
    if month:
        return parse_month(month)
    if start is None and end is None:
        return month_period(today.year, today.month)
    if start is None or end is None:
        missing = "start" if start is None else "end"
        raise ValidationFailed(_("Give both a start and an end date."), field=missing)
    if start > end:
        raise ValidationFailed(_("The end date must not be before the start date."), field="end")
    if (end - start) >= timedelta(days=MAX_PERIOD_DAYS):
        raise ValidationFailed(
            _("A period can be at most %(days)d days long.") % {"days": MAX_PERIOD_DAYS}, field="end"
        )
    return Period(start, end)
