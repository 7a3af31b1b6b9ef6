"""Reading and checking a CSV file of calls exported by a telephony system. No Django imports.

The caller (apps/scorecards/import_jobs.py) looks up what only the database knows — which usernames
are agents, which external ids already exist — and passes it in, batch by batch, so that big files
can report progress. Every problem is reported per row (row 1 is the header, as a spreadsheet numbers
them) and per column; the import is all-or-nothing, so one bad row rejects the whole file.

Messages are marked with ``gettext_noop`` (so ``makemessages`` collects them) and translated with the
``translate`` function the caller passes, e.g. Django's ``gettext``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

Translate = Callable[[str], str]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation; it is translated where it is shown, with ``translate``."""
    return message


def _untranslated(message: str) -> str:
    return message


REQUIRED_COLUMNS = ("external_id", "agent", "started_at", "duration_seconds")
OPTIONAL_COLUMNS = ("queue", "direction", "recording_url", "customer_phone")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
DIRECTIONS = ("inbound", "outbound")
DEFAULT_DIRECTION = "inbound"

# The model's column sizes (apps/scorecards/models.py: Call): bulk_create does not check them, and
# PostgreSQL refuses a value that is too long with an error instead of a row-level message.
MAX_LENGTHS = {"external_id": 100, "queue": 100, "recording_url": 500, "customer_phone": 32}
# A recorded call longer than a day is a unit mistake (milliseconds, minutes), not a call.
MAX_DURATION_SECONDS = 24 * 60 * 60
# Telephony clocks drift a little; a start time further ahead than this is a wrong date or time zone.
FUTURE_TOLERANCE = timedelta(hours=1)
# Excel turns long digit strings (ids, phone numbers) into numbers shown as 1.38001E+10.
_EXCEL_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE]\+\d+$")
# Excel rewrites ISO date-times as year/month/day when it saves a CSV in a Chinese or Japanese locale.
_EXCEL_DATETIME = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
_DELIMITERS = (",", ";", "\t")

MSG_EMPTY_FILE = gettext_noop("The file is empty.")
MSG_NO_ROWS = gettext_noop("The file has a header row but no calls.")
MSG_NOT_UTF8 = gettext_noop(
    "The file is not UTF-8 text. In Excel, save it with “CSV UTF-8 (Comma delimited)”."
)
MSG_BINARY = gettext_noop("The file is not a CSV text file (it contains NUL characters).")
MSG_UNREADABLE = gettext_noop("The file could not be read as CSV: %(reason)s")
MSG_MISSING_COLUMNS = gettext_noop(
    "The file has no column %(missing)s. The first row must name the columns; required: %(required)s."
)
MSG_DUPLICATE_COLUMN = gettext_noop("The column “%(column)s” appears more than once.")
MSG_EXTRA_VALUES = gettext_noop("This row has more values than the header has columns.")
MSG_REQUIRED = gettext_noop("This value is required.")
MSG_TOO_LONG = gettext_noop("At most %(max)s characters.")
MSG_EXCEL_NUMBER = gettext_noop(
    "“%(value)s” looks like a number that Excel rewrote; format the column as text and export again."
)
MSG_UNKNOWN_USER = gettext_noop("No user has the username “%(value)s”.")
MSG_NOT_AGENT = gettext_noop("The user “%(value)s” is not an agent.")
MSG_BAD_DATETIME = gettext_noop(
    "“%(value)s” is not a date and time; use ISO 8601, e.g. 2024-03-05T09:30:00 or 2024-03-05 09:30+08:00."
)
MSG_DATE_WITHOUT_TIME = gettext_noop("“%(value)s” has a date but no time of day.")
MSG_FUTURE = gettext_noop("The start time %(value)s is in the future.")
MSG_BAD_DURATION = gettext_noop("“%(value)s” is not a whole number of seconds.")
MSG_DURATION_RANGE = gettext_noop("The duration must be from 0 to %(max)s seconds (24 hours).")
MSG_BAD_DIRECTION = gettext_noop("“%(value)s” is not a direction; use inbound or outbound.")
MSG_BAD_URL = gettext_noop("“%(value)s” is not an http or https address.")
MSG_EXISTS = gettext_noop("A call with the external id “%(value)s” already exists.")
MSG_DUPLICATE_IN_FILE = gettext_noop("The external id “%(value)s” is already used on row %(row)s.")


@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` as numbered in the file (header = 1; None for the file as a whole)."""

    row: int | None
    field: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CsvRow:
    number: int
    values: Mapping[str, str]
    extra_values: bool = False


@dataclass(frozen=True)
class CsvTable:
    """The data rows of a file, or the errors that stop it from being read at all."""

    rows: list[CsvRow]
    errors: list[RowError]
    text: str = ""  # the decoded file


@dataclass(frozen=True)
class ParsedCall:
    """A valid row, ready for services.CallInput; ``started_at`` is always time-zone aware."""

    row: int
    external_id: str
    agent_id: int
    started_at: datetime
    duration_seconds: int
    queue: str
    direction: str
    recording_url: str
    customer_phone: str


@dataclass
class ParseResult:
    calls: list[ParsedCall]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Reading -------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark (Excel's “CSV UTF-8” writes one); UTF-16 with one.

    Raises UnicodeDecodeError for anything else (e.g. GBK from Excel's plain “CSV” in Chinese Windows):
    guessing an encoding would import garbled names.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def _normalise_column(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def _sniff_delimiter(first_line: str) -> str:
    """Comma, or the delimiter that names the most known columns (Excel writes ; in some locales)."""
    best, best_hits = ",", 0
    for delimiter in _DELIMITERS:
        hits = sum(_normalise_column(name) in COLUMNS for name in first_line.split(delimiter))
        if hits > best_hits:
            best, best_hits = delimiter, hits
    return best


def _is_blank(record: list[str]) -> bool:
    # Excel leaves rows of empty cells (",,,,") below the data.
    return not any(value.strip() for value in record)


def read_table(data: bytes | str, *, translate: Translate = _untranslated) -> CsvTable:
    """Split a CSV file into data rows keyed by column name; check the header."""
    if isinstance(data, bytes):
        try:
            data = decode(data)
        except UnicodeDecodeError:
            return CsvTable([], [RowError(None, "", translate(MSG_NOT_UTF8))])
    text = data.removeprefix("\ufeff")
    if not text.strip():
        return CsvTable([], [RowError(None, "", translate(MSG_EMPTY_FILE))])
    if "\x00" in text:
        # A spreadsheet's binary format, not CSV; PostgreSQL would also refuse NUL in any text value.
        return CsvTable([], [RowError(None, "", translate(MSG_BINARY))])
    first_line = text.lstrip("\r\n").splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first_line))
    header: list[str] | None = None
    rows: list[CsvRow] = []
    try:
        # Row numbers count every record, blank ones too, so they match what a spreadsheet shows.
        for number, record in enumerate(reader, start=1):
            if _is_blank(record):
                continue
            if header is None:
                header = [_normalise_column(name) for name in record]
                errors = _check_header(header, number, translate)
                if errors:
                    return CsvTable([], errors)
                continue
            values = {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header)}
            extra = any(value.strip() for value in record[len(header) :])
            rows.append(CsvRow(number, values, extra))
    except csv.Error as error:
        message = translate(MSG_UNREADABLE) % {"reason": error}
        return CsvTable([], [RowError(reader.line_num or None, "", message)])
    if not rows:
        return CsvTable([], [RowError(None, "", translate(MSG_NO_ROWS))])
    return CsvTable(rows, [], text)


def _check_header(header: list[str], number: int, translate: Translate) -> list[RowError]:
    seen: set[str] = set()
    for name in header:
        if name in COLUMNS and name in seen:
            return [RowError(number, name, translate(MSG_DUPLICATE_COLUMN) % {"column": name})]
        seen.add(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        message = translate(MSG_MISSING_COLUMNS) % {
            "missing": ", ".join(missing),
            "required": ", ".join(REQUIRED_COLUMNS),
        }
        # One error for the file: every row would otherwise repeat it.
        return [RowError(number, ", ".join(missing), message)]
    return []


# --- Checking ------------------------------------------------------------------------


class CallRowValidator:
    """Checks rows batch by batch, remembering external ids across batches to find repeats."""

    def __init__(
        self,
        *,
        time_zone: str | tzinfo,
        now: datetime | None = None,
        translate: Translate = _untranslated,
    ) -> None:
        self.zone = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
        self.latest_start = now + FUTURE_TOLERANCE if now is not None else None
        self.translate = translate
        self._first_row_of: dict[str, int] = {}

    def validate(
        self,
        rows: Iterable[CsvRow],
        *,
        agents: Mapping[str, int],
        existing_ids: Collection[str],
        non_agents: Collection[str] = (),
    ) -> ParseResult:
        """``agents``: username → user id of agents; ``non_agents``: usernames of other users."""
        result = ParseResult([], [])
        for row in rows:
            errors: list[RowError] = []
            call = self._check_row(row, agents, non_agents, existing_ids, errors)
            if errors:
                result.errors.extend(errors)
            elif call is not None:
                result.calls.append(call)
        return result

    def _error(self, errors: list[RowError], row: CsvRow, field: str, message: str, /, **params) -> None:
        errors.append(RowError(row.number, field, self.translate(message) % params))

    def _text(self, errors: list[RowError], row: CsvRow, field: str, *, required: bool = False) -> str:
        value = row.values.get(field, "")
        if required and not value:
            self._error(errors, row, field, MSG_REQUIRED)
        elif field in MAX_LENGTHS and len(value) > MAX_LENGTHS[field]:
            self._error(errors, row, field, MSG_TOO_LONG, max=MAX_LENGTHS[field])
        elif field in ("external_id", "customer_phone") and _EXCEL_SCIENTIFIC.match(value):
            self._error(errors, row, field, MSG_EXCEL_NUMBER, value=value)
        return value

    def _check_row(self, row, agents, non_agents, existing_ids, errors) -> ParsedCall | None:
        if row.extra_values:
            self._error(errors, row, "", MSG_EXTRA_VALUES)
        external_id = self._text(errors, row, "external_id", required=True)
        if external_id and not any(e.field == "external_id" for e in errors):
            if external_id in existing_ids:
                self._error(errors, row, "external_id", MSG_EXISTS, value=external_id)
            elif external_id in self._first_row_of:
                first = self._first_row_of[external_id]
                self._error(errors, row, "external_id", MSG_DUPLICATE_IN_FILE, value=external_id, row=first)
            else:
                self._first_row_of[external_id] = row.number

        username = self._text(errors, row, "agent", required=True)
        agent_id = agents.get(username) if username else None
        if username and agent_id is None:
            message = MSG_NOT_AGENT if username in non_agents else MSG_UNKNOWN_USER
            self._error(errors, row, "agent", message, value=username)

        started_at = self._started_at(errors, row)
        duration = self._duration(errors, row)
        queue = self._text(errors, row, "queue")
        direction = row.values.get("direction", "").lower() or DEFAULT_DIRECTION
        if direction not in DIRECTIONS:
            self._error(errors, row, "direction", MSG_BAD_DIRECTION, value=row.values["direction"])
        recording_url = self._text(errors, row, "recording_url")
        if recording_url and not any(e.field == "recording_url" for e in errors):
            parts = urlsplit(recording_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or " " in recording_url:
                self._error(errors, row, "recording_url", MSG_BAD_URL, value=recording_url)
        customer_phone = self._text(errors, row, "customer_phone")

        if errors:
            return None
        return ParsedCall(
            row=row.number,
            external_id=external_id,
            agent_id=agent_id,
            started_at=started_at,
            duration_seconds=duration,
            queue=queue,
            direction=direction,
            recording_url=recording_url,
            customer_phone=customer_phone,
        )

    def _started_at(self, errors: list[RowError], row: CsvRow) -> datetime | None:
        value = self._text(errors, row, "started_at", required=True)
        if not value:
            return None
        if _DATE_ONLY.match(value):
            self._error(errors, row, "started_at", MSG_DATE_WITHOUT_TIME, value=value)
            return None
        excel = _EXCEL_DATETIME.match(value)
        try:
            if excel:
                parsed = datetime(*(int(part or 0) for part in excel.groups()))  # noqa: DTZ001 - made aware below
            else:
                parsed = datetime.fromisoformat(value)
        except ValueError:
            self._error(errors, row, "started_at", MSG_BAD_DATETIME, value=value)
            return None
        if parsed.tzinfo is None:
            # Naive times are wall-clock times of the contact centre (settings.TIME_ZONE).
            parsed = parsed.replace(tzinfo=self.zone)
        if self.latest_start is not None and parsed > self.latest_start:
            self._error(errors, row, "started_at", MSG_FUTURE, value=value)
            return None
        return parsed

    def _duration(self, errors: list[RowError], row: CsvRow) -> int | None:
        value = self._text(errors, row, "duration_seconds", required=True)
        if not value:
            return None
        if not value.isascii() or not value.isdigit():
            self._error(errors, row, "duration_seconds", MSG_BAD_DURATION, value=value)
            return None
        seconds = int(value)
        if seconds > MAX_DURATION_SECONDS:
            self._error(errors, row, "duration_seconds", MSG_DURATION_RANGE, max=MAX_DURATION_SECONDS)
            return None
        return seconds


def parse_calls(
    data: bytes | str,
    *,
    agents: Mapping[str, int],
    existing_ids: Collection[str],
    time_zone: str | tzinfo,
    non_agents: Collection[str] = (),
    now: datetime | None = None,
    translate: Translate = _untranslated,
) -> ParseResult:
    """Read and check a whole file in one go: every call, or (with no calls) every error."""
    table = read_table(data, translate=translate)
    if table.errors:
        return ParseResult([], table.errors)
    validator = CallRowValidator(time_zone=time_zone, now=now, translate=translate)
    result = validator.validate(table.rows, agents=agents, existing_ids=existing_ids, non_agents=non_agents)
    if result.errors:
        result.calls = []
    return result


def usernames_and_ids(rows: Iterable[CsvRow]) -> tuple[set[str], set[str]]:
    """The agent usernames and external ids a batch mentions: what the caller must look up."""
    usernames, ids = set(), set()
    for row in rows:
        if row.values.get("agent"):
            usernames.add(row.values["agent"])
        if row.values.get("external_id"):
            ids.add(row.values["external_id"])
    return usernames, ids


EXAMPLE_ROWS = (
    COLUMNS,
    (
        "CALL-2024-000101",
        "agent.li",
        "2024-03-05T09:30:00",
        "245",
        "billing",
        "inbound",
        "https://recordings.example.com/CALL-2024-000101.mp3",
        "13800138000",
    ),
    ("CALL-2024-000102", "agent.li", "2024-03-05 10:02:17+08:00", "68", "billing", "outbound", "", ""),
    ("CALL-2024-000103", "agent.wang", "2024-03-05T02:15:00Z", "1312", "technical support", "", "", ""),
)


def example_csv() -> str:
    """An example file: a header, a naive local time, an offset, UTC, optional columns left empty."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(EXAMPLE_ROWS)
    return out.getvalue()
