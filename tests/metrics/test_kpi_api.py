"""``/api/v1/metrics/kpis/``, ``metrics/targets/`` and ``metrics/assessment/``: the JSON shapes of
DESIGN.md §9 (rates in percent with 2 decimals, times in seconds with 1, null for no data), the
400s for bad input, the empty month, and constant query counts."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.metrics.models import KpiTarget, Queue
from tests.factories import TeamFactory, UserFactory
from tests.metrics.kpi_builders import calls, figure, team_world

pytestmark = pytest.mark.django_db

KPIS = "/api/v1/metrics/kpis/"
TARGETS = "/api/v1/metrics/targets/"
ASSESSMENT = "/api/v1/metrics/assessment/"

NORTH_MARCH = {
    "connection_rate": 90.3,  # 903 / 1000
    "abandon_rate": 9.7,
    "service_level": 80.1,
    "aht_seconds": 221.5,  # 200000 / 903 = 221.48
    "acw_seconds": 44.3,  # 40000 / 903 = 44.30
    "fcr_rate": 95.24,
    "csat": 97.5,
    "occupancy": 84.75,
    "not_ready_share": 3.13,  # 3.125, half-up
    "idle_share": 12.5,
    "attendance": None,  # no scheduled minutes: no data
}


@pytest.fixture
def world():
    w = team_world()
    # North in March: Ann's two days add up to the numbers of tests/metrics/test_kpis.py.
    figure(
        w.ann,
        w.voice,
        date(2024, 3, 4),
        **calls(
            600,
            540,
            calls_abandoned=60,
            answered_within_sl=480,
            talk_seconds=90_000,
            hold_seconds=6_000,
            acw_seconds=24_000,
            not_ready_seconds=5_000,
            idle_seconds=20_000,
            logged_in_seconds=160_000,
            fcr_count=520,
            survey_responses=120,
            survey_satisfied=117,
        ),
    )
    figure(
        w.ann,
        w.billing,
        date(2024, 3, 12),
        **calls(
            400,
            363,
            calls_abandoned=37,
            answered_within_sl=321,
            talk_seconds=60_000,
            hold_seconds=4_000,
            acw_seconds=16_000,
            not_ready_seconds=4_000,
            idle_seconds=16_000,
            logged_in_seconds=128_000,
            fcr_count=340,
            survey_responses=80,
            survey_satisfied=78,
        ),
    )
    figure(w.carl, w.voice, date(2024, 3, 5), **calls(10, 10, scheduled_minutes=480, worked_minutes=470))
    return w


@pytest.fixture
def manager_api(personas, api_as):
    return api_as(personas[Role.QA_MANAGER])


def test_kpis_by_team_for_a_month(world, manager_api):
    response = manager_api.get(KPIS, {"group": "team", "month": "2024-03"})
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"start": "2024-03-01", "end": "2024-03-31"}
    assert (body["group"], body["bucket"], body["count"], body["detail"]) == ("team", None, 2, None)
    north, south = body["results"]
    assert north == {"team": world.north.pk, "team_name": "North", **NORTH_MARCH}
    assert south["team_name"] == "South"
    assert south["attendance"] == 97.92  # 470 / 480
    assert south["csat"] is None


def test_values_are_json_numbers_not_strings(world, manager_api):
    raw = manager_api.get(KPIS, {"group": "team", "month": "2024-03"}).content.decode()
    assert '"connection_rate":90.3,' in raw
    assert '"aht_seconds":221.5,' in raw
    assert '"attendance":null' in raw


def test_kpis_by_agent_name_the_agent_and_their_team(world, manager_api):
    body = manager_api.get(KPIS, {"group": "agent", "month": "2024-03"}).json()
    ann, carl = body["results"]
    assert {k: ann[k] for k in ("agent", "agent_name", "team", "team_name")} == {
        "agent": world.ann.pk,
        "agent_name": "Ann",
        "team": world.north.pk,
        "team_name": "North",
    }
    assert ann["connection_rate"] == 90.3
    assert carl["agent_name"] == "Carl"


def test_kpis_by_queue(world, manager_api):
    body = manager_api.get(KPIS, {"group": "queue", "month": "2024-03"}).json()
    assert [(r["queue"], r["queue_name"], r["connection_rate"]) for r in body["results"]] == [
        (world.billing.pk, "Billing", 90.75),  # 363 / 400
        (world.voice.pk, "Voice", 90.16),  # 550 / 610
    ]


def test_kpis_per_week_between_two_dates(world, manager_api):
    query = {"group": "team", "start": "2024-03-01", "end": "2024-03-10", "bucket": "week"}
    body = manager_api.get(KPIS, query).json()
    assert body["period"] == {"start": "2024-03-01", "end": "2024-03-10"}
    assert body["bucket"] == "week"
    assert [(r["team_name"], r["bucket"], r["connection_rate"]) for r in body["results"]] == [
        ("North", "2024-03-04", 90.0),  # 540 / 600; Ann's 12 March is after the end date
        ("South", "2024-03-04", 100.0),
    ]


def test_without_a_period_it_is_this_month(world, manager_api):
    with time_machine.travel(datetime(2024, 3, 20, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        body = manager_api.get(KPIS).json()
    assert body["period"] == {"start": "2024-03-01", "end": "2024-03-31"}
    assert body["group"] == "team"
    assert body["count"] == 2


def test_a_month_without_figures_is_an_empty_list_with_a_reason(world, manager_api):
    response = manager_api.get(KPIS, {"group": "agent", "month": "2023-07"})
    assert response.status_code == 200
    assert response.json() == {
        "period": {"start": "2023-07-01", "end": "2023-07-31"},
        "group": "agent",
        "bucket": None,
        "count": 0,
        "detail": "No figures for this period.",
        "results": [],
    }


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"month": "2024-13"}, "month", "Enter a month as YYYY-MM, for example 2024-03."),
        ({"month": "March"}, "month", "Enter a month as YYYY-MM, for example 2024-03."),
        ({"month": "2024-3"}, "month", "Enter a month as YYYY-MM, for example 2024-03."),
        ({"month": "0000-01"}, "month", "Enter a month as YYYY-MM, for example 2024-03."),
        (
            {"month": "2024-03", "start": "2024-03-01"},
            "month",
            "Give either a month or a start and end date, not both.",
        ),
        ({"start": "2024-03-01"}, "end", "Give both a start and an end date."),
        ({"end": "2024-03-01"}, "start", "Give both a start and an end date."),
        (
            {"start": "2024-03-10", "end": "2024-03-01"},
            "end",
            "The end date must not be before the start date.",
        ),
        ({"start": "2020-01-01", "end": "2024-01-01"}, "end", "A period can be at most 731 days long."),
        (
            {"start": "2024-02-30", "end": "2024-03-01"},
            "start",
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
        ),
        ({"group": "floor"}, "group", '"floor" is not a valid choice.'),
        ({"bucket": "year"}, "bucket", '"year" is not a valid choice.'),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, manager_api, query, field, message):
    response = manager_api.get(KPIS, query)
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert "detail" in response.json()


def test_a_period_of_exactly_731_days_is_allowed(world, manager_api):
    response = manager_api.get(KPIS, {"start": "2023-01-01", "end": "2024-12-31"})
    assert response.status_code == 200


def test_an_agent_gets_their_own_row_by_default_and_no_team_rows(world, api_as):
    client = api_as(world.ann)
    body = client.get(KPIS, {"month": "2024-03"}).json()
    assert body["group"] == "agent"
    assert [row["agent_name"] for row in body["results"]] == ["Ann"]
    refused = client.get(KPIS, {"month": "2024-03", "group": "team"})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Agents see their own figures only: ask for group=agent."}


def test_a_team_lead_gets_their_team(world, api_as):
    body = api_as(world.lead).get(KPIS, {"month": "2024-03"}).json()
    assert [row["team_name"] for row in body["results"]] == ["North"]
    assert body["results"][0]["connection_rate"] == 90.3


def _agents(count: int, queue: Queue) -> None:
    team = TeamFactory()
    for _number in range(count):
        figure(UserFactory(roles=[Role.AGENT], team=team), queue, date(2024, 3, 4), **calls(10, 9))


@pytest.mark.parametrize("group", ["agent", "team", "queue"])
def test_kpi_endpoint_queries_do_not_grow_with_agents(personas, api_as, group):
    client = api_as(personas[Role.QA_MANAGER])
    queue = Queue.objects.create(name="Voice")
    _agents(5, queue)
    query = {"group": group, "month": "2024-03", "bucket": "day"}
    with CaptureQueriesContext(connection) as few:
        assert client.get(KPIS, query).status_code == 200
    _agents(45, queue)
    with CaptureQueriesContext(connection) as many:
        body = client.get(KPIS, query).json()
    assert len(few) == len(many)
    assert len(few) <= 6  # token, user's roles, sums, (agents' names)
    assert body["count"] == {"agent": 50, "team": 2, "queue": 1}[group]


# --- Targets --------------------------------------------------------------------------------


def test_targets_list_every_kpi_with_band_formula_and_unit(manager_api):
    body = manager_api.get(TARGETS).json()
    assert [row["kpi"] for row in body] == list(NORTH_MARCH)
    assert body[0] == {
        "kpi": "connection_rate",
        "label": "Connection rate",
        "unit": "%",
        "formula": "answered ÷ offered × 100",
        "better": "up",
        "minimum": 90.0,
        "maximum": None,
        "is_default": True,
        "updated_by": "",
        "updated_at": None,
    }
    acw = body[4]
    assert (acw["kpi"], acw["unit"], acw["minimum"], acw["maximum"], acw["better"]) == (
        "acw_seconds",
        "s",
        30.0,
        60.0,
        None,
    )
    assert body[1]["minimum"] is None
    assert body[1]["maximum"] is None


def test_a_manager_puts_a_band_on_one_kpi(personas, manager_api):
    response = manager_api.put(f"{TARGETS}aht_seconds/", {"minimum": None, "maximum": 300}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["kpi"], body["minimum"], body["maximum"], body["is_default"]) == (
        "aht_seconds",
        None,
        300.0,
        False,
    )
    assert body["updated_by"] == personas[Role.QA_MANAGER].name
    assert KpiTarget.objects.get().maximum == Decimal("300")


def test_patch_changes_only_the_bound_it_names(manager_api):
    response = manager_api.patch(f"{TARGETS}acw_seconds/", {"maximum": 75}, format="json")
    assert response.status_code == 200
    assert (response.json()["minimum"], response.json()["maximum"]) == (30.0, 75.0)


def test_put_on_the_list_names_the_kpi_in_the_body(manager_api):
    response = manager_api.put(TARGETS, {"kpi": "csat", "minimum": "98.5", "maximum": None}, format="json")
    assert response.status_code == 200
    assert response.json()["minimum"] == 98.5
    response = manager_api.patch(TARGETS, {"kpi": "csat", "maximum": 100}, format="json")
    assert (response.json()["minimum"], response.json()["maximum"]) == (98.5, 100.0)


def test_delete_goes_back_to_the_default(manager_api):
    manager_api.put(f"{TARGETS}csat/", {"minimum": 99, "maximum": None}, format="json")
    assert manager_api.delete(f"{TARGETS}csat/").status_code == 204
    body = manager_api.get(f"{TARGETS}csat/").json()
    assert (body["minimum"], body["is_default"]) == (97.0, True)


@pytest.mark.parametrize(
    ("url", "payload", "status", "expected"),
    [
        (
            f"{TARGETS}acw_seconds/",
            {"minimum": 61, "maximum": 60},
            400,
            {
                "detail": "The lower bound must not be above the upper bound.",
                "maximum": ["The lower bound must not be above the upper bound."],
            },
        ),
        (
            f"{TARGETS}csat/",
            {"minimum": 101, "maximum": None},
            400,
            {
                "detail": "A percentage target must be between 0 and 100.",
                "minimum": ["A percentage target must be between 0 and 100."],
            },
        ),
        (
            f"{TARGETS}csat/",
            {"minimum": "97.125", "maximum": None},
            400,
            {
                "detail": "Some fields are invalid; see the messages per field.",
                "minimum": ["Ensure that there are no more than 2 decimal places."],
            },
        ),
        (
            f"{TARGETS}csat/",
            {"minimum": "lots"},
            400,
            {
                "detail": "Some fields are invalid; see the messages per field.",
                "minimum": ["A valid number is required."],
                "maximum": ["This field is required."],
            },
        ),
        (f"{TARGETS}speed/", {"minimum": 1, "maximum": 2}, 404, {"detail": "No such KPI."}),
        (
            TARGETS,
            {"kpi": "speed", "minimum": 1, "maximum": 2},
            400,
            {"detail": "Unknown KPI “speed”.", "kpi": ["Unknown KPI “speed”."]},
        ),
        (TARGETS, {"minimum": 1, "maximum": 2}, 400, None),
    ],
)
def test_bad_target_writes_are_refused_and_nothing_is_written(manager_api, url, payload, status, expected):
    response = manager_api.put(url, payload, format="json")
    assert response.status_code == status
    if expected is not None:
        assert response.json() == expected
    assert not KpiTarget.objects.exists()


def test_patch_on_the_list_without_a_kpi_is_refused(manager_api):
    response = manager_api.patch(TARGETS, {"minimum": 1}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Name the KPI to change.", "kpi": ["Name the KPI to change."]}


def test_agents_read_targets_but_may_not_change_them(world, api_as):
    client = api_as(world.ann)
    assert client.get(TARGETS).status_code == 200
    response = client.put(f"{TARGETS}csat/", {"minimum": "bad"}, format="json")  # 403 before any field check
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only QA managers, duty managers and administrators can change targets."
    }
    assert client.delete(f"{TARGETS}csat/").status_code == 403


# --- Assessment -----------------------------------------------------------------------------


@pytest.fixture
def north(world):
    figure(world.ben, world.voice, date(2024, 3, 6), **calls(100, 80, calls_abandoned=20, acw_seconds=3200))
    return world


def test_assessment_shape(north, manager_api):
    response = manager_api.get(ASSESSMENT, {"agent": north.ben.pk, "month": "2024-03"})
    assert response.status_code == 200
    body = response.json()
    assert body["agent"] == {"id": north.ben.pk, "name": "Ben"}
    assert body["team"] == {"id": north.north.pk, "name": "North"}
    assert body["period"] == {"start": "2024-03-01", "end": "2024-03-31"}
    assert body["team_agents"] == 2
    rows = {row["kpi"]: row for row in body["results"]}
    assert list(rows) == list(NORTH_MARCH)
    assert rows["connection_rate"] == {
        "kpi": "connection_rate",
        "label": "Connection rate",
        "unit": "%",
        "better": "up",
        "value": 80.0,
        "team_value": 89.36,  # 983 / 1100
        "deviation": -9.36,
        "reading": "worse",
        "rank": 2,
        "ranked": 2,
    }
    assert (rows["acw_seconds"]["value"], rows["acw_seconds"]["team_value"]) == (
        40.0,
        43.9,
    )  # 43200 / 983 = 43.95
    assert (rows["acw_seconds"]["rank"], rows["acw_seconds"]["reading"]) == (None, "")
    assert (rows["csat"]["value"], rows["csat"]["rank"], rows["csat"]["ranked"]) == (None, None, 1)


@pytest.mark.parametrize(
    ("query", "status", "expected"),
    [
        ({"month": "2024-03"}, 400, {"agent": ["This field is required."]}),
        ({"agent": "ann", "month": "2024-03"}, 400, {"agent": ["A valid integer is required."]}),
        ({"agent": str(2**70), "month": "2024-03"}, 400, None),
        ({"agent": "999999", "month": "2024-03"}, 404, {"detail": "No such agent."}),
    ],
)
def test_assessment_bad_input(north, manager_api, query, status, expected):
    response = manager_api.get(ASSESSMENT, query)
    assert response.status_code == status
    if expected:
        for key, value in expected.items():
            assert response.json()[key] == value


def test_assessment_with_a_bad_month_is_a_400(north, manager_api):
    response = manager_api.get(ASSESSMENT, {"agent": north.ann.pk, "month": "2024-00"})
    assert response.status_code == 400
    assert response.json()["month"] == ["Enter a month as YYYY-MM, for example 2024-03."]


def test_assessment_in_an_empty_month_has_no_values(north, manager_api):
    body = manager_api.get(ASSESSMENT, {"agent": north.ann.pk, "month": "2023-01"}).json()
    assert body["team_agents"] == 0
    assert {row["value"] for row in body["results"]} == {None}
