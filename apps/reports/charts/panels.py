"""Small multiples of daily KPIs: one panel per KPI on a shared day axis, targets and context tags.

No Django imports. A KPI's target is a line (or a band with a lower and upper bound); the days that
miss it are marked in red. Tagged days (typhoon, holiday, system incident) are shaded across every
panel, and each run of days with the same tag is named once, in a strip above the panels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator

from .labels import write_edge_labels
from .render import figure
from .style import ANNOTATION_SIZE, PALETTE, house_style
from .wrapping import display_width

PANEL_INCHES = 1.55  # per KPI: five panels fit a laptop screen and an A4 page
_TAG_ROW_INCHES = 0.26
_MAX_TAG_ROWS = 4  # more overlapping tag labels than this share the last row
_WIDTH_INCHES = 10.0
_AXES_WIDTH_PT = _WIDTH_INCHES * 72 - 140  # the y axis with its labels, the target labels at the right
_POINTS_PER_UNIT = 0.6 * ANNOTATION_SIZE  # as in pareto.py: never under-estimates a label's width
_TAG_SHADE_ALPHA = 0.7
_LABEL_GAP = 0.14  # of a panel's height: one annotation line, so labels at the right edge never touch


@dataclass(frozen=True)
class KpiPanel:
    """One KPI's daily values (None: no data that day) and its target.

    ``target`` alone is a minimum when ``higher_is_better`` is True and a maximum when it is False
    (None: the line is drawn, no day is judged). With ``target_high`` the target is the band
    [target, target_high], both bounds inclusive.
    """

    title: str
    unit: str
    values: Sequence[float | None]
    target: float | None = None
    higher_is_better: bool | None = None
    target_high: float | None = None
    value_format: str = "{:.1f}"

    def misses(self, value: float | None) -> bool:
        """Whether ``value`` misses the target (inclusive bounds; no value or no target never misses)."""
        if value is None or self.target is None:
            return False
        if self.target_high is not None:
            return value < self.target or value > self.target_high
        if self.higher_is_better is True:
            return value < self.target
        if self.higher_is_better is False:
            return value > self.target
        return False


@dataclass(frozen=True)
class DayTag:
    """A context tag on one day (weather, holiday, incident)."""

    day: date
    label: str


@dataclass(frozen=True)
class _TagSpan:
    label: str
    first: int  # x positions (days since the first day), inclusive
    last: int


def _tag_spans(tags: Sequence[DayTag], first_day: date) -> list[_TagSpan]:
    """Consecutive days with the same label become one span, so the label is written once."""
    days_by_label: dict[str, list[int]] = {}
    for tag in tags:
        days_by_label.setdefault(tag.label, []).append((tag.day - first_day).days)
    spans = []
    for label, positions in days_by_label.items():
        positions = sorted(set(positions))
        start = previous = positions[0]
        for position in positions[1:]:
            if position != previous + 1:
                spans.append(_TagSpan(label, start, previous))
                start = position
            previous = position
        spans.append(_TagSpan(label, start, previous))
    return sorted(spans, key=lambda span: (span.first, span.last, span.label))


def _tag_rows(spans: list[_TagSpan], points_per_day: float) -> list[int]:
    """A row per span so that no two labels overlap (greedy, first row that has room)."""
    row_ends: list[float] = []
    rows = []
    for span in spans:
        start = span.first - 0.5
        end = start + (display_width(span.label) * _POINTS_PER_UNIT + 6) / points_per_day
        for row, row_end in enumerate(row_ends):
            if row_end <= start:
                row_ends[row] = end
                rows.append(row)
                break
        else:
            if len(row_ends) < _MAX_TAG_ROWS:
                row_ends.append(end)
                rows.append(len(row_ends) - 1)
            else:
                row_ends[-1] = max(row_ends[-1], end)
                rows.append(len(row_ends) - 1)
    return rows


def _day_ticks(days: Sequence[date]) -> list[int]:
    """Mondays on longer axes (weeks read at a glance), every day on short ones."""
    positions = [(day - days[0]).days for day in days]
    if positions[-1] <= 14:
        return positions
    mondays = [(day - days[0]).days for day in days if day.weekday() == 0]
    if len(mondays) >= 2:
        return mondays
    step = math.ceil((positions[-1] + 1) / 8)
    return list(range(0, positions[-1] + 1, step))


def _y_limits(panel: KpiPanel, present: list[float]) -> tuple[float, float]:
    reference = [bound for bound in (panel.target, panel.target_high) if bound is not None]
    every = present + reference
    if not every:
        return 0.0, 1.0
    low, high = min(every), max(every)
    span = (high - low) or max(abs(high), 1.0) * 0.1
    return low - 0.15 * span, high + 0.25 * span


def _draw_panel(ax: Axes, panel: KpiPanel, positions: list[int], target_label: str) -> None:
    values = [None if value is None else float(value) for value in panel.values]
    present = [value for value in values if value is not None]
    ax.set_title(f"{panel.title} ({panel.unit})" if panel.unit else panel.title, loc="left", fontsize=10.5)
    low, high = _y_limits(panel, present)
    ax.set_ylim(low, high)
    # Only ticks inside the panel: a locator's ticks beyond it would be laid out (and measured) too.
    ax.yaxis.set_major_locator(
        FixedLocator([tick for tick in MaxNLocator(nbins=4).tick_values(low, high) if low <= tick <= high])
    )
    ax.plot(
        positions,
        [math.nan if value is None else value for value in values],
        color=PALETTE.primary,
        marker="o",
        markersize=3,
        linewidth=1.4,
        zorder=3,
    )
    missed = [(x, value) for x, value in zip(positions, values, strict=True) if panel.misses(value)]
    if missed:
        ax.plot(
            [x for x, _value in missed],
            [value for _x, value in missed],
            linestyle="none",
            marker="o",
            markersize=5.5,
            markerfacecolor=PALETTE.alert,
            markeredgecolor="white",
            zorder=4,
        )
    # Right of the panel: the target and the latest value, pushed apart when they are close.
    labelled: list[tuple[str, float, str]] = []
    if panel.target is not None:
        bounds = [panel.target] if panel.target_high is None else [panel.target, panel.target_high]
        for bound in bounds:
            ax.axhline(bound, color=PALETTE.reference, linestyle="--", linewidth=1.1, zorder=2)
        if panel.target_high is not None:
            ax.axhspan(panel.target, panel.target_high, color=PALETTE.box_fill, zorder=0)
        text = "–".join(panel.value_format.format(bound) for bound in bounds)
        labelled.append((f"{target_label} {text}", sum(bounds) / len(bounds), PALETTE.reference))
    last = next((value for value in reversed(values) if value is not None), None)
    if last is not None:
        colour = PALETTE.alert if panel.misses(last) else PALETTE.primary
        labelled.append((panel.value_format.format(last), last, colour))
    if labelled:
        write_edge_labels(ax, labelled, gap=_LABEL_GAP, low=low, high=high)


def kpi_panels_figure(
    days: Sequence[date],
    panels: Sequence[KpiPanel],
    *,
    title: str,
    tags: Sequence[DayTag] = (),
    target_label: str = "Target",
    missed_label: str = "Missed target",
    tag_label: str = "Tagged day",
    day_format: str = "%m-%d",
) -> Figure:
    """One panel per KPI, stacked on a shared axis of ``days`` (ascending, each panel one value a day).

    Each panel shows its target as a dashed line (a shaded band for a range), days missing it in red
    and the latest value written at its point. Tagged days are shaded in every panel and named once
    above them; the legend explains the marks.
    """
    days = list(days)
    panels = list(panels)
    if not days:
        raise ValueError("A KPI panel chart needs at least one day")
    if not panels:
        raise ValueError("A KPI panel chart needs at least one panel")
    if any(later <= earlier for earlier, later in zip(days, days[1:], strict=False)):
        raise ValueError("Days must be in ascending order without repeats")
    for panel in panels:
        if len(panel.values) != len(days):
            raise ValueError(f"Panel {panel.title!r} has {len(panel.values)} values for {len(days)} days")
    positions = [(day - days[0]).days for day in days]
    last_position = positions[-1]
    in_range = [tag for tag in tags if days[0] <= tag.day <= days[-1]]
    spans = _tag_spans(in_range, days[0])
    points_per_day = _AXES_WIDTH_PT / (last_position + 1)
    rows = _tag_rows(spans, points_per_day)
    row_count = max(rows, default=-1) + 1
    strip_inches = _TAG_ROW_INCHES * row_count

    with house_style():
        fig = figure((_WIDTH_INCHES, 1.3 + PANEL_INCHES * len(panels) + strip_inches))
        ratios = ([strip_inches] if spans else []) + [PANEL_INCHES] * len(panels)
        # Not sharex=True: matplotlib's shared-axes bookkeeping iterates in memory order, which moves
        # the layout by rounding noise and breaks byte-identical SVG. Each panel gets the same limits
        # and ticks instead; only the bottom one labels them.
        axes = list(fig.subplots(len(ratios), 1, height_ratios=ratios, squeeze=False)[:, 0])
        ticks = _day_ticks(days)
        for ax in axes:
            ax.set_xlim(-0.5, last_position + 0.5)
            ax.xaxis.set_major_locator(FixedLocator(ticks))
            if len(positions) > 1:
                ax.xaxis.set_minor_locator(FixedLocator(positions))
            ax.tick_params(axis="x", labelbottom=False)
        strip = axes.pop(0) if spans else None
        for ax, panel in zip(axes, panels, strict=True):
            _draw_panel(ax, panel, positions, target_label)
            for span in spans:
                ax.axvspan(
                    span.first - 0.5, span.last + 0.5, color=PALETTE.grid, alpha=_TAG_SHADE_ALPHA, zorder=0
                )
        if strip is not None:
            strip.set_axis_off()
            strip.set_ylim(row_count, 0)
            for span, row in zip(spans, rows, strict=True):
                strip.axvspan(
                    span.first - 0.5, span.last + 0.5, ymin=0, ymax=1, color=PALETTE.grid, alpha=0.4
                )
                strip.text(
                    span.first - 0.4,
                    row + 0.5,
                    span.label,
                    ha="left",
                    va="center",
                    fontsize=ANNOTATION_SIZE,
                    color=PALETTE.muted_text,
                    clip_on=False,
                )
        bottom = axes[-1]
        bottom.tick_params(axis="x", labelbottom=True)
        bottom.set_xticklabels([(days[0] + timedelta(days=tick)).strftime(day_format) for tick in ticks])
        fig.suptitle(title)

        handles: list[Line2D | Patch] = []
        if any(panel.target is not None for panel in panels):
            handles.append(Line2D([], [], color=PALETTE.reference, linestyle="--", label=target_label))
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markerfacecolor=PALETTE.alert,
                    markeredgecolor="white",
                    markersize=6,
                    label=missed_label,
                )
            )
        if spans:
            handles.append(Patch(color=PALETTE.grid, alpha=_TAG_SHADE_ALPHA, label=tag_label))
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
        _freeze_layout(fig)
    return fig


def _freeze_layout(fig: Figure) -> None:
    """Lay the figure out once and keep the panels where they are, rounded to 1e-6 of the figure.

    With several axes the layout solver's last digit varies between runs (1e-16), and the SVG names
    each axes' clip path by a hash of its exact box: the same data would not give the same SVG.
    """
    engine = fig.get_layout_engine()
    engine.execute(fig)
    boxes = [ax.get_position().bounds for ax in fig.axes]
    fig.set_layout_engine("none")
    for ax, box in zip(fig.axes, boxes, strict=True):
        ax.set_position([round(float(value), 6) for value in box])
