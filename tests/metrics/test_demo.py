"""seed_demo's metrics: three months of consistent daily figures for every demo agent, tagged days that
show in the figures, teams on both sides of the targets, ability scores, idempotent and reproducible."""

import random
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import F, Q, Sum
from django.db.models.manager import Manager

from apps.accounts import demo as accounts_demo
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.metrics import demo, kpis
from apps.metrics.models import AbilityScore, DailyFigure, DayTag, KpiTarget, Queue, RankingWeights
from qa_center.demo import DemoContext
from tests.factories import UserFactory

# Seeding on 20 October 2026: July, August and September complete, October up to the 19th
# (National Day week included).
NOW = datetime(2026, 10, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
FIRST_DAY, LAST_DAY = date(2026, 7, 1), date(2026, 10, 19)
MONTHS = [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]
SEED = 3

BROKEN_RULES = (
    Q(calls_answered__gt=F("calls_offered"))
    | Q(calls_abandoned__gt=F("calls_offered"))
    | Q(calls_offered__lt=F("calls_answered") + F("calls_abandoned"))
    | Q(answered_within_sl__gt=F("calls_answered"))
    | Q(fcr_count__gt=F("calls_answered"))
    | Q(survey_satisfied__gt=F("survey_responses"))
    | Q(logged_in_seconds__lt=F("not_ready_seconds") + F("idle_seconds"))
    | Q(
        logged_in_seconds__lt=F("talk_seconds")
        + F("hold_seconds")
        + F("acw_seconds")
        + F("not_ready_seconds")
        + F("idle_seconds")
    )
    | Q(worked_minutes__gt=F("scheduled_minutes"))
)


def _seed(seed: int = SEED, scale: str = "small") -> DemoContext:
    """The demo's accounts and metrics, seeded on NOW."""
    ctx = DemoContext(scale=scale, seed=seed, rng=random.Random(seed))
    with time_machine.travel(NOW, tick=False):
        accounts_demo.seed(ctx)
        demo.seed(ctx)
    return ctx


@pytest.fixture
def seeded(db) -> DemoContext:
    return _seed()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Queue, DailyFigure, DayTag, AbilityScore, RankingWeights, KpiTarget)
    }


def _agents() -> list[User]:
    return list(User.objects.with_role(Role.AGENT).order_by("username"))


def _sums(queryset) -> dict[str, int]:
    return queryset.aggregate(**{name: Sum(name) for name in kpis.BASE_FIELDS})


def _kpi(key: str, queryset) -> Decimal | None:
    return kpis.value(kpis.BY_KEY[key], _sums(queryset))


def _working_days(first: date, last: date) -> set[date]:
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return {day for day in days if day.weekday() != 6}


def test_the_report_line_counts_what_was_created(seeded):
    line = next(line for line in seeded.lines if line.startswith("Metrics:"))

    assert line.startswith(
        f"Metrics: 4 queues; {DailyFigure.objects.count()} daily figures for 19 agents "
        f"(2026-07-01 – 2026-10-19); {DayTag.objects.count()} day tags on "
    )
    assert "57 ability scores (2026-07 – 2026-09)" in line


def test_a_second_run_creates_nothing_even_with_another_seed(seeded):
    before = _counts()

    again = _seed()
    other_seed = _seed(seed=SEED + 1)

    assert _counts() == before
    for ctx in (again, other_seed):
        line = next(line for line in ctx.lines if line.startswith("Metrics:"))
        assert "; 0 daily figures for 19 agents" in line
        assert "; 0 day tags on" in line
        assert "; 0 ability scores" in line


def test_the_same_seed_gives_the_same_figures(seeded):
    fields = ("date", "agent__username", "queue__name", "tags", *kpis.BASE_FIELDS)
    first = list(DailyFigure.objects.order_by("date", "agent__username", "queue__name").values_list(*fields))
    DailyFigure.objects.all().delete()
    DayTag.objects.all().delete()

    _seed()

    assert list(
        DailyFigure.objects.order_by("date", "agent__username", "queue__name").values_list(*fields)
    ) == (first)


def test_a_later_run_adds_only_the_new_days(seeded):
    before = DailyFigure.objects.count()
    ctx = DemoContext(scale="small", seed=SEED, rng=random.Random(SEED))

    with time_machine.travel(NOW + timedelta(days=1), tick=False):  # Wednesday: Tuesday's figures
        demo.seed(ctx)

    added = DailyFigure.objects.filter(date=LAST_DAY + timedelta(days=1))
    assert DailyFigure.objects.count() == before + added.count()
    assert added.values("agent").distinct().count() == 19


def test_every_demo_agent_has_a_row_on_every_working_day_but_holidays_off(seeded):
    agents = _agents()
    holidays = set(DayTag.objects.filter(label__startswith="holiday").values_list("date", flat=True))
    assert len(agents) == 19  # the demo login ``agent`` and 18 team agents
    assert "agent" in {agent.username for agent in agents}

    for agent in agents:
        days = set(DailyFigure.objects.filter(agent=agent).values_list("date", flat=True))
        assert min(days) == FIRST_DAY, agent
        assert max(days) == LAST_DAY, agent
        assert days <= _working_days(FIRST_DAY, LAST_DAY), agent
        assert _working_days(FIRST_DAY, LAST_DAY) - holidays <= days, agent
    for holiday in holidays:  # part of the centre is off on public holidays
        assert 0 < DailyFigure.objects.filter(date=holiday).values("agent").distinct().count() < 19


def test_agents_work_one_or_two_queues_a_day(seeded):
    rows_per_agent_day = Counter(DailyFigure.objects.values_list("agent_id", "date"))

    assert set(rows_per_agent_day.values()) == {1, 2}
    assert set(DailyFigure.objects.values_list("queue__name", flat=True)) == {q.name for q in demo.QUEUES}


def test_every_row_satisfies_every_rule(seeded):
    assert DailyFigure.objects.count() > 2_000
    assert list(DailyFigure.objects.filter(BROKEN_RULES).values_list("pk", flat=True)) == []


def test_absent_days_are_scheduled_but_not_worked(seeded):
    absent = DailyFigure.objects.filter(worked_minutes=0)

    assert absent.exists()
    assert set(absent.values_list("scheduled_minutes", "calls_offered", "logged_in_seconds")) == {(480, 0, 0)}


def test_tagged_days_are_recorded_and_carried_by_their_rows(seeded):
    tags: dict[date, set[str]] = {}
    for day, label in DayTag.objects.values_list("date", "label"):
        tags.setdefault(day, set()).add(label)

    labels = set().union(*tags.values())
    assert {demo.CAMPAIGN, demo.INCIDENT, "holiday 国庆"} <= labels
    assert {day for day, found in tags.items() if "holiday 国庆" in found} == {
        date(2026, 10, day)
        for day in (1, 2, 3, 5, 6, 7)  # the 4th is a Sunday
    }
    for day, row_tags in DailyFigure.objects.values_list("date", "tags").distinct():
        assert set(filter(None, row_tags.split(";"))) == tags.get(day, set()), day


def test_tagged_days_offer_more_calls_and_connect_fewer(seeded):
    untagged = DailyFigure.objects.filter(tags="")
    normal_rate = _kpi("connection_rate", untagged)
    normal_service = _kpi("service_level", untagged)
    normal_offered = _sums(untagged)["calls_offered"] / untagged.values("agent", "date").distinct().count()

    for label in (demo.CAMPAIGN, demo.INCIDENT, "holiday 国庆"):
        tagged = DailyFigure.objects.filter(tags__contains=label)
        assert _kpi("connection_rate", tagged) < normal_rate - 4, label
        assert _kpi("service_level", tagged) < normal_service - 10, label
        if label != demo.INCIDENT:  # an incident slows handling down instead
            offered = _sums(tagged)["calls_offered"] / tagged.values("agent", "date").distinct().count()
            assert offered > normal_offered * 1.15, label


def test_teams_are_around_the_targets_some_meeting_and_some_missing_them(seeded):
    september = DailyFigure.objects.filter(date__year=2026, date__month=9)
    bands = {
        "connection_rate": (84, 97),
        "fcr_rate": (90, 97.5),
        "csat": (94, 99.5),
        "acw_seconds": (25, 70),
        "service_level": (65, 92),
        "idle_share": (5, 28),
    }
    statuses: dict[str, set[str]] = {key: set() for key in bands}

    for team in seeded.data["teams"]:
        figures = september.filter(agent__team=team)
        for key, (low, high) in bands.items():
            value = _kpi(key, figures)
            assert low <= value <= high, (team.name, key, value)
            statuses[key].add(kpis.status(value, kpis.DEFAULT_TARGETS[key]))

    for key in ("connection_rate", "fcr_rate", "csat", "service_level"):
        assert statuses[key] == {kpis.MET, kpis.MISSED}, key


def test_each_agent_has_an_ability_score_for_each_complete_month(seeded):
    for agent in _agents():
        scores = dict(AbilityScore.objects.filter(agent=agent).values_list("month", "score"))
        assert sorted(scores) == MONTHS, agent
        assert all(Decimal(60) <= score <= Decimal(100) for score in scores.values()), agent


def test_targets_stay_the_defaults_and_the_weights_row_has_the_defaults(seeded):
    assert KpiTarget.objects.count() == 0
    weights = RankingWeights.objects.get()
    assert (weights.volume, weights.quality, weights.attendance, weights.ability) == (30, 40, 15, 15)


def test_existing_ranking_weights_are_kept(db):
    RankingWeights.objects.create(volume=25, quality=45, attendance=15, ability=15)

    _seed()

    assert str(RankingWeights.objects.get()) == "25/45/15/15"


def test_figures_are_written_in_batches_of_at_most_batch_size(db, monkeypatch):
    batches: list[int] = []
    bulk_create = Manager.bulk_create

    def recording_bulk_create(self, objs, *args, **kwargs):
        if self.model is DailyFigure:
            batches.append(len(objs))
        return bulk_create(self, objs, *args, **kwargs)

    monkeypatch.setattr(demo, "BATCH_SIZE", 500)
    monkeypatch.setattr(Manager, "bulk_create", recording_bulk_create)

    _seed()

    assert max(batches) == 500
    assert sum(batches) == DailyFigure.objects.count()


def test_seed_demo_twice_adds_no_figures(db, settings):
    settings.DEBUG = True  # seed_demo refuses without it

    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=out)

    assert _counts() == first
    assert first["DailyFigure"] > 2_000
    assert "; 0 daily figures for 19 agents" in out.getvalue()


def test_an_agent_added_since_gets_every_day_with_the_days_tags(seeded):
    before = DailyFigure.objects.count()
    newcomer = UserFactory(username="agent9999", roles=[Role.AGENT], team=seeded.data["teams"][1])

    _seed(seed=SEED + 1)

    theirs = DailyFigure.objects.filter(agent=newcomer)
    assert DailyFigure.objects.count() == before + theirs.count()
    holidays = set(DayTag.objects.filter(label__startswith="holiday").values_list("date", flat=True))
    assert _working_days(FIRST_DAY, LAST_DAY) - holidays <= set(theirs.values_list("date", flat=True))
    incident = DayTag.objects.filter(label=demo.INCIDENT).earliest("date").date
    assert demo.INCIDENT in theirs.filter(date=incident).first().tags


def test_a_volume_can_cap_the_agents_that_get_figures(db):
    ctx = DemoContext(scale="small", seed=SEED, rng=random.Random(SEED))
    with time_machine.travel(NOW, tick=False):
        accounts_demo.seed(ctx)
        demo.seed_metrics(ctx, demo.Volume(months=1, agents=5))

    assert DailyFigure.objects.values("agent").distinct().count() == 5
    assert DailyFigure.objects.earliest("date").date == date(2026, 9, 1)
    assert AbilityScore.objects.count() == 5
    assert "daily figures for 5 of 19 agents (2026-09-01 – 2026-10-19)" in ctx.lines[-1]
