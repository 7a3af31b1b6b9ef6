"""Daily figures for the KPI tests, written straight to the table (the import service is tested on
its own): figure() for one row, team_world() for two teams with a lead, queues and agents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from apps.accounts.models import Team, User
from apps.accounts.roles import Role
from apps.metrics import kpis
from apps.metrics.models import DailyFigure, Queue
from tests.factories import TeamFactory, UserFactory


def figure(agent: User, queue: Queue, day: date, **counts: int) -> DailyFigure:
    """One agent-day on a queue; unnamed counts are 0."""
    unknown = set(counts) - set(kpis.BASE_FIELDS)
    assert not unknown, unknown
    return DailyFigure.objects.create(agent=agent, queue=queue, date=day, **counts)


def calls(offered: int, answered: int, **more: int) -> dict[str, int]:
    return {"calls_offered": offered, "calls_answered": answered, **more}


@dataclass
class TeamWorld:
    lead: User
    north: Team  # led by ``lead``: agents ann and ben
    south: Team  # carl
    ann: User
    ben: User
    carl: User
    voice: Queue
    billing: Queue


def team_world() -> TeamWorld:
    lead = UserFactory(username="lead", display_name="Lena Lead", roles=[Role.AGENT])
    north = TeamFactory(name="North", lead=lead)
    south = TeamFactory(name="South")
    lead.team = north
    lead.save()
    ann = UserFactory(username="ann", display_name="Ann", roles=[Role.AGENT], team=north)
    ben = UserFactory(username="ben", display_name="Ben", roles=[Role.AGENT], team=north)
    carl = UserFactory(username="carl", display_name="Carl", roles=[Role.AGENT], team=south)
    voice = Queue.objects.create(name="Voice")
    billing = Queue.objects.create(name="Billing")
    return TeamWorld(lead, north, south, ann, ben, carl, voice, billing)
