"""Files and rows for the import tests: a consistent day's values, CSV files of them, a small world."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from datetime import date, timedelta

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.metrics.csv_format import COLUMNS, COUNT_COLUMNS
from apps.metrics.models import Queue
from tests.factories import UserFactory

# A consistent day (every rule holds), as the CSV has it; agent and queue are the world's.
DAY = {
    "date": "2024-03-05",
    "agent": "agent",
    "queue": "Billing",
    "calls_offered": "120",
    "calls_answered": "112",
    "calls_abandoned": "8",
    "answered_within_sl": "96",
    "talk_seconds": "21840",
    "hold_seconds": "1630",
    "acw_seconds": "5400",
    "not_ready_seconds": "1800",
    "idle_seconds": "3100",
    "logged_in_seconds": "28800",
    "fcr_count": "104",
    "survey_responses": "40",
    "survey_satisfied": "38",
    "scheduled_minutes": "480",
    "worked_minutes": "475",
    "tags": "holiday",
}
COUNTS = {name: int(DAY[name]) for name in COUNT_COLUMNS}
HEADER = ",".join(COLUMNS)


def row(**values: str) -> str:
    """One CSV line: DAY with ``values`` instead."""
    merged = {**DAY, **values}
    return ",".join(merged[name] for name in COLUMNS)


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    """A file as Excel's “CSV UTF-8” saves it: byte-order mark, header, CRLF."""
    text = "\r\n".join([HEADER, *lines]) + "\r\n"
    bom = codecs.BOM_UTF8 if encoding == "utf-8" else b""
    return bom + text.encode(encoding)


def days_file(count: int, *, bad: dict[int, dict[str, str]] | None = None, agent: str = "agent") -> bytes:
    """``count`` rows of one agent on consecutive days from 2020-01-01; ``bad`` maps a file row
    number (header = 1) to the values that break it."""
    first = date(2020, 1, 1)
    lines = [
        row(date=(first + timedelta(days=index)).isoformat(), agent=agent, **(bad or {}).get(index + 2, {}))
        for index in range(count)
    ]
    return csv_bytes(*lines)


def api_row(agent: User, /, **values) -> dict:
    """One JSON row for metrics/daily/: numbers as numbers, ``agent`` the user id."""
    payload: dict = {
        "date": DAY["date"],
        "agent": agent.pk,
        "queue": DAY["queue"],
        **COUNTS,
        "tags": DAY["tags"],
    }
    payload.update(values)
    return payload


@dataclass
class ImportWorld:
    manager: User
    agent: User  # username "agent"
    other_agent: User  # username "other_agent"
    billing: Queue
    support: Queue


def import_world(personas) -> ImportWorld:
    return ImportWorld(
        manager=personas[Role.QA_MANAGER],
        agent=personas[Role.AGENT],
        other_agent=personas["other_agent"],
        billing=Queue.objects.create(name="Billing"),
        support=Queue.objects.create(name="技术支持"),
    )


def inactive_agent() -> User:
    return UserFactory(username="left", roles=[Role.AGENT], is_active=False)
