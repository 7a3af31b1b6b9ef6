"""Daily figures as CSV (DESIGN.md §7, §9): the columns, reading a file, checking rows. No Django imports.

The same checks serve the CSV import (``agent`` is a username) and the API's JSON rows (``agent`` is a
user id): the caller (apps/metrics/imports.py) turns each row into the column values as text and passes
in what only the database knows — the queues, and a function that resolves an agent. A row is either a
``DailyRow`` tuple ready to be written or a list of ``RowError``; the import is all-or-nothing.

Speed matters (a year of a big centre is a million rows): a row whose values are all plainly fine goes
through a fast path (``str.isdigit``, ``int``, a few comparisons, dictionary look-ups for dates, agents
and tags); only a row with a problem is looked at field by field to say exactly what is wrong.

Messages are marked with ``gettext_noop`` and kept untranslated in ``RowError`` with their parameters,
so a job's errors are shown in the language of whoever reads them, not of the worker that found them.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import BinaryIO, TextIO

Translate = Callable[[str], str]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation; it is translated where it is shown."""
    return message


def _untranslated(message: str) -> str:
    return message


# The summable counts, in the file's order; the same names as kpis.BASE_FIELDS and the model's fields.
COUNT_COLUMNS = (
    "calls_offered",
    "calls_answered",
    "calls_abandoned",
    "answered_within_sl",
    "talk_seconds",
    "hold_seconds",
    "acw_seconds",
    "not_ready_seconds",
    "idle_seconds",
    "logged_in_seconds",
    "fcr_count",
    "survey_responses",
    "survey_satisfied",
    "scheduled_minutes",
    "worked_minutes",
)
# The file's columns (DESIGN.md §9), in the order of the downloadable template.
COLUMNS = ("date", "agent", "queue", *COUNT_COLUMNS, "tags")
# A DailyRow's values, in this order: what the import writes to metrics_dailyfigure.
ROW_FIELDS = ("date", "agent_id", "queue_id", *COUNT_COLUMNS, "tags")

# PostgreSQL's integer: the model's PositiveIntegerField refuses more with an error, not a message.
MAX_COUNT = 2_147_483_647
# The model's sizes: DailyFigure.tags and DayTag.label.
TAGS_MAX_LENGTH = 300
TAG_MAX_LENGTH = 60
# Tags are written "holiday;storm"; Chinese input methods type the full-width semicolon.
_TAG_SEPARATORS = re.compile("[;；]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DELIMITERS = (",", ";", "\t")
# A file with this many problems is listed up to here, then summed up in one line.
MAX_LISTED_ERRORS = 1000

MSG_EMPTY_FILE = gettext_noop("The file is empty.")
MSG_NO_ROWS = gettext_noop("The file has a header row but no daily figures.")
MSG_ENCODING = gettext_noop(
    "The file is neither UTF-8 nor GB18030 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”."
)
MSG_BINARY = gettext_noop("The file is not a CSV text file (it contains NUL characters).")
MSG_UNREADABLE = gettext_noop("The file could not be read as CSV: %(reason)s")
MSG_MISSING_COLUMNS = gettext_noop(
    "The header lacks the columns: %(columns)s. The first row must name these columns: %(expected)s."
)
MSG_UNKNOWN_COLUMNS = gettext_noop(
    "The header has unknown columns: %(columns)s. The first row must name only these columns: %(expected)s."
)
MSG_DUPLICATE_COLUMN = gettext_noop("The header names the column “%(column)s” more than once.")
MSG_VALUE_COUNT = gettext_noop("This row has %(count)s values; the header has %(expected)s columns.")
MSG_MORE_ERRORS = gettext_noop(
    "%(count)s more problems are not listed. Fix the ones above and check the file again."
)
MSG_REQUIRED = gettext_noop("This value is required.")
MSG_BAD_DATE = gettext_noop("“%(value)s” is not a date; write it as YYYY-MM-DD, e.g. 2024-03-05.")
MSG_FUTURE_DATE = gettext_noop("The date %(value)s is in the future.")
MSG_NOT_WHOLE = gettext_noop("“%(value)s” is not a whole number of 0 or more.")
MSG_TOO_BIG = gettext_noop("%(value)s is too large; the most is %(max)s.")
MSG_ANSWERED_GT_OFFERED = gettext_noop("Answered calls (%(answered)s) exceed offered calls (%(offered)s).")
MSG_ABANDONED_GT_OFFERED = gettext_noop("Abandoned calls (%(abandoned)s) exceed offered calls (%(offered)s).")
MSG_ANSWERED_ABANDONED_GT_OFFERED = gettext_noop(
    "Answered plus abandoned calls (%(answered)s + %(abandoned)s) exceed offered calls (%(offered)s)."
)
MSG_WITHIN_SL_GT_ANSWERED = gettext_noop(
    "Calls answered within the service level (%(within)s) exceed answered calls (%(answered)s)."
)
MSG_FCR_GT_ANSWERED = gettext_noop("First-call resolutions (%(fcr)s) exceed answered calls (%(answered)s).")
MSG_SATISFIED_GT_RESPONSES = gettext_noop(
    "Satisfied responses (%(satisfied)s) exceed survey responses (%(responses)s)."
)
MSG_NOT_READY_IDLE_GT_LOGGED_IN = gettext_noop(
    "Not-ready plus idle time (%(not_ready)s s + %(idle)s s) exceeds logged-in time (%(logged_in)s s)."
)
MSG_TAG_TOO_LONG = gettext_noop("The tag “%(value)s” is longer than %(max)s characters.")
MSG_TAGS_TOO_LONG = gettext_noop("The tags are longer than %(max)s characters in all.")
MSG_UNKNOWN_QUEUE = gettext_noop("No queue is named “%(value)s”.")
MSG_UNKNOWN_USERNAME = gettext_noop("No user has the username “%(value)s”.")
MSG_UNKNOWN_USER_ID = gettext_noop("No user has the id %(value)s.")
MSG_BAD_USER_ID = gettext_noop("“%(value)s” is not a user id.")
MSG_NOT_AGENT = gettext_noop("The user “%(value)s” is not an agent.")
MSG_INACTIVE = gettext_noop("The user “%(value)s” is inactive.")
MSG_DUPLICATE_ROW = gettext_noop("Row %(row)s has the same date, agent and queue.")

# An agent as the caller resolves it: the agent's user id, or the message saying why there is none
# (MSG_UNKNOWN_USERNAME, MSG_NOT_AGENT, …; its %(value)s is the value of the row).
AgentResolver = Callable[[str], "int | str"]

# date, agent_id, queue_id, the 15 counts (ints), tags ("a;b", normalised): ROW_FIELDS' order.
DailyRow = tuple


@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` as numbered in the file (header = 1) or the API list (first = 1); None
    for the file as a whole. ``message`` is untranslated; ``params`` fill its placeholders."""

    row: int | None
    field: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, translate: Translate = _untranslated) -> str:
        message = translate(self.message)
        return message % dict(self.params) if self.params else message

    def as_dict(self) -> dict:
        """For storage (a job's errors): the untranslated message and its parameters."""
        return {"row": self.row, "field": self.field, "message": self.message, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping) -> RowError:
        return cls(data.get("row"), data.get("field", ""), data.get("message", ""), data.get("params") or {})


class FileProblem(Exception):
    """The file cannot be read at all: not text, no header, a broken header or broken CSV."""

    def __init__(self, message: str, /, *, row: int | None = None, **params) -> None:
        super().__init__(message)
        self.error = RowError(row, "", message, params)


# --- Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sniffed:
    encoding: str
    line_breaks: int  # a quick upper bound of the rows, for progress: quoted values may hold breaks


SNIFF_CHUNK_BYTES = 1 << 20


def sniff(raw: BinaryIO) -> Sniffed:
    """The encoding of a binary file — UTF-8 with or without a byte-order mark, UTF-16 with one, else
    GB18030 — and its number of line breaks; raises FileProblem if it is not text. Rewinds the file.

    The whole file is decoded (at C speed) before a single row is read, so that a file is never half
    imported in one encoding and then refused in the other.
    """
    raw.seek(0)
    start = raw.read(4)
    raw.seek(0)
    if not start:
        raise FileProblem(MSG_EMPTY_FILE)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _sniff_utf16(raw)
    for encoding, decoder in (("utf-8-sig", "utf-8"), ("gb18030", "gb18030")):
        line_breaks = _line_breaks_if_decodes(raw, decoder)
        if line_breaks is not None:
            return Sniffed(encoding, line_breaks)
    raise FileProblem(MSG_ENCODING)


def _line_breaks_if_decodes(raw: BinaryIO, encoding: str) -> int | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    line_breaks = 0
    raw.seek(0)
    try:
        while chunk := raw.read(SNIFF_CHUNK_BYTES):
            if b"\x00" in chunk:
                # A spreadsheet's binary format, not CSV; PostgreSQL would also refuse NUL in text.
                raise FileProblem(MSG_BINARY)
            decoder.decode(chunk)
            line_breaks += chunk.count(b"\n")
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    finally:
        raw.seek(0)
    return line_breaks


def _sniff_utf16(raw: BinaryIO) -> Sniffed:
    # Excel's "Unicode text": UTF-16 with a byte-order mark. Rare, so decoded in one go.
    try:
        text = raw.read().decode("utf-16")
    except UnicodeDecodeError:
        raise FileProblem(MSG_ENCODING) from None
    finally:
        raw.seek(0)
    if "\x00" in text:
        raise FileProblem(MSG_BINARY)
    return Sniffed("utf-16", text.count("\n"))


def open_text(raw: BinaryIO, encoding: str) -> TextIO:
    """A binary file as text in the sniffed encoding; ``newline=""`` as the csv module wants."""
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def _normalise_column(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _sniff_delimiter(first_line: str) -> str:
    """Comma, or the delimiter that names the most columns (Excel writes ; or tabs in some locales)."""
    best, best_hits = ",", 0
    for delimiter in _DELIMITERS:
        hits = sum(_normalise_column(name) in COLUMNS for name in first_line.split(delimiter))
        if hits > best_hits:
            best, best_hits = delimiter, hits
    return best


def _is_blank(record: Sequence[str]) -> bool:
    # Excel leaves rows of empty cells (",,,,") below the data.
    return not any(value.strip() for value in record)


def read_rows(text: TextIO | str) -> Iterator[tuple[int, list[str]]]:
    """The data rows of a file as (row number, values in COLUMNS order); row 1 is the first line.

    Raises FileProblem for a header that does not name exactly COLUMNS (in any order), for CSV that
    cannot be read, and for a file without data rows. Row numbers count every record, blank ones too,
    so they match what a spreadsheet shows. A row's length is left for the checker to judge.
    """
    stream = io.StringIO(text, newline="") if isinstance(text, str) else text
    leading: list[str] = []
    for line in stream:
        leading.append(line)
        if line.strip():
            break
    if not leading or not leading[-1].strip():
        raise FileProblem(MSG_EMPTY_FILE)
    reader = csv.reader(itertools.chain(leading, stream), delimiter=_sniff_delimiter(leading[-1]))
    header_seen, reorder, any_rows = False, None, False
    try:
        for number, record in enumerate(reader, start=1):
            if _is_blank(record):
                continue
            if not header_seen:
                header_seen, reorder = True, _check_header(record)
                continue
            any_rows = True
            yield number, (record if reorder is None else reorder(record))
    except csv.Error as error:
        raise FileProblem(MSG_UNREADABLE, row=reader.line_num or None, reason=str(error)) from None
    if not any_rows:
        raise FileProblem(MSG_NO_ROWS)


def _check_header(record: Sequence[str]) -> Callable[[list[str]], list[str]] | None:
    """None if the header is COLUMNS in order, else a function putting a row's values in COLUMNS
    order; raises FileProblem for a header that does not name exactly COLUMNS."""
    names = [_normalise_column(name) for name in record]
    # Excel pads a header with empty cells when some rows are longer: trailing blanks are not columns.
    while names and not names[-1]:
        names.pop()
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise FileProblem(MSG_DUPLICATE_COLUMN, column=name)
        seen.add(name)
    expected = ", ".join(COLUMNS)
    missing = [name for name in COLUMNS if name not in seen]
    if missing:
        raise FileProblem(MSG_MISSING_COLUMNS, columns=", ".join(missing), expected=expected)
    unknown = [name or '""' for name in names if name not in COLUMNS]
    if unknown:
        raise FileProblem(MSG_UNKNOWN_COLUMNS, columns=", ".join(unknown), expected=expected)
    if tuple(names) == COLUMNS:
        return None
    width = len(COLUMNS)
    positions = itemgetter(*(names.index(name) for name in COLUMNS))

    def reorder(values: list[str]) -> list[str]:
        if len(values) == width or (len(values) > width and _is_blank(values[width:])):
            return list(positions(values))
        return values  # the wrong length: the checker says so

    return reorder


# --- Checking -------------------------------------------------------------------------------


# The rules between counts: (field, message, {placeholder: column}, holds(*values)). Only what is
# certainly impossible in telephony and WFM data. Not checked on purpose: talk, hold and after-call
# work against logged-in time (systems book a call's time to the day it started, and after-call work
# can run past log-out), and worked against scheduled minutes (overtime). DailyRowChecker.check's
# fast path tests the same rules in one expression.
RULES: tuple[tuple[str, str, dict[str, str], Callable[..., bool]], ...] = (
    (
        "calls_answered",
        MSG_ANSWERED_GT_OFFERED,
        {"answered": "calls_answered", "offered": "calls_offered"},
        lambda answered, offered: answered <= offered,
    ),
    (
        "calls_abandoned",
        MSG_ABANDONED_GT_OFFERED,
        {"abandoned": "calls_abandoned", "offered": "calls_offered"},
        lambda abandoned, offered: abandoned <= offered,
    ),
    (
        "calls_offered",
        MSG_ANSWERED_ABANDONED_GT_OFFERED,
        {"answered": "calls_answered", "abandoned": "calls_abandoned", "offered": "calls_offered"},
        # Said only when neither part alone exceeds the calls offered (that is said above).
        lambda answered, abandoned, offered: (
            answered > offered or abandoned > offered or answered + abandoned <= offered
        ),
    ),
    (
        "answered_within_sl",
        MSG_WITHIN_SL_GT_ANSWERED,
        {"within": "answered_within_sl", "answered": "calls_answered"},
        lambda within, answered: within <= answered,
    ),
    (
        "fcr_count",
        MSG_FCR_GT_ANSWERED,
        {"fcr": "fcr_count", "answered": "calls_answered"},
        lambda fcr, answered: fcr <= answered,
    ),
    (
        "survey_satisfied",
        MSG_SATISFIED_GT_RESPONSES,
        {"satisfied": "survey_satisfied", "responses": "survey_responses"},
        lambda satisfied, responses: satisfied <= responses,
    ),
    (
        "logged_in_seconds",
        MSG_NOT_READY_IDLE_GT_LOGGED_IN,
        {"not_ready": "not_ready_seconds", "idle": "idle_seconds", "logged_in": "logged_in_seconds"},
        lambda not_ready, idle, logged_in: not_ready + idle <= logged_in,
    ),
)


class DailyRowChecker:
    """Checks rows one by one, remembering what a file-wide rule needs (repeated keys) and the day
    tags of the valid rows. Every error is counted; the first ``max_errors`` are kept.

    ``queues``: queue name in lower case → id. ``resolve_agent``: the row's agent value → user id or
    the message saying why not; each distinct value is resolved once.
    """

    width = len(COLUMNS)

    def __init__(
        self,
        *,
        today: date,
        queues: Mapping[str, int],
        resolve_agent: AgentResolver,
        max_errors: int = MAX_LISTED_ERRORS,
    ) -> None:
        self.today = today
        self.queues = queues
        self.resolve_agent = resolve_agent
        self.max_errors = max_errors
        self.errors: list[RowError] = []
        self.error_count = 0
        # (date, label) of every valid row's tags: the day tags the import upserts.
        self.day_tags: set[tuple[date, str]] = set()
        # Caches of the values seen, as written in the file → the parsed value or the problem.
        self._dates: dict[str, date | str] = {}
        self._agents: dict[str, int | str] = {}
        self._queue_ids: dict[str, int] = {}
        self._tags: dict[str, tuple[str, tuple[str, ...]] | RowError] = {"": ("", ())}
        # (date, agent, queue) packed into one int → the row that has it: about 100 bytes a row.
        self._first_row_of: dict[object, int] = {}

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def all_errors(self) -> list[RowError]:
        """The kept errors, then one line saying how many more there are."""
        hidden = self.error_count - len(self.errors)
        if hidden > 0:
            return [*self.errors, RowError(None, "", MSG_MORE_ERRORS, {"count": hidden})]
        return list(self.errors)

    def add_error(self, row: int | None, field: str, message: str, /, **params) -> None:
        """Record a problem; also for the caller's own checks (e.g. the shape of an API row)."""
        self.error_count += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(RowError(row, field, message, params))

    def check(self, number: int, values: Sequence[str]) -> DailyRow | None:
        """A valid row as a DailyRow; None (with its errors recorded) otherwise. Once any row had an
        error, valid rows are still checked (for repeats) but no longer built: nothing is written."""
        if len(values) != self.width:
            if len(values) < self.width or not _is_blank(values[self.width :]):
                self.add_error(number, "", MSG_VALUE_COUNT, count=len(values), expected=self.width)
                return None
            values = values[: self.width]  # trailing empty cells, as Excel writes them

        # The fast path: each value seen before and fine, every count plain digits, no rule broken.
        # Anything else — a first sighting, a space, a problem — takes the careful path.
        day = self._dates.get(values[0])
        agent_id = self._agents.get(values[1])
        queue_id = self._queue_ids.get(values[2])
        tags = self._tags.get(values[18])
        counts = values[3:18]
        if (
            day.__class__ is not date
            or agent_id.__class__ is not int
            or queue_id is None
            or tags.__class__ is not tuple
            or not all(map(str.isdigit, counts))
        ):
            return self._check_carefully(number, values)
        try:
            numbers = list(map(int, counts))
        except ValueError:  # digits that int() does not take, such as "²"
            return self._check_carefully(number, values)
        offered, answered, abandoned, within = numbers[0], numbers[1], numbers[2], numbers[3]
        if (
            answered + abandoned > offered
            or within > answered
            or numbers[10] > answered  # first-call resolutions
            or numbers[12] > numbers[11]  # satisfied > responses
            or numbers[7] + numbers[8] > numbers[9]  # not ready + idle > logged in
            or max(numbers) > MAX_COUNT
        ):
            return self._check_carefully(number, values)
        return self._accept(number, day, agent_id, queue_id, numbers, tags)

    def _accept(self, number, day, agent_id, queue_id, numbers, tags) -> DailyRow | None:
        if agent_id < 1 << 32 and queue_id < 1 << 32:
            key: object = (day.toordinal() << 64) | (agent_id << 32) | queue_id
        else:
            key = (day, agent_id, queue_id)
        first = self._first_row_of.setdefault(key, number)
        if first != number:
            self.add_error(number, "", MSG_DUPLICATE_ROW, row=first)
            return None
        if self.error_count:
            return None
        for label in tags[1]:
            self.day_tags.add((day, label))
        return (day, agent_id, queue_id, *numbers, tags[0])

    def _check_carefully(self, number: int, values: Sequence[str]) -> DailyRow | None:
        before = self.error_count
        stripped = [value.strip() for value in values]
        day = self._date(number, stripped[0])
        agent_id = self._agent(number, stripped[1])
        queue_id = self._queue(number, values[2], stripped[2])
        numbers = [
            self._count(number, name, value)
            for name, value in zip(COUNT_COLUMNS, stripped[3:18], strict=True)
        ]
        self._relations(number, numbers)
        tags = self._tag_list(number, values[18])
        if self.error_count > before:
            return None
        return self._accept(number, day, agent_id, queue_id, numbers, tags)

    def _date(self, number: int, value: str) -> date | None:
        if not value:
            self.add_error(number, "date", MSG_REQUIRED)
            return None
        parsed = self._dates.get(value)
        if parsed is None:
            parsed = MSG_BAD_DATE
            if _ISO_DATE.fullmatch(value):
                try:
                    parsed = date.fromisoformat(value)
                except ValueError:
                    pass  # 2024-02-30
            if parsed.__class__ is date and parsed > self.today:
                parsed = MSG_FUTURE_DATE
            self._dates[value] = parsed
        if parsed.__class__ is date:
            return parsed
        self.add_error(number, "date", parsed, value=value)
        return None

    def _agent(self, number: int, value: str) -> int | None:
        if not value:
            self.add_error(number, "agent", MSG_REQUIRED)
            return None
        resolved = self._agents.get(value)
        if resolved is None:
            resolved = self._agents[value] = self.resolve_agent(value)
        if resolved.__class__ is int:
            return resolved
        self.add_error(number, "agent", resolved, value=value)
        return None

    def _queue(self, number: int, raw: str, value: str) -> int | None:
        if not value:
            self.add_error(number, "queue", MSG_REQUIRED)
            return None
        queue_id = self.queues.get(value.lower())
        if queue_id is None:
            self.add_error(number, "queue", MSG_UNKNOWN_QUEUE, value=value)
        else:
            self._queue_ids[raw] = queue_id
        return queue_id

    def _count(self, number: int, name: str, value: str) -> int | None:
        if not value:
            self.add_error(number, name, MSG_REQUIRED)
            return None
        try:
            parsed = int(value) if value.isdigit() else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.add_error(number, name, MSG_NOT_WHOLE, value=value)
        elif parsed > MAX_COUNT:
            self.add_error(number, name, MSG_TOO_BIG, value=value, max=MAX_COUNT)
            return None
        return parsed

    def _relations(self, number: int, numbers: list[int | None]) -> None:
        """The rules between counts (RULES) whose values are all whole numbers."""
        by_name = dict(zip(COUNT_COLUMNS, numbers, strict=True))
        for field_name, message, placeholders, holds in RULES:
            values = [by_name[name] for name in placeholders.values()]
            if None not in values and not holds(*values):
                self.add_error(number, field_name, message, **dict(zip(placeholders, values, strict=True)))

    def _tag_list(self, number: int, value: str) -> tuple[str, tuple[str, ...]] | None:
        parsed = self._tags.get(value)
        if parsed is None:
            parsed = self._tags[value] = _parse_tags(value)
        if parsed.__class__ is tuple:
            return parsed
        self.add_error(number, "tags", parsed.message, **parsed.params)
        return None


def _parse_tags(value: str) -> tuple[str, tuple[str, ...]] | RowError:
    """ "holiday; storm ;;" → ("holiday;storm", ("holiday", "storm")), or the problem."""
    labels: list[str] = []
    for label in _TAG_SEPARATORS.split(value):
        label = label.strip()
        if not label or label in labels:
            continue
        if len(label) > TAG_MAX_LENGTH:
            return RowError(None, "tags", MSG_TAG_TOO_LONG, {"value": label, "max": TAG_MAX_LENGTH})
        labels.append(label)
    joined = ";".join(labels)
    if len(joined) > TAGS_MAX_LENGTH:
        return RowError(None, "tags", MSG_TAGS_TOO_LONG, {"max": TAGS_MAX_LENGTH})
    return joined, tuple(labels)


# --- The template -------------------------------------------------------------------------------

EXAMPLE_ROWS = (
    ("2024-03-05", "agent", "Billing 账单", "120", "112", "8", "96", "21840", "1630", "5400",
     "1800", "3100", "28800", "104", "40", "38", "480", "475", "holiday"),
    ("2024-03-05", "agent0001", "Technical support 技术支持", "95", "90", "5", "70", "24300", "2100",
     "4950", "2400", "1900", "27900", "81", "31", "30", "480", "510", "storm;campaign"),
)  # fmt: skip


def example_csv() -> str:
    """The downloadable template: the header and two example rows (the second with overtime)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(EXAMPLE_ROWS)
    return out.getvalue()
