"""Reads for the monthly ranking: the month's inputs, summed in the database, and the ranking a
user may see. The arithmetic is ranking.py's; the scope is access.py's."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Team, User
from apps.accounts.permissions import has_role
from apps.accounts.roles import Role
from apps.scorecards.models import Evaluation
from qa_center.errors import PermissionDenied, ValidationFailed

from . import access, kpis, periods, ranking
from .models import AbilityScore, DailyFigure, RankingWeights

# Month-start datetimes are built in the centre's time zone; these bounds keep them (and the
# next month's start) inside what datetime and the databases hold.
MIN_YEAR = 1900
MAX_YEAR = 2999

# What the user sees of the ranking.
SCOPE_ALL = "all"  # managers: every team
SCOPE_TEAMS = "teams"  # team leads: the teams they lead
SCOPE_OWN = "own"  # agents: their own row and rank


def parse_month(text: str | None) -> date:
    """``YYYY-MM`` → the first day of that month; missing or malformed is refused on ``month``."""
    if not text:
        raise ValidationFailed(_("Enter a month as YYYY-MM, for example 2024-03."), field="month")
    start = periods.parse_month(text).start
    if not MIN_YEAR <= start.year <= MAX_YEAR:
        raise ValidationFailed(
            _("Enter a month from %(first)s to %(last)s.")
            % {"first": f"{MIN_YEAR}-01", "last": f"{MAX_YEAR}-12"},
            field="month",
        )
    return start


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def weights_current() -> ranking.Weights:
    """The configured weights, or the defaults (30/40/15/15) before anyone saved any."""
    row = RankingWeights.objects.order_by("pk").first()
    if row is None:
        return ranking.DEFAULT_WEIGHTS
    return ranking.Weights(
        volume=row.volume, quality=row.quality, attendance=row.attendance, ability=row.ability
    )


def ranked_agents(team_ids: Collection[int] | None = None) -> QuerySet[User]:
    """Who is ranked: active users with the agent role and a team, by name."""
    agents = User.objects.active().with_role(Role.AGENT).filter(team__isnull=False)
    if team_ids is not None:
        agents = agents.filter(team_id__in=list(team_ids))
    return agents.order_by("display_name", "username")


@dataclass
class RankingInputs:
    month: date
    agents: list[User]  # with .team loaded
    inputs: list[ranking.AgentInput]
    has_data: bool  # any figure, submitted evaluation or ability score in the month


def ranking_inputs(month: date, team_ids: Collection[int] | None = None) -> RankingInputs:
    """Every agent's inputs for ``month`` (its first day), aggregated in the database.

    Four queries whatever the number of agents: the agents, their summed daily figures, their QA
    score sums and counts, their ability scores. Each aggregate filters on the agents subquery
    rather than a list of ids, so 500 agents do not become 500 query parameters.
    """
    month = month.replace(day=1)
    following = _next_month(month)
    agents_qs = ranked_agents(team_ids)
    agents = list(agents_qs.select_related("team"))
    agent_pks = agents_qs.values("pk")

    figures = {
        row["agent_id"]: row
        for row in DailyFigure.objects.filter(date__gte=month, date__lt=following, agent__in=agent_pks)
        .values("agent_id")
        .annotate(
            answered=Sum("calls_answered"),
            scheduled_minutes=Sum("scheduled_minutes"),
            worked_minutes=Sum("worked_minutes"),
        )
        .order_by()
    }

    # An evaluation belongs to the month it was submitted in, on the centre's clock.
    zone = timezone.get_default_timezone()
    since = datetime(month.year, month.month, 1, tzinfo=zone)
    until = datetime(following.year, following.month, 1, tzinfo=zone)
    # Sum and count rather than Avg: SQLite averages in floating point; this mean is exact.
    quality = {
        row["agent_id"]: row
        for row in Evaluation.objects.submitted()
        .filter(submitted_at__gte=since, submitted_at__lt=until, score__isnull=False, agent__in=agent_pks)
        .values("agent_id")
        .annotate(score_sum=Sum("score"), evaluations=Count("pk"))
        .order_by()
    }

    ability = dict(
        AbilityScore.objects.filter(month=month, agent__in=agent_pks).values_list("agent_id", "score")
    )

    inputs = []
    attendance_kpi = kpis.BY_KEY["attendance"]
    for agent in agents:
        day_sums = figures.get(agent.pk)
        qa = quality.get(agent.pk)
        inputs.append(
            ranking.AgentInput(
                agent_id=agent.pk,
                team_id=agent.team_id,
                answered=None if day_sums is None else day_sums["answered"],
                # The shown 2-decimal mean: the ranking recomputes from what people see.
                quality=None if qa is None else _quantize(Decimal(qa["score_sum"]) / qa["evaluations"]),
                attendance=None if day_sums is None else kpis.value(attendance_kpi, day_sums),
                ability=ability.get(agent.pk),
            )
        )
    return RankingInputs(month, agents, inputs, bool(figures or quality or ability))


# --- The ranking a user may see -----------------------------------------------------------


@dataclass(frozen=True)
class RankedRow:
    agent: User
    rank: int
    composite: Decimal
    raw: dict
    normalised: dict


@dataclass(frozen=True)
class UnrankedRow:
    agent: User
    reasons: tuple[str, ...]
    raw: dict


@dataclass
class TeamTable:
    team: Team
    ranked_count: int  # every ranked agent of the team, also when only one row is shown
    ranked: list[RankedRow] = field(default_factory=list)
    unranked: list[UnrankedRow] = field(default_factory=list)


@dataclass
class MonthlyRanking:
    month: date
    weights: ranking.Weights
    scope: str
    teams: list[TeamTable]
    has_data: bool

    @property
    def month_text(self) -> str:
        return f"{self.month:%Y-%m}"


def _scope(user) -> tuple[str, list[int] | None]:
    """What the user may see: (scope, team ids to compute; None = all)."""
    if access.sees_all(user):
        return SCOPE_ALL, None
    led = access.led_team_ids(user)
    if led:
        return SCOPE_TEAMS, sorted(led)
    if has_role(user, Role.AGENT) and user.team_id is not None:
        # The agent's whole team is computed (normalisation is within the team); one row is shown.
        return SCOPE_OWN, [user.team_id]
    if has_role(user, Role.AGENT):
        return SCOPE_OWN, []
    raise PermissionDenied(_("Your role does not allow you to see the ranking."))


def monthly_ranking(*, user, month: date, weights: ranking.Weights | None = None) -> MonthlyRanking:
    """The month's ranking as ``user`` may see it: managers every team, team leads their teams,
    an agent their own row and rank (with the number of ranked agents in the team).

    The benchmark times this call; its query count does not grow with the number of agents."""
    scope, team_ids = _scope(user)
    weights = weights or weights_current()
    data = ranking_inputs(month, team_ids)
    agents = {agent.pk: agent for agent in data.agents}
    tables = []
    for team_result in ranking.rank(data.inputs, weights):
        team = agents[(team_result.ranked or team_result.unranked)[0].agent_id].team
        table = TeamTable(team, ranked_count=len(team_result.ranked))
        for row in team_result.ranked:
            table.ranked.append(
                RankedRow(agents[row.agent_id], row.rank, row.composite, dict(row.raw), dict(row.normalised))
            )
        for row in team_result.unranked:
            table.unranked.append(UnrankedRow(agents[row.agent_id], row.reasons, dict(row.raw)))
        if scope == SCOPE_OWN:
            table.ranked = [row for row in table.ranked if row.agent.pk == user.pk]
            table.unranked = [row for row in table.unranked if row.agent.pk == user.pk]
        tables.append(table)
    if not data.has_data:
        # Nothing recorded for the month: no table of agents who all lack everything.
        tables = []
    tables.sort(key=lambda table: (table.team.name.lower(), table.team.pk))
    return MonthlyRanking(month, weights, scope, tables, data.has_data)


def reason_messages(reasons: Collection[str]) -> list[str]:
    """The reasons' sentences in the user's language."""
    return [_(ranking.REASONS[code]) for code in reasons]
