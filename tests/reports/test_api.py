"""The reports API (DESIGN.md §9 ``reports/``): shapes, filters, pagination, files per language, kinds,
"regenerate now" and its progress. Who sees which chart is tests/reports/test_api_permissions.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.reports import files, kinds
from apps.reports.kinds.common import pareto_data
from apps.reports.models import ChartImage, ChartSnapshot, ChartTask, TaskState
from apps.reports.scopes import Scope
from apps.tqm.views.charts import SVG_CSP as TQM_SVG_CSP
from qa_center.celery import app as celery_app
from tests.complaints.factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/reports/"
CHARTS = f"{API}charts/"
PARETO = "complaint_pareto"
PARETO_DATA = pareto_data([("Billing error", 3), ("Late delivery", 1)])
ITEM_FIELDS = {
    "id",
    "kind",
    "kind_label",
    "scope",
    "scope_type",
    "scope_id",
    "scope_name",
    "period",
    "period_start",
    "period_end",
    "generated_at",
    "duration_ms",
    "languages",
    "png_url",
    "svg_url",
    "csv_url",
}
PNG_BYTES = b"\x89PNG\r\n\x1a\n"


def image_bytes(language: str, extension: str, snapshot_key: str = "") -> bytes:
    """Small stand-in files that say which chart and language they are."""
    if extension == "png":
        return PNG_BYTES + f"{snapshot_key} {language}".encode()
    return f'<svg xmlns="http://www.w3.org/2000/svg"><title>{snapshot_key} {language}</title></svg>'.encode()


def make_snapshot(
    kind: str = PARETO,
    scope: str = "global",
    period: str = "2026-05-31",
    *,
    languages: tuple[str, ...] = ("en", "zh-hans"),
    generated_at: datetime | None = None,
    data: dict | None = None,
    scope_label: str = "",
    period_end: date | None = None,
) -> ChartSnapshot:
    """A snapshot row with one small SVG and PNG per language under MEDIA_ROOT, as generate() leaves."""
    parsed = Scope.parse(scope)
    end = period_end or date(2026, 5, 31)
    snapshot = ChartSnapshot.objects.create(
        kind=kind,
        scope=parsed.key,
        scope_type=parsed.type,
        scope_id=parsed.id,
        scope_label=scope_label,
        period=period,
        period_start=end - timedelta(days=29),
        period_end=end,
        data=PARETO_DATA if data is None else data,
        generated_at=generated_at or timezone.now(),
        duration_ms=120,
    )
    for language in languages:
        paths = {}
        for extension in ("svg", "png"):
            paths[extension] = files.relative_path(kind, parsed.key, period, language, extension)
            files.write_atomically(paths[extension], image_bytes(language, extension, f"{kind} {scope}"))
        ChartImage.objects.create(snapshot=snapshot, language=language, **paths)
    return snapshot


@pytest.fixture
def manager(personas):
    """QA managers see every family of chart."""
    return personas[Role.QA_MANAGER]


@pytest.fixture
def manager_api(api_as, manager):
    return api_as(manager)


# --- The list ----------------------------------------------------------------------------------------


def test_the_list_item_has_every_field_with_absolute_file_urls(manager_api, department):
    generated = timezone.now() - timedelta(hours=1)
    snapshot = make_snapshot(
        scope=f"department:{department.pk}", scope_label="Billing", generated_at=generated
    )

    body = manager_api.get(CHARTS).json()

    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    [item] = body["results"]
    assert set(item) == ITEM_FIELDS
    assert item == {
        "id": snapshot.pk,
        "kind": PARETO,
        "kind_label": "Complaint Pareto by category",
        "scope": f"department:{department.pk}",
        "scope_type": "department",
        "scope_id": department.pk,
        "scope_name": "Billing",
        "period": "2026-05-31",
        "period_start": "2026-05-02",
        "period_end": "2026-05-31",
        "generated_at": item["generated_at"],
        "duration_ms": 120,
        "languages": ["en", "zh-hans"],
        "png_url": f"http://testserver{CHARTS}{snapshot.pk}/png",
        "svg_url": f"http://testserver{CHARTS}{snapshot.pk}/svg",
        "csv_url": f"http://testserver{CHARTS}{snapshot.pk}/csv",
    }
    assert datetime.fromisoformat(item["generated_at"]) == generated


def test_a_global_chart_is_named_everyone(manager_api):
    make_snapshot()
    [item] = manager_api.get(CHARTS).json()["results"]
    assert (item["scope"], item["scope_type"], item["scope_id"], item["scope_name"]) == (
        "global",
        "global",
        None,
        "Everyone",
    )


def test_the_list_is_newest_first_and_paginated(manager_api):
    now = timezone.now()
    for days_ago in (3, 1, 2):
        make_snapshot(period=f"2026-05-{10 + days_ago:02d}", generated_at=now - timedelta(days=days_ago))

    first = manager_api.get(CHARTS, {"page_size": 2}).json()
    second = manager_api.get(CHARTS, {"page_size": 2, "page": 2}).json()

    assert first["count"] == 3
    assert [row["period"] for row in first["results"]] == ["2026-05-11", "2026-05-12"]
    assert first["next"].endswith("page=2&page_size=2")
    assert [row["period"] for row in second["results"]] == ["2026-05-13"]
    assert second["next"] is None


def test_the_list_can_be_ordered_by_period_end(manager_api):
    make_snapshot(period="2026-05-01", period_end=date(2026, 5, 1))
    make_snapshot(period="2026-05-20", period_end=date(2026, 5, 20))
    rows = manager_api.get(CHARTS, {"ordering": "period_end"}).json()["results"]
    assert [row["period"] for row in rows] == ["2026-05-01", "2026-05-20"]


@pytest.fixture
def assorted(team, department):
    """Charts of two kinds and three scopes, two periods of the global Pareto."""
    return {
        "old_global": make_snapshot(period="2026-05-30", period_end=date(2026, 5, 30)),
        "new_global": make_snapshot(period="2026-05-31", period_end=date(2026, 5, 31)),
        "billing": make_snapshot(scope=f"department:{department.pk}", period="2026-05-30"),
        "team_trend": make_snapshot(
            "qa_score_trend", f"team:{team.pk}", "2026-W22", period_end=date(2026, 5, 31)
        ),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": PARETO}, {"old_global", "new_global", "billing"}),
        ({"kind": "qa_score_trend"}, {"team_trend"}),
        ({"scope": "global"}, {"old_global", "new_global"}),
        ({"scope_type": "department"}, {"billing"}),
        ({"scope_type": "team"}, {"team_trend"}),
        ({"period": "2026-05-30"}, {"old_global", "billing"}),
        ({"latest": "true"}, {"new_global", "billing", "team_trend"}),
        ({"latest": "false"}, {"old_global", "new_global", "billing", "team_trend"}),
        ({"kind": PARETO, "scope": "global", "latest": "true"}, {"new_global"}),
    ],
)
def test_the_list_filters(manager_api, assorted, query, expected):
    assert _ids(manager_api.get(CHARTS, query)) == {assorted[name].pk for name in expected}


def test_the_scope_filter_takes_a_scope_key(manager_api, assorted, team):
    assert _ids(manager_api.get(CHARTS, {"scope": f"team:{team.pk}"})) == {assorted["team_trend"].pk}


def test_latest_keeps_a_chart_drawn_as_the_data_is_now(manager_api):
    project_chart = make_snapshot("tqm_pareto", "project:7", "current")
    ChartSnapshot.objects.filter(pk=project_chart.pk).update(period_start=None, period_end=None)
    assert _ids(manager_api.get(CHARTS, {"latest": "true"})) == {project_chart.pk}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"kind": "pie_chart"},
            "kind",
            "Unknown kind of chart. The kinds are listed at reports/charts/kinds/.",
        ),
        ({"scope": "team"}, "scope", 'Write the scope as "global" or as type:id, for example team:3.'),
        ({"scope": "team:abc"}, "scope", 'Write the scope as "global" or as type:id, for example team:3.'),
        ({"scope": "galaxy:3"}, "scope", 'Write the scope as "global" or as type:id, for example team:3.'),
        (
            {"scope_type": "galaxy"},
            "scope_type",
            "Select a valid choice. galaxy is not one of the available choices.",
        ),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(manager_api, query, field, message):
    response = manager_api.get(CHARTS, query)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some fields are invalid; see the messages per field.",
        field: [message],
    }


@pytest.mark.parametrize("rows", [2, 20])
def test_the_list_takes_the_same_queries_for_2_and_20_charts(
    api_as, manager, rows, django_assert_num_queries
):
    for day in range(rows):
        make_snapshot(period=f"2026-04-{day + 1:02d}", languages=("en", "zh-hans"))
    client = api_as(manager)
    # token and user, roles, teams led, count, page, images
    with django_assert_num_queries(6):
        body = client.get(CHARTS, {"page_size": 50}).json()
    assert body["count"] == rows
    assert all(row["languages"] == ["en", "zh-hans"] for row in body["results"])


# --- One chart -------------------------------------------------------------------------------------


def test_the_detail_adds_the_data(manager_api):
    snapshot = make_snapshot()
    body = manager_api.get(f"{CHARTS}{snapshot.pk}/").json()
    assert set(body) == ITEM_FIELDS | {"data"}
    assert body["data"] == PARETO_DATA
    assert body["id"] == snapshot.pk


def test_an_unknown_chart_is_a_404(manager_api):
    response = manager_api.get(f"{CHARTS}987654/")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "There is no such chart, or you may not see it."},
    )


# --- Files -----------------------------------------------------------------------------------------


def test_png_is_the_file_as_an_attachment(manager_api):
    snapshot = make_snapshot(period="2026-05-31")
    response = manager_api.get(f"{CHARTS}{snapshot.pk}/png", HTTP_ACCEPT="image/png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == image_bytes("en", "png", f"{PARETO} global")
    assert response["Content-Disposition"] == (
        'attachment; filename="complaint_pareto-global-2026-05-31-en.png"'
    )
    assert response["Content-Language"] == "en"


def test_svg_is_inline_and_may_run_nothing(manager_api):
    snapshot = make_snapshot()
    response = manager_api.get(f"{CHARTS}{snapshot.pk}/svg", HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == TQM_SVG_CSP
    assert response["Content-Disposition"].startswith("inline;")
    assert b"".join(response.streaming_content) == image_bytes("en", "svg", f"{PARETO} global")


@pytest.mark.parametrize("file_format", ["png", "svg", "csv"])
def test_file_urls_also_answer_with_a_trailing_slash(manager_api, file_format):
    snapshot = make_snapshot()
    assert manager_api.get(f"{CHARTS}{snapshot.pk}/{file_format}/").status_code == 200


@pytest.mark.parametrize(
    ("headers", "query", "served"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "zh-hans"}, {}, "zh-hans"),
        ({"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}, {}, "zh-hans"),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, {}, "en"),
        ({}, {}, "en"),
        ({"HTTP_ACCEPT_LANGUAGE": "zh-hans"}, {"lang": "en"}, "en"),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, {"lang": "zh-hans"}, "zh-hans"),
    ],
)
def test_images_come_in_the_requests_language(manager_api, headers, query, served):
    snapshot = make_snapshot()
    for file_format in ("png", "svg"):
        response = manager_api.get(f"{CHARTS}{snapshot.pk}/{file_format}", query, **headers)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == image_bytes(served, file_format, f"{PARETO} global")
        assert response["Content-Language"] == served
        assert "Accept-Language" in response["Vary"]


def test_an_image_takes_the_same_queries_as_one_chart(manager_api, django_assert_num_queries):
    snapshot = make_snapshot()
    # token and user, roles, teams led, the chart, its images
    with django_assert_num_queries(5):
        response = manager_api.get(f"{CHARTS}{snapshot.pk}/svg", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert b"".join(response.streaming_content) == image_bytes("zh-hans", "svg", f"{PARETO} global")


def test_a_language_without_an_image_falls_back_to_the_default_language(manager_api):
    snapshot = make_snapshot(languages=("en",))
    response = manager_api.get(f"{CHARTS}{snapshot.pk}/png", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == image_bytes("en", "png", f"{PARETO} global")
    assert response["Content-Language"] == "en"


def test_an_unknown_language_is_a_400(manager_api):
    snapshot = make_snapshot()
    response = manager_api.get(f"{CHARTS}{snapshot.pk}/png", {"lang": "fr"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Choose a language among: en, zh-hans.",
        "lang": ["Choose a language among: en, zh-hans."],
    }


def test_a_missing_file_is_a_404(manager_api, media_root):
    snapshot = make_snapshot(languages=("en",))
    (media_root / snapshot.images.get().png.name).unlink()
    response = manager_api.get(f"{CHARTS}{snapshot.pk}/png", HTTP_ACCEPT="image/png")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"detail": "This chart has no PNG file yet."}
    # The SVG of the same chart is still there.
    assert manager_api.get(f"{CHARTS}{snapshot.pk}/svg").status_code == 200


def test_a_chart_without_images_has_no_files(manager_api):
    snapshot = make_snapshot(languages=())
    assert manager_api.get(f"{CHARTS}{snapshot.pk}/svg").status_code == 404


def test_an_unchanged_image_is_not_sent_twice(manager_api):
    snapshot = make_snapshot()
    url = f"{CHARTS}{snapshot.pk}/png"
    first = manager_api.get(url)
    again = manager_api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    other_language = manager_api.get(url, HTTP_IF_NONE_MATCH=first["ETag"], HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 304
    assert other_language.status_code == 200
    assert set(first["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-cache"}

    ChartSnapshot.objects.filter(pk=snapshot.pk).update(generated_at=timezone.now() + timedelta(minutes=1))
    assert manager_api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_files_need_credentials(api):
    snapshot = make_snapshot()
    response = api.get(f"{CHARTS}{snapshot.pk}/png", HTTP_ACCEPT="image/png")
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )


def test_csv_is_the_kinds_table_of_the_stored_data(manager_api):
    snapshot = make_snapshot(period="2026-05-31")
    header, rows = kinds.get(PARETO).table(PARETO_DATA)

    response = manager_api.get(f"{CHARTS}{snapshot.pk}/csv", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="complaint_pareto-global-2026-05-31-en.csv"'
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text[1:].splitlines()
    assert lines[0] == ",".join(str(cell) for cell in header)
    assert len(lines) == 1 + len(rows)
    assert lines[1] == "Billing error,3,75.0,75.0,yes"


# --- Kinds -----------------------------------------------------------------------------------------


def test_kinds_are_the_registry_names_in_order(api_as, personas):
    body = api_as(personas[Role.AGENT]).get(f"{CHARTS}kinds/").json()
    assert body == kinds.names()
    # The names DESIGN.md and issue 8 promise; an agent sees the complaint and TQM ones listed too.
    assert set(body) >= {
        "qa_score_trend",
        "qa_failed_criteria",
        "qa_pass_rate_pchart",
        "calibration_alignment",
        "complaint_pareto",
        "complaint_flow",
        "complaint_sla_trend",
        "kpi_trend",
        "monthly_ranking",
        "tqm_pareto",
        "tqm_fishbone",
        "tqm_before_after",
    }


def test_kinds_in_detail(manager_api):
    body = manager_api.get(f"{CHARTS}kinds/", {"detail": "1"}).json()
    assert [row["name"] for row in body] == kinds.names()
    pareto = next(row for row in body if row["name"] == PARETO)
    assert pareto == {
        "name": PARETO,
        "label": "Complaint Pareto by category",
        "description": (
            "Tickets opened in the last 30 days per category, most first, with the cumulative share."
        ),
        "family": "complaints",
        "schedule": "hourly",
        "scope_types": ["global", "department"],
        "period_unit": "day",
        "window": 30,
    }


def test_kinds_refuse_a_detail_that_is_not_a_flag(manager_api):
    response = manager_api.get(f"{CHARTS}kinds/", {"detail": "maybe"})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Write detail=1 for the kinds with their labels, or leave detail out."},
    )


def test_kinds_without_detail_are_names(manager_api):
    assert manager_api.get(f"{CHARTS}kinds/", {"detail": "0"}).json() == kinds.names()


def test_kinds_need_credentials(api):
    assert api.get(f"{CHARTS}kinds/").status_code == 401


# --- Regenerate now --------------------------------------------------------------------------------


@pytest.fixture
def eager_celery():
    """Celery runs tasks in the calling thread, as the callbacks registered on commit send them."""
    eager = {"task_always_eager": True, "task_eager_propagates": True}
    before = {name: celery_app.conf[name] for name in eager}
    celery_app.conf.update(eager)
    yield
    celery_app.conf.update(before)


def test_regenerate_queues_the_chart_on_commit_and_the_task_reports_success(
    manager_api, manager, django_capture_on_commit_callbacks, eager_celery
):
    category = CategoryFactory(name="Billing error")
    TicketFactory.create_batch(2, category=category)

    with django_capture_on_commit_callbacks() as callbacks:
        response = manager_api.post(f"{CHARTS}regenerate/", {"kind": PARETO}, format="json")

    assert response.status_code == 202
    body = response.json()
    task_url = f"http://testserver{API}tasks/{body['task_id']}/"
    assert body == {
        "task_id": body["task_id"],
        "state": "pending",
        "state_label": "Waiting for a worker",
        "kind": PARETO,
        "scope": "global",
        "snapshot": None,
        "error": "",
        "requested_at": body["requested_at"],
        "finished_at": None,
        "url": task_url,
    }
    assert response["Location"] == task_url
    assert len(callbacks) == 1
    assert not ChartSnapshot.objects.exists()
    assert manager_api.get(task_url).json()["state"] == "pending"

    callbacks[0]()  # the commit: the task is sent, and runs here

    snapshot = ChartSnapshot.objects.get()
    assert (snapshot.kind, snapshot.scope, snapshot.data["total"]) == (PARETO, "global", 2)
    status = manager_api.get(task_url).json()
    assert (status["state"], status["snapshot"], status["error"]) == ("success", snapshot.pk, "")
    assert status["finished_at"] is not None
    assert ChartTask.objects.get(task_id=body["task_id"]).requested_by == manager


def test_a_chart_with_nothing_to_draw_reports_failure(
    manager_api, department, django_capture_on_commit_callbacks, eager_celery
):
    with django_capture_on_commit_callbacks(execute=True):
        body = manager_api.post(
            f"{CHARTS}regenerate/", {"kind": PARETO, "scope": f"department:{department.pk}"}, format="json"
        ).json()
    status = manager_api.get(body["url"]).json()
    assert (status["state"], status["snapshot"]) == ("failure", None)
    assert status["error"] != ""
    assert not ChartSnapshot.objects.exists()


def test_pressing_regenerate_twice_follows_the_first_request(
    api_as, manager_api, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = manager_api.post(f"{CHARTS}regenerate/", {"kind": PARETO}, format="json").json()
        again = manager_api.post(f"{CHARTS}regenerate/", {"kind": PARETO, "scope": "global"}).json()
        other = api_as(personas[Role.DUTY_MANAGER]).post(
            f"{CHARTS}regenerate/", {"kind": PARETO}, format="json"
        )
    assert len(callbacks) == 1
    assert again["task_id"] == first["task_id"]
    assert (other.status_code, other.json()["task_id"]) == (202, first["task_id"])
    assert ChartTask.objects.filter(task_id=first["task_id"]).count() == 2


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"kind": ["This field is required."]}),
        (
            {"kind": "pie_chart"},
            {"kind": ["Unknown kind of chart. The kinds are listed at reports/charts/kinds/."]},
        ),
        (
            {"kind": PARETO, "scope": "team 3"},
            {"scope": ['Write the scope as "global" or as type:id, for example team:3.']},
        ),
        ({"kind": PARETO, "scope": "department:999999"}, {"scope": ["There is no department:999999."]}),
        (
            {"kind": PARETO, "scope": "team:1"},
            {"scope": ["This kind of chart is drawn for: global, department."]},
        ),
        (
            {"kind": "tqm_pareto"},
            {"scope": ["This kind of chart is drawn per project: give a scope such as project:1."]},
        ),
        ({"kind": "x" * 41}, {"kind": ["Ensure this field has no more than 40 characters."]}),
    ],
)
def test_regenerate_refuses_bad_requests_with_field_errors(
    manager_api, payload, errors, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = manager_api.post(f"{CHARTS}regenerate/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert {field: messages for field, messages in body.items() if field != "detail"} == errors
    assert body["detail"]
    assert callbacks == []
    assert not ChartTask.objects.exists()


def test_regenerate_needs_credentials(api):
    response = api.post(f"{CHARTS}regenerate/", {"kind": PARETO}, format="json")
    assert response.status_code == 401


# --- Task status -----------------------------------------------------------------------------------


def test_a_task_shows_what_the_worker_recorded(manager_api, manager):
    snapshot = make_snapshot()
    ChartTask.objects.create(
        task_id="t-1", kind=PARETO, scope="global", requested_by=manager, state=TaskState.STARTED
    )
    assert manager_api.get(f"{API}tasks/t-1/").json()["state"] == "started"
    ChartTask.objects.filter(task_id="t-1").update(state=TaskState.SUCCESS, snapshot=snapshot)
    body = manager_api.get(f"{API}tasks/t-1/").json()
    assert (body["state"], body["state_label"], body["snapshot"]) == ("success", "Done", snapshot.pk)


def test_an_unknown_task_is_a_404(manager_api):
    response = manager_api.get(f"{API}tasks/no-such-task/")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "There is no chart request of yours with this id."},
    )


# --- Schema ----------------------------------------------------------------------------------------


def test_the_schema_documents_every_reports_endpoint(client):
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/reports/charts/:",
        "/api/v1/reports/charts/{id}/:",
        "/api/v1/reports/charts/{id}/png:",
        "/api/v1/reports/charts/{id}/svg:",
        "/api/v1/reports/charts/{id}/csv:",
        "/api/v1/reports/charts/kinds/:",
        "/api/v1/reports/charts/regenerate/:",
        "/api/v1/reports/tasks/{task_id}/:",
    ):
        assert path in schema
    assert "/api/v1/reports/charts/{id}/png/:" not in schema
    assert "image/png:" in schema
    assert "ReportTaskStateEnum" in schema
