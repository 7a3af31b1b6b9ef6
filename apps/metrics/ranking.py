"""The monthly agent ranking (月度排名) of DESIGN.md §7 on plain data (no Django imports).

Four components per agent and month:
- volume: calls answered (Σ of the daily figures);
- quality: the mean score of the month's submitted, non-calibration QA evaluations;
- attendance: worked ÷ scheduled minutes × 100 (kpis.py's formula, uncapped: overtime above
  100 % counts as better attendance, exactly as the KPI page shows it);
- ability: the month's business-ability (test) score.

Rules, in the order they apply:
1. An agent lacking the data of a component that has a weight above 0 is listed apart ("unranked")
   with every reason that applies. A component weighted 0 does not count, so missing it keeps
   nobody out (a manager sets ability to 0 in a month without a test and still gets a ranking).
2. Within each team, each weighted component is normalised min–max to 0–100 over the team's
   *rankable* agents: (value − team min) ÷ (team max − team min) × 100. We normalise over the
   ranked agents only, not over every agent with that one figure, so the table reads on its own:
   the best ranked agent on a component shows 100 and the weakest 0, and an unranked agent's
   figures cannot move the scale of people they are not compared with.
   When every rankable agent of the team has the same value (a single-agent team included), that
   component gives 100 to everyone: nobody is behind anybody, so nobody loses points for it, and
   a uniform team is not marked down against the others (0 would punish it, 50 is arbitrary).
3. composite = Σ weight × normalised ÷ 100, from the unrounded normalised values, then rounded
   half up to 2 decimals (the shown normalised values are rounded the same way).
4. Rank within the team by composite, highest first; equal (rounded, i.e. as shown) composites
   share a rank and the next rank skips: 1, 2, 2, 4 (standard competition ranking). Ties keep the
   input order (the selector passes agents by name).

Every refusal is a :class:`RankingError` with an untranslated template and its values, so the
caller shows it in the user's language: ``gettext(error.template) % error.params``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

VOLUME = "volume"
QUALITY = "quality"
ATTENDANCE = "attendance"
ABILITY = "ability"
COMPONENTS = (VOLUME, QUALITY, ATTENDANCE, ABILITY)

WEIGHT_TOTAL = 100


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue (Django's makemessages looks for this name)
    without importing Django: this module stays pure."""
    return message


# Why an agent is not ranked: stable codes (API, CSV) with the sentence pages show.
NO_DAILY_FIGURES = "no_daily_figures"
NO_QA_EVALUATION = "no_qa_evaluation"
NO_ABILITY_SCORE = "no_ability_score"
NO_SCHEDULED_MINUTES = "no_scheduled_minutes"
REASONS: dict[str, str] = {
    NO_DAILY_FIGURES: gettext_noop("No daily figures in the month."),
    NO_QA_EVALUATION: gettext_noop("No submitted QA evaluation in the month."),
    NO_ABILITY_SCORE: gettext_noop("No business ability score for the month."),
    NO_SCHEDULED_MINUTES: gettext_noop("No scheduled minutes in the month, so attendance is unknown."),
}

MSG_WEIGHT_NOT_WHOLE = gettext_noop("Each weight must be a whole number from 0 to 100.")
MSG_WEIGHT_SUM = gettext_noop("The weights must add up to 100 (now %(total)s).")


class RankingError(ValueError):
    """Input the ranking cannot use; ``field`` names the weight at fault, if one is."""

    def __init__(self, template: str, *, field: str | None = None, **params: object):
        message = template % params if params else template
        super().__init__(message)
        self.message = message
        # The untranslated template and its values, for the caller's translation catalogue.
        self.template = template
        self.params = params
        self.field = field


@dataclass(frozen=True)
class Weights:
    """Percent shares of the four components; whole numbers ≥ 0 adding up to 100."""

    volume: int = 30
    quality: int = 40
    attendance: int = 15
    ability: int = 15

    def __post_init__(self) -> None:
        for name in COMPONENTS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= WEIGHT_TOTAL:
                raise RankingError(MSG_WEIGHT_NOT_WHOLE, field=name)
        total = sum(getattr(self, name) for name in COMPONENTS)
        if total != WEIGHT_TOTAL:
            raise RankingError(MSG_WEIGHT_SUM, total=total)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COMPONENTS}


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class AgentInput:
    """One agent's month. ``answered`` is None when the agent has no daily figures in the month;
    ``attendance`` is None without figures or when the scheduled minutes add up to 0."""

    agent_id: int
    team_id: int
    answered: int | None
    quality: Decimal | None
    attendance: Decimal | None
    ability: Decimal | None

    def raw(self) -> dict[str, int | Decimal | None]:
        return {
            VOLUME: self.answered,
            QUALITY: self.quality,
            ATTENDANCE: self.attendance,
            ABILITY: self.ability,
        }


@dataclass(frozen=True)
class RankedAgent:
    agent_id: int
    rank: int
    composite: Decimal
    raw: Mapping[str, int | Decimal | None]
    # None for a component weighted 0 that the agent has no data for.
    normalised: Mapping[str, Decimal | None]


@dataclass(frozen=True)
class UnrankedAgent:
    agent_id: int
    reasons: tuple[str, ...]  # codes of REASONS, in its order
    raw: Mapping[str, int | Decimal | None]


@dataclass
class TeamRanking:
    team_id: int
    ranked: list[RankedAgent] = field(default_factory=list)
    unranked: list[UnrankedAgent] = field(default_factory=list)


def missing_data(agent: AgentInput, weights: Weights) -> tuple[str, ...]:
    """The reasons (codes) that keep ``agent`` out of the ranking under ``weights``; () if none."""
    reasons = []
    has_figures = agent.answered is not None
    if not has_figures and (weights.volume or weights.attendance):
        reasons.append(NO_DAILY_FIGURES)
    if agent.quality is None and weights.quality:
        reasons.append(NO_QA_EVALUATION)
    if agent.ability is None and weights.ability:
        reasons.append(NO_ABILITY_SCORE)
    if has_figures and agent.attendance is None and weights.attendance:
        reasons.append(NO_SCHEDULED_MINUTES)
    return tuple(sorted(reasons, key=list(REASONS).index))


def _exact(value: int | Decimal) -> Fraction:
    return Fraction(value)


def _hundredths_half_up(value: Fraction) -> Decimal:
    """A non-negative value rounded half up to 2 decimals (all ranking figures are ≥ 0)."""
    return Decimal(math.floor(value * 100 + Fraction(1, 2))).scaleb(-2)


def _normalise(values: list[Fraction]) -> list[Fraction]:
    """Min–max to 0–100; all equal → 100 for everyone (module docstring, rule 2)."""
    low, high = min(values), max(values)
    if high == low:
        return [Fraction(100)] * len(values)
    return [(value - low) * 100 / (high - low) for value in values]


def _rank_team(team_id: int, agents: list[AgentInput], weights: Weights) -> TeamRanking:
    result = TeamRanking(team_id)
    rankable = []
    for agent in agents:
        reasons = missing_data(agent, weights)
        if reasons:
            result.unranked.append(UnrankedAgent(agent.agent_id, reasons, agent.raw()))
        else:
            rankable.append(agent)
    if not rankable:
        return result

    normalised: dict[str, list[Fraction | None]] = {}
    for name in COMPONENTS:
        values = [agent.raw()[name] for agent in rankable]
        with_data = [index for index, value in enumerate(values) if value is not None]
        column: list[Fraction | None] = [None] * len(rankable)
        if with_data:
            # Only a component weighted 0 can have gaps here; it is scaled over who has it.
            scaled = _normalise([_exact(values[index]) for index in with_data])
            for index, value in zip(with_data, scaled, strict=True):
                column[index] = value
        normalised[name] = column

    scored = []
    for position, agent in enumerate(rankable):
        total = sum(
            (
                getattr(weights, name) * normalised[name][position]
                for name in COMPONENTS
                if normalised[name][position] is not None
            ),
            start=Fraction(0),
        )
        composite = _hundredths_half_up(total / WEIGHT_TOTAL)
        shown = {
            name: None
            if normalised[name][position] is None
            else _hundredths_half_up(normalised[name][position])
            for name in COMPONENTS
        }
        scored.append((composite, position, agent, shown))

    # Stable sort: equal composites keep the input order.
    scored.sort(key=lambda item: -item[0])
    rank = 0
    previous: Decimal | None = None
    for place, (composite, _position, agent, shown) in enumerate(scored, start=1):
        if composite != previous:
            rank, previous = place, composite
        result.ranked.append(RankedAgent(agent.agent_id, rank, composite, agent.raw(), shown))
    return result


def rank(agents: Iterable[AgentInput], weights: Weights = DEFAULT_WEIGHTS) -> list[TeamRanking]:
    """Rank every team's agents (module docstring); teams in the order they first appear."""
    teams: dict[int, list[AgentInput]] = {}
    for agent in agents:
        teams.setdefault(agent.team_id, []).append(agent)
    return [_rank_team(team_id, members, weights) for team_id, members in teams.items()]
