"""The import pages: the upload form with the documented columns, the CSV template, a rejected file's
problems, a big file's job page polled by htmx, 403 for non-managers, a constant number of queries."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.roles import Role
from apps.metrics import csv_format, tasks
from apps.metrics.models import DailyFigure, ImportStatus, MetricsImport, Queue
from apps.metrics.views_imports import COLUMN_HELP
from tests.factories import UserFactory
from tests.metrics.import_builders import csv_bytes, days_file, import_world, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(personas):
    return import_world(personas)


@pytest.fixture
def manager_client(world, client):
    client.force_login(world.manager)
    return client


def post_file(client, data: bytes, name: str = "march.csv"):
    return client.post(reverse("metrics:import"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_the_import_page_documents_every_column_in_order_and_links_the_template(manager_client):
    response = manager_client.get(reverse("metrics:import"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("metrics:import_template") in page
    positions = [page.index(f"<dt><code>{name}</code></dt>") for name in csv_format.COLUMNS]
    assert positions == sorted(positions)
    assert "may exceed the scheduled minutes (overtime)" in page
    assert tuple(COLUMN_HELP) == csv_format.COLUMNS


def test_the_template_download_is_the_header_and_two_example_rows_that_import(world, manager_client):
    response = manager_client.get(reverse("metrics:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="daily-figures-template.csv"'
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")  # Excel then opens it as UTF-8
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(csv_format.COLUMNS)
    assert len(lines) == 3

    # With the demo's agents and queues, the template imports as it is.
    UserFactory(username="agent0001", roles=[Role.AGENT])
    Queue.objects.create(name="Billing 账单")
    Queue.objects.create(name="Technical support 技术支持")
    imported = post_file(manager_client, data)
    assert imported.status_code == 302
    assert DailyFigure.objects.count() == 2


def test_a_good_file_is_imported_and_the_page_says_how_many_rows(world, manager_client):
    response = post_file(manager_client, csv_bytes(row(), row(agent="other_agent")))
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:import")
    assert "Imported 2 daily rows." in manager_client.get(response["Location"]).content.decode()
    assert DailyFigure.objects.count() == 2


def test_a_bad_file_is_rejected_whole_with_every_problem_listed(world, manager_client):
    response = post_file(
        manager_client, csv_bytes(row(), row(date="2024-03-06", agent="ghost"), row(calls_offered="7"))
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "The file has 3 problems." in page
    assert 'data-row="3"' in page
    assert "No user has the username “ghost”." in page
    assert "Answered calls (112) exceed offered calls (7)." in page
    assert "Abandoned calls (8) exceed offered calls (7)." in page
    assert "Answered plus abandoned calls" not in page  # said once, by the two messages above
    assert not DailyFigure.objects.exists()


def test_a_file_too_big_to_upload_is_refused_next_to_the_field(world, manager_client, monkeypatch):
    from apps.metrics import forms_imports

    monkeypatch.setattr(forms_imports, "MAX_FILE_BYTES", 100)
    response = post_file(manager_client, csv_bytes(row()))
    assert response.status_code == 200
    assert "can be imported at once. Split it into parts." in response.content.decode()


def test_a_big_file_goes_to_its_job_page_which_polls_until_done(world, manager_client, settings):
    settings.METRICS_IMPORT_SYNC_MAX_ROWS = 10
    response = post_file(manager_client, days_file(12), name="year.csv")
    job = MetricsImport.objects.get()
    assert response["Location"] == reverse("metrics:import_status", args=[job.pk])

    waiting = manager_client.get(response["Location"]).content.decode()
    assert "year.csv" in waiting
    assert f'hx-get="{reverse("metrics:import_progress", args=[job.pk])}"' in waiting
    assert 'data-testid="import-progress-bar"' in waiting
    assert "Waiting for a worker to start…" in waiting

    MetricsImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed_rows=5)
    checking = manager_client.get(reverse("metrics:import_progress", args=[job.pk])).content.decode()
    assert "Checked 5 of about 12 rows (41%)." in checking
    assert "hx-get" in checking

    tasks.import_daily_figures.run(job.pk)
    done = manager_client.get(reverse("metrics:import_progress", args=[job.pk])).content.decode()
    assert "hx-get" not in done  # finished: the polling stops
    assert "Imported 12 daily rows." in done


def test_a_failed_job_page_lists_the_problems(world, manager_client, settings):
    settings.METRICS_IMPORT_SYNC_MAX_ROWS = 10
    post_file(manager_client, days_file(12, bad={7: {"queue": "Sales"}}))
    job = MetricsImport.objects.get()
    tasks.import_daily_figures.run(job.pk)
    page = manager_client.get(reverse("metrics:import_status", args=[job.pk])).content.decode()
    assert "Nothing was imported." in page
    assert 'data-row="7"' in page
    assert "No queue is named “Sales”." in page
    assert "hx-get" not in page


@pytest.mark.parametrize("role", [Role.AGENT, Role.QA_EVALUATOR, Role.EXPERT, "no_role"])
def test_people_who_may_not_import_get_403(world, personas, client, role):
    job = MetricsImport.objects.create(created_by=world.manager, file="metrics-imports/x.csv")
    client.force_login(personas[role])
    for url in (
        reverse("metrics:import"),
        reverse("metrics:import_template"),
        reverse("metrics:import_status", args=[job.pk]),
        reverse("metrics:import_progress", args=[job.pk]),
    ):
        assert client.get(url).status_code == 403
    assert post_file(client, csv_bytes(row())).status_code == 403
    assert not DailyFigure.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("metrics:import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_job_is_a_404(manager_client):
    assert manager_client.get(reverse("metrics:import_status", args=[987654])).status_code == 404


def test_the_import_page_runs_the_same_queries_with_any_number_of_past_imports(
    world, manager_client, personas
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(reverse("metrics:import")).status_code == 200
        return len(queries)

    empty = count()
    for index in range(8):
        uploader = world.manager if index % 2 else personas[Role.DUTY_MANAGER]
        MetricsImport.objects.create(
            created_by=uploader, file="metrics-imports/x.csv", original_name=f"{index}.csv"
        )
    page = manager_client.get(reverse("metrics:import")).content.decode()
    assert len(re.findall(r'href="/metrics/import/\d+/"', page)) == 5  # the five most recent
    assert count() == empty


def test_the_job_page_runs_the_same_queries_with_many_errors(world, manager_client):
    job = MetricsImport.objects.create(
        created_by=world.manager, file="metrics-imports/x.csv", status=ImportStatus.FAILED, errors=[]
    )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(reverse("metrics:import_status", args=[job.pk])).status_code == 200
        return len(queries)

    few = count()
    error = csv_format.RowError(2, "queue", csv_format.MSG_UNKNOWN_QUEUE, {"value": "Sales"}).as_dict()
    MetricsImport.objects.filter(pk=job.pk).update(errors=[{**error, "row": n} for n in range(2, 500)])
    page = manager_client.get(reverse("metrics:import_status", args=[job.pk])).content.decode()
    assert page.count("No queue is named “Sales”.") == 200  # a page at a time
    assert count() == few


def test_an_upload_streamed_to_a_temporary_file_is_imported(world, manager_client, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # bigger uploads go to a temporary file, as big files do
    assert post_file(manager_client, csv_bytes(row(), row(agent="other_agent"))).status_code == 302
    assert DailyFigure.objects.count() == 2
    settings.METRICS_IMPORT_SYNC_MAX_ROWS = 10
    post_file(manager_client, days_file(12))
    job = MetricsImport.objects.get()
    assert job.file.size == len(days_file(12))
    assert tasks.import_daily_figures.run(job.pk) == ImportStatus.DONE


def test_an_upload_saved_in_gb18030_by_chinese_excel_is_imported(world, manager_client):
    data = io.BytesIO(csv_bytes(row(queue="技术支持"), encoding="gb18030")).getvalue()
    assert post_file(manager_client, data).status_code == 302
    assert DailyFigure.objects.get().queue == world.support
