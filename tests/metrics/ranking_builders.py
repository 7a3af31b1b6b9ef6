"""Small builders for the ranking tests: agents in teams, a month's daily figures (bulk-created),
QA evaluations and ability scores."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from apps.accounts.roles import Role
from apps.metrics.models import AbilityScore, DailyFigure, Queue
from tests.factories import UserFactory
from tests.scorecards.factories import EvaluationFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = date(2024, 3, 1)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def make_agent(team, username: str, name: str | None = None, **kwargs):
    return UserFactory(
        username=username, display_name=name or username.title(), roles=[Role.AGENT], team=team, **kwargs
    )


def add_figures(agent, days: list[tuple[date, int, int, int]], queue: Queue | None = None) -> None:
    """days: (date, calls answered, scheduled minutes, worked minutes)."""
    queue = queue or Queue.objects.get_or_create(name="Billing")[0]
    DailyFigure.objects.bulk_create(
        DailyFigure(
            date=day,
            agent=agent,
            queue=queue,
            calls_offered=answered,
            calls_answered=answered,
            scheduled_minutes=scheduled,
            worked_minutes=worked,
        )
        for day, answered, scheduled, worked in days
    )


def add_ability(agent, score: str, month: date = MARCH) -> AbilityScore:
    return AbilityScore.objects.create(agent=agent, month=month, score=Decimal(score))


def add_evaluation(agent, score: str, submitted_at: datetime | None = None, **kwargs):
    return EvaluationFactory(
        call__agent=agent,
        score=Decimal(score),
        submitted_at=submitted_at or local(2024, 3, 12, 10, 0),
        **kwargs,
    )


def complete_month(
    agent, *, answered: int = 100, score: str = "90", ability: str = "80", month: date = MARCH
):
    """One agent with everything the ranking needs for the month."""
    add_figures(agent, [(month.replace(day=4), answered, 480, 470)])
    add_evaluation(agent, score, local(month.year, month.month, 5, 10, 0))
    add_ability(agent, ability, month)
