"""The one-page A3 project report: what it shows (``build_report``), the plain-language reading of a
two-proportion test, and the same page as a PDF drawn with matplotlib alone (``report_pdf``).

The HTML page (templates/tqm/report.html) and the PDF read the same ``ProjectReport``, so the sponsor
sees the same facts on screen, on paper and in the file. Everything comes from a project loaded with
selectors.project_detail: building the report runs no query of its own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import matplotlib.image
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from apps.accounts.models import User
from apps.reports.charts.pareto import count_axis_max, draw_pareto
from apps.reports.charts.render import figure, to_pdf, to_png
from apps.reports.charts.style import PALETTE, house_style
from apps.reports.charts.wrapping import wrap_lines

from . import analysis, charts, selectors
from .models import Countermeasure, Dataset, Project, Standard, Topic
from .steps import ActionStatus, Status

# --- What the report shows -------------------------------------------------------------------


@dataclass(frozen=True)
class EffectReading:
    """A two-proportion test in words: the numbers, the verdict, the interval."""

    numbers: str
    verdict: str
    interval: str

    def __str__(self) -> str:
        return " ".join(part for part in (self.numbers, self.verdict, self.interval) if part)


def _percent(rate: float, decimals: int = 1) -> str:
    return f"{rate * 100:.{decimals}f}%"


def _points(difference: float) -> str:
    return f"{difference * 100:+.1f}"


def _level(confidence: float) -> str:
    """1 − confidence as a percent without trailing zeros: 0.95 → "5%", 0.975 → "2.5%"."""
    return f"{round((1 - confidence) * 100, 2):g}%"


def format_p_value(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.4f}"


def describe_effect_test(result: analysis.EffectTestResult) -> EffectReading:
    """The test in plain words, e.g. "… Significant at the 5% level: unlikely to be chance."."""
    level = _level(result.confidence)
    interval = _(
        "%(confidence)s confidence interval of the change: %(low)s to %(high)s percentage points."
    ) % {
        "confidence": f"{round(result.confidence * 100, 2):g}%",
        "low": _points(result.ci_low),
        "high": _points(result.ci_high),
    }
    if result.z is None or result.p_value is None:
        return EffectReading(
            numbers=_("From %(before)s to %(after)s.")
            % {"before": _percent(result.before_rate), "after": _percent(result.after_rate)},
            verdict=_("Every item in both samples had the same outcome, so there is no variation to test."),
            interval="",
        )
    numbers = _("From %(before)s to %(after)s (%(difference)s percentage points; z = %(z)s, %(p)s).") % {
        "before": _percent(result.before_rate),
        "after": _percent(result.after_rate),
        "difference": _points(result.difference),
        "z": f"{result.z:.2f}",
        "p": format_p_value(result.p_value),
    }
    if result.significant:
        verdict = _("Significant at the %(level)s level: unlikely to be chance.") % {"level": level}
    else:
        verdict = _("Not significant at the %(level)s level: the change could be chance.") % {"level": level}
    return EffectReading(numbers=numbers, verdict=verdict, interval=interval)


def format_quantity(value: Decimal, unit: str) -> str:
    """70.00 with unit "%" → "70%"; 3.50 with "min" → "3.5 min" (stored with 2 decimals)."""
    number = f"{value:f}"
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    if not unit:
        return number
    return f"{number}{unit}" if unit in ("%", "‰") else f"{number} {unit}"


@dataclass(frozen=True)
class Effect:
    check: selectors.EffectCheck
    value_text: str
    change_text: str
    reading: EffectReading | None


@dataclass(frozen=True)
class StandardLine:
    standard: Standard
    trained: int


@dataclass(frozen=True)
class ProjectReport:
    project: Project
    members: list[User]
    chosen_topic: Topic | None
    baseline_text: str
    target_text: str
    latest_pareto: selectors.ParetoView | None
    fishbone_categories: list[charts.ChartCategory]
    root_causes: list[str]
    countermeasures: list[Countermeasure]
    effect: Effect | None
    before_after: tuple[Dataset, Dataset] | None
    standards: list[StandardLine]
    training_count: int

    @property
    def has_fishbone(self) -> bool:
        return charts.has_causes(self.fishbone_categories)

    @property
    def countermeasures_done(self) -> int:
        return sum(1 for measure in self.countermeasures if measure.status == ActionStatus.DONE)


def _root_causes(categories: list[charts.ChartCategory]) -> list[str]:
    found = []
    for category in categories:
        for cause in category.causes:
            for candidate in (cause, *cause.children):
                if candidate.verified:
                    found.append(f"{category.name}: {candidate.text}")
    return found


def build_report(project: Project) -> ProjectReport:
    """Everything the one-page report shows, from a project loaded by selectors.project_detail."""
    unit = project.metric_unit
    check = selectors.effect_check(project)
    effect = None
    if check is not None:
        effect = Effect(
            check=check,
            value_text=format_quantity(check.value, unit),
            change_text=("+" if check.change > 0 else "") + format_quantity(check.change, unit),
            reading=describe_effect_test(check.test) if check.test else None,
        )
    paretos = selectors.pareto_views(project, charts.other_label())
    categories = charts.fishbone_categories(project)
    before, after = selectors.before_after_datasets(project)
    standards = selectors.current_standards(project)
    return ProjectReport(
        project=project,
        members=list(project.members.all()),
        chosen_topic=next((topic for topic in project.topics.all() if topic.is_chosen), None),
        baseline_text=format_quantity(project.baseline, unit),
        target_text=format_quantity(project.target, unit),
        latest_pareto=paretos[-1] if paretos else None,
        fishbone_categories=categories,
        root_causes=_root_causes(categories),
        countermeasures=[measure for measure in project.countermeasures.all() if measure.selected],
        effect=effect,
        before_after=(before, after) if before and after else None,
        standards=[StandardLine(standard, len(standard.trainings.all())) for standard in standards],
        training_count=sum(len(standard.trainings.all()) for standard in project.standards.all()),
    )


def status_line(project: Project) -> str:
    if project.status == Status.ACTIVE:
        return _("Active · step %(step)s of 7: %(name)s") % {
            "step": project.current_step,
            "name": project.get_current_step_display(),
        }
    return str(project.get_status_display())


# --- The PDF ---------------------------------------------------------------------------------

PAGE_MM = (420.0, 297.0)  # A3 landscape
POINTS_PER_MM = 72 / 25.4
MARGIN = 10.0
GUTTER = 10.0
# Average advance of one display unit (half a CJK character, one Latin letter) in em: DejaVu Sans
# letters average ~0.55 em, so wrapping by it never overflows Latin text and leaves CJK a little room.
EM_PER_UNIT = 0.56
BODY = 9.0
SMALL = 8.0
HEADING = 11.5
TITLE = 20.0
LINE_SPACING = 1.45
ELLIPSIS = "…"

# The grid, in mm from the top-left corner: a left column for the problem, the metric and the Pareto;
# the fishbone across the upper right; countermeasures and the follow-up (effect, standards, lessons)
# under it.
LEFT = (MARGIN, 135.0)
MIDDLE = (145.0, 275.0)
RIGHT = (285.0, PAGE_MM[0] - MARGIN)
UPPER_TOP = 36.0
LOWER_TOP = 170.0
BOTTOM = PAGE_MM[1] - MARGIN
FISHBONE_DPI = 200
FISHBONE_MAX_ENLARGEMENT = 1.2
MET_COLOUR = "#1b7f4b"  # the pages' --ok green


def _line_height(size: float) -> float:
    return size * LINE_SPACING / POINTS_PER_MM


def _units(width_mm: float, size: float) -> int:
    return max(int(width_mm * POINTS_PER_MM / (size * EM_PER_UNIT)), 4)


def _clip(lines: list[str], max_lines: int) -> list[str]:
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    kept[-1] = kept[-1].rstrip()[:-1] + ELLIPSIS if kept[-1].strip() else ELLIPSIS
    return kept


class _Sheet:
    """An A3 landscape Figure addressed in mm from the top-left corner, with wrapped text blocks."""

    def __init__(self) -> None:
        self.fig: Figure = figure(width_cm=PAGE_MM[0] / 10, height_cm=PAGE_MM[1] / 10, layout=None)

    def _fx(self, x: float) -> float:
        return x / PAGE_MM[0]

    def _fy(self, y: float) -> float:
        return 1 - y / PAGE_MM[1]

    def text(self, x: float, y: float, text: str, *, size: float = BODY, **style) -> None:
        self.fig.text(self._fx(x), self._fy(y), text, fontsize=size, va="top", **style)

    def rule(self, x0: float, x1: float, y: float, *, colour: str = PALETTE.grid, width: float = 0.8) -> None:
        self.fig.add_artist(
            Line2D(
                [self._fx(x0), self._fx(x1)],
                [self._fy(y), self._fy(y)],
                transform=self.fig.transFigure,
                color=colour,
                linewidth=width,
            )
        )

    def heading(self, x0: float, x1: float, y: float, text: str) -> float:
        self.text(x0, y, text, size=HEADING, color=PALETTE.primary)
        rule_y = y + _line_height(HEADING) * 0.95
        self.rule(x0, x1, rule_y, colour=PALETTE.primary_light)
        return rule_y + 2.0

    def paragraph(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        *,
        size: float = BODY,
        max_lines: int = 6,
        bottom: float | None = None,
        **style,
    ) -> float:
        """Wrapped text from (x, y) down; at most ``max_lines`` (and not below ``bottom``).

        Returns the y under the text. Lines are placed one by one, so heights are exact.
        """
        line = _line_height(size)
        if bottom is not None:
            max_lines = min(max_lines, int((bottom - y) / line))
        if max_lines <= 0 or not text:
            return y
        lines = _clip(wrap_lines(text, _units(width, size)), max_lines)
        for number, content in enumerate(lines):
            self.text(x, y + number * line, content, size=size, **style)
        return y + len(lines) * line

    def axes(self, x0: float, y0: float, x1: float, y1: float) -> Axes:
        """Axes whose plotting box spans (x0, y0)–(x1, y1) in mm."""
        return self.fig.add_axes((self._fx(x0), self._fy(y1), (x1 - x0) / PAGE_MM[0], (y1 - y0) / PAGE_MM[1]))


def _header(sheet: _Sheet, report: ProjectReport) -> None:
    project = report.project
    right = PAGE_MM[0] - MARGIN
    sheet.paragraph(MARGIN, MARGIN, 300, project.title, size=TITLE, max_lines=1)
    sheet.text(right, MARGIN + 1.5, status_line(project), size=HEADING, ha="right", color=PALETTE.primary)
    team = _("Leader: %(leader)s · Sponsor: %(sponsor)s") % {
        "leader": project.leader.name,
        "sponsor": project.sponsor.name,
    }
    if report.members:
        team += " · " + _("Members: %(members)s") % {"members": ", ".join(m.name for m in report.members)}
    y = sheet.paragraph(MARGIN, MARGIN + 10, 300, team, size=BODY, max_lines=1, color=PALETTE.muted_text)
    sheet.paragraph(MARGIN, y, 300, _dates(project), size=BODY, max_lines=1, color=PALETTE.muted_text)
    sheet.rule(MARGIN, right, UPPER_TOP - 4, colour=PALETTE.spine, width=1.0)


def _day(value: date | None) -> str:
    """ISO dates, as every page of QA Center shows them (short and the same in both languages)."""
    return value.isoformat() if value else "—"


def _dates(project: Project) -> str:
    parts = [_("Started %(date)s") % {"date": _day(project.start_date)}]
    if project.target_date:
        parts.append(_("target date %(date)s") % {"date": _day(project.target_date)})
    if project.completed_on:
        parts.append(_("completed %(date)s") % {"date": _day(project.completed_on)})
    return " · ".join(parts)


def _problem_and_metric(sheet: _Sheet, report: ProjectReport) -> None:
    project = report.project
    x0, x1 = LEFT
    width = x1 - x0
    y = sheet.heading(x0, x1, UPPER_TOP, _("Problem"))
    y = sheet.paragraph(x0, y, width, project.problem_statement, max_lines=7)
    if report.chosen_topic:
        topic = report.chosen_topic
        text = _("Topic: %(topic)s") % {"topic": topic.title}
        if topic.rationale:
            text += " — " + topic.rationale
        y = sheet.paragraph(x0, y + 1.5, width, text, max_lines=3, color=PALETTE.muted_text)

    y = sheet.heading(x0, x1, y + 4, _("Metric: %(metric)s") % {"metric": project.metric_name})
    row = _line_height(BODY + 1)
    cells = [
        (_("Before"), report.baseline_text),
        (_("Target"), report.target_text),
        (_("After"), report.effect.value_text if report.effect else "—"),
    ]
    column = width / 3
    for number, (label, value) in enumerate(cells):
        sheet.text(x0 + number * column, y, label, size=SMALL, color=PALETTE.muted_text)
        sheet.text(x0 + number * column, y + row * 0.9, value, size=HEADING + 2)
    y += row * 0.9 + _line_height(HEADING + 2) + 1
    if report.effect is None:
        verdict, colour = _("Not measured yet."), PALETTE.muted_text
    elif report.effect.check.met:
        verdict, colour = _("Target met."), MET_COLOUR
    else:
        verdict, colour = _("Target not met."), PALETTE.alert
    y = sheet.paragraph(x0, y, width, verdict, size=BODY + 0.5, max_lines=1, color=colour)
    if report.effect and report.effect.reading:
        sheet.paragraph(x0, y + 1, width, str(report.effect.reading), max_lines=5, bottom=LOWER_TOP - 6)


def _pareto(sheet: _Sheet, report: ProjectReport) -> None:
    x0, x1 = LEFT
    view = report.latest_pareto
    title = (
        _("Pareto analysis: %(dataset)s") % {"dataset": view.pareto.dataset.name}
        if view
        else _("Pareto analysis")
    )
    y = sheet.heading(x0, x1, LOWER_TOP, title)
    if view is None:
        sheet.paragraph(x0, y, x1 - x0, _("No Pareto analysis yet."), color=PALETTE.muted_text)
        return
    vital = _("Vital few: %(labels)s") % {"labels": ", ".join(view.result.vital_few_labels)}
    y = sheet.paragraph(x0, y, x1 - x0, vital, size=SMALL, max_lines=2, color=PALETTE.muted_text)
    # Room for the count axis on the left, the percent axis on the right and rotated labels below.
    left, right, top, bottom = x0 + 14, x1 - 14, y + 5, BOTTOM - 24
    ax = sheet.axes(left, top, right, bottom)
    rows = view.result.rows
    draw_pareto(
        ax,
        rows,
        count_label=_("Count"),
        cumulative_label=_("Cumulative %"),
        reference_percent=analysis.VITAL_FEW_PERCENT,
        count_max=count_axis_max(rows),
        axes_width_pt=(right - left) * POINTS_PER_MM,
    )


def _fishbone(sheet: _Sheet, report: ProjectReport) -> None:
    x0, x1 = MIDDLE[0], RIGHT[1]
    y = sheet.heading(x0, x1, UPPER_TOP, _("Causes: %(effect)s") % {"effect": report.project.effect_text})
    if not report.has_fishbone:
        sheet.paragraph(x0, y, x1 - x0, _("No causes recorded yet."), color=PALETTE.muted_text)
        return
    # The fishbone lays itself out from measured text and sizes its own figure, so it is drawn on
    # its own and placed here as a high-resolution image: shrunk to fit the box, enlarged a little
    # at most (a small diagram blown up to the whole box would shout), centred under the heading.
    fishbone = charts.fishbone_figure_for(report.project, with_title=False)
    natural_width, natural_height = (inches * 25.4 for inches in fishbone.get_size_inches())
    top, bottom = y + 1, LOWER_TOP - 6
    scale = min((x1 - x0) / natural_width, (bottom - top) / natural_height, FISHBONE_MAX_ENLARGEMENT)
    width, height = natural_width * scale, natural_height * scale
    left = x0 + (x1 - x0 - width) / 2
    image = matplotlib.image.imread(io.BytesIO(to_png(fishbone, dpi=FISHBONE_DPI)))
    ax = sheet.axes(left, top, left + width, top + height)
    ax.imshow(image, interpolation="antialiased", aspect="auto")
    ax.set_axis_off()


# Column offsets of the countermeasure table, in mm from the left of its box (130 mm wide).
OWNER_AT, DUE_AT, STATUS_AT = 58.0, 84.0, 106.0


def _countermeasures(sheet: _Sheet, report: ProjectReport) -> None:
    x0, x1 = MIDDLE
    y = sheet.heading(x0, x1, LOWER_TOP, _("Countermeasures"))
    if not report.countermeasures:
        sheet.paragraph(x0, y, x1 - x0, _("No countermeasures selected yet."), color=PALETTE.muted_text)
        return
    columns = [
        (pgettext("tqm report", "Action"), 0.0),
        (_("Owner"), OWNER_AT),
        (_("Due"), DUE_AT),
        (_("Status"), STATUS_AT),
    ]
    for label, offset in columns:
        sheet.text(x0 + offset, y, label, size=SMALL, color=PALETTE.muted_text)
    y += _line_height(SMALL) + 0.5
    sheet.rule(x0, x1, y)
    y += 1.5
    line = _line_height(BODY)
    for shown, measure in enumerate(report.countermeasures):
        rest = len(report.countermeasures) - shown
        if y + 2 * line > BOTTOM and rest > 0:
            sheet.paragraph(
                x0, y, x1 - x0, _("… and %(count)s more.") % {"count": rest}, color=PALETTE.muted_text
            )
            return
        top = y
        y = sheet.paragraph(x0, top, OWNER_AT - 3, measure.title, max_lines=3, bottom=BOTTOM - line)
        owner = measure.owner.name if measure.owner else "—"
        y = max(y, sheet.paragraph(x0 + OWNER_AT, top, DUE_AT - OWNER_AT - 2, owner, max_lines=2))
        sheet.text(x0 + DUE_AT, top, _day(measure.due_date), size=BODY)
        sheet.paragraph(
            x0 + STATUS_AT, top, x1 - x0 - STATUS_AT, str(measure.get_status_display()), max_lines=1
        )
        y = max(y, top + line) + 1.5


def _follow_up(sheet: _Sheet, report: ProjectReport) -> None:
    x0, x1 = RIGHT
    width = x1 - x0
    y = sheet.heading(x0, x1, LOWER_TOP, _("Effect"))
    effect = report.effect
    if effect is None:
        y = sheet.paragraph(x0, y, width, _("No after-measurement yet."), color=PALETTE.muted_text)
    else:
        measurement = effect.check.measurement
        y = sheet.paragraph(
            x0,
            y,
            width,
            _("%(value)s measured %(start)s – %(end)s: %(change)s against the baseline.")
            % {
                "value": effect.value_text,
                "start": _day(measurement.period_start),
                "end": _day(measurement.period_end),
                "change": effect.change_text,
            },
            max_lines=2,
        )
        if effect.reading:
            y = sheet.paragraph(x0, y, width, effect.reading.verdict, max_lines=2)
    if report.countermeasures:
        done = _("%(done)s of %(total)s selected countermeasures done.") % {
            "done": report.countermeasures_done,
            "total": len(report.countermeasures),
        }
        y = sheet.paragraph(x0, y, width, done, max_lines=1, color=PALETTE.muted_text)

    y = sheet.heading(x0, x1, y + 3, _("Standards and training"))
    if report.standards:
        for line in report.standards:
            standard = line.standard
            text = _("%(title)s v%(version)s, effective %(date)s") % {
                "title": standard.title,
                "version": standard.version,
                "date": _day(standard.effective_date),
            }
            y = sheet.paragraph(x0, y, width, "• " + text, max_lines=2, bottom=BOTTOM - 40)
    else:
        y = sheet.paragraph(x0, y, width, _("No standards yet."), color=PALETTE.muted_text)
    trained = _("Training records: %(count)s") % {"count": report.training_count}
    y = sheet.paragraph(x0, y, width, trained, max_lines=1, color=PALETTE.muted_text)

    project = report.project
    y = sheet.heading(x0, x1, y + 3, _("Lessons learned"))
    y = sheet.paragraph(
        x0, y, width, project.lessons_learned or "—", max_lines=12, bottom=BOTTOM - _line_height(BODY)
    )
    if project.next_topic:
        sheet.paragraph(
            x0,
            y + 1,
            width,
            _("Next topic: %(topic)s") % {"topic": project.next_topic},
            max_lines=1,
        )


def report_figure(report: ProjectReport) -> Figure:
    """The whole report on one A3 landscape Figure (420 × 297 mm)."""
    with house_style():
        sheet = _Sheet()
        _header(sheet, report)
        _problem_and_metric(sheet, report)
        _pareto(sheet, report)
        _fishbone(sheet, report)
        _countermeasures(sheet, report)
        _follow_up(sheet, report)
        return sheet.fig


def report_pdf(report: ProjectReport) -> bytes:
    """One A3 landscape PDF page; Chinese text is embedded (the house style's Type 3 fonts)."""
    return to_pdf(report_figure(report))
