"""Importing daily figures (DESIGN.md §7, §9): CSV files and API rows — checked, all-or-nothing,
idempotent.

- ``daily_rows_save``: rows sent to the API (``agent`` is a user id), checked and written at once.
- ``daily_csv_import``: an uploaded file (``agent`` is a username). Files up to ``sync_max_rows()``
  rows are checked and written in the request; bigger ones become a MetricsImport job that a Celery
  task runs (tasks.import_daily_figures).
- ``metrics_import_run``: the job. Rows are checked batch by batch and ``processed_rows`` is saved
  after each batch in its own short transaction, so the status page shows progress; then every row is
  written in ONE transaction, so a failure writes nothing. A finished job is left alone and an
  unfinished one starts over, so the task is safe to run twice.

Writing is an upsert on (date, agent, queue): a re-import replaces a day's row, never duplicates it.
Valid rows are *staged* while the file is checked, then merged in one statement:

- on PostgreSQL, each checked batch goes with ``COPY`` (binary) into a session's temporary table, and
  the merge is one ``INSERT … SELECT … ON CONFLICT (date, agent_id, queue_id) DO UPDATE``. Python does
  the per-row work once, streaming (csv_format's fast path); a million rows stay within a few times the
  cost of PostgreSQL's own ``COPY`` of the file (benchmarks/metrics_import.py);
- on other databases (SQLite for ``make run``), staged rows are kept in memory as tuples and written
  with ``bulk_create(update_conflicts=True)``.

A row's tags ("holiday;storm") are also upserted as DayTag rows, in the same transaction.

Parsing and row rules are pure Python in csv_format.py; this module adds what the database knows:
agents (active users with the agent role), queues (by name, any case), and the writes.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import BinaryIO

from django.conf import settings
from django.core.files.base import File
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop, ngettext

from apps.accounts.models import User
from apps.accounts.roles import Role
from qa_center.errors import DomainError, PermissionDenied, ValidationFailed

from . import access, csv_format
from .csv_format import COLUMNS, COUNT_COLUMNS, ROW_FIELDS, DailyRowChecker, FileProblem, RowError
from .models import DailyFigure, DayTag, ImportStatus, MetricsImport, Queue

logger = logging.getLogger(__name__)

# Files with more data rows are imported by a worker (settings.METRICS_IMPORT_SYNC_MAX_ROWS): checking
# and writing 5,000 rows takes well under a second.
SYNC_IMPORT_MAX_ROWS = 5000
# Rows checked (and staged) between two saves of a job's progress (settings.METRICS_IMPORT_BATCH_SIZE):
# about a second of work, 50 progress saves for a million rows.
CHECK_BATCH_SIZE = 20_000
# Rows per bulk_create on databases other than PostgreSQL (Django splits further under SQLite's limit
# of bound parameters).
ORM_WRITE_BATCH_SIZE = 2000
# The upload limit: about two million rows of typical width.
MAX_FILE_BYTES = 200 * 1024 * 1024
# Rows per API request; more belong in a CSV file, which gets a job and progress.
MAX_API_ROWS = SYNC_IMPORT_MAX_ROWS

FINISHED = (ImportStatus.DONE, ImportStatus.FAILED)

MSG_NOT_OBJECT = gettext_noop("Each row must be an object with the column names as keys.")
MSG_UNKNOWN_FIELD = gettext_noop("Unknown field; the columns are: %(columns)s.")
MSG_NOT_A_VALUE = gettext_noop("A single value is expected here.")
MSG_DATABASE_REFUSED = gettext_noop(
    "The database refused the figures (an agent or a queue may have been deleted meanwhile); "
    "nothing was imported. Import them again."
)
MSG_ENQUEUE_FAILED = gettext_noop("The import could not be handed to a worker. Upload the file again.")
MSG_WORKER_ERROR = gettext_noop("The import stopped because of an unexpected error; nothing was imported.")


def sync_max_rows() -> int:
    return getattr(settings, "METRICS_IMPORT_SYNC_MAX_ROWS", SYNC_IMPORT_MAX_ROWS)


def check_batch_size() -> int:
    return getattr(settings, "METRICS_IMPORT_BATCH_SIZE", CHECK_BATCH_SIZE)


class ImportRejected(ValidationFailed):
    """The rows or the file have problems; nothing was written. ``errors`` are untranslated
    RowErrors (see ``errors_payload``); ``count`` is how many problems there are in all."""

    def __init__(self, errors: list[RowError], count: int | None = None) -> None:
        self.errors = errors
        self.count = len(errors) if count is None else count
        super().__init__(
            ngettext(
                "Nothing was imported: %(count)d problem was found.",
                "Nothing was imported: %(count)d problems were found.",
                self.count,
            )
            % {"count": self.count}
        )


def errors_payload(errors: Iterable[RowError]) -> dict:
    """The API's shape of row errors: problems of the whole file, then per row, per field."""
    file_messages: list[str] = []
    by_row: dict[int, dict[str, list[str]]] = {}
    for error in errors:
        text = error.text(gettext)
        if error.row is None:
            file_messages.append(text)
        else:
            by_row.setdefault(error.row, {}).setdefault(error.field or "non_field_errors", []).append(text)
    payload: dict = {"rows": [{"row": row, "errors": fields} for row, fields in by_row.items()]}
    if file_messages:
        payload["file"] = file_messages
    return payload


@dataclass
class ImportOutcome:
    """What an upload did: imported every row at once, or created a job."""

    imported: int = 0
    job: MetricsImport | None = None


def _require_manager(user: User) -> None:
    if not access.may_manage(user):
        raise PermissionDenied(gettext("Your role does not allow this action."))


# --- What the database knows ---------------------------------------------------------------------


def _queues() -> dict[str, int]:
    # Queue names are unique whatever their case (the model's constraint on Lower("name")).
    return {name.lower(): pk for pk, name in Queue.objects.values_list("pk", "name")}


def _users_with_agent_flag(**filters) -> QuerySet:
    is_agent = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=Role.AGENT)
    return User.objects.filter(**filters).annotate(is_agent=Exists(is_agent))


def _why_not(user: Mapping | None, unknown: str) -> str:
    if user is None:
        return unknown
    if not user["is_agent"]:
        return csv_format.MSG_NOT_AGENT
    return csv_format.MSG_INACTIVE


def _username_resolver() -> csv_format.AgentResolver:
    """Usernames (the CSV's agent column) → ids of active agents; one query for all of them, and
    one per other username (the checker asks once per distinct value)."""
    agents = dict(User.objects.active().with_role(Role.AGENT).values_list("username", "pk"))

    def resolve(username: str) -> int | str:
        if username in agents:
            return agents[username]
        user = _users_with_agent_flag(username=username).values("is_agent").first()
        return _why_not(user, csv_format.MSG_UNKNOWN_USERNAME)

    return resolve


def _user_id_resolver(values: Iterable[str]) -> csv_format.AgentResolver:
    """User ids (the API's agent field, as text) → ids of active agents; one query for all."""
    ids = {int(value) for value in values if value.isascii() and value.isdigit() and len(value) < 19}
    users = {
        user["pk"]: user for user in _users_with_agent_flag(pk__in=ids).values("pk", "is_active", "is_agent")
    }

    def resolve(value: str) -> int | str:
        if not (value.isascii() and value.isdigit()):
            return csv_format.MSG_BAD_USER_ID
        user = users.get(int(value))
        if user is not None and user["is_active"] and user["is_agent"]:
            return user["pk"]
        return _why_not(user, csv_format.MSG_UNKNOWN_USER_ID)

    return resolve


def _checker(resolve_agent: csv_format.AgentResolver) -> DailyRowChecker:
    return DailyRowChecker(today=timezone.localdate(), queues=_queues(), resolve_agent=resolve_agent)


# --- Staging and writing -----------------------------------------------------------------------------

_STAGING_TABLE = "metrics_daily_staging"
# Binary COPY sends values in these PostgreSQL types: ROW_FIELDS' order.
_STAGING_TYPES = ("date", "int8", "int8", *("int4" for _ in COUNT_COLUMNS), "text")


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


class _CopyWriter:
    """PostgreSQL: COPY checked batches into a temporary table, then merge it with one upsert."""

    def __init__(self) -> None:
        counts = ", ".join(f"{connection.ops.quote_name(name)} integer NOT NULL" for name in COUNT_COLUMNS)
        # Inside a transaction (the request, a test) the table goes with it: dropped at commit, gone at
        # a rollback. A job checks in autocommit, batch by batch, so its table lives for the session
        # (and dies with it if the worker is killed) until close().
        on_commit = "ON COMMIT DROP" if connection.in_atomic_block else ""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGING_TABLE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_STAGING_TABLE} (date date NOT NULL, agent_id bigint NOT NULL, "
                f"queue_id bigint NOT NULL, {counts}, tags varchar({csv_format.TAGS_MAX_LENGTH}) NOT NULL) "
                f"{on_commit}"
            )
        self.staged = 0

    def stage(self, rows: Sequence[tuple]) -> None:
        with connection.cursor() as cursor:
            # Django's cursor wrapper hands ``copy`` to psycopg's cursor.
            with cursor.copy(
                f"COPY {_STAGING_TABLE} ({_quoted(ROW_FIELDS)}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(_STAGING_TYPES)
                for row in rows:
                    copy.write_row(row)
        self.staged += len(rows)

    def write(self, imported_at: datetime) -> int:
        table = connection.ops.quote_name(DailyFigure._meta.db_table)
        columns = _quoted(ROW_FIELDS)
        replaced = ", ".join(
            f"{name} = EXCLUDED.{name}" for name in map(connection.ops.quote_name, (*COUNT_COLUMNS, "tags"))
        )
        with connection.cursor() as cursor:
            # Key order: index pages are filled in sequence, and two imports that share days lock
            # their rows in the same order (no deadlock). The sort of a million rows fits in 256 MB.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(
                f"INSERT INTO {table} ({columns}, imported_at) "
                f"SELECT {columns}, %s FROM {_STAGING_TABLE} ORDER BY date, agent_id, queue_id "
                f"ON CONFLICT (date, agent_id, queue_id) DO UPDATE SET {replaced}, "
                f"imported_at = EXCLUDED.imported_at",
                [imported_at],
            )
            return cursor.rowcount

    def close(self) -> None:
        if connection.in_atomic_block:
            return  # ON COMMIT DROP; and in a failed transaction no statement may run
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGING_TABLE}")


class _BulkWriter:
    """Other databases (SQLite for ``make run``): rows kept in memory, written with bulk_create."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def stage(self, rows: Sequence[tuple]) -> None:
        self.rows.extend(rows)

    def write(self, imported_at: datetime) -> int:
        for start in range(0, len(self.rows), ORM_WRITE_BATCH_SIZE):
            DailyFigure.objects.bulk_create(
                [
                    DailyFigure(**dict(zip(ROW_FIELDS, row, strict=True)), imported_at=imported_at)
                    for row in self.rows[start : start + ORM_WRITE_BATCH_SIZE]
                ],
                update_conflicts=True,
                unique_fields=["date", "agent", "queue"],
                update_fields=[*COUNT_COLUMNS, "tags", "imported_at"],
            )
        return len(self.rows)

    def close(self) -> None:
        self.rows = []


def _writer() -> _CopyWriter | _BulkWriter:
    return _CopyWriter() if connection.vendor == "postgresql" else _BulkWriter()


def _check_and_stage(
    records: Iterable[tuple[int, list[str]]],
    checker: DailyRowChecker,
    writer: _CopyWriter | _BulkWriter,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Check every record, staging the valid rows batch by batch until a problem turns up (then
    nothing will be written, but every row is still checked). Returns the number of rows read."""
    batch_size = check_batch_size()
    batch: list[tuple] = []
    read = 0
    for number, values in records:
        read += 1
        row = checker.check(number, values)
        if row is not None:
            batch.append(row)
        if read % batch_size == 0:
            if checker.ok and batch:
                writer.stage(batch)
            batch = []
            if on_progress is not None:
                on_progress(read)
    if checker.ok and batch:
        writer.stage(batch)
    if on_progress is not None and read % batch_size:
        on_progress(read)
    return read


def _write(writer: _CopyWriter | _BulkWriter, day_tags: set) -> int:
    """Merge the staged rows and the day tags; the caller's transaction makes it all-or-nothing."""
    written = writer.write(timezone.now())
    DayTag.objects.bulk_create(
        [DayTag(date=day, label=label) for day, label in sorted(day_tags)], ignore_conflicts=True
    )
    return written


def _import(records: Iterable[tuple[int, list[str]]], checker: DailyRowChecker) -> int:
    """Check and write in the caller's transaction; raises ImportRejected with every problem."""
    writer = _writer()
    try:
        _check_and_stage(records, checker, writer)
        if not checker.ok:
            raise ImportRejected(checker.all_errors(), checker.error_count)
        try:
            with transaction.atomic():
                return _write(writer, checker.day_tags)
        except IntegrityError as error:
            # The rows were checked a moment ago; e.g. an agent deleted since. Never a 500.
            logger.warning("Daily figures refused by the database: %s", error)
            raise ImportRejected([RowError(None, "", MSG_DATABASE_REFUSED)]) from error
    finally:
        writer.close()


# --- API rows ----------------------------------------------------------------------------------------


def _text_of(value: object) -> str | None:
    """A JSON value as the CSV would have it; None for a list or an object."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _api_records(rows: Sequence, checker: DailyRowChecker) -> Iterator[tuple[int, list[str]]]:
    """The rows as CSV values, numbered from 1; shape problems are recorded on the checker."""
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            checker.add_error(number, "", MSG_NOT_OBJECT)
            continue
        for name in row:
            if name not in COLUMNS:
                checker.add_error(number, str(name), MSG_UNKNOWN_FIELD, columns=", ".join(COLUMNS))
        values = []
        for name in COLUMNS:
            value = row.get(name)
            if name == "tags" and isinstance(value, list) and all(isinstance(tag, str) for tag in value):
                value = ";".join(value)
            text = _text_of(value)
            if text is None:
                checker.add_error(number, name, MSG_NOT_A_VALUE)
            values.append(text)
        if None not in values:
            # A row with a list or an object for a value is not checked further: its other messages
            # would be about a value that is not there.
            yield number, values


@transaction.atomic
def daily_rows_save(*, by: User, rows: Sequence) -> int:
    """Upsert daily rows sent to the API (``agent`` is a user id, ``queue`` a queue name): every
    row or none. Returns the number of rows written; raises ImportRejected listing every problem."""
    _require_manager(by)
    if not rows:
        raise ValidationFailed(gettext("Send at least one row."))
    if len(rows) > MAX_API_ROWS:
        raise ValidationFailed(
            gettext("At most %(max)d rows can be sent at once; upload a CSV file for more.")
            % {"max": MAX_API_ROWS}
        )
    agent_values = [
        str(row.get("agent")) for row in rows if isinstance(row, Mapping) and row.get("agent") is not None
    ]
    checker = _checker(_user_id_resolver(agent_values))
    return _import(_api_records(rows, checker), checker)


# --- CSV files ---------------------------------------------------------------------------------------


def _binary(file: BinaryIO | bytes) -> BinaryIO:
    return io.BytesIO(file) if isinstance(file, bytes) else file


def _rejected_file(problem: FileProblem) -> ImportRejected:
    return ImportRejected([problem.error])


@transaction.atomic
def daily_csv_import(*, by: User, file: BinaryIO | bytes, filename: str = "") -> ImportOutcome:
    """Import a CSV file of daily figures all-or-nothing; a big file becomes a job for a worker.
    Raises ImportRejected (every problem of the file) or PermissionDenied."""
    _require_manager(by)
    raw = _binary(file)
    try:
        sniffed = csv_format.sniff(raw)
    except FileProblem as problem:
        raise _rejected_file(problem) from None
    # Line breaks count the header and any quoted breaks: close enough to choose, and for progress.
    estimated_rows = max(sniffed.line_breaks - 1, 1)
    if estimated_rows > sync_max_rows():
        job = MetricsImport(created_by=by, original_name=filename[:200], total_rows=estimated_rows)
        raw.seek(0)
        job.file.save("daily-figures.csv", File(raw), save=False)
        job.save()
        # After commit: a worker that picked the task up earlier would not find the job.
        transaction.on_commit(partial(_enqueue, job.pk))
        return ImportOutcome(job=job)

    text = csv_format.open_text(raw, sniffed.encoding)
    try:
        checker = _checker(_username_resolver())
        return ImportOutcome(imported=_import(csv_format.read_rows(text), checker))
    except FileProblem as problem:
        raise _rejected_file(problem) from None
    finally:
        text.detach()  # the caller's file stays open


def _enqueue(job_id: int) -> None:
    from .tasks import import_daily_figures  # tasks imports this module

    try:
        import_daily_figures.delay(job_id)
    except Exception:
        # The upload has committed: a broker that is down must not turn it into a 500 page, nor
        # leave a job that waits forever. Tell the user on the status page instead.
        logger.exception("Could not queue metrics import %s", job_id)
        _finish(job_id, ImportStatus.FAILED, errors=[RowError(None, "", MSG_ENQUEUE_FAILED).as_dict()])


# --- The job -------------------------------------------------------------------------------------------


def _finish(
    job_id: int, status: str, *, errors: list[dict] | None = None, imported: int = 0, **fields
) -> bool:
    """Mark an unfinished job finished; False if it was finished already (by another run)."""
    updated = (
        MetricsImport.objects.filter(pk=job_id)
        .exclude(status__in=FINISHED)
        .update(
            status=status, errors=errors or [], imported_rows=imported, finished_at=timezone.now(), **fields
        )
    )
    return updated == 1


def _remove_file(name: str) -> None:
    # The file is only needed until the job finishes; its counts and errors stay on the job.
    if name:
        MetricsImport._meta.get_field("file").storage.delete(name)


def metrics_import_run(*, job: MetricsImport) -> MetricsImport:
    """Check and import a job's file; idempotent: a finished job is returned unchanged."""
    if job.status in FINISHED:
        return job
    # Messages are stored untranslated and shown in the reader's language (csv_format.RowError).
    with translation.override(None):
        try:
            _run(job)
        except DomainError as error:
            # E.g. the uploader lost their role since the upload.
            _finish(job.pk, ImportStatus.FAILED, errors=[RowError(None, "", error.message).as_dict()])
    job.refresh_from_db()
    if job.status in FINISHED:
        transaction.on_commit(partial(_remove_file, job.file.name))
    return job


def _run(job: MetricsImport) -> None:
    # Starting over is safe: checking writes nothing but progress (and a session's temporary table),
    # and the rows are written in one transaction, which either committed and finished the job with
    # it, or left nothing.
    started = (
        MetricsImport.objects.filter(pk=job.pk)
        .exclude(status__in=FINISHED)
        .update(status=ImportStatus.RUNNING, processed_rows=0, imported_rows=0, errors=[])
    )
    if not started:
        return
    _require_manager(job.created_by)

    def fail(errors: list[RowError]) -> None:
        _finish(job.pk, ImportStatus.FAILED, errors=[error.as_dict() for error in errors])

    with job.file.open("rb") as stored:
        raw = stored.file
        try:
            sniffed = csv_format.sniff(raw)
        except FileProblem as problem:
            fail([problem.error])
            return
        total = max(sniffed.line_breaks - 1, 1)

        def save_progress(done: int) -> None:
            # Autocommit outside the write transaction: the status page sees each batch at once.
            MetricsImport.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
                processed_rows=done, total_rows=max(total, done)
            )

        writer = _writer()
        text = csv_format.open_text(raw, sniffed.encoding)
        try:
            checker = _checker(_username_resolver())
            started = time.perf_counter()
            try:
                read = _check_and_stage(
                    csv_format.read_rows(text), checker, writer, on_progress=save_progress
                )
            except FileProblem as problem:
                fail([*checker.all_errors(), problem.error])
                return
            if not checker.ok:
                fail(checker.all_errors())
                return
            checked = time.perf_counter()
            try:
                with transaction.atomic():
                    # Finishing first takes the job's row lock (PostgreSQL) or the write lock (SQLite):
                    # a second run of the same job waits here, then finds it finished and writes nothing.
                    if not _finish(
                        job.pk, ImportStatus.DONE, imported=read, total_rows=read, processed_rows=read
                    ):
                        return
                    _write(writer, checker.day_tags)
                logger.info(
                    "Metrics import %s: %s rows checked and staged in %.1f s, written in %.1f s.",
                    job.pk,
                    read,
                    checked - started,
                    time.perf_counter() - checked,
                )
            except IntegrityError as error:
                logger.warning("Metrics import %s refused by the database: %s", job.pk, error)
                fail([RowError(None, "", MSG_DATABASE_REFUSED)])
        finally:
            text.detach()
            try:
                writer.close()
            except DatabaseError:
                logger.exception("Could not drop the staging table of metrics import %s", job.pk)


def metrics_import_fail(*, job_id: int) -> None:
    """Give up on a job after an unexpected error, so its page stops waiting."""
    if _finish(job_id, ImportStatus.FAILED, errors=[RowError(None, "", MSG_WORKER_ERROR).as_dict()]):
        job = MetricsImport.objects.filter(pk=job_id).only("file").first()
        if job is not None:
            transaction.on_commit(partial(_remove_file, job.file.name))


# --- Reads -----------------------------------------------------------------------------------------------


def metrics_imports_for(user) -> QuerySet[MetricsImport]:
    """Import jobs a user may follow: every job for those who may import, none for others."""
    queryset = MetricsImport.objects.select_related("created_by")
    return queryset if access.may_manage(user) else queryset.none()


def job_errors(job: MetricsImport) -> list[dict]:
    """A job's problems in the current language: dicts with row, field and message."""
    return [
        {"row": error.row, "field": error.field, "message": error.text(gettext)}
        for error in map(RowError.from_dict, job.errors)
    ]


def job_percent(job: MetricsImport) -> int:
    if job.status == ImportStatus.DONE:
        return 100
    if not job.total_rows:
        return 0
    return min(99, job.processed_rows * 100 // job.total_rows)
