"""``/api/v1/metrics/daily/``, ``metrics/import/`` and ``metrics/import/{id}/``: the JSON shapes of
DESIGN.md §9, 400 with every row's problems (nothing written), 403 for non-managers, big files as jobs."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.roles import Role
from apps.metrics import tasks
from apps.metrics.models import DailyFigure, MetricsImport
from tests.metrics.import_builders import COUNTS, api_row, csv_bytes, days_file, import_world, row

pytestmark = pytest.mark.django_db

DAILY = "/api/v1/metrics/daily/"
IMPORT = "/api/v1/metrics/import/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(personas):
    return import_world(personas)


@pytest.fixture
def manager_api(world, api_as):
    return api_as(world.manager)


def upload(client, data: bytes, name: str = "march.csv"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, "text/csv")}, format="multipart")


# --- metrics/daily/ ----------------------------------------------------------------------------------


def test_one_row_is_saved(world, manager_api):
    response = manager_api.post(DAILY, api_row(world.agent), format="json")
    assert (response.status_code, response.json()) == (200, {"imported": 1})
    stored = DailyFigure.objects.get()
    assert (stored.date, stored.agent, stored.queue, stored.tags) == (
        date(2024, 3, 5),
        world.agent,
        world.billing,
        "holiday",
    )
    assert {name: getattr(stored, name) for name in COUNTS} == COUNTS


def test_a_list_is_saved_and_a_row_for_an_existing_day_replaces_it(world, manager_api):
    rows = [api_row(world.agent), api_row(world.other_agent, queue="技术支持", tags=["storm", "holiday"])]
    assert manager_api.post(DAILY, rows, format="json").json() == {"imported": 2}

    again = manager_api.post(DAILY, [api_row(world.agent, calls_offered=200, queue="billing")], format="json")

    assert again.json() == {"imported": 1}
    assert sorted(DailyFigure.objects.values_list("agent__username", "calls_offered", "tags")) == [
        ("agent", 200, "holiday"),
        ("other_agent", 120, "storm;holiday"),
    ]


def test_a_list_with_bad_rows_is_refused_whole_with_every_problem(world, manager_api):
    rows = [
        api_row(world.agent),
        api_row(world.agent, date="2024-03-06", calls_answered=130, calls_abandoned=0),
        api_row(world.agent, date="2024-13-01", agent=987654, survey_satisfied=99),
    ]
    response = manager_api.post(DAILY, rows, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Nothing was imported: 4 problems were found.",
        "rows": [
            {"row": 2, "errors": {"calls_answered": ["Answered calls (130) exceed offered calls (120)."]}},
            {
                "row": 3,
                "errors": {
                    "date": ["“2024-13-01” is not a date; write it as YYYY-MM-DD, e.g. 2024-03-05."],
                    "agent": ["No user has the id 987654."],
                    "survey_satisfied": ["Satisfied responses (99) exceed survey responses (40)."],
                },
            },
        ],
    }
    assert not DailyFigure.objects.exists()


def test_negative_counts_and_missing_fields_are_field_errors(world, manager_api):
    payload = api_row(world.agent, hold_seconds=-1)
    del payload["worked_minutes"]
    response = manager_api.post(DAILY, payload, format="json")
    assert response.status_code == 400
    assert response.json()["rows"] == [
        {
            "row": 1,
            "errors": {
                "hold_seconds": ["“-1” is not a whole number of 0 or more."],
                "worked_minutes": ["This value is required."],
            },
        }
    ]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ([], "Send at least one row."),
        ("2024-03-05", "Send one row (an object) or a list of rows."),
        (7, "Send one row (an object) or a list of rows."),
    ],
)
def test_a_body_that_is_not_rows_is_a_400(world, manager_api, body, detail):
    response = manager_api.post(DAILY, body, format="json")
    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_malformed_json_is_a_400_not_a_500(world, manager_api):
    response = manager_api.generic("POST", DAILY, "[{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize("role", [Role.AGENT, Role.QA_EVALUATOR, Role.DEPARTMENT_STAFF, "no_role"])
def test_people_who_may_not_import_get_403(world, personas, api_as, role):
    client = api_as(personas[role])
    assert client.post(DAILY, api_row(world.agent), format="json").status_code == 403
    assert upload(client, csv_bytes(row())).status_code == 403
    job = MetricsImport.objects.create(created_by=world.manager, file="metrics-imports/x.csv")
    assert client.get(f"{IMPORT}{job.pk}/").status_code == 403
    assert not DailyFigure.objects.exists()


def test_anonymous_clients_get_401(api):
    assert api.post(DAILY, {}, format="json").status_code == 401
    assert api.post(IMPORT, {}, format="multipart").status_code == 401


@pytest.mark.parametrize("role", [Role.DUTY_MANAGER, Role.ADMIN])
def test_duty_managers_and_admins_may_import(world, personas, api_as, role):
    response = api_as(personas[role]).post(DAILY, [api_row(world.agent)], format="json")
    assert response.status_code == 200


# --- metrics/import/ -----------------------------------------------------------------------------------


def test_a_small_csv_file_is_imported_at_once(world, manager_api):
    response = upload(manager_api, csv_bytes(row(), row(agent="other_agent")))
    assert (response.status_code, response.json()) == (200, {"imported": 2})
    assert DailyFigure.objects.count() == 2


def test_a_bad_csv_file_is_refused_with_its_rows_and_file_problems(world, manager_api):
    bad_rows = upload(manager_api, csv_bytes(row(queue="Sales"), row(), row(queue="billing")))
    assert (bad_rows.status_code, bad_rows.json()) == (
        400,
        {
            "detail": "Nothing was imported: 2 problems were found.",
            "rows": [
                {"row": 2, "errors": {"queue": ["No queue is named “Sales”."]}},
                {"row": 4, "errors": {"non_field_errors": ["Row 3 has the same date, agent and queue."]}},
            ],
        },
    )
    bad_file = upload(manager_api, b"")
    assert (bad_file.status_code, bad_file.json()) == (
        400,
        {"detail": "Nothing was imported: 1 problem was found.", "rows": [], "file": ["The file is empty."]},
    )
    assert not DailyFigure.objects.exists()


def test_an_upload_without_a_file_is_a_400(world, manager_api):
    response = manager_api.post(IMPORT, {}, format="multipart")
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Choose a CSV file to upload.", "file": ["Choose a CSV file to upload."]},
    )


def test_a_big_file_answers_202_with_a_job_to_follow(world, manager_api, settings):
    settings.METRICS_IMPORT_SYNC_MAX_ROWS = 10
    response = upload(manager_api, days_file(12), name="year.csv")
    assert response.status_code == 202
    job = response.json()
    assert {
        key: job[key]
        for key in ("status", "file", "total_rows", "processed_rows", "imported_rows", "percent")
    } == {
        "status": "pending",
        "file": "year.csv",
        "total_rows": 12,
        "processed_rows": 0,
        "imported_rows": 0,
        "percent": 0,
    }
    assert job["url"] == f"http://testserver{IMPORT}{job['id']}/"

    tasks.import_daily_figures.run(job["id"])
    done = manager_api.get(f"{IMPORT}{job['id']}/").json()
    assert {
        key: done[key] for key in ("status", "status_display", "processed_rows", "imported_rows", "percent")
    } == {
        "status": "done",
        "status_display": "Imported",
        "processed_rows": 12,
        "imported_rows": 12,
        "percent": 100,
    }
    assert done["errors"] == {"rows": []}
    assert done["finished_at"] is not None
    assert DailyFigure.objects.count() == 12


def test_a_failed_job_lists_its_problems_as_a_refused_upload_does(world, manager_api, settings):
    settings.METRICS_IMPORT_SYNC_MAX_ROWS = 10
    job_id = upload(manager_api, days_file(12, bad={5: {"fcr_count": "113"}})).json()["id"]
    tasks.import_daily_figures.run(job_id)
    failed = manager_api.get(f"{IMPORT}{job_id}/").json()
    assert (failed["status"], failed["imported_rows"]) == ("failed", 0)
    assert failed["errors"] == {
        "rows": [
            {"row": 5, "errors": {"fcr_count": ["First-call resolutions (113) exceed answered calls (112)."]}}
        ]
    }


def test_an_unknown_job_is_a_404(world, manager_api):
    response = manager_api.get(f"{IMPORT}987654/")
    assert (response.status_code, response.json()) == (404, {"detail": "There is no import with this id."})


def test_the_schema_documents_the_import_endpoints(client):
    schema = client.get("/api/schema/").content
    for path in (b"/api/v1/metrics/daily/", b"/api/v1/metrics/import/", b"/api/v1/metrics/import/{id}/"):
        assert path in schema
