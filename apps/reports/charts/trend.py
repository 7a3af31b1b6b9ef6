"""Line trend: one or more series over labelled periods (weeks, sessions), with an optional reference line.

Used by the QA score trend (weekly average against the pass mark), calibration alignment per evaluator
and KPI trends. A value of None is a gap: no point, and the line is broken there rather than drawn
through a period without data.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .control import MIN_LABEL_GAP
from .labels import spread
from .render import figure
from .style import ANNOTATION_SIZE, PALETTE, TICK_SIZE, house_style
from .wrapping import display_width

FIGSIZE = (10.0, 5.0)
# Distinct colours for series, the house primary and accent first. Red is left out: it means
# "marked" (out of tolerance, below target) in every chart.
SERIES_COLOURS = (
    PALETTE.primary,
    PALETTE.accent,
    "#2e8b57",
    "#7b4fa0",
    "#8c564b",
    "#c2185b",
    "#17a2b8",
    "#9e9d24",
    "#5d6d7e",
    "#d4a017",
)
# After every colour is used once, the next series differ by their line style.
_LINE_STYLES = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)))
_Y_AXIS_ALLOWANCE_PT = 90  # the y axis with its tick labels and title, taken from the figure width
# As in pareto.py: DejaVu letters average ~0.6 em, a CJK character counts as two units.
_POINTS_PER_UNIT = 0.6 * TICK_SIZE
_LABEL_PADDING_PT = 8
# Labels rotated by 35° overlap unless their anchors are about line height ÷ sin 35° apart.
_ROTATED_SPACING_PT = 2.2 * TICK_SIZE
_ROTATION = 35


@dataclass(frozen=True)
class TrendSeries:
    """One line: a value per x label (None = no data, a gap) and optional flags drawn as red diamonds."""

    label: str
    values: Sequence[float | None]
    marked: Sequence[bool] = ()


def set_category_ticks(
    ax: Axes, labels: Sequence[str], *, axes_width_pt: float, positions: Sequence[float] | None = None
) -> None:
    """Label the x positions with ``labels``: upright when they fit, else rotated, thinned if even
    rotated labels would touch. Thinning keeps the last (most recent) label."""
    labels = [str(label) for label in labels]
    positions = list(range(len(labels))) if positions is None else list(positions)
    if not labels:
        ax.set_xticks([])
        return
    widest = max(display_width(label) for label in labels) * _POINTS_PER_UNIT + _LABEL_PADDING_PT
    slot = axes_width_pt / len(labels)
    if slot >= widest:
        ax.set_xticks(positions, labels)
        return
    step = max(1, math.ceil(_ROTATED_SPACING_PT / slot))
    shown = sorted(range(len(labels) - 1, -1, -step))
    ax.set_xticks(
        [positions[i] for i in shown],
        [labels[i] for i in shown],
        rotation=_ROTATION,
        ha="right",
        rotation_mode="anchor",
    )


def _as_float(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _last_point(values: Sequence[float | None]) -> tuple[int, float] | None:
    for index in range(len(values) - 1, -1, -1):
        if values[index] is not None:
            return index, float(values[index])
    return None


def _label_last_values(ax: Axes, labelled: list[tuple[int, float, str, str]]) -> None:
    """Write each series' last value right of its last point; labels at one x are pushed apart."""
    bottom, top = ax.get_ylim()
    by_position: dict[int, list[tuple[float, str, str]]] = defaultdict(list)
    for position, value, text, colour in labelled:
        by_position[position].append((value, text, colour))
    for position, group in by_position.items():
        fractions = spread([(value - bottom) / (top - bottom) for value, _, _ in group], MIN_LABEL_GAP)
        for (_value, text, colour), fraction in zip(group, fractions, strict=True):
            ax.annotate(
                text,
                xy=(position, fraction),
                xycoords=("data", "axes fraction"),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                ha="left",
                color=colour,
                fontsize=ANNOTATION_SIZE,
                annotation_clip=False,
                # A white ground keeps the number readable where another series' line passes behind.
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                zorder=5,
            )


def trend_figure(
    x_labels: Sequence[str],
    series: Sequence[TrendSeries],
    *,
    title: str,
    y_label: str,
    x_label: str | None = None,
    reference: tuple[float, str] | None = None,
    y_limits: tuple[float, float] | None = None,
    value_format: str = "{:.1f}",
    marked_label: str | None = None,
) -> Figure:
    """Lines with markers, one per series over ``x_labels``; the last value of each written at its end.

    ``reference`` = (value, label) draws a dashed horizontal line named in the legend (e.g. the pass
    mark). The legend appears with more than one series or a reference line; ``marked_label`` names
    the red diamonds in it.
    """
    x_labels = [str(label) for label in x_labels]
    series = list(series)
    positions = list(range(len(x_labels)))
    with house_style():
        fig = figure(FIGSIZE)
        ax = fig.add_subplot()
        fig.suptitle(title)
        ax.set_ylabel(y_label)
        if x_label:
            ax.set_xlabel(x_label)
        ax.set_xlim(-0.5, max(len(x_labels), 1) - 0.5)
        set_category_ticks(ax, x_labels, axes_width_pt=FIGSIZE[0] * 72 - _Y_AXIS_ALLOWANCE_PT)

        if reference is not None:
            ax.axhline(
                float(reference[0]),
                color=PALETTE.reference,
                linestyle="--",
                linewidth=1.2,
                zorder=1,
                label=reference[1],
            )

        last_values: list[tuple[int, float, str, str]] = []
        marked_named = False
        for number, line in enumerate(series):
            values = list(line.values)[: len(positions)]
            colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
            style = _LINE_STYLES[(number // len(SERIES_COLOURS)) % len(_LINE_STYLES)]
            ax.plot(
                positions[: len(values)],
                [_as_float(value) for value in values],
                color=colour,
                linestyle=style,
                linewidth=1.8,
                marker="o",
                markersize=4.5,
                zorder=3,
                label=line.label,
            )
            flagged = [
                (position, float(value))
                for position, value, marked in zip(positions, values, line.marked, strict=False)
                if marked and value is not None
            ]
            if flagged:
                ax.plot(
                    [x for x, _ in flagged],
                    [y for _, y in flagged],
                    linestyle="none",
                    marker="D",
                    markersize=8,
                    markerfacecolor=PALETTE.alert,
                    markeredgecolor="white",
                    zorder=4,
                    label=marked_label if marked_label and not marked_named else None,
                )
                marked_named = marked_named or bool(marked_label)
            last = _last_point(values)
            if last is not None:
                last_values.append((last[0], last[1], value_format.format(last[1]), colour))

        if y_limits is not None:
            ax.set_ylim(*y_limits)
        _label_last_values(ax, last_values)

        if len(series) > 1 or reference is not None or marked_named:
            handles, names = ax.get_legend_handles_labels()
            # The marker entry goes last, after the reference and the series it applies to.
            entries = sorted(zip(handles, names, strict=True), key=lambda entry: entry[1] == marked_label)
            fig.legend(
                [handle for handle, _ in entries],
                [name for _, name in entries],
                loc="outside lower center",
                ncols=min(len(entries), 4),
            )
    return fig
