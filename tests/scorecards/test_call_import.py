"""The CSV import of calls: apps/scorecards/call_import.py on plain data, then the import service and
its Celery task against the database (apps/scorecards/import_jobs.py, apps/scorecards/tasks.py)."""

import ast
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from apps.accounts.roles import Role
from apps.scorecards import call_import, import_jobs, services, tasks
from apps.scorecards.call_import import (
    CallRowValidator,
    ParsedCall,
    RowError,
    example_csv,
    parse_calls,
    read_table,
)
from apps.scorecards.models import Call, CallImport, CallImportStatus
from qa_center.celery import app as celery_app
from qa_center.errors import PermissionDenied

SHANGHAI = ZoneInfo("Asia/Shanghai")
AGENTS = {"li": 11, "wang": 12}
HEADER = "external_id,agent,started_at,duration_seconds,queue,direction,recording_url,customer_phone"
GOOD = "\r\n".join(
    [
        HEADER,
        "C-1,li,2024-03-05T09:30:00,245,billing,inbound,https://rec.example.test/C-1.mp3,13800138000",
        "C-2,wang,2024-03-05 10:02:17+08:00,68,billing,outbound,,",
        "C-3,li,2024-03-05T02:15:00Z,1312,,,,",
    ]
)


def parse(text, *, agents=AGENTS, existing_ids=(), non_agents=(), now=None, **kwargs):
    return parse_calls(
        text,
        agents=agents,
        existing_ids=set(existing_ids),
        non_agents=set(non_agents),
        time_zone="Asia/Shanghai",
        now=now,
        **kwargs,
    )


def errors_of(text, **kwargs) -> list[tuple]:
    result = parse(text, **kwargs)
    assert result.calls == []
    return [(e.row, e.field, e.message) for e in result.errors]


def one_row(**values) -> str:
    """A file with one data row: the good values of C-1, overridden by ``values``."""
    row = {
        "external_id": "C-1",
        "agent": "li",
        "started_at": "2024-03-05T09:30:00",
        "duration_seconds": "245",
        "queue": "billing",
        "direction": "inbound",
        "recording_url": "",
        "customer_phone": "",
    }
    row.update(values)
    return HEADER + "\n" + ",".join(row[name] for name in HEADER.split(","))


# --- Good files -------------------------------------------------------------------------------


def test_good_file_gives_every_call_with_its_values():
    result = parse(GOOD)
    assert result.ok
    assert result.calls == [
        ParsedCall(
            row=2,
            external_id="C-1",
            agent_id=11,
            started_at=datetime(2024, 3, 5, 9, 30, tzinfo=SHANGHAI),
            duration_seconds=245,
            queue="billing",
            direction="inbound",
            recording_url="https://rec.example.test/C-1.mp3",
            customer_phone="13800138000",
        ),
        ParsedCall(
            row=3,
            external_id="C-2",
            agent_id=12,
            started_at=datetime(2024, 3, 5, 2, 2, 17, tzinfo=UTC),
            duration_seconds=68,
            queue="billing",
            direction="outbound",
            recording_url="",
            customer_phone="",
        ),
        ParsedCall(
            row=4,
            external_id="C-3",
            agent_id=11,
            started_at=datetime(2024, 3, 5, 2, 15, tzinfo=UTC),
            duration_seconds=1312,
            queue="",
            direction="inbound",
            recording_url="",
            customer_phone="",
        ),
    ]


def test_naive_times_are_local_times_of_the_given_zone_and_aware_times_keep_their_offset():
    calls = parse(GOOD).calls
    # 09:30 in Shanghai (UTC+8) is 01:30 UTC; +08:00 and Z are taken as written.
    assert calls[0].started_at.astimezone(UTC) == datetime(2024, 3, 5, 1, 30, tzinfo=UTC)
    assert calls[1].started_at.astimezone(UTC) == datetime(2024, 3, 5, 2, 2, 17, tzinfo=UTC)
    assert calls[2].started_at.astimezone(UTC) == datetime(2024, 3, 5, 2, 15, tzinfo=UTC)
    in_utc = parse_calls(GOOD, agents=AGENTS, existing_ids=set(), time_zone="UTC").calls
    assert in_utc[0].started_at.astimezone(UTC) == datetime(2024, 3, 5, 9, 30, tzinfo=UTC)
    assert in_utc[1].started_at == calls[1].started_at


def test_only_required_columns_in_any_order_is_enough_and_direction_defaults_to_inbound():
    text = "duration_seconds,started_at,agent,external_id\n60,2024-03-05T09:30:00,li,C-9\n"
    [call] = parse(text).calls
    assert (call.external_id, call.duration_seconds, call.direction, call.queue) == ("C-9", 60, "inbound", "")


def test_utf8_bytes_with_byte_order_mark_and_crlf_as_excel_saves_them():
    data = ("\ufeff" + GOOD.replace("C-3,li", "C-3,张伟") + "\r\n").encode("utf-8")
    result = parse(data, agents={**AGENTS, "张伟": 13})
    assert result.ok
    assert [c.agent_id for c in result.calls] == [11, 12, 13]


def test_utf8_bytes_without_byte_order_mark():
    assert [c.external_id for c in parse(GOOD.encode("utf-8")).calls] == ["C-1", "C-2", "C-3"]


def test_excel_semicolon_files_and_utf16_unicode_text_files_are_read():
    semicolons = GOOD.replace(",", ";").encode("utf-8-sig")
    assert [c.external_id for c in parse(semicolons).calls] == ["C-1", "C-2", "C-3"]
    unicode_text = GOOD.replace(",", "\t").encode("utf-16")
    assert [c.external_id for c in parse(unicode_text).calls] == ["C-1", "C-2", "C-3"]


def test_excel_year_first_date_times_and_padded_values_are_accepted():
    [call] = parse(one_row(started_at="2024/3/5 9:30", direction=" Outbound ", external_id=" C-1 ")).calls
    assert call.started_at == datetime(2024, 3, 5, 9, 30, tzinfo=SHANGHAI)
    assert (call.direction, call.external_id) == ("outbound", "C-1")


def test_header_names_are_matched_without_case_and_extra_columns_are_ignored():
    text = "External ID,AGENT,Started_At,duration_seconds,notes\nC-1,li,2024-03-05T09:30:00,5,call back\n"
    assert [c.external_id for c in parse(text).calls] == ["C-1"]


def test_blank_lines_and_rows_of_empty_cells_are_skipped_but_counted():
    text = HEADER + "\n\n,,,,,,,\n" + one_row(external_id="C-7", duration_seconds="x").split("\n")[1]
    assert errors_of(text) == [(4, "duration_seconds", "“x” is not a whole number of seconds.")]


# --- Bad rows: nothing is returned, every error is ---------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"agent": "zhao"}, "agent", "No user has the username “zhao”."),
        ({"agent": "lead"}, "agent", "The user “lead” is not an agent."),
        ({"agent": ""}, "agent", "This value is required."),
        ({"external_id": ""}, "external_id", "This value is required."),
        ({"external_id": "X" * 101}, "external_id", "At most 100 characters."),
        (
            {"external_id": "1.23457E+11"},
            "external_id",
            "“1.23457E+11” looks like a number that Excel rewrote; format the column as text and "
            "export again.",
        ),
        (
            {"started_at": "05/03/2024 09:30"},
            "started_at",
            "“05/03/2024 09:30” is not a date and time; use ISO 8601, e.g. 2024-03-05T09:30:00 or "
            "2024-03-05 09:30+08:00.",
        ),
        (
            {"started_at": "2024-02-30T09:30:00"},
            "started_at",
            "“2024-02-30T09:30:00” is not a date and time; use ISO 8601, e.g. 2024-03-05T09:30:00 or "
            "2024-03-05 09:30+08:00.",
        ),
        ({"started_at": "2024-03-05"}, "started_at", "“2024-03-05” has a date but no time of day."),
        ({"started_at": ""}, "started_at", "This value is required."),
        ({"duration_seconds": "abc"}, "duration_seconds", "“abc” is not a whole number of seconds."),
        ({"duration_seconds": "-5"}, "duration_seconds", "“-5” is not a whole number of seconds."),
        ({"duration_seconds": "1.5"}, "duration_seconds", "“1.5” is not a whole number of seconds."),
        (
            {"duration_seconds": "86401"},
            "duration_seconds",
            "The duration must be from 0 to 86400 seconds (24 hours).",
        ),
        ({"duration_seconds": ""}, "duration_seconds", "This value is required."),
        ({"direction": "internal"}, "direction", "“internal” is not a direction; use inbound or outbound."),
        (
            {"recording_url": "ftp://rec/1.mp3"},
            "recording_url",
            "“ftp://rec/1.mp3” is not an http or https address.",
        ),
        (
            {"recording_url": "recordings/1.mp3"},
            "recording_url",
            "“recordings/1.mp3” is not an http or https address.",
        ),
        ({"customer_phone": "1" * 33}, "customer_phone", "At most 32 characters."),
        ({"queue": "q" * 101}, "queue", "At most 100 characters."),
    ],
)
def test_each_kind_of_bad_value_is_reported_with_its_row_and_column(values, field, message):
    assert errors_of(one_row(**values), non_agents={"lead"}) == [(2, field, message)]


def test_zero_seconds_and_a_full_day_are_valid_durations():
    assert parse(one_row(duration_seconds="0")).calls[0].duration_seconds == 0
    assert parse(one_row(duration_seconds="86400")).calls[0].duration_seconds == 86400


def test_a_start_time_in_the_future_is_refused():
    now = datetime(2024, 3, 5, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert parse(one_row(started_at="2024-03-05T09:59:00"), now=now).ok  # within the hour of clock drift
    assert errors_of(one_row(started_at="2024-03-05T10:01:00"), now=now) == [
        (2, "started_at", "The start time 2024-03-05T10:01:00 is in the future.")
    ]


def test_every_error_of_a_row_is_reported_not_only_the_first():
    text = one_row(agent="zhao", started_at="yesterday", duration_seconds="n/a", direction="in")
    assert [(row, field) for row, field, _message in errors_of(text)] == [
        (2, "agent"),
        (2, "started_at"),
        (2, "duration_seconds"),
        (2, "direction"),
    ]


def test_a_row_with_more_values_than_columns_is_refused_but_trailing_empty_cells_are_not():
    assert parse(one_row() + ",,").ok
    assert errors_of(one_row() + ",surprise") == [
        (2, "", "This row has more values than the header has columns.")
    ]


def test_error_rows_are_numbered_as_in_the_file_with_the_header_as_row_1():
    lines = [HEADER] + [one_row(external_id=f"C-{n}").split("\n")[1] for n in range(1, 6)]
    lines[3] = lines[3].replace(",li,", ",nobody,")  # the third call: row 4
    lines[5] = lines[5].replace("245", "two")  # the fifth call: row 6
    assert [(row, field) for row, field, _m in errors_of("\n".join(lines))] == [
        (4, "agent"),
        (6, "duration_seconds"),
    ]


def test_a_quoted_value_spanning_two_lines_counts_as_one_row():
    text = HEADER + '\nC-1,li,2024-03-05T09:30:00,245,"billing\nsecond line",,,\nC-2,li,soon,1,,,,\n'
    assert [(row, field) for row, field, _m in errors_of(text)] == [(3, "started_at")]


def test_an_external_id_repeated_in_the_file_is_refused_on_every_later_row():
    text = "\n".join(
        [HEADER] + [one_row(external_id=eid).split("\n")[1] for eid in ("C-1", "C-2", "C-1", "C-1")]
    )
    assert errors_of(text) == [
        (4, "external_id", "The external id “C-1” is already used on row 2."),
        (5, "external_id", "The external id “C-1” is already used on row 2."),
    ]


def test_an_external_id_already_in_the_database_is_refused():
    assert errors_of(one_row(external_id="OLD-1"), existing_ids={"OLD-1"}) == [
        (2, "external_id", "A call with the external id “OLD-1” already exists.")
    ]


def test_repeats_are_found_across_batches_checked_separately():
    table = read_table("\n".join([HEADER] + [one_row(external_id=e).split("\n")[1] for e in ("A", "B", "A")]))
    validator = CallRowValidator(time_zone="Asia/Shanghai")
    first = validator.validate(table.rows[:2], agents=AGENTS, existing_ids=set())
    second = validator.validate(table.rows[2:], agents=AGENTS, existing_ids=set())
    assert (len(first.calls), first.errors) == (2, [])
    assert second.errors == [RowError(4, "external_id", "The external id “A” is already used on row 2.")]


# --- Files that cannot be read: one error for the file -----------------------------------------


def test_a_missing_required_column_rejects_the_file_with_one_error():
    text = "external_id,agent,duration_seconds\nC-1,li,60\nC-2,li,70\n"
    assert errors_of(text) == [
        (
            1,
            "started_at",
            "The file has no column started_at. The first row must name the columns; "
            "required: external_id, agent, started_at, duration_seconds.",
        )
    ]


def test_several_missing_columns_are_named_in_the_one_error():
    [(row, field, message)] = errors_of("id,who\n1,li\n")
    assert (row, field) == (1, "external_id, agent, started_at, duration_seconds")
    assert message.startswith("The file has no column external_id, agent, started_at, duration_seconds.")


def test_a_column_named_twice_rejects_the_file():
    text = "external_id,agent,agent,started_at,duration_seconds\nC-1,li,wang,2024-03-05T09:30:00,1\n"
    assert errors_of(text) == [(1, "agent", "The column “agent” appears more than once.")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\r\n", "The file is empty."),
        (HEADER.encode() + b"\r\n,,,\r\n", "The file has a header row but no calls."),
        (
            HEADER.encode() + b"\nC-1,l\x00i,2024-03-05T09:30:00,1\n",
            "The file is not a CSV text file (it contains NUL characters).",
        ),
        (
            "external_id,agent\nC-1,李伟\n".encode("gbk"),
            "The file is not UTF-8 text. In Excel, save it with “CSV UTF-8 (Comma delimited)”.",
        ),
    ],
)
def test_files_without_calls_or_not_in_utf8_get_one_error_for_the_whole_file(data, message):
    assert errors_of(data) == [(None, "", message)]


def test_messages_go_through_the_callers_translate_function():
    catalogue = {"No user has the username “%(value)s”.": "没有用户名为“%(value)s”的用户。"}
    result = parse(one_row(agent="zhao"), translate=lambda message: catalogue.get(message, message))
    assert result.errors == [RowError(2, "agent", "没有用户名为“zhao”的用户。")]
    assert result.errors[0].as_dict() == {"row": 2, "field": "agent", "message": "没有用户名为“zhao”的用户。"}


def test_the_example_file_is_a_valid_import():
    result = parse(example_csv(), agents={"agent.li": 1, "agent.wang": 2})
    assert result.ok
    assert [c.external_id for c in result.calls] == [
        "CALL-2024-000101",
        "CALL-2024-000102",
        "CALL-2024-000103",
    ]


def test_the_module_imports_nothing_from_django():
    tree = ast.parse(Path(call_import.__file__).read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] in {"django", "rest_framework", "apps"}]


# --- The service and the Celery task, against the database ---------------------------------------

BIG = 2001  # one row more than is imported during the request


def big_file(agent_username: str, rows: int = BIG, *, bad: dict[int, str] | None = None) -> bytes:
    """``rows`` calls of one agent; ``bad`` maps a file row number (header = 1) to a bad duration."""
    lines = [HEADER]
    for number in range(2, rows + 2):
        duration = (bad or {}).get(number, "60")
        lines.append(
            f"BIG-{number:05d},{agent_username},2024-03-05T09:30:00,{duration},billing,,,13800138000"
        )
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.fixture
def uploader(personas):
    return personas[Role.QA_EVALUATOR]


@pytest.fixture
def agent(personas):
    return personas[Role.AGENT]


@pytest.mark.django_db
def test_a_file_of_2000_rows_is_imported_during_the_request(uploader, agent):

    outcome = import_jobs.calls_import_csv(by=uploader, data=big_file(agent.username, 2000))
    assert (outcome.imported_count, outcome.errors, outcome.job) == (2000, [], None)
    assert Call.objects.count() == 2000
    assert not CallImport.objects.exists()
    call = Call.objects.get(external_id="BIG-00002")
    assert (call.agent, call.started_at) == (agent, datetime(2024, 3, 5, 1, 30, tzinfo=UTC))


@pytest.mark.django_db
def test_one_bad_row_among_2000_writes_nothing_and_reports_its_row(uploader, agent):

    outcome = import_jobs.calls_import_csv(by=uploader, data=big_file(agent.username, 2000, bad={1777: "1m"}))
    assert outcome.imported_count == 0
    assert outcome.errors == [RowError(1777, "duration_seconds", "“1m” is not a whole number of seconds.")]
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_only_qa_staff_may_import(personas):

    with pytest.raises(PermissionDenied, match=r"^Your role does not allow this action\.$"):
        import_jobs.calls_import_csv(by=personas[Role.AGENT], data=GOOD)


@pytest.mark.django_db
def test_agent_usernames_are_checked_against_the_agent_role(uploader, agent, personas):

    text = "\n".join(
        [HEADER, one_row(agent=agent.username).split("\n")[1]]
        + [one_row(external_id="C-2", agent=personas[Role.QA_MANAGER].username).split("\n")[1]]
        + [one_row(external_id="C-3", agent="ghost").split("\n")[1]]
    )
    outcome = import_jobs.calls_import_csv(by=uploader, data=text)
    assert [(e.row, e.field, e.message) for e in outcome.errors] == [
        (3, "agent", "The user “qa_manager” is not an agent."),
        (4, "agent", "No user has the username “ghost”."),
    ]


@pytest.mark.django_db
def test_a_big_file_becomes_a_job_queued_only_after_commit(
    uploader, agent, django_capture_on_commit_callbacks
):

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = import_jobs.calls_import_csv(
            by=uploader, data=big_file(agent.username), filename="march.csv"
        )
    job = outcome.job
    assert (job.status, job.total_rows, job.processed_rows, job.filename) == (
        CallImportStatus.PENDING,
        BIG,
        0,
        "march.csv",
    )
    assert job.csv_text.startswith(HEADER)  # the byte-order mark is gone
    # The task is only handed over once the job is committed; nothing ran yet.
    assert len(callbacks) == 1
    assert not Call.objects.exists()

    # Run the committed callback with Celery in eager mode: it sends the task, which runs here.
    eager = {"task_always_eager": True, "task_eager_propagates": True}
    before = {name: celery_app.conf[name] for name in eager}
    celery_app.conf.update(eager)
    try:
        callbacks[0]()
    finally:
        celery_app.conf.update(before)
    job = CallImport.objects.get(pk=job.pk)
    assert (job.status, job.imported_count, job.processed_rows) == (CallImportStatus.DONE, BIG, BIG)
    assert Call.objects.count() == BIG


def _job(uploader, agent, **kwargs):

    return import_jobs.calls_import_csv(by=uploader, data=big_file(agent.username, **kwargs)).job


@pytest.mark.django_db
def test_the_task_imports_every_row_of_a_big_file(uploader, agent):

    job = _job(uploader, agent)
    assert tasks.import_calls.run(job.pk) == CallImportStatus.DONE
    job = CallImport.objects.get(pk=job.pk)
    assert (job.status, job.imported_count, job.processed_rows, job.errors) == (
        CallImportStatus.DONE,
        BIG,
        BIG,
        [],
    )
    assert job.finished_at is not None
    assert Call.objects.filter(agent=agent, external_id__startswith="BIG-").count() == BIG


@pytest.mark.django_db
def test_the_task_writes_nothing_when_one_row_of_a_big_file_is_bad(uploader, agent):

    job = _job(uploader, agent, bad={3: "-1", 2002: "ten"})
    assert tasks.import_calls.run(job.pk) == CallImportStatus.FAILED
    job = CallImport.objects.get(pk=job.pk)
    assert (job.status, job.imported_count, job.processed_rows) == (CallImportStatus.FAILED, 0, BIG)
    assert job.errors == [
        {"row": 3, "field": "duration_seconds", "message": "“-1” is not a whole number of seconds."},
        {"row": 2002, "field": "duration_seconds", "message": "“ten” is not a whole number of seconds."},
    ]
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_ids_imported_after_the_upload_fail_the_job_with_their_rows(uploader, agent):

    job = _job(uploader, agent)
    services.calls_create(
        by=uploader,
        calls=[services.CallInput("BIG-00500", agent.pk, datetime(2024, 3, 1, tzinfo=UTC), 30)],
    )
    tasks.import_calls.run(job.pk)
    job = CallImport.objects.get(pk=job.pk)
    assert job.errors == [
        {
            "row": 500,
            "field": "external_id",
            "message": "A call with the external id “BIG-00500” already exists.",
        }
    ]
    assert Call.objects.count() == 1


@pytest.mark.django_db
def test_progress_is_saved_after_each_batch_before_the_calls_are_written(uploader, agent):

    job = _job(uploader, agent)
    with CaptureQueriesContext(connection) as queries:
        tasks.import_calls.run(job.pk)
    statements = [q["sql"] for q in queries.captured_queries]
    progress = [
        i for i, sql in enumerate(statements) if sql.startswith("UPDATE") and '"processed_rows" =' in sql
    ]
    first_insert = next(
        i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "scorecards_call"')
    )
    # Reset to 0 when the run starts, then 500, 1000, 1500, 2000, 2001 — all before the write.
    assert len(progress) == 6
    assert progress[-1] < first_insert
    assert '"processed_rows" = 2001' in statements[progress[-1]]


@pytest.mark.django_db
def test_the_task_is_idempotent_a_finished_job_is_left_alone(uploader, agent):

    job = _job(uploader, agent)
    tasks.import_calls.run(job.pk)
    finished_at = CallImport.objects.get(pk=job.pk).finished_at
    assert tasks.import_calls.run(job.pk) == CallImportStatus.DONE
    job = CallImport.objects.get(pk=job.pk)
    assert (job.status, job.imported_count, job.finished_at) == (CallImportStatus.DONE, BIG, finished_at)
    assert Call.objects.count() == BIG

    failed = _job(uploader, agent, bad={2: "x"})
    tasks.import_calls.run(failed.pk)
    errors = CallImport.objects.get(pk=failed.pk).errors
    assert tasks.import_calls.run(failed.pk) == CallImportStatus.FAILED
    assert CallImport.objects.get(pk=failed.pk).errors == errors
    assert tasks.import_calls.run(987654) is None  # a job that is gone: nothing to do


@pytest.mark.django_db
def test_a_job_left_half_checked_by_a_killed_worker_starts_over_when_redelivered(uploader, agent):

    job = _job(uploader, agent)
    CallImport.objects.filter(pk=job.pk).update(status=CallImportStatus.IMPORTING, processed_rows=1500)
    assert tasks.import_calls.run(job.pk) == CallImportStatus.DONE
    assert CallImport.objects.get(pk=job.pk).processed_rows == BIG
    assert Call.objects.count() == BIG


@pytest.mark.django_db
def test_a_job_whose_uploader_lost_the_role_fails_with_a_message(uploader, agent):

    job = _job(uploader, agent)
    uploader.groups.clear()
    assert tasks.import_calls.run(job.pk) == CallImportStatus.FAILED
    assert CallImport.objects.get(pk=job.pk).errors == [
        {"row": None, "field": "", "message": "Your role does not allow this action."}
    ]
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_the_worker_writes_errors_in_the_uploaders_language(uploader, agent):
    with translation.override("zh-hans"):
        job = import_jobs.calls_import_csv(by=uploader, data=big_file(agent.username)).job
    assert job.language == "zh-hans"
    uploader.groups.clear()
    tasks.import_calls.run(job.pk)  # the worker runs in the default language, English
    assert CallImport.objects.get(pk=job.pk).errors == [
        {"row": None, "field": "", "message": "您的角色无权执行此操作。"}
    ]


@pytest.mark.django_db
def test_an_unexpected_failure_marks_the_job_failed_so_its_page_stops_waiting(uploader, agent):

    job = _job(uploader, agent)
    import_jobs.call_import_fail(job_id=job.pk)
    job = CallImport.objects.get(pk=job.pk)
    assert job.status == CallImportStatus.FAILED
    assert job.errors == [
        {
            "row": None,
            "field": "",
            "message": "The import stopped because of an unexpected error; nothing was imported.",
        }
    ]
