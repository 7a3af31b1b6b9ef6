"""CSV import of calls (DESIGN.md §4): all-or-nothing, small files at once, big files as a job.

- ``calls_import_csv``: the upload. Files up to SYNC_IMPORT_MAX_ROWS data rows are checked and imported
  in the request; bigger ones become a CallImport job that a Celery task runs (tasks.import_calls).
- ``call_import_run``: the job. Rows are checked in batches and ``processed_rows`` is saved after each
  batch in its own short transaction, so the status page shows progress while the worker checks; then
  every call is written in ONE transaction with services.calls_create, so a failure writes nothing.
  A finished job is left alone and an unfinished one starts over, so the task is safe to run twice.

Parsing and row checks are pure Python in call_import.py; this module adds what the database knows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from apps.accounts.models import User
from apps.accounts.permissions import has_role, require_role
from apps.accounts.roles import Role
from qa_center.errors import DomainError

from . import call_import, services
from .models import Call, CallImport, CallImportStatus

logger = logging.getLogger(__name__)

# Bigger files are imported by a worker: checking 2,000 rows and writing them takes about a second.
SYNC_IMPORT_MAX_ROWS = 2000
# Rows checked per batch: one query for their agents, one for their ids, then progress is saved.
VALIDATE_BATCH_SIZE = 500
# Calls per services.calls_create call inside the single write transaction; it checks the ids of a
# chunk with one IN (...) query, which must stay under SQLite's limit of bound parameters.
WRITE_BATCH_SIZE = 5000
# The upload form refuses bigger files (about 100,000 rows of typical width).
MAX_FILE_BYTES = 10 * 1024 * 1024

MSG_ENQUEUE_FAILED = gettext_noop("The import could not be handed to a worker. Upload the file again.")
MSG_WORKER_ERROR = gettext_noop("The import stopped because of an unexpected error; nothing was imported.")


@dataclass
class ImportOutcome:
    """What the upload did: imported calls at once, found errors, or created a job."""

    imported_count: int = 0
    errors: list[call_import.RowError] = field(default_factory=list)
    job: CallImport | None = None


# --- Database look-ups for the pure checks -----------------------------------------------


def _lookups(rows: Sequence[call_import.CsvRow]) -> dict:
    """Agents, other users and existing external ids that ``rows`` mention: two queries."""
    usernames, external_ids = call_import.usernames_and_ids(rows)
    agents: dict[str, int] = {}
    non_agents: set[str] = set()
    if usernames:
        is_agent = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=Role.AGENT)
        users = (
            User.objects.filter(username__in=usernames)
            .annotate(is_agent=Exists(is_agent))
            .values_list("username", "pk", "is_agent")
        )
        for username, pk, agent in users:
            if agent:
                agents[username] = pk
            else:
                non_agents.add(username)
    existing = (
        set(Call.objects.filter(external_id__in=external_ids).values_list("external_id", flat=True))
        if external_ids
        else set()
    )
    return {"agents": agents, "non_agents": non_agents, "existing_ids": existing}


def _check_rows(
    rows: Sequence[call_import.CsvRow],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> call_import.ParseResult:
    """Check every row in batches; all errors are collected, not just the first batch's."""
    validator = call_import.CallRowValidator(
        time_zone=settings.TIME_ZONE, now=timezone.now(), translate=gettext
    )
    result = call_import.ParseResult([], [])
    for start in range(0, len(rows), VALIDATE_BATCH_SIZE):
        batch = rows[start : start + VALIDATE_BATCH_SIZE]
        checked = validator.validate(batch, **_lookups(batch))
        result.calls.extend(checked.calls)
        result.errors.extend(checked.errors)
        if on_progress is not None:
            on_progress(start + len(batch))
    if result.errors:
        result.calls = []
    return result


def _write(by: User, calls: Sequence[call_import.ParsedCall]) -> int:
    """Create the calls; the caller's transaction makes the chunks all-or-nothing."""
    for start in range(0, len(calls), WRITE_BATCH_SIZE):
        services.calls_create(
            by=by,
            calls=[
                services.CallInput(
                    external_id=c.external_id,
                    agent_id=c.agent_id,
                    started_at=c.started_at,
                    duration_seconds=c.duration_seconds,
                    queue=c.queue,
                    direction=c.direction,
                    recording_url=c.recording_url,
                    customer_phone=c.customer_phone,
                )
                for c in calls[start : start + WRITE_BATCH_SIZE]
            ],
        )
    return len(calls)


# --- The upload ------------------------------------------------------------------------------


@transaction.atomic
def calls_import_csv(*, by: User, data: bytes | str, filename: str = "") -> ImportOutcome:
    """Import a CSV file of calls all-or-nothing; a big file becomes a job run by a worker."""
    require_role(by, Role.QA_MANAGER, Role.QA_EVALUATOR)
    table = call_import.read_table(data, translate=gettext)
    if table.errors:
        return ImportOutcome(errors=table.errors)

    if len(table.rows) > SYNC_IMPORT_MAX_ROWS:
        job = CallImport.objects.create(
            uploaded_by=by,
            filename=filename[:255],
            csv_text=table.text,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            total_rows=len(table.rows),
        )
        # After commit: a worker that picked the task up earlier would not find the job.
        transaction.on_commit(partial(_enqueue, job.pk))
        return ImportOutcome(job=job)

    result = _check_rows(table.rows)
    if result.errors:
        return ImportOutcome(errors=result.errors)
    return ImportOutcome(imported_count=_write(by, result.calls))


def _enqueue(job_id: int) -> None:
    from .tasks import import_calls  # tasks imports this module

    try:
        import_calls.delay(job_id)
    except Exception:
        # The upload has committed: a broker that is down must not turn it into a 500 page, nor
        # leave a job that waits forever. Tell the user on the status page instead.
        logger.exception("Could not queue call import %s", job_id)
        _finish(job_id, CallImportStatus.FAILED, errors=[_file_error(MSG_ENQUEUE_FAILED)])


# --- The job -------------------------------------------------------------------------------


def _file_error(message: str) -> dict:
    return call_import.RowError(None, "", gettext(message)).as_dict()


def _finish(job_id: int, status: str, *, errors: list[dict] | None = None, imported: int = 0) -> bool:
    """Mark an unfinished job finished; False if it was finished already (by another run)."""
    updated = (
        CallImport.objects.filter(pk=job_id)
        .exclude(status__in=CallImport.FINISHED)
        .update(status=status, errors=errors or [], imported_count=imported, finished_at=timezone.now())
    )
    return updated == 1


def call_import_run(*, job: CallImport) -> CallImport:
    """Check and import a job's file; idempotent: a finished job is returned unchanged."""
    if job.is_finished:
        return job
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            _run(job)
        except DomainError as error:
            # E.g. the uploader lost their role, or another import took one of the ids meanwhile.
            errors = [
                call_import.RowError(None, name, message).as_dict()
                for name, messages in error.fields.items()
                for message in messages
            ] or [call_import.RowError(None, "", error.message).as_dict()]
            _finish(job.pk, CallImportStatus.FAILED, errors=errors)
    job.refresh_from_db()
    return job


def _run(job: CallImport) -> None:
    # Starting over is safe: checking writes nothing but progress, and the calls are written in
    # one transaction, which either committed (and finished the job with it) or left nothing.
    started = (
        CallImport.objects.filter(pk=job.pk)
        .exclude(status__in=CallImport.FINISHED)
        .update(status=CallImportStatus.VALIDATING, processed_rows=0)
    )
    if not started:
        return
    table = call_import.read_table(job.csv_text, translate=gettext)
    if table.errors:
        _finish(job.pk, CallImportStatus.FAILED, errors=[e.as_dict() for e in table.errors])
        return

    def save_progress(done: int) -> None:
        # Autocommit outside the write transaction: the web process sees each batch at once.
        CallImport.objects.filter(pk=job.pk, status=CallImportStatus.VALIDATING).update(
            processed_rows=done, total_rows=len(table.rows)
        )

    result = _check_rows(table.rows, on_progress=save_progress)
    if result.errors:
        _finish(job.pk, CallImportStatus.FAILED, errors=[e.as_dict() for e in result.errors])
        return

    CallImport.objects.filter(pk=job.pk, status=CallImportStatus.VALIDATING).update(
        status=CallImportStatus.IMPORTING
    )
    with transaction.atomic():
        # Finishing first takes the job's row lock (PostgreSQL) or the write lock (SQLite): a second
        # run of the same job waits here, then finds it finished and writes nothing.
        if not _finish(job.pk, CallImportStatus.DONE, imported=len(result.calls)):
            return
        _write(job.uploaded_by, result.calls)


def call_import_fail(*, job_id: int) -> None:
    """Give up on a job after an unexpected error, so its page stops waiting."""
    job = CallImport.objects.filter(pk=job_id).first()
    if job is None:
        return
    with translation.override(job.language or settings.LANGUAGE_CODE):
        _finish(job_id, CallImportStatus.FAILED, errors=[_file_error(MSG_WORKER_ERROR)])


# --- Reads ------------------------------------------------------------------------------------


def call_imports_for(user) -> QuerySet[CallImport]:
    """Jobs a user may follow: their own uploads; a QA manager sees everyone's."""
    queryset = CallImport.objects.select_related("uploaded_by").defer("csv_text")
    if has_role(user, Role.QA_MANAGER):
        return queryset
    if has_role(user, Role.QA_EVALUATOR):
        return queryset.filter(uploaded_by=user)
    return queryset.none()
