"""The beat schedules of the reports app, described for people (the admin's schedules page, README)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import kinds
from .kinds import ChartKind
from .kinds.base import HOURLY, MONTHLY, NIGHTLY, ON_CHANGE, WEEKLY

SCHEDULE_TASK = "reports.generate_schedule"

DESCRIPTIONS = {
    HOURLY: _("Every hour, at five past"),
    NIGHTLY: _("Every night at 02:15"),
    WEEKLY: _("Every Monday at 03:00"),
    MONTHLY: _("On the 1st of every month at 03:30"),
    ON_CHANGE: _("A few seconds after the project's data changes"),
}


@dataclass(frozen=True)
class ScheduleRow:
    schedule: str
    description: str
    beat_entry: str | None  # the CELERY_BEAT_SCHEDULE key, None for "on change"
    crontab: str
    kinds: list[ChartKind]


def _beat_entries() -> dict[str, tuple[str, str]]:
    """schedule name → (beat entry name, its timing as Celery prints it)."""
    entries = {}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if entry.get("task") == SCHEDULE_TASK and entry.get("args"):
            entries[entry["args"][0]] = (name, _cron_text(entry["schedule"]))
    return entries


def _cron_text(schedule) -> str:
    """A crontab as the five cron fields ("5 * * * *"); other schedules as Celery prints them."""
    fields = ("_orig_minute", "_orig_hour", "_orig_day_of_month", "_orig_month_of_year", "_orig_day_of_week")
    if all(hasattr(schedule, field) for field in fields):
        return " ".join(str(getattr(schedule, field)) for field in fields)
    return str(schedule)


def rows() -> list[ScheduleRow]:
    beat = _beat_entries()
    return [
        ScheduleRow(
            schedule=schedule,
            description=str(DESCRIPTIONS[schedule]),
            beat_entry=beat.get(schedule, (None, ""))[0],
            crontab=beat.get(schedule, (None, ""))[1],
            kinds=kinds.on_schedule(schedule),
        )
        for schedule in kinds.SCHEDULES
    ]
