"""KPI queries (selectors.py): sums made by the database per agent, team, queue and day/week/month,
scoped to what the user may see, in a constant number of queries; context tags; an agent's
assessment against their team (team value from the team's sums, deviation, rank with ties)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.metrics import kpis, selectors
from apps.metrics.models import DayTag, Queue
from qa_center.errors import NotFound
from tests.factories import TeamFactory, UserFactory
from tests.metrics.kpi_builders import calls, figure, team_world

pytestmark = pytest.mark.django_db

MARCH = {"start": date(2024, 3, 1), "end": date(2024, 3, 31)}


@pytest.fixture
def world():
    w = team_world()
    figure(
        w.ann,
        w.voice,
        date(2024, 3, 4),
        **calls(100, 90, calls_abandoned=10, talk_seconds=9000, fcr_count=85),
    )
    figure(w.ann, w.billing, date(2024, 3, 5), **calls(50, 50, talk_seconds=4000, acw_seconds=1000))
    figure(w.ben, w.voice, date(2024, 3, 11), **calls(40, 30, calls_abandoned=10, talk_seconds=3000))
    figure(w.carl, w.billing, date(2024, 3, 12), **calls(20, 20, talk_seconds=1500))
    figure(w.ann, w.voice, date(2024, 4, 1), **calls(999, 1))  # April: outside the period
    return w


@pytest.fixture
def manager():
    user = UserFactory(username="manager", roles=[Role.QA_MANAGER])
    return user


def _by_name(rows):
    return {row.group_name: row for row in rows}


def test_grouped_by_agent_sums_each_agents_days_and_queues(world, manager):
    rows = selectors.kpi_rows(user=manager, group="agent", **MARCH)
    assert [(r.group_id, r.group_name, r.team_name, r.figures) for r in rows] == [
        (world.ann.pk, "Ann", "North", 2),
        (world.ben.pk, "Ben", "North", 1),
        (world.carl.pk, "Carl", "South", 1),
    ]
    ann = rows[0]
    assert ann.sums["calls_offered"] == 150
    assert ann.sums["calls_answered"] == 140
    assert ann.sums["talk_seconds"] == 13000
    assert ann.sums["survey_responses"] == 0
    assert ann.values["connection_rate"] == Decimal("93.33")  # 140 / 150
    assert ann.values["aht_seconds"] == Decimal("100.0")  # (13000 + 1000) / 140
    assert ann.values["csat"] is None  # no survey responses
    assert rows[1].values["connection_rate"] == Decimal("75.00")


def test_grouped_by_team_adds_up_the_teams_agents(world, manager):
    rows = selectors.kpi_rows(user=manager, group="team", **MARCH)
    assert [(r.group_id, r.group_name) for r in rows] == [
        (world.north.pk, "North"),
        (world.south.pk, "South"),
    ]
    north = rows[0]
    assert north.sums["calls_offered"] == 190
    assert north.sums["calls_answered"] == 170
    assert north.sums["calls_abandoned"] == 20
    # 170 / 190 = 89.47…: the ratio of the sums, not the mean of the agents' ratios (84.17)
    assert north.values["connection_rate"] == Decimal("89.47")
    assert north.values["abandon_rate"] == Decimal("10.53")


def test_grouped_by_queue(world, manager):
    rows = _by_name(selectors.kpi_rows(user=manager, group="queue", **MARCH))
    assert rows["Voice"].group_id == world.voice.pk
    assert rows["Voice"].sums["calls_offered"] == 140
    assert rows["Voice"].values["connection_rate"] == Decimal("85.71")  # 120 / 140
    assert rows["Billing"].sums["calls_offered"] == 70
    assert rows["Billing"].values["connection_rate"] == Decimal("100.00")


def test_no_group_is_one_row_for_everything(world, manager):
    [row] = selectors.kpi_rows(user=manager, group=None, **MARCH)
    assert row.figures == 4
    assert row.sums["calls_offered"] == 210
    assert row.values["connection_rate"] == Decimal("90.48")  # 190 / 210


def test_buckets_by_week_month_and_day(world, manager):
    weeks = selectors.kpi_rows(user=manager, group=None, bucket="week", **MARCH)
    assert [(r.bucket, r.sums["calls_offered"], r.values["connection_rate"]) for r in weeks] == [
        (date(2024, 3, 4), 150, Decimal("93.33")),
        (date(2024, 3, 11), 60, Decimal("83.33")),
    ]
    [month] = selectors.kpi_rows(user=manager, group=None, bucket="month", **MARCH)
    assert (month.bucket, month.sums["calls_offered"]) == (date(2024, 3, 1), 210)
    days = selectors.kpi_rows(user=manager, group=None, bucket="day", **MARCH)
    assert [(r.bucket, r.sums["calls_offered"]) for r in days] == [
        (date(2024, 3, 4), 100),
        (date(2024, 3, 5), 50),
        (date(2024, 3, 11), 40),
        (date(2024, 3, 12), 20),
    ]


def test_group_and_bucket_together(world, manager):
    rows = selectors.kpi_rows(user=manager, group="team", bucket="week", **MARCH)
    assert [(r.group_name, r.bucket, r.sums["calls_offered"]) for r in rows] == [
        ("North", date(2024, 3, 4), 150),
        ("North", date(2024, 3, 11), 40),
        ("South", date(2024, 3, 11), 20),
    ]


def test_a_sunday_belongs_to_the_week_that_began_on_monday(manager):
    w = team_world()
    figure(w.ann, w.voice, date(2024, 3, 10), **calls(1, 1))  # a Sunday
    [row] = selectors.kpi_rows(user=manager, group=None, bucket="week", **MARCH)
    assert row.bucket == date(2024, 3, 4) == selectors.bucket_start(date(2024, 3, 10), "week")


def test_filters_by_agent_team_and_queue(world, manager):
    [ann] = selectors.kpi_rows(user=manager, group=None, agent=world.ann, **MARCH)
    assert ann.sums["calls_offered"] == 150
    [north] = selectors.kpi_rows(user=manager, group=None, team=world.north, **MARCH)
    assert north.sums["calls_offered"] == 190
    [voice] = selectors.kpi_rows(user=manager, group=None, queue=world.voice, **MARCH)
    assert voice.sums["calls_offered"] == 140


def test_agents_without_a_team_are_one_no_team_row(world, manager):
    loner = UserFactory(username="loner", roles=[Role.AGENT])
    figure(loner, world.voice, date(2024, 3, 6), **calls(10, 9))
    rows = selectors.kpi_rows(user=manager, group="team", **MARCH)
    assert [(r.group_id, r.group_name, r.sums["calls_offered"]) for r in rows] == [
        (None, "No team", 10),
        (world.north.pk, "North", 190),
        (world.south.pk, "South", 20),
    ]


def test_a_period_without_figures_has_no_rows(world, manager):
    feb = {"start": date(2024, 2, 1), "end": date(2024, 2, 29)}
    assert selectors.kpi_rows(user=manager, group=None, **feb) == []
    assert selectors.kpi_rows(user=manager, group="agent", **feb) == []


def test_a_team_lead_sees_their_team_only(world):
    rows = selectors.kpi_rows(user=world.lead, group="agent", **MARCH)
    assert [r.group_name for r in rows] == ["Ann", "Ben"]
    assert [r.group_name for r in selectors.kpi_rows(user=world.lead, group="team", **MARCH)] == ["North"]


def test_an_agent_sees_their_own_figures_only(world):
    [row] = selectors.kpi_rows(user=world.ann, group=None, **MARCH)
    assert row.sums["calls_offered"] == 150
    assert [r.group_name for r in selectors.kpi_rows(user=world.ann, group="agent", **MARCH)] == ["Ann"]
    assert selectors.kpi_rows(user=world.carl, group=None, team=world.north, **MARCH) == []


def test_people_without_metrics_see_no_figures(world):
    evaluator = UserFactory(roles=[Role.QA_EVALUATOR])
    assert selectors.kpi_rows(user=evaluator, group="agent", **MARCH) == []


def test_groupings_offered_to_each_kind_of_user(world, manager):
    assert selectors.kpi_groups_for(manager) == ("team", "agent", "queue")
    assert selectors.kpi_groups_for(world.lead) == ("team", "agent", "queue")
    assert selectors.kpi_groups_for(world.ann) == ("agent",)


def test_unknown_group_or_bucket_is_a_programming_error(manager):
    with pytest.raises(ValueError, match="unknown group 'floor'"):
        selectors.kpi_rows(user=manager, group="floor", **MARCH)
    with pytest.raises(ValueError, match="unknown bucket 'year'"):
        selectors.kpi_rows(user=manager, group=None, bucket="year", **MARCH)


def _agents_with_figures(count: int, queue: Queue) -> None:
    teams = [TeamFactory(), TeamFactory()]
    for number in range(count):
        agent = UserFactory(roles=[Role.AGENT], team=teams[number % 2])
        for day in (4, 11, 18):
            figure(agent, queue, date(2024, 3, day), **calls(10, 9, survey_responses=2, survey_satisfied=2))


def _queries(user, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        selectors.kpi_rows(user=user, start=MARCH["start"], end=MARCH["end"], **kwargs)
    return len(captured)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"group": "agent"}, 2),  # the sums, then the agents' names
        ({"group": "agent", "bucket": "week"}, 2),
        ({"group": "team"}, 1),
        ({"group": "queue", "bucket": "day"}, 1),
        ({"group": None}, 1),
    ],
)
def test_query_count_is_the_same_for_5_and_50_agents(manager, kwargs, expected):
    queue = Queue.objects.create(name="Voice")
    manager.groups.all()  # roles are read once per user object: not part of the count
    selectors.kpi_groups_for(manager)
    _agents_with_figures(5, queue)
    few = _queries(manager, **kwargs)
    _agents_with_figures(45, queue)
    many = _queries(manager, **kwargs)
    assert few == many == expected
    assert len(selectors.kpi_rows(user=manager, group="agent", **MARCH)) == 50


# --- Context tags --------------------------------------------------------------------------


def test_day_tags_of_a_period_and_by_bucket():
    DayTag.objects.create(date=date(2024, 3, 5), label="rain")
    DayTag.objects.create(date=date(2024, 3, 5), label="campaign")
    DayTag.objects.create(date=date(2024, 3, 12), label="holiday")
    DayTag.objects.create(date=date(2024, 4, 2), label="outage")
    tags = selectors.day_tags(**MARCH)
    assert tags == {date(2024, 3, 5): ["campaign", "rain"], date(2024, 3, 12): ["holiday"]}
    assert selectors.tags_by_bucket(tags, "week") == {
        date(2024, 3, 4): [(date(2024, 3, 5), "campaign"), (date(2024, 3, 5), "rain")],
        date(2024, 3, 11): [(date(2024, 3, 12), "holiday")],
    }
    assert list(selectors.tags_by_bucket(tags, "month")) == [date(2024, 3, 1)]
    assert list(selectors.tags_by_bucket(tags, "day")) == [date(2024, 3, 5), date(2024, 3, 12)]


# --- Ranks ---------------------------------------------------------------------------------


def test_competition_ranks_share_a_rank_on_ties_and_skip_the_next():
    values = {1: Decimal("90"), 2: Decimal("90"), 3: Decimal("80"), 4: None, 5: Decimal("95")}
    assert selectors.competition_ranks(values, kpis.UP) == {5: 1, 1: 2, 2: 2, 3: 4}
    assert selectors.competition_ranks(values, kpis.DOWN) == {3: 1, 1: 2, 2: 2, 5: 4}
    assert selectors.competition_ranks(values, None) == {}
    assert selectors.competition_ranks({}, kpis.UP) == {}


# --- Assessment ----------------------------------------------------------------------------


@pytest.fixture
def north():
    """North in March: Ann 90 of 100 answered, the lead 18 of 20 (a tie on 90%), Ben 5 of 10."""
    w = team_world()
    figure(
        w.ann,
        w.voice,
        date(2024, 3, 4),
        **calls(100, 90, calls_abandoned=10, acw_seconds=4500, survey_responses=10, survey_satisfied=9),
    )
    figure(w.lead, w.voice, date(2024, 3, 5), **calls(20, 18, calls_abandoned=2, acw_seconds=720))
    figure(w.ben, w.voice, date(2024, 3, 6), **calls(10, 5, calls_abandoned=5, acw_seconds=100))
    figure(w.carl, w.voice, date(2024, 3, 6), **calls(1000, 1000))  # South: not in North's ranks
    return w


def _rows(result):
    return {row.kpi.key: row for row in result.kpis}


def test_team_value_is_the_kpi_of_the_teams_sums(north, manager):
    result = selectors.assessment(user=manager, agent=north.ann, **MARCH)
    assert (result.team, result.team_agents) == (north.north, 3)
    connection_rate = _rows(result)["connection_rate"]
    assert connection_rate.value == Decimal("90.00")
    # 113 / 130 = 86.92; the mean of the agents' rates would be 76.67
    assert connection_rate.team_value == Decimal("86.92")
    assert connection_rate.deviation == Decimal("3.08")
    assert connection_rate.reading == selectors.BETTER


def test_ranks_share_on_ties_and_follow_the_better_direction(north, manager):
    ann = _rows(selectors.assessment(user=manager, agent=north.ann, **MARCH))
    ben = _rows(selectors.assessment(user=manager, agent=north.ben, **MARCH))
    lead = _rows(selectors.assessment(user=manager, agent=north.lead, **MARCH))
    # connection rate: Ann and the lead 90%, Ben 50%
    assert (ann["connection_rate"].rank, lead["connection_rate"].rank, ben["connection_rate"].rank) == (
        1,
        1,
        3,
    )
    assert ann["connection_rate"].ranked == 3
    # abandon rate, lower is better: Ann and the lead 10%, Ben 50%
    assert (ann["abandon_rate"].rank, lead["abandon_rate"].rank, ben["abandon_rate"].rank) == (1, 1, 3)
    assert ben["abandon_rate"].reading == selectors.WORSE
    assert ben["abandon_rate"].deviation == Decimal("36.92")  # 50.00 − 13.08 (17 / 130)


def test_agents_without_a_value_are_not_ranked(north, manager):
    ann = _rows(selectors.assessment(user=manager, agent=north.ann, **MARCH))
    ben = _rows(selectors.assessment(user=manager, agent=north.ben, **MARCH))
    assert (ann["csat"].value, ann["csat"].rank, ann["csat"].ranked) == (Decimal("90.00"), 1, 1)
    assert (ben["csat"].value, ben["csat"].rank, ben["csat"].deviation, ben["csat"].reading) == (
        None,
        None,
        None,
        "",
    )


def test_kpis_without_a_better_direction_are_compared_but_not_ranked(north, manager):
    acw = _rows(selectors.assessment(user=manager, agent=north.ann, **MARCH))["acw_seconds"]
    assert acw.value == Decimal("50.0")  # 4500 / 90
    assert acw.team_value == Decimal("47.1")  # 5320 / 113 = 47.08
    assert acw.deviation == Decimal("2.9")
    assert (acw.rank, acw.ranked, acw.reading) == (None, 0, "")


def test_an_agent_sees_their_rank_among_the_whole_team(north):
    result = selectors.assessment(user=north.ben, agent=north.ben, **MARCH)
    row = _rows(result)["connection_rate"]
    assert (row.rank, row.ranked, row.team_value) == (3, 3, Decimal("86.92"))


def test_an_agent_without_figures_in_the_period_has_no_rank(north, manager):
    idle = UserFactory(roles=[Role.AGENT], team=north.north)
    result = selectors.assessment(user=manager, agent=idle, **MARCH)
    assert not result.has_data
    row = _rows(result)["connection_rate"]
    assert (row.value, row.team_value, row.rank, row.ranked) == (None, Decimal("86.92"), None, 3)


def test_an_agent_without_a_team_has_values_but_nothing_to_compare(north, manager):
    loner = UserFactory(roles=[Role.AGENT])
    figure(loner, north.voice, date(2024, 3, 7), **calls(10, 8))
    result = selectors.assessment(user=manager, agent=loner, **MARCH)
    assert (result.team, result.team_agents) == (None, 0)
    row = _rows(result)["connection_rate"]
    assert (row.value, row.team_value, row.rank) == (Decimal("80.00"), None, None)


def test_assessment_outside_the_users_scope_is_not_found(north):
    with pytest.raises(NotFound, match="No such agent."):
        selectors.assessment(user=north.carl, agent=north.ann, **MARCH)
    with pytest.raises(NotFound, match="No such agent."):
        selectors.assessment(user=north.ann, agent=north.ben, **MARCH)


def test_assessment_takes_two_queries_whatever_the_team_size(north, manager, django_assert_num_queries):
    ann = type(north.ann).objects.select_related("team").get(pk=north.ann.pk)
    selectors.kpi_groups_for(manager)  # roles read once per user object
    with django_assert_num_queries(2):
        selectors.assessment(user=manager, agent=ann, **MARCH)
    for _number in range(20):
        figure(UserFactory(team=north.north), north.voice, date(2024, 3, 8), **calls(5, 5))
    with django_assert_num_queries(2):
        result = selectors.assessment(user=manager, agent=ann, **MARCH)
    assert result.team_agents == 23
