"""The import services against the database (apps/metrics/imports.py) and the Celery task
(apps/metrics/tasks.py): all-or-nothing, idempotent, agents and queues checked, big files as jobs."""

from datetime import date

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from apps.accounts.roles import Role
from apps.metrics import imports, tasks
from apps.metrics.models import DailyFigure, DayTag, ImportStatus, MetricsImport
from qa_center.celery import app as celery_app
from qa_center.errors import PermissionDenied, ValidationFailed
from tests.metrics.import_builders import (
    COUNTS,
    api_row,
    csv_bytes,
    days_file,
    import_world,
    inactive_agent,
    row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(personas):
    return import_world(personas)


def rejected(call) -> list[tuple]:
    with pytest.raises(imports.ImportRejected) as caught:
        call()
    return [(e.row, e.field, e.text()) for e in caught.value.errors]


def figures() -> list[tuple]:
    return list(
        DailyFigure.objects.order_by("date", "agent__username", "queue__name").values_list(
            "date", "agent__username", "queue__name", "calls_offered", "tags"
        )
    )


# --- CSV files imported during the request ----------------------------------------------------------


def test_a_small_file_is_imported_at_once_with_every_value(world):
    data = csv_bytes(row(), row(agent="other_agent", queue="技术支持", tags="storm;holiday"))

    outcome = imports.daily_csv_import(by=world.manager, file=data, filename="march.csv")

    assert (outcome.imported, outcome.job) == (2, None)
    assert not MetricsImport.objects.exists()
    stored = DailyFigure.objects.get(agent=world.agent)
    assert (stored.date, stored.queue, stored.tags) == (date(2024, 3, 5), world.billing, "holiday")
    assert {name: getattr(stored, name) for name in COUNTS} == COUNTS
    assert set(DayTag.objects.values_list("date", "label")) == {
        (date(2024, 3, 5), "holiday"),
        (date(2024, 3, 5), "storm"),
    }


def test_reimporting_a_day_replaces_its_row_and_never_duplicates(world):
    imports.daily_csv_import(by=world.manager, file=csv_bytes(row(), row(date="2024-03-06")))
    first_import = DailyFigure.objects.get(date=date(2024, 3, 6)).imported_at

    outcome = imports.daily_csv_import(
        by=world.manager, file=csv_bytes(row(calls_offered="130", tags="storm"), row(date="2024-03-06"))
    )

    assert outcome.imported == 2
    assert figures() == [
        (date(2024, 3, 5), "agent", "Billing", 130, "storm"),
        (date(2024, 3, 6), "agent", "Billing", 120, "holiday"),
    ]
    assert DailyFigure.objects.get(date=date(2024, 3, 6)).imported_at >= first_import
    # A day's tags accumulate: another row of that day may still carry "holiday".
    assert sorted(DayTag.objects.values_list("label", flat=True)) == ["holiday", "holiday", "storm"]


def test_one_bad_row_writes_nothing_and_every_bad_row_is_listed(world):
    imports.daily_csv_import(by=world.manager, file=csv_bytes(row(date="2024-03-01")))
    data = csv_bytes(
        row(calls_offered="999"),
        row(date="2024-03-06", agent="ghost"),
        row(date="2024-03-07", tags="new-tag"),
        row(date="2024-03-08", survey_satisfied="41", hold_seconds="-3"),
        row(date="2024-03-01", calls_offered="999"),
    )

    assert rejected(lambda: imports.daily_csv_import(by=world.manager, file=data)) == [
        (3, "agent", "No user has the username “ghost”."),
        (5, "hold_seconds", "“-3” is not a whole number of 0 or more."),
        (5, "survey_satisfied", "Satisfied responses (41) exceed survey responses (40)."),
    ]
    # The earlier import is untouched; nothing of this file was written.
    assert figures() == [(date(2024, 3, 1), "agent", "Billing", 120, "holiday")]
    assert list(DayTag.objects.values_list("label", flat=True)) == ["holiday"]


def test_agents_must_be_active_users_with_the_agent_role_and_queues_must_exist(world):
    inactive_agent()
    data = csv_bytes(
        row(agent="qa_manager"),
        row(agent="left"),
        row(agent="ghost"),
        row(queue="Sales"),
        row(queue=" BILLING ", date="2024-03-06"),
    )
    assert rejected(lambda: imports.daily_csv_import(by=world.manager, file=data)) == [
        (2, "agent", "The user “qa_manager” is not an agent."),
        (3, "agent", "The user “left” is inactive."),
        (4, "agent", "No user has the username “ghost”."),
        (5, "queue", "No queue is named “Sales”."),
    ]


def test_the_same_day_agent_and_queue_twice_in_a_file_is_refused(world):
    data = csv_bytes(row(), row(queue="billing", calls_offered="200"))
    assert rejected(lambda: imports.daily_csv_import(by=world.manager, file=data)) == [
        (3, "", "Row 2 has the same date, agent and queue.")
    ]
    assert not DailyFigure.objects.exists()


def test_a_wrong_header_rejects_the_file_with_one_error(world):
    data = csv_bytes(row()).replace(b",tags", b",remarks")
    errors = rejected(lambda: imports.daily_csv_import(by=world.manager, file=data))
    assert [(row_number, field) for row_number, field, _message in errors] == [(None, "")]
    assert errors[0][2].startswith("The header lacks the columns: tags.")


def test_a_gb18030_file_from_chinese_excel_is_imported(world):
    data = csv_bytes(row(queue="技术支持", tags="台风"), encoding="gb18030")
    assert imports.daily_csv_import(by=world.manager, file=data).imported == 1
    assert DayTag.objects.get().label == "台风"


@pytest.mark.parametrize("role", [Role.AGENT, Role.QA_EVALUATOR, Role.EXPERT, "no_role"])
def test_only_qa_managers_duty_managers_and_admins_may_import(world, personas, role):
    with pytest.raises(PermissionDenied, match=r"^Your role does not allow this action\.$"):
        imports.daily_csv_import(by=personas[role], file=csv_bytes(row()))
    with pytest.raises(PermissionDenied):
        imports.daily_rows_save(by=personas[role], rows=[api_row(world.agent)])
    assert not DailyFigure.objects.exists()


@pytest.mark.parametrize("role", [Role.QA_MANAGER, Role.DUTY_MANAGER, Role.ADMIN])
def test_managers_may_import(world, personas, role):
    assert imports.daily_csv_import(by=personas[role], file=csv_bytes(row())).imported == 1


def test_a_refusal_by_the_database_is_an_error_not_a_crash(world, monkeypatch):
    def refuse(writer, day_tags):
        raise IntegrityError("insert or update on table violates foreign key constraint")

    monkeypatch.setattr(imports, "_write", refuse)
    assert rejected(lambda: imports.daily_csv_import(by=world.manager, file=csv_bytes(row()))) == [
        (
            None,
            "",
            "The database refused the figures (an agent or a queue may have been deleted meanwhile); "
            "nothing was imported. Import them again.",
        )
    ]


# --- API rows -----------------------------------------------------------------------------------


def test_api_rows_use_user_ids_and_are_upserted(world):
    assert (
        imports.daily_rows_save(by=world.manager, rows=[api_row(world.agent), api_row(world.other_agent)])
        == 2
    )
    assert imports.daily_rows_save(by=world.manager, rows=[api_row(world.agent, calls_offered=150)]) == 1
    assert figures() == [
        (date(2024, 3, 5), "agent", "Billing", 150, "holiday"),
        (date(2024, 3, 5), "other_agent", "Billing", 120, "holiday"),
    ]


def test_api_rows_with_the_wrong_shape_are_listed_with_the_rest(world, personas):
    rows = [
        "not a row",
        api_row(world.agent, tag="typo"),
        api_row(world.agent, agent="agent", date="2024-03-06"),
        api_row(world.agent, calls_offered=[1, 2], date="2024-03-07"),
        api_row(world.agent, talk_seconds=True, hold_seconds=1.5, date="2024-03-08"),
        api_row(world.agent, agent=987654, date="2024-03-09"),
        api_row(personas[Role.QA_MANAGER], date="2024-03-10"),
        api_row(world.agent, tags=["storm", "holiday"], date="2024-03-11"),
        api_row(world.agent, date="2024-03-11"),
    ]
    assert rejected(lambda: imports.daily_rows_save(by=world.manager, rows=rows)) == [
        (1, "", "Each row must be an object with the column names as keys."),
        (2, "tag", "Unknown field; the columns are: " + ", ".join(imports.COLUMNS) + "."),
        (3, "agent", "“agent” is not a user id."),
        (4, "calls_offered", "A single value is expected here."),
        (5, "talk_seconds", "“true” is not a whole number of 0 or more."),
        (5, "hold_seconds", "“1.5” is not a whole number of 0 or more."),
        (6, "agent", "No user has the id 987654."),
        (7, "agent", f"The user “{personas[Role.QA_MANAGER].pk}” is not an agent."),
        (9, "", "Row 8 has the same date, agent and queue."),
    ]
    assert not DailyFigure.objects.exists()


def test_an_empty_list_or_too_many_rows_are_refused(world, monkeypatch):
    with pytest.raises(ValidationFailed, match=r"^Send at least one row\.$"):
        imports.daily_rows_save(by=world.manager, rows=[])
    monkeypatch.setattr(imports, "MAX_API_ROWS", 2)
    with pytest.raises(
        ValidationFailed, match=r"^At most 2 rows can be sent at once; upload a CSV file for more\.$"
    ):
        imports.daily_rows_save(by=world.manager, rows=[api_row(world.agent)] * 3)


# --- Big files: the job and the Celery task -----------------------------------------------------------

BIG = 23  # rows of a "big" file once the thresholds below are set


@pytest.fixture
def small_thresholds(settings):
    """More than 10 rows make a job; progress is saved every 5 rows."""
    settings.METRICS_IMPORT_SYNC_MAX_ROWS = 10
    settings.METRICS_IMPORT_BATCH_SIZE = 5


def upload_job(world, data=None) -> MetricsImport:
    outcome = imports.daily_csv_import(by=world.manager, file=data or days_file(BIG), filename="year.csv")
    assert outcome.imported == 0
    return outcome.job


@pytest.mark.usefixtures("small_thresholds")
def test_a_big_file_becomes_a_job_queued_only_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = upload_job(world)
    assert (job.status, job.total_rows, job.processed_rows, job.original_name, job.created_by) == (
        ImportStatus.PENDING,
        BIG,
        0,
        "year.csv",
        world.manager,
    )
    assert job.file.read().startswith(b"\xef\xbb\xbfdate,agent,queue,")
    # The task is only handed over once the job is committed; nothing ran yet.
    assert len(callbacks) == 1
    assert not DailyFigure.objects.exists()

    # Run the committed callback with Celery in eager mode: it sends the task, which runs here.
    eager = {"task_always_eager": True, "task_eager_propagates": True}
    before = {name: celery_app.conf[name] for name in eager}
    celery_app.conf.update(eager)
    try:
        callbacks[0]()
    finally:
        celery_app.conf.update(before)
    job.refresh_from_db()
    assert (job.status, job.imported_rows, job.processed_rows) == (ImportStatus.DONE, BIG, BIG)
    assert DailyFigure.objects.count() == BIG


@pytest.mark.usefixtures("small_thresholds")
def test_the_task_imports_every_row_and_removes_the_stored_file(world, django_capture_on_commit_callbacks):
    job = upload_job(world)
    stored = job.file.path

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.import_daily_figures.run(job.pk) == ImportStatus.DONE

    job.refresh_from_db()
    assert (job.status, job.imported_rows, job.processed_rows, job.total_rows, job.errors) == (
        ImportStatus.DONE,
        BIG,
        BIG,
        BIG,
        [],
    )
    assert job.finished_at is not None
    assert DailyFigure.objects.filter(agent=world.agent).count() == BIG
    assert DayTag.objects.count() == BIG  # "holiday" on each of the 23 days
    assert not job.file.storage.exists(stored)


@pytest.mark.usefixtures("small_thresholds")
def test_progress_is_saved_after_each_batch_before_any_figure_is_written(world):
    job = upload_job(world)
    with CaptureQueriesContext(connection) as queries:
        tasks.import_daily_figures.run(job.pk)
    statements = [q["sql"] for q in queries.captured_queries]
    progress = [
        i for i, sql in enumerate(statements) if sql.startswith("UPDATE") and '"processed_rows" =' in sql
    ]
    first_write = next(
        i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "metrics_dailyfigure"')
    )
    # Reset to 0 when the run starts, then 5, 10, 15, 20 and 23 while checking — all before the write;
    # then the job is finished (with the count) and the figures written, in one transaction.
    saved = [statements[i] for i in progress]
    assert [next(n for n in (0, 5, 10, 15, 20, 23) if f'"processed_rows" = {n}' in sql) for sql in saved] == [
        0, 5, 10, 15, 20, 23, 23,
    ]  # fmt: skip
    assert progress[5] < first_write
    assert "\"status\" = 'done'" in saved[6] or "'done'" in saved[6]


@pytest.mark.usefixtures("small_thresholds")
def test_a_bad_row_in_a_big_file_fails_the_job_and_writes_nothing(world):
    job = upload_job(
        world,
        days_file(BIG, bad={3: {"calls_answered": "121", "calls_abandoned": "0"}, 24: {"queue": "Sales"}}),
    )
    assert tasks.import_daily_figures.run(job.pk) == ImportStatus.FAILED
    job.refresh_from_db()
    assert (job.status, job.imported_rows, job.processed_rows) == (ImportStatus.FAILED, 0, BIG)
    assert imports.job_errors(job) == [
        {"row": 3, "field": "calls_answered", "message": "Answered calls (121) exceed offered calls (120)."},
        {"row": 24, "field": "queue", "message": "No queue is named “Sales”."},
    ]
    # Stored untranslated, with their parameters: shown in the reader's language.
    assert job.errors[1] == {
        "row": 24,
        "field": "queue",
        "message": "No queue is named “%(value)s”.",
        "params": {"value": "Sales"},
    }
    assert not DailyFigure.objects.exists()
    assert not DayTag.objects.exists()


@pytest.mark.usefixtures("small_thresholds")
def test_the_task_is_idempotent_a_finished_job_is_left_alone(world):
    job = upload_job(world)
    tasks.import_daily_figures.run(job.pk)
    finished_at = MetricsImport.objects.get(pk=job.pk).finished_at

    assert tasks.import_daily_figures.run(job.pk) == ImportStatus.DONE
    job.refresh_from_db()
    assert (job.status, job.imported_rows, job.finished_at) == (ImportStatus.DONE, BIG, finished_at)
    assert DailyFigure.objects.count() == BIG
    assert tasks.import_daily_figures.run(987654) is None  # a job that is gone: nothing to do


@pytest.mark.usefixtures("small_thresholds")
def test_the_same_file_imported_twice_as_jobs_replaces_and_never_duplicates(world):
    for _ in range(2):
        job = upload_job(world)
        assert tasks.import_daily_figures.run(job.pk) == ImportStatus.DONE
    assert DailyFigure.objects.count() == BIG
    assert DayTag.objects.count() == BIG


@pytest.mark.usefixtures("small_thresholds")
def test_a_job_left_half_checked_by_a_killed_worker_starts_over_when_redelivered(world):
    job = upload_job(world)
    MetricsImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed_rows=15)
    assert tasks.import_daily_figures.run(job.pk) == ImportStatus.DONE
    assert MetricsImport.objects.get(pk=job.pk).processed_rows == BIG
    assert DailyFigure.objects.count() == BIG


@pytest.mark.usefixtures("small_thresholds")
def test_a_job_whose_uploader_lost_the_role_fails_with_a_message_in_the_readers_language(world):
    job = upload_job(world)
    world.manager.groups.clear()
    assert tasks.import_daily_figures.run(job.pk) == ImportStatus.FAILED
    job.refresh_from_db()
    assert imports.job_errors(job) == [
        {"row": None, "field": "", "message": "Your role does not allow this action."}
    ]
    with translation.override("zh-hans"):
        assert imports.job_errors(job)[0]["message"] == "您的角色无权执行此操作。"
    assert not DailyFigure.objects.exists()


@pytest.mark.usefixtures("small_thresholds")
def test_an_unexpected_failure_marks_the_job_failed_so_its_page_stops_waiting(world, monkeypatch):
    job = upload_job(world)

    def crash(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(imports, "metrics_import_run", crash)
    with pytest.raises(RuntimeError):
        tasks.import_daily_figures.run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert imports.job_errors(job) == [
        {
            "row": None,
            "field": "",
            "message": "The import stopped because of an unexpected error; nothing was imported.",
        }
    ]


@pytest.mark.usefixtures("small_thresholds")
def test_a_broker_that_is_down_fails_the_job_instead_of_the_upload(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.import_daily_figures, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload_job(world)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert (
        imports.job_errors(job)[0]["message"]
        == "The import could not be handed to a worker. Upload the file again."
    )


def test_only_managers_see_import_jobs(world, personas):
    job = MetricsImport.objects.create(created_by=world.manager, file="metrics-imports/x.csv")
    assert list(imports.metrics_imports_for(personas[Role.DUTY_MANAGER])) == [job]
    assert not imports.metrics_imports_for(personas[Role.AGENT]).exists()
