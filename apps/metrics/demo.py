"""Demo operations metrics: queues, daily figures for every demo agent, tagged days, ability scores.

Called by ``manage.py seed_demo`` last, after accounts (which makes the agents). The window is
``Volume.months`` complete calendar months before the current one plus the current month up to
yesterday, so the monthly KPI pages and the ranking have full months to show. Every user with the
agent role gets one row per working day (Monday to Saturday) on one queue, or on two when they are
lent to a second queue that day; absent days have a row with scheduled minutes and nothing else, and
on public holidays part of the centre is off (no row).

The numbers are *simulated* from the agent's time, not drawn field by field, so that every row is
internally consistent: logged-in time is split into not-ready, idle and handling time; answered calls
are what the handling time allows at the agent's talk, hold and after-call-work times; offered calls
follow from the day's connection rate, abandoned and within-threshold calls are parts of the offered
ones, resolutions and survey answers parts of the answered ones. Each agent has a personality (drawn
from a random generator seeded with the demo seed and their username) around their team's profile;
team profiles are spread around the operating manual's targets (kpis.DEFAULT_TARGETS) so that some
teams meet them and some miss. A few days are tagged (``DayTag`` and the rows' ``tags``): a campaign
and a system incident each month, typhoons in summer, the fixed-date public holidays; they show as
more calls offered per agent, less idle time, and lower connection rate and service level.

Each agent-day draws from its own generator (seed, username, date), so a day's rows are the same
whichever day the demo is run. Days that already have figures (seeded or imported) keep them and
their tags: an agent with figures gets only the days no one has figures for yet, an agent with none
(added since) gets every day. So re-running, with any seed, adds only the days since the last run.
Rows are written with ``bulk_create`` BATCH_SIZE at a time (no ``full_clean``: they satisfy the
model's rules by construction, and tests/metrics/test_demo.py checks every rule on every row).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from qa_center.demo import DemoContext

from .models import AbilityScore, DailyFigure, DayTag, Queue, RankingWeights


@dataclass(frozen=True)
class Volume:
    months: int  # complete calendar months before the current one (plus the current month so far)
    # Only the first N demo agents (by username) get figures and scores; None: every one. For tests
    # and benchmarks: the number of agents itself is the accounts demo's.
    agents: int | None = None


VOLUMES = {
    "small": Volume(months=3),  # 19 agents: ~2,700 rows, under a second
    # The accounts demo's 401 agents × ~100 working days ≈ 55,000 rows, ~8 s on SQLite.
    "large": Volume(months=3),
}

# Rows per INSERT on PostgreSQL (Django caps it lower on SQLite by its bound parameters), and rows
# kept in memory before they are written: bounds memory at --scale large.
BATCH_SIZE = 5_000
SHIFT_MINUTES = 480
WORKING_WEEKDAYS = range(6)  # Monday to Saturday


@dataclass(frozen=True)
class QueueProfile:
    name: str
    weight: int  # how often it is an agent's main queue; 0: only strong agents work it
    talk: float = 1.0  # × the agent's talk time
    acw: float = 1.0  # × the agent's after-call work
    connection: float = 0.0  # + percentage points
    service_level: float = 0.0
    fcr: float = 0.0
    csat: float = 0.0


QUEUES = (
    QueueProfile("Billing 账单", weight=4),
    QueueProfile("Technical support 技术支持", weight=3, talk=1.35, acw=1.1, fcr=-2.0, csat=-0.5),
    QueueProfile("Sales 销售", weight=2, talk=0.85, acw=0.9, connection=-1.0, fcr=1.0),
    QueueProfile("VIP 贵宾", weight=0, talk=1.2, connection=2.5, service_level=5.0, csat=1.0),
)


# --- Tagged days ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayEffect:
    """How a tagged day moves an agent's figures."""

    idle: float = 1.0  # × the idle share: a busy day leaves little waiting time
    handle: float = 1.0  # × talk, hold and after-call work
    not_ready: float = 0.0  # + percentage points of logged-in time
    connection: float = 0.0  # + percentage points
    service_level: float = 0.0
    fcr: float = 0.0
    csat: float = 0.0
    absence: float = 0.0  # + probability of missing the day
    day_off: float = 0.0  # share of agents not rostered

    def then(self, other: DayEffect) -> DayEffect:
        """Both effects on one day."""
        return DayEffect(
            idle=self.idle * other.idle,
            handle=self.handle * other.handle,
            not_ready=self.not_ready + other.not_ready,
            connection=self.connection + other.connection,
            service_level=self.service_level + other.service_level,
            fcr=self.fcr + other.fcr,
            csat=self.csat + other.csat,
            absence=self.absence + other.absence,
            day_off=max(self.day_off, other.day_off),
        )


NORMAL_DAY = DayEffect()
CAMPAIGN = "campaign 促销活动"
INCIDENT = "system incident 系统故障"
TYPHOON = "typhoon 台风"
# Fixed-date public holidays (month, day, days): the centre stays open with a reduced roster.
HOLIDAYS = (
    (1, 1, 1, "holiday 元旦"),
    (5, 1, 5, "holiday 劳动节"),
    (10, 1, 7, "holiday 国庆"),
)
TYPHOON_MONTHS = (7, 8, 9)
TYPHOON_CHANCE = 0.7  # per summer month

EFFECTS = {
    CAMPAIGN: DayEffect(idle=0.45, connection=-5, service_level=-12),
    INCIDENT: DayEffect(
        idle=0.5, handle=1.35, not_ready=5, connection=-9, service_level=-22, fcr=-6, csat=-3
    ),
    TYPHOON: DayEffect(
        idle=0.25, handle=1.1, connection=-12, service_level=-28, fcr=-2, csat=-2, absence=0.12
    ),
}
HOLIDAY_EFFECT = DayEffect(idle=0.35, connection=-8, service_level=-18, csat=-1, day_off=0.4)


def _effect(label: str) -> DayEffect:
    """A demo tag's effect; tags typed by users (e.g. "heatwave") change nothing in the demo."""
    return HOLIDAY_EFFECT if label.startswith("holiday") else EFFECTS.get(label, NORMAL_DAY)


def day_tags(seed: int, start: date, end: date) -> dict[date, list[str]]:
    """The tagged working days between ``start`` and ``end``; each month's events depend only on the
    seed and the month, so a later run tags the same days."""
    tags: dict[date, list[str]] = {}

    def tag(first: date, days: int, label: str) -> None:
        for offset in range(days):
            day = first + timedelta(days=offset)
            if start <= day <= end and day.weekday() in WORKING_WEEKDAYS:
                tags.setdefault(day, []).append(label)

    month = start.replace(day=1)
    while month <= end:
        rng = random.Random(f"{seed}:metrics:month:{month:%Y-%m}")
        tag(month.replace(day=rng.randint(3, 24)), 3, CAMPAIGN)
        tag(month.replace(day=rng.randint(1, 28)), 1, INCIDENT)
        if month.month in TYPHOON_MONTHS and rng.random() < TYPHOON_CHANCE:
            tag(month.replace(day=rng.randint(1, 27)), 2, TYPHOON)
        for holiday_month, holiday_day, days, label in HOLIDAYS:
            if holiday_month == month.month:
                tag(month.replace(day=holiday_day), days, label)
        month = _add_months(month, 1)
    return {day: sorted(set(labels)) for day, labels in sorted(tags.items())}


# --- Agents --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamProfile:
    quality: float  # -1 … 1: connection, service level, FCR, CSAT and ability
    staffing: float  # -1 … 1: over-staffed teams wait more (idle) and connect more
    acw: float  # the team's mean after-call work, seconds


NO_TEAM = TeamProfile(quality=0.0, staffing=0.0, acw=48.0)


def _team_profiles(seed: int, team_names: Sequence[str]) -> dict[str, TeamProfile]:
    """Each trait evenly spread over the teams from one end to the other (shuffled per trait), so
    that the targets split the teams whatever their number."""
    names = sorted(team_names)
    rng = random.Random(f"{seed}:metrics:teams")

    def spread() -> list[float]:
        values = [-1 + 2 * index / max(1, len(names) - 1) for index in range(len(names))]
        rng.shuffle(values)
        return values

    return {
        name: TeamProfile(quality=quality, staffing=staffing, acw=48 + 13 * acw)
        for name, quality, staffing, acw in zip(names, spread(), spread(), spread(), strict=True)
    }


@dataclass(frozen=True)
class Personality:
    connection: float  # percent, before the day's noise and tags
    service_level: float
    fcr: float
    csat: float
    idle: float  # percent of logged-in time
    not_ready: float
    talk: float  # seconds per answered call
    hold: float
    acw: float
    absence: float  # probability of missing a day
    lateness: float  # probability of starting late
    ability: float  # the monthly test score's mean
    queues: tuple[int, int]  # the main queue, and the one they are lent to
    second_queue: float  # share of days on two queues


def _personality(seed: int, username: str, team: TeamProfile) -> Personality:
    rng = random.Random(f"{seed}:metrics:agent:{username}")
    skill = _clamp(0.8 * team.quality + rng.gauss(0, 0.3), -1, 1)
    main = rng.choices(range(len(QUEUES)), weights=[queue.weight for queue in QUEUES])[0]
    lent_to = [index for index in range(len(QUEUES)) if index != main and QUEUES[index].weight]
    if skill > 0.3:  # the queues no one has as a main queue (VIP) borrow the strong agents
        lent_to += [index for index, queue in enumerate(QUEUES) if not queue.weight]
    return Personality(
        connection=_clamp(91.5 + 4 * skill + team.staffing + rng.gauss(0, 1), 85, 97.5),
        service_level=_clamp(83 + 7 * skill + 2 * team.staffing + rng.gauss(0, 2), 68, 92),
        fcr=_clamp(95 + 2.2 * skill + rng.gauss(0, 0.8), 90, 97.5),
        csat=_clamp(97 + 1.6 * skill + rng.gauss(0, 0.6), 94, 99.5),
        idle=_clamp(17 + 9 * team.staffing + rng.gauss(0, 2.5), 7, 29),
        not_ready=_clamp(8 + rng.gauss(0, 2) - skill, 4, 14),
        talk=_clamp(rng.gauss(230, 30) - 15 * skill, 160, 320),
        hold=_clamp(rng.gauss(22, 6), 8, 40),
        acw=_clamp(team.acw + rng.gauss(0, 5), 27, 66),
        absence=rng.uniform(0.01, 0.04),
        lateness=rng.uniform(0.03, 0.1),
        ability=_clamp(80 + 9 * skill + rng.gauss(0, 4), 62, 97),
        queues=(main, rng.choice(lent_to)),
        second_queue=rng.uniform(0.2, 0.55),
    )


# --- Seeding -------------------------------------------------------------------------------------


def seed(ctx: DemoContext) -> None:
    seed_metrics(ctx, VOLUMES[ctx.scale])


def seed_metrics(ctx: DemoContext, volume: Volume) -> None:
    """Seed metrics at ``volume`` (``seed`` picks it from the scale; benchmarks pass their own)."""
    started = time.monotonic()
    today = timezone.localdate()
    first_month = _add_months(today.replace(day=1), -volume.months)
    end = today - timedelta(days=1)

    queues = _upsert_queues()
    existing = _agent_days_with_figures(first_month, end)
    tags, new_tags = _day_tags_for(ctx.seed, first_month, end, seeded=set().union(*existing.values()))
    days = [
        (day, tags.get(day, []), _day_effect(tags.get(day, [])))
        for day in _dates(first_month, end)
        if day.weekday() in WORKING_WEEKDAYS
    ]
    tags_created = _upsert_day_tags(new_tags)

    agents = list(User.objects.with_role(Role.AGENT).select_related("team").order_by("username"))
    teams = _team_profiles(ctx.seed, sorted({agent.team.name for agent in agents if agent.team}))
    agent_count = len(agents)
    agents = agents[: volume.agents]
    personalities = {
        agent.pk: _personality(ctx.seed, agent.username, teams[agent.team.name] if agent.team else NO_TEAM)
        for agent in agents
    }
    figures_created = _write_figures(ctx.seed, agents, personalities, days, queues, existing)
    months = [_add_months(first_month, index) for index in range(volume.months)]
    scores_created = _upsert_ability_scores(ctx.seed, agents, personalities, months)
    if not RankingWeights.objects.exists():
        RankingWeights.objects.create()  # the defaults, 30/40/15/15; targets stay the manual's defaults

    ctx.data["metrics_queues"] = queues
    score_months = f"{months[0]:%Y-%m} – {months[-1]:%Y-%m}" if months else "no complete month"
    seeded_agents = len(agents) if len(agents) == agent_count else f"{len(agents)} of {agent_count}"
    ctx.report(
        f"Metrics: {len(queues)} queues; {figures_created} daily figures for {seeded_agents} agents "
        f"({first_month} – {end}); {tags_created} day tags on {len(tags)} tagged days; "
        f"{scores_created} ability scores ({score_months}) "
        f"in {time.monotonic() - started:.1f} s"
    )


def _upsert_queues() -> list[Queue]:
    """The demo queues, matched by name regardless of case (the unique constraint's rule)."""
    Queue.objects.bulk_create([Queue(name=queue.name) for queue in QUEUES], ignore_conflicts=True)
    by_name = {queue.name.lower(): queue for queue in Queue.objects.all()}
    return [by_name[queue.name.lower()] for queue in QUEUES]


def _agent_days_with_figures(start: date, end: date) -> dict[int, set[date]]:
    """The days each agent has figures on (seeded or imported)."""
    existing: dict[int, set[date]] = {}
    for agent_id, day in (
        DailyFigure.objects.filter(date__range=(start, end)).values_list("agent_id", "date").distinct()
    ):
        existing.setdefault(agent_id, set()).add(day)
    return existing


def _day_tags_for(
    seed: int, start: date, end: date, *, seeded: set[date]
) -> tuple[dict[date, list[str]], dict[date, list[str]]]:
    """(every day's tags, the tags to create). A day that has figures keeps the tags it has, so that
    agents added later (or a run with another seed) see the same day as the others did."""
    planned = day_tags(seed, start, end)
    recorded: dict[date, list[str]] = {}
    for day, label in DayTag.objects.filter(date__range=(start, end)).values_list("date", "label"):
        if day in seeded:
            recorded.setdefault(day, []).append(label)
    new = {day: labels for day, labels in planned.items() if day not in seeded}
    return {**recorded, **new}, new


def _upsert_day_tags(tags: dict[date, list[str]]) -> int:
    before = DayTag.objects.count()
    DayTag.objects.bulk_create(
        [DayTag(date=day, label=label) for day, labels in tags.items() for label in labels],
        ignore_conflicts=True,
    )
    return DayTag.objects.count() - before


def _write_figures(
    seed: int,
    agents: Sequence[User],
    personalities: dict[int, Personality],
    days: Sequence[tuple[date, list[str], DayEffect]],
    queues: Sequence[Queue],
    existing: dict[int, set[date]],
) -> int:
    # Days already seeded are left as they are for agents who have figures (an agent off on a
    # holiday stays off, whatever the seed); agents with none yet (new ones) get every day.
    seeded = set().union(*existing.values())
    created = 0
    batch: list[DailyFigure] = []
    for agent in agents:
        skip = seeded if agent.pk in existing else set()
        for day, labels, effect in days:
            if day in skip:
                continue
            rng = random.Random(f"{seed}:metrics:{agent.username}:{day.isoformat()}")
            for queue_index, values in _agent_day(rng, personalities[agent.pk], effect):
                batch.append(
                    DailyFigure(
                        date=day, agent=agent, queue=queues[queue_index], tags=";".join(labels), **values
                    )
                )
                if len(batch) == BATCH_SIZE:
                    created += _flush(batch)
    return created + _flush(batch)


def _flush(batch: list[DailyFigure]) -> int:
    # Demo rows skip full_clean: _agent_day makes them valid by construction (answered ≤ offered,
    # satisfied ≤ responses, …), and the unique key is free because the agent-day had no rows.
    written = len(batch)
    DailyFigure.objects.bulk_create(batch, batch_size=BATCH_SIZE)
    batch.clear()
    return written


def _agent_day(rng: random.Random, person: Personality, effect: DayEffect) -> list[tuple[int, dict]]:
    """(queue index, field values) of an agent's rows on one day; no rows when not rostered."""
    if effect.day_off and rng.random() < effect.day_off:
        return []
    if rng.random() < person.absence + effect.absence:
        return [(person.queues[0], {"scheduled_minutes": SHIFT_MINUTES})]
    # Whatever keeps people away (a typhoon) also makes those who come late more often.
    late = rng.randint(5, 40) if rng.random() < person.lateness + 2 * effect.absence else 0
    worked = SHIFT_MINUTES - late
    main, lent_to = person.queues
    if rng.random() < person.second_queue:
        main_share = rng.uniform(0.55, 0.8)
        scheduled_main, worked_main = round(SHIFT_MINUTES * main_share), round(worked * main_share)
        plan = [
            (main, scheduled_main, worked_main),
            (lent_to, SHIFT_MINUTES - scheduled_main, worked - worked_main),
        ]
    else:
        plan = [(main, SHIFT_MINUTES, worked)]
    return [
        (queue, _segment(rng, person, effect, QUEUES[queue], scheduled, worked_there))
        for queue, scheduled, worked_there in plan
    ]


def _segment(
    rng: random.Random,
    person: Personality,
    effect: DayEffect,
    queue: QueueProfile,
    scheduled_minutes: int,
    worked_minutes: int,
) -> dict[str, int]:
    """One queue's share of an agent's day, consistent by construction: time is split first, then
    calls are what the handling time allows, and every count is a part of the one it is compared with."""
    logged_in = round(worked_minutes * 60 * rng.uniform(0.9, 0.96))  # the rest: meetings, coaching
    idle = round(logged_in * _clamp(person.idle * effect.idle + rng.gauss(0, 2), 1, 35) / 100)
    not_ready = round(
        logged_in * _clamp(person.not_ready + effect.not_ready + rng.gauss(0, 1.5), 2, 25) / 100
    )
    talk = person.talk * queue.talk * effect.handle * rng.uniform(0.92, 1.08)
    hold = person.hold * effect.handle * rng.uniform(0.8, 1.2)
    acw = person.acw * queue.acw * effect.handle * rng.uniform(0.9, 1.1)
    answered = int((logged_in - idle - not_ready) // (talk + hold + acw))

    connection = _clamp(
        person.connection + queue.connection + effect.connection + rng.gauss(0, 1.5), 55, 99.5
    )
    offered = max(answered, round(answered * 100 / connection))
    abandoned = round((offered - answered) * rng.uniform(0.55, 0.85))  # the rest overflowed to others
    service_level = person.service_level + queue.service_level + effect.service_level + rng.gauss(0, 3)
    within = min(answered, round(offered * _clamp(service_level, 20, 98) / 100))
    fcr = min(
        answered,
        round(answered * _clamp(person.fcr + queue.fcr + effect.fcr + rng.gauss(0, 1.2), 60, 100) / 100),
    )
    responses = round(answered * rng.uniform(0.12, 0.22))
    satisfied_chance = _clamp(person.csat + queue.csat + effect.csat + rng.gauss(0, 0.8), 70, 100) / 100
    satisfied = sum(rng.random() < satisfied_chance for _ in range(responses))
    return {
        "calls_offered": offered,
        "calls_answered": answered,
        "calls_abandoned": abandoned,
        "answered_within_sl": within,
        # Floored, so that handling + idle + not-ready never exceeds the logged-in time.
        "talk_seconds": int(answered * talk),
        "hold_seconds": int(answered * hold),
        "acw_seconds": int(answered * acw),
        "not_ready_seconds": not_ready,
        "idle_seconds": idle,
        "logged_in_seconds": logged_in,
        "fcr_count": fcr,
        "survey_responses": responses,
        "survey_satisfied": satisfied,
        "scheduled_minutes": scheduled_minutes,
        "worked_minutes": worked_minutes,
    }


def _upsert_ability_scores(
    seed: int, agents: Sequence[User], personalities: dict[int, Personality], months: Sequence[date]
) -> int:
    """One monthly business-ability test score per agent and month (60–100); existing ones are kept."""
    scores = []
    for agent in agents:
        rng = random.Random(f"{seed}:metrics:ability:{agent.username}")
        for month in months:
            score = _clamp(personalities[agent.pk].ability + rng.gauss(0, 5), 60, 100)
            scores.append(AbilityScore(agent=agent, month=month, score=Decimal(f"{score:.1f}")))
    before = AbilityScore.objects.count()
    AbilityScore.objects.bulk_create(scores, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return AbilityScore.objects.count() - before


# --- Helpers -------------------------------------------------------------------------------------


def _day_effect(labels: Sequence[str]) -> DayEffect:
    effect = NORMAL_DAY
    for label in labels:
        effect = effect.then(_effect(label))
    return effect


def _dates(start: date, end: date) -> Iterator[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))
