"""Pareto chart: counts as bars (vital few highlighted), cumulative percent as a line on a 0–100 % axis."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .render import figure
from .style import ANNOTATION_SIZE, PALETTE, TICK_SIZE, house_style
from .wrapping import longest_word_width, wrap_label

HEADROOM = 1.15  # the count axis ends 15 % above the tallest bar, leaving room for its value label
PERCENT_TICKS = (0, 20, 40, 60, 80, 100)
# DejaVu Sans letters average ~0.6 em; a CJK character is 1 em = 2 display units, so 0.6 em per unit
# over-estimates Chinese and never under-estimates Latin text.
_POINTS_PER_UNIT = 0.6 * TICK_SIZE
_MIN_UPRIGHT_UNITS = 8  # narrower slots get rotated labels instead of one-word-per-line stacks
_ROTATED_UNITS = 16
_Y_AXES_ALLOWANCE_PT = 120  # left count axis + right percent axis, labels included


class ParetoRowLike(Protocol):
    label: str
    count: int
    cumulative_percent: Decimal | float
    vital_few: bool
    is_other: bool


def pareto_figsize(bar_count: int) -> tuple[float, float]:
    return (min(max(3.0 + 0.8 * bar_count, 7.0), 13.0), 5.5)


def count_axis_max(*row_sets: Sequence[ParetoRowLike]) -> float:
    tallest = max((row.count for rows in row_sets for row in rows), default=0)
    return max(tallest, 1) * HEADROOM


def _bar_colour(row: ParetoRowLike) -> str:
    if row.is_other:
        return PALETTE.other
    return PALETTE.primary if row.vital_few else PALETTE.primary_light


def _set_category_labels(ax: Axes, labels: list[str], axes_width_pt: float) -> None:
    slot_units = int(axes_width_pt / max(len(labels), 1) / _POINTS_PER_UNIT) - 1
    ax.set_xticks(range(len(labels)))
    # Upright only when every word fits its slot: "informati / on" is harder to read than a slant.
    longest_word = max((longest_word_width(label) for label in labels), default=0)
    if slot_units >= max(_MIN_UPRIGHT_UNITS, longest_word):
        ax.set_xticklabels([wrap_label(label, slot_units) for label in labels])
    else:
        ax.set_xticklabels(
            [wrap_label(label, _ROTATED_UNITS) for label in labels],
            rotation=35,
            ha="right",
            rotation_mode="anchor",
        )


def draw_pareto(
    ax: Axes,
    rows: Sequence[ParetoRowLike],
    *,
    count_label: str | None,
    cumulative_label: str | None,
    reference_percent: float | None,
    count_max: float,
    axes_width_pt: float,
) -> Axes:
    """Draw a Pareto chart on ``ax``; returns the twin axis holding the cumulative percent."""
    positions = range(len(rows))
    bars = ax.bar(
        positions,
        [row.count for row in rows],
        width=0.7,
        color=[_bar_colour(row) for row in rows],
        zorder=2,
    )
    ax.bar_label(bars, labels=[f"{row.count:,}" for row in rows], padding=2, fontsize=ANNOTATION_SIZE)
    ax.set_ylim(0, count_max)
    ax.set_xlim(-0.6, max(len(rows), 1) - 0.4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _set_category_labels(ax, [row.label for row in rows], axes_width_pt)
    ax.tick_params(axis="x", length=0)
    if count_label:
        ax.set_ylabel(count_label)

    percent_ax = ax.twinx()
    percent_ax.spines["right"].set_visible(True)
    percent_ax.grid(False)
    percent_ax.set_ylim(0, 100)
    percent_ax.set_yticks(PERCENT_TICKS)
    percent_ax.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    if cumulative_label:
        percent_ax.set_ylabel(cumulative_label)
    if reference_percent is not None:
        percent_ax.axhline(reference_percent, color=PALETTE.reference, linestyle="--", linewidth=1, zorder=1)
    percent_ax.plot(
        list(positions),
        [float(row.cumulative_percent) for row in rows],
        color=PALETTE.accent,
        marker="o",
        markersize=5,
        linewidth=1.8,
        clip_on=False,  # the last point sits on 100 % and must not be cut in half
        zorder=3,
    )
    return percent_ax


def pareto_figure(
    rows: Sequence[ParetoRowLike],
    *,
    title: str,
    count_label: str,
    cumulative_label: str,
    reference_percent: float = 80,
    vital_label: str | None = None,
    other_label: str | None = None,
) -> Figure:
    """Pareto chart of ``rows`` (already sorted, e.g. apps.tqm.analysis.ParetoRow).

    ``vital_label`` / ``other_label`` name the strong and light bar colours in a legend (vital few vs
    the rest); the legend is drawn only when ``vital_label`` is given.
    """
    rows = list(rows)
    with house_style():
        figsize = pareto_figsize(len(rows))
        fig = figure(figsize)
        ax = fig.add_subplot()
        draw_pareto(
            ax,
            rows,
            count_label=count_label,
            cumulative_label=cumulative_label,
            reference_percent=reference_percent,
            count_max=count_axis_max(rows),
            axes_width_pt=figsize[0] * 72 - _Y_AXES_ALLOWANCE_PT,
        )
        fig.suptitle(title)
        if vital_label:
            handles = [Patch(color=PALETTE.primary, label=vital_label)]
            if other_label:
                handles.append(Patch(color=PALETTE.primary_light, label=other_label))
            fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig
