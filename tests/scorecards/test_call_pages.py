"""Call pages: the list, one call, the CSV import (small files at once, big files as a job), the example."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import call_import, import_jobs, tasks
from apps.scorecards.models import Call, CallImport, CallImportStatus, EvaluationStatus
from apps.scorecards.views.calls import format_duration, phone_for
from tests.factories import TeamFactory, UserFactory
from tests.scorecards.factories import CallFactory, EvaluationFactory

QA_STAFF = [Role.QA_EVALUATOR, Role.QA_MANAGER]
NOT_QA_STAFF = [
    Role.AGENT,
    Role.EXPERT,
    Role.DUTY_MANAGER,
    Role.DEPARTMENT_STAFF,
    Role.IMPROVEMENT_MEMBER,
    Role.ADMIN,
    "no_role",
]
HEADER = ",".join(call_import.COLUMNS)
MARCH_5_0930_SHANGHAI = datetime(2024, 3, 5, 1, 30, tzinfo=UTC)


@pytest.fixture
def world(personas, team, other_team):
    """The evaluator evaluates the agent's team; a call of the agent and one of the other team's agent."""
    team.evaluators.add(personas[Role.QA_EVALUATOR])
    return {
        **personas,
        "call": CallFactory(
            external_id="TEAM-CALL",
            agent=personas[Role.AGENT],
            queue="billing",
            started_at=MARCH_5_0930_SHANGHAI,
            duration_seconds=245,
            customer_phone="13800138000",
        ),
        "other_call": CallFactory(
            external_id="OTHER-CALL",
            agent=personas["other_agent"],
            queue="sales",
            started_at=MARCH_5_0930_SHANGHAI - timedelta(days=3),
            duration_seconds=3725,
            direction="outbound",
            customer_phone="13912345678",
        ),
    }


def upload(client, data: bytes | str, name: str = "calls.csv"):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return client.post("/qa/calls/import/", {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def csv_text(*rows: str) -> str:
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def big_file(username: str, rows: int = 2001, *, bad_row: int | None = None) -> bytes:
    lines = [
        f"BIG-{n:05d},{username},2024-03-05T09:30:00,{'oops' if n == bad_row else 60},billing,,,"
        for n in range(2, rows + 2)
    ]
    return csv_text(*lines).encode("utf-8-sig")


# --- Who may open the pages -----------------------------------------------------------------------


def _pages(world) -> list[str]:
    job = CallImport.objects.create(uploaded_by=world[Role.QA_EVALUATOR], csv_text=HEADER, total_rows=1)
    return [
        "/qa/calls/",
        f"/qa/calls/{world['call'].pk}/",
        "/qa/calls/import/",
        "/qa/calls/import/example.csv",
        f"/qa/calls/import/{job.pk}/",
        f"/qa/calls/import/{job.pk}/progress/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", NOT_QA_STAFF)
def test_every_call_page_is_403_for_roles_other_than_qa_staff(client, world, role):
    client.force_login(world[role])
    for url in _pages(world):
        assert client.get(url).status_code == 403, url
    assert client.post("/qa/calls/import/", {}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", QA_STAFF)
def test_every_call_page_opens_for_qa_staff(client, world, role):
    client.force_login(world[role])
    for url in _pages(world):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_call_pages_ask_anonymous_visitors_to_sign_in(client, world):
    for url in _pages(world):
        response = client.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/login/"), url


# --- The list ----------------------------------------------------------------------------------


def _row(page: str, external_id: str) -> str:
    match = re.search(
        rf'<tr data-call="\d+">\s*<td><a [^>]*>{re.escape(external_id)}</a>.*?</tr>', page, re.S
    )
    assert match, f"{external_id} is not listed"
    return match.group(0)


@pytest.mark.django_db
def test_the_list_shows_each_calls_facts_with_local_time_and_a_score_link(client, world):
    EvaluationFactory(call=world["call"])
    client.force_login(world[Role.QA_MANAGER])
    page = client.get("/qa/calls/").content.decode()
    row = _row(page, "TEAM-CALL")
    call = world["call"]
    assert f'href="/qa/calls/{call.pk}/"' in row
    assert world[Role.AGENT].name in row
    assert "billing" in row
    assert "2024-03-05 09:30" in row  # 01:30 UTC in Asia/Shanghai
    assert "4:05" in row
    assert "Inbound" in row
    assert "13800138000" in row  # QA staff see customer numbers in full
    assert "Yes (1)" in row
    assert f'href="/qa/evaluations/new/?call={call.pk}"' in row
    other = _row(page, "OTHER-CALL")
    assert "62:05" in other
    assert "Outbound" in other
    assert "13912345678" in other
    assert '<span class="badge">No</span>' in other


@pytest.mark.django_db
def test_an_evaluator_sees_only_calls_of_teams_they_evaluate(client, world):
    client.force_login(world[Role.QA_EVALUATOR])
    page = client.get("/qa/calls/").content.decode()
    assert "TEAM-CALL" in page
    assert "OTHER-CALL" not in page
    assert client.get(f"/qa/calls/{world['other_call'].pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("", {"TEAM-CALL", "OTHER-CALL"}),
        ("agent=other", {"OTHER-CALL"}),
        ("agent=AGENT", {"TEAM-CALL", "OTHER-CALL"}),  # usernames "agent" and "other_agent"
        ("queue=bill", {"TEAM-CALL"}),
        ("date_from=2024-03-05", {"TEAM-CALL"}),
        ("date_to=2024-03-04", {"OTHER-CALL"}),
        ("date_from=2024-03-02&date_to=2024-03-02", {"OTHER-CALL"}),
        ("date_from=2024-03-06", set()),
        ("evaluated=yes", {"TEAM-CALL"}),
        ("evaluated=no", {"OTHER-CALL"}),
        ("evaluated=maybe&queue=sales", {"OTHER-CALL"}),  # a bad value is ignored, the rest applies
    ],
)
def test_the_list_filters(client, world, query, listed):
    EvaluationFactory(call=world["call"], status=EvaluationStatus.DRAFT)
    client.force_login(world[Role.QA_MANAGER])
    page = client.get(f"/qa/calls/?{query}").content.decode()
    assert {eid for eid in ("TEAM-CALL", "OTHER-CALL") if f">{eid}</a>" in page} == listed


def _bulk_calls(agent, count: int, start: int = 0) -> None:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    Call.objects.bulk_create(
        Call(
            external_id=f"BULK-{n}",
            agent=agent,
            queue=f"queue-{n % 3}",
            started_at=base + timedelta(minutes=n),
            duration_seconds=n,
            customer_phone="13800138000",
        )
        for n in range(start, start + count)
    )


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", QA_STAFF)
def test_the_list_runs_the_same_queries_for_10_and_500_calls(client, personas, team, role):
    team.evaluators.add(personas[Role.QA_EVALUATOR])
    other_team_agent = UserFactory(roles=[Role.AGENT], team=TeamFactory())
    client.force_login(personas[role])
    _bulk_calls(personas[Role.AGENT], 8)
    _bulk_calls(other_team_agent, 2, start=8)
    with_ten = _query_count(client, "/qa/calls/")
    _bulk_calls(personas[Role.AGENT], 490, start=10)
    EvaluationFactory(call=Call.objects.get(external_id="BULK-499"))
    assert _query_count(client, "/qa/calls/") == with_ten
    assert _query_count(client, "/qa/calls/?evaluated=yes&agent=agent&date_from=2024-01-01") == with_ten


@pytest.mark.django_db
def test_the_list_shows_50_calls_a_page_and_keeps_the_filters_in_page_links(client, personas):
    _bulk_calls(personas[Role.AGENT], 51)
    client.force_login(personas[Role.QA_MANAGER])
    first = client.get("/qa/calls/?queue=queue").content.decode()
    assert first.count("<tr data-call=") == 50
    assert 'href="?queue=queue&amp;page=2"' in first
    second = client.get("/qa/calls/?queue=queue&page=2").content.decode()
    assert second.count("<tr data-call=") == 1
    assert ">BULK-0</a>" in second  # newest first: the oldest call is last


# --- Phone numbers ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_customer_numbers_are_masked_for_users_who_are_not_qa_staff(personas):
    # The call pages are for QA staff only, who see numbers in full; the display rule they use masks
    # numbers for everyone else (access.sees_full_phone_numbers / access.mask_phone).
    assert phone_for(personas[Role.AGENT], "13800138000") == "138****8000"
    assert phone_for(personas[Role.DUTY_MANAGER], "13800138000") == "138****8000"
    assert phone_for(personas[Role.QA_EVALUATOR], "13800138000") == "13800138000"
    assert phone_for(personas[Role.AGENT], "") == ""


def test_durations_are_shown_as_minutes_and_seconds():
    assert [format_duration(s) for s in (0, 9, 60, 245, 3725)] == ["0:00", "0:09", "1:00", "4:05", "62:05"]


# --- One call -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_call_page_shows_its_facts_its_evaluations_and_a_score_link(client, world):
    call = world["call"]
    evaluation = EvaluationFactory(call=call, evaluator=world[Role.QA_EVALUATOR])
    client.force_login(world[Role.QA_EVALUATOR])
    page = client.get(f"/qa/calls/{call.pk}/").content.decode()
    assert "Call TEAM-CALL" in page
    assert "2024-03-05 09:30:00" in page
    assert "4:05" in page
    assert "13800138000" in page
    assert f'href="{call.recording_url}"' in page
    assert f'href="/qa/evaluations/{evaluation.pk}/"' in page
    assert f'href="/qa/evaluations/new/?call={call.pk}">Score this call' in page


@pytest.mark.django_db
def test_the_call_page_of_an_unevaluated_call_says_so(client, world):
    client.force_login(world[Role.QA_MANAGER])
    page = client.get(f"/qa/calls/{world['other_call'].pk}/").content.decode()
    assert "This call has not been evaluated yet." in page
    assert client.get("/qa/calls/999999/").status_code == 404


# --- Importing a small file -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", QA_STAFF)
def test_uploading_a_good_file_imports_every_row(client, personas, role):
    client.force_login(personas[role])
    data = csv_text(
        "IMP-1,agent,2024-03-05T09:30:00,245,billing,inbound,https://rec.example.test/1.mp3,13800138000",
        "IMP-2,other_agent,2024-03-05 10:00:00+08:00,68,,outbound,,",
        "IMP-3,agent,2024-03-05T02:15:00Z,1312,support,,,",
    )
    response = upload(client, "\ufeff" + data)
    assert (response.status_code, response["Location"]) == (302, "/qa/calls/")
    calls = {c.external_id: c for c in Call.objects.select_related("agent")}
    assert set(calls) == {"IMP-1", "IMP-2", "IMP-3"}
    assert calls["IMP-1"].started_at == MARCH_5_0930_SHANGHAI
    assert calls["IMP-2"].agent == personas["other_agent"]
    assert calls["IMP-2"].direction == "outbound"
    assert calls["IMP-3"].direction == "inbound"
    assert not CallImport.objects.exists()
    assert "Imported 3 calls." in client.get("/qa/calls/").content.decode()


@pytest.mark.django_db
def test_a_file_with_one_bad_row_imports_nothing_and_lists_the_error_with_its_row(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    data = csv_text(
        "IMP-1,agent,2024-03-05T09:30:00,245,,,,",
        "IMP-2,agent,2024-03-05T09:40:00,60,,,,",
        "IMP-3,nobody_here,2024-03-05T09:50:00,60,,,,",
        "IMP-4,agent,2024-03-05T10:00:00,60,,,,",
    )
    response = upload(client, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "The file has 1 problem." in page
    assert re.search(
        r'<tr data-row="4">\s*<td class="num">4</td>\s*<td><code>agent</code></td>\s*'
        r"<td>No user has the username “nobody_here”.</td>",
        page,
    )
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_every_rows_errors_are_listed(client, world):
    client.force_login(world[Role.QA_EVALUATOR])
    data = csv_text(
        "TEAM-CALL,agent,2024-03-05T09:30:00,245,,,,",
        "NEW-1,qa_manager,2024-03-05 9h30,60,,sideways,,",
        "NEW-1,agent,2024-03-05T09:30:00,-1,,,,",
    )
    page = upload(client, data).content.decode()
    listed = re.findall(r'<tr data-row="(\d+)">\s*<td class="num">\d+</td>\s*<td><code>(\w+)</code>', page)
    assert listed == [
        ("2", "external_id"),
        ("3", "agent"),
        ("3", "started_at"),
        ("3", "direction"),
        ("4", "external_id"),
        ("4", "duration_seconds"),
    ]
    assert "A call with the external id “TEAM-CALL” already exists." in page
    assert "The external id “NEW-1” is already used on row 3." in page
    assert Call.objects.count() == 2


@pytest.mark.django_db
def test_a_file_without_a_required_column_is_rejected_with_one_error(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    page = upload(client, "external_id,agent,started_at\nIMP-1,agent,2024-03-05T09:30:00\n").content.decode()
    assert page.count('<tr data-row="') == 1
    assert "The file has no column duration_seconds." in page
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_rejected_with_advice(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    page = upload(client, csv_text("IMP-1,张伟,2024-03-05T09:30:00,60,,,,").encode("gbk")).content.decode()
    assert "The file is not UTF-8 text. In Excel, save it with “CSV UTF-8 (Comma delimited)”." in page
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_the_import_form_needs_a_file(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    response = client.post("/qa/calls/import/", {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


@pytest.mark.django_db
def test_the_example_file_downloads_as_utf8_csv_that_excel_opens(client, personas):
    client.force_login(personas[Role.QA_EVALUATOR])
    response = client.get("/qa/calls/import/example.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="calls-example.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(call_import.COLUMNS)
    assert len(rows) == 4


# --- Importing a big file ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_big_file_creates_a_job_and_the_task_is_queued_after_commit(
    client, personas, django_capture_on_commit_callbacks
):
    client.force_login(personas[Role.QA_EVALUATOR])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(client, big_file("agent"), name="march.csv")
    job = CallImport.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/qa/calls/import/{job.pk}/")
    assert (job.status, job.total_rows, job.filename, job.uploaded_by) == (
        CallImportStatus.PENDING,
        2001,
        "march.csv",
        personas[Role.QA_EVALUATOR],
    )
    assert len(callbacks) == 1
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_the_status_page_polls_while_the_job_runs_and_shows_the_result_when_done(client, personas):
    client.force_login(personas[Role.QA_EVALUATOR])
    upload(client, big_file("agent"))
    job = CallImport.objects.get()

    page = client.get(f"/qa/calls/import/{job.pk}/").content.decode()
    assert f'hx-get="/qa/calls/import/{job.pk}/progress/" hx-trigger="every 1s"' in page
    assert "Waiting for a worker to start…" in page

    CallImport.objects.filter(pk=job.pk).update(status=CallImportStatus.VALIDATING, processed_rows=1000)
    fragment = client.get(f"/qa/calls/import/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    assert '<progress style="width: 100%" max="2001" value="1000"' in fragment
    assert "Checked 1000 of 2001 rows (49%)." in fragment
    assert "<html" not in fragment

    assert tasks.import_calls.run(job.pk) == CallImportStatus.DONE
    fragment = client.get(f"/qa/calls/import/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in fragment  # finished: the page stops polling
    assert "Imported 2001 calls." in fragment
    assert Call.objects.count() == 2001


@pytest.mark.django_db
def test_a_big_file_with_a_bad_row_imports_nothing_and_the_status_page_lists_the_row(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    upload(client, big_file("agent", bad_row=1999))
    job = CallImport.objects.get()
    assert tasks.import_calls.run(job.pk) == CallImportStatus.FAILED
    assert not Call.objects.exists()
    page = client.get(f"/qa/calls/import/{job.pk}/").content.decode()
    assert "hx-trigger" not in page
    assert "Nothing was imported." in page
    assert re.search(
        r'<tr data-row="1999">\s*<td class="num">1999</td>\s*<td><code>duration_seconds</code></td>\s*'
        r"<td>“oops” is not a whole number of seconds.</td>",
        page,
    )


@pytest.mark.django_db
def test_a_rejected_big_file_lists_its_errors_200_a_page(client, personas):
    errors = [{"row": n, "field": "agent", "message": f"Problem {n}"} for n in range(2, 252)]
    job = CallImport.objects.create(
        uploaded_by=personas[Role.QA_MANAGER],
        csv_text=HEADER,
        total_rows=250,
        processed_rows=250,
        status=CallImportStatus.FAILED,
        errors=errors,
        finished_at=timezone.now(),
    )
    client.force_login(personas[Role.QA_MANAGER])
    first = client.get(f"/qa/calls/import/{job.pk}/").content.decode()
    assert "The file has 250 problems." in first
    assert first.count("<tr data-row=") == 200
    second = client.get(f"/qa/calls/import/{job.pk}/?page=2").content.decode()
    assert second.count("<tr data-row=") == 50
    assert "Problem 251" in second


@pytest.mark.django_db
def test_an_evaluator_follows_only_their_own_jobs_a_manager_follows_all(client, personas):
    other_evaluator = UserFactory(roles=[Role.QA_EVALUATOR])
    job = import_jobs.calls_import_csv(by=other_evaluator, data=big_file("agent")).job
    client.force_login(personas[Role.QA_EVALUATOR])
    assert client.get(f"/qa/calls/import/{job.pk}/").status_code == 404
    assert client.get(f"/qa/calls/import/{job.pk}/progress/").status_code == 404
    client.force_login(personas[Role.QA_MANAGER])
    assert client.get(f"/qa/calls/import/{job.pk}/").status_code == 200


@pytest.mark.django_db
def test_the_import_page_lists_the_users_recent_background_imports(client, personas):
    client.force_login(personas[Role.QA_EVALUATOR])
    upload(client, big_file("agent"), name="april.csv")
    job = CallImport.objects.get()
    page = client.get("/qa/calls/import/").content.decode()
    assert f'<a href="/qa/calls/import/{job.pk}/">april.csv</a>' in page
