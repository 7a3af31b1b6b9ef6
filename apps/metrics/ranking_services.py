"""Writes for the monthly ranking: the weights and the business-ability scores (one at a time or a
CSV file). Each use case is one transaction; refusals are qa_center.errors domain errors."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.scorecards.call_import import decode
from qa_center.errors import PermissionDenied, ValidationFailed

from . import access, ranking
from .models import AbilityScore, RankingWeights
from .ranking_selectors import MAX_YEAR, MIN_YEAR

ABILITY_COLUMNS = ("month", "agent", "score")
# One score per agent and month: a year of a 500-agent centre is 6,000 rows.
MAX_ABILITY_ROWS = 20_000
MAX_ABILITY_FILE_BYTES = 2 * 1024 * 1024
_DELIMITERS = (",", ";", "\t")
# YYYY-MM as documented; also what Excel makes of it when it saves the file again: 2024/3,
# 2024-03-01 or 2024/3/1 (the first of the month only).
_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?$")
_TWO_DECIMALS = Decimal("0.01")


def _require_manager(user, message: str) -> None:
    if not access.may_manage(user):
        raise PermissionDenied(message)


# --- Weights --------------------------------------------------------------------------------


def weights_validate(*, volume: int, quality: int, attendance: int, ability: int) -> ranking.Weights:
    """The weights as ranking.Weights, or ValidationFailed in the user's language."""
    try:
        return ranking.Weights(volume=volume, quality=quality, attendance=attendance, ability=ability)
    except ranking.RankingError as error:
        message = _(error.template) % error.params if error.params else _(error.template)
        raise ValidationFailed(message, field=error.field) from error


@transaction.atomic
def weights_set(*, by: User, volume: int, quality: int, attendance: int, ability: int) -> RankingWeights:
    """Save the ranking weights (QA managers, duty managers, administrators); they must add up to 100."""
    _require_manager(by, _("Your role does not allow you to change the ranking weights."))
    weights = weights_validate(volume=volume, quality=quality, attendance=attendance, ability=ability)
    # There is one row; lock it so two managers saving at once write one after the other.
    row = RankingWeights.objects.select_for_update().order_by("pk").first() or RankingWeights()
    for name, value in weights.as_dict().items():
        setattr(row, name, value)
    row.updated_by = by
    row.save()
    return row


# --- Ability scores -------------------------------------------------------------------------


def _month_error() -> str:
    return _("Enter a month as YYYY-MM, for example 2024-03.")


def _parse_month_cell(text: str) -> date | None:
    match = _MONTH.match(text.strip())
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12) or (day is not None and int(day) != 1):
        return None
    return date(year, month, 1)


def _parse_score(value: object) -> Decimal | None:
    """A score from 0 to 100 with at most 2 decimals, else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        score = Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not score.is_finite() or not 0 <= score <= 100 or score != score.quantize(_TWO_DECIMALS):
        return None
    return score.quantize(_TWO_DECIMALS)


def _score_error() -> str:
    return _("A score is a number from 0 to 100 with at most 2 decimals.")


def _is_active_agent(user: User) -> bool:
    return user.is_active and user.groups.filter(name=Role.AGENT).exists()


@transaction.atomic
def ability_score_set(*, by: User, agent: User, month: date, score: Decimal | int | str) -> AbilityScore:
    """Enter (or replace) an agent's business-ability score for a month (its first day is kept)."""
    _require_manager(by, _("Your role does not allow you to enter ability scores."))
    errors: dict[str, list[str]] = {}
    if not _is_active_agent(agent):
        errors["agent"] = [_("“%(name)s” is not an active agent.") % {"name": agent.username}]
    if not MIN_YEAR <= month.year <= MAX_YEAR:
        errors["month"] = [_month_error()]
    parsed = _parse_score(score)
    if parsed is None:
        errors["score"] = [_score_error()]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, fields=errors)
    row, _created = AbilityScore.objects.update_or_create(
        agent=agent, month=month.replace(day=1), defaults={"score": parsed}
    )
    return row


@dataclass(frozen=True)
class RowError:
    """One problem of a file: ``row`` as a spreadsheet numbers it (header = 1; None = whole file)."""

    row: int | None
    field: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


class AbilityImportRejected(ValidationFailed):
    """The file was refused whole; ``errors`` lists every problem by row and column."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        count = len(self.errors)
        super().__init__(
            ngettext(
                "Nothing was imported: the file has %(count)d problem.",
                "Nothing was imported: the file has %(count)d problems.",
                count,
            )
            % {"count": count}
        )


@dataclass(frozen=True)
class AbilityImportResult:
    created: int
    replaced: int

    @property
    def total(self) -> int:
        return self.created + self.replaced


def _normalise_column(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _read_rows(raw: bytes | str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The data rows keyed by column (row numbers as a spreadsheet shows them), or file errors."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_ABILITY_FILE_BYTES:
            return [], [RowError(None, "file", _("The file is larger than 2 MB."))]
        try:
            raw = decode(raw)
        except UnicodeDecodeError:
            message = _("The file is not UTF-8 text. In Excel, save it with “CSV UTF-8 (Comma delimited)”.")
            return [], [RowError(None, "file", message)]
    text = raw.removeprefix("\ufeff")
    if not text.strip():
        return [], [RowError(None, "file", _("The file is empty."))]
    if "\x00" in text:
        return [], [
            RowError(None, "file", _("The file is not a CSV text file (it contains NUL characters)."))
        ]
    first_line = text.lstrip("\r\n").splitlines()[0]
    # Comma, or the delimiter that names the most columns (Excel writes ; in some locales).
    delimiter = max(
        _DELIMITERS,
        key=lambda d: sum(_normalise_column(name) in ABILITY_COLUMNS for name in first_line.split(d)),
    )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            if not any(value.strip() for value in record):
                continue  # Excel leaves rows of empty cells below the data
            if header is None:
                header = [_normalise_column(name) for name in record]
                missing = [name for name in ABILITY_COLUMNS if name not in header]
                if missing:
                    message = _(
                        "The first row must name the columns month, agent and score; missing: %(missing)s."
                    )
                    return [], [RowError(number, "file", message % {"missing": ", ".join(missing)})]
                repeated = sorted({name for name in header if name and header.count(name) > 1})
                if repeated:
                    message = _("The column “%(column)s” appears more than once.")
                    return [], [RowError(number, "file", message % {"column": repeated[0]})]
                continue
            rows.append(
                (
                    number,
                    {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header)},
                )
            )
            if len(rows) > MAX_ABILITY_ROWS:
                message = _("The file has more than %(max)s rows; split it.") % {"max": MAX_ABILITY_ROWS}
                return [], [RowError(None, "file", message)]
    except csv.Error as error:
        message = _("The file could not be read as CSV: %(reason)s") % {"reason": error}
        return [], [RowError(reader.line_num or None, "file", message)]
    if not rows:
        return [], [RowError(None, "file", _("The file has a header row but no scores."))]
    return rows, []


@transaction.atomic
def ability_scores_import_csv(*, by: User, raw: bytes | str) -> AbilityImportResult:
    """Import a CSV of ``month`` (YYYY-MM), ``agent`` (username), ``score`` (0–100).

    All or nothing: any bad row rejects the file with every problem listed (AbilityImportRejected).
    A row for an agent and month that already has a score replaces it, so re-importing a file
    changes nothing."""
    _require_manager(by, _("Your role does not allow you to import ability scores."))
    rows, errors = _read_rows(raw)
    if errors:
        raise AbilityImportRejected(errors)

    usernames = {values["agent"] for _number, values in rows if values["agent"]}
    # Two queries for the whole file, whatever its length.
    users = {
        user.username: user
        for user in User.objects.filter(username__in=usernames).only("pk", "username", "is_active")
    }
    agent_ids = set(
        User.objects.active()
        .with_role(Role.AGENT)
        .filter(username__in=usernames)
        .values_list("pk", flat=True)
    )

    parsed: dict[tuple[int, date], tuple[int, Decimal]] = {}
    for number, values in rows:
        month = _parse_month_cell(values["month"])
        if month is None:
            errors.append(RowError(number, "month", _month_error()))
        username = values["agent"]
        user = users.get(username)
        if not username:
            errors.append(RowError(number, "agent", _("Give the agent's username.")))
        elif user is None:
            errors.append(
                RowError(number, "agent", _("No user has the username “%(value)s”.") % {"value": username})
            )
        elif user.pk not in agent_ids:
            errors.append(
                RowError(number, "agent", _("“%(name)s” is not an active agent.") % {"name": username})
            )
            user = None
        score = _parse_score(values["score"])
        if score is None:
            errors.append(RowError(number, "score", _score_error()))
        if month is None or user is None or score is None:
            continue
        earlier = parsed.get((user.pk, month))
        if earlier is not None:
            message = _("The agent “%(agent)s” already has a score for %(month)s on row %(row)s.") % {
                "agent": username,
                "month": f"{month:%Y-%m}",
                "row": earlier[0],
            }
            errors.append(RowError(number, "agent", message))
            continue
        parsed[(user.pk, month)] = (number, score)
    if errors:
        raise AbilityImportRejected(errors)

    months = {month for _agent, month in parsed}
    existing = set(
        AbilityScore.objects.filter(
            agent_id__in={agent for agent, _month in parsed}, month__in=months
        ).values_list("agent_id", "month")
    )
    AbilityScore.objects.bulk_create(
        [
            AbilityScore(agent_id=agent, month=month, score=score)
            for (agent, month), (_row, score) in parsed.items()
        ],
        update_conflicts=True,
        unique_fields=["agent", "month"],
        update_fields=["score", "updated_at"],
    )
    replaced = len(existing & parsed.keys())
    return AbilityImportResult(created=len(parsed) - replaced, replaced=replaced)


ABILITY_TEMPLATE = "month,agent,score\n2024-03,agent01,86.5\n2024-03,agent02,92\n"
