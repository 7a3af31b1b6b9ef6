"""Bar charts: vertical stacked bars with totals (complaint flow) and a horizontal ranking (no Django)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .render import figure
from .style import ANNOTATION_SIZE, PALETTE, TICK_SIZE, house_style
from .wrapping import wrap_label

HEADROOM = 1.15  # the value axis ends 15 % beyond the longest bar, leaving room for its total
# A segment shorter than this share of the axis has no room for its own value inside it.
_MIN_LABELLED_SEGMENT = 0.06
# As in pareto.py: ~0.6 em per display unit never under-estimates Latin text and over-estimates CJK.
_POINTS_PER_UNIT = 0.6 * TICK_SIZE
_Y_AXIS_ALLOWANCE_PT = 70  # the value axis with its tick labels and title
_MAX_NAME_UNITS = 28  # ranking names wrap beyond this width
_RANKING_BAR_INCHES = 0.38
_FOOTNOTE_UNITS = 130  # the footnote under a ranking wraps at this width (a 9-inch figure)


@dataclass(frozen=True)
class BarStack:
    """One layer of a stacked bar chart: its legend label, one value per category, and its colour.

    ``colour`` is a PALETTE field name ("primary", "alert", …) or a literal colour ("#1f5f8b").
    """

    label: str
    values: Sequence[int | float]
    colour: str = "primary"


def _colour(key: str) -> str:
    if key.startswith("#"):
        return key
    try:
        return getattr(PALETTE, key)
    except AttributeError:
        raise ValueError(f"{key!r} is not a colour of the palette") from None


def _category_labels(ax: Axes, labels: Sequence[str], axes_width_pt: float) -> None:
    """Labels wrapped to their slot's width (CJK counted double); rotated when the slots are narrow."""
    slot_units = int(axes_width_pt / max(len(labels), 1) / _POINTS_PER_UNIT) - 1
    ax.set_xticks(range(len(labels)))
    if slot_units >= 8:
        ax.set_xticklabels([wrap_label(label, slot_units) for label in labels])
    else:
        ax.set_xticklabels(
            [wrap_label(label, 16) for label in labels], rotation=35, ha="right", rotation_mode="anchor"
        )
    ax.tick_params(axis="x", length=0)


def stacked_bar_figure(
    categories: Sequence[str],
    stacks: Sequence[BarStack],
    *,
    title: str,
    y_label: str,
    total_format: str = "{:d}",
    subtitle: str = "",
) -> Figure:
    """Vertical bars per category, one coloured segment per stack (first stack at the bottom).

    Each bar's total is written on top with ``total_format``; segments tall enough show their own
    value inside. A legend names the stacks. ``subtitle`` is a smaller line under the title.
    """
    categories = list(categories)
    for stack in stacks:
        if len(stack.values) != len(categories):
            raise ValueError(
                f"Stack {stack.label!r} has {len(stack.values)} values for {len(categories)} bars"
            )
    totals = [sum(stack.values[i] for stack in stacks) for i in range(len(categories))]
    width = min(max(3.0 + 1.1 * len(categories), 8.0), 14.0)
    with house_style():
        fig = figure((width, 5.5))
        ax = fig.add_subplot()
        top = max(max(totals, default=0), 1) * HEADROOM
        ax.set_ylim(0, top)
        ax.set_xlim(-0.6, max(len(categories), 1) - 0.4)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(y_label)
        bottoms = [0] * len(categories)
        for stack in stacks:
            bars = ax.bar(
                range(len(categories)),
                list(stack.values),
                width=0.65,
                bottom=bottoms,
                color=_colour(stack.colour),
                label=stack.label,
                zorder=2,
            )
            ax.bar_label(
                bars,
                labels=[_segment_text(value, top, total_format) for value in stack.values],
                label_type="center",
                fontsize=ANNOTATION_SIZE,
                color="white",
            )
            bottoms = [bottom + value for bottom, value in zip(bottoms, stack.values, strict=True)]
        for position, total in enumerate(totals):
            ax.annotate(
                total_format.format(total),
                xy=(position, total),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=ANNOTATION_SIZE + 0.5,
                color=PALETTE.text,
            )
        _category_labels(ax, categories, width * 72 - _Y_AXIS_ALLOWANCE_PT)
        fig.suptitle(title)
        if subtitle:
            ax.set_title(subtitle, fontsize=TICK_SIZE + 0.5, color=PALETTE.muted_text)
        if stacks:
            handles = [Patch(color=_colour(stack.colour), label=stack.label) for stack in stacks]
            fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig


def _segment_text(value: int | float, axis_top: float, total_format: str) -> str:
    if not value or value / axis_top < _MIN_LABELLED_SEGMENT:
        return ""
    return total_format.format(value)


def ranking_bar_figure(
    names: Sequence[str],
    scores: Sequence[float],
    ranks: Sequence[int],
    *,
    title: str,
    x_label: str,
    highlight: Sequence[bool] = (),
    value_format: str = "{:.2f}",
    footnote: str = "",
) -> Figure:
    """Horizontal bars in the given order (best first), drawn top to bottom, labelled "rank. name".

    Each bar's score is written at its end. Bars whose ``highlight`` flag is set use the accent colour.
    ``footnote`` (e.g. who is not ranked and why) is written under the chart, wrapped.
    """
    names, scores, ranks = list(names), [float(score) for score in scores], list(ranks)
    if not len(names) == len(scores) == len(ranks):
        raise ValueError("names, scores and ranks must have the same length")
    flags = list(highlight) or [False] * len(names)
    if len(flags) != len(names):
        raise ValueError("highlight must have one flag per name")
    note = wrap_label(footnote, _FOOTNOTE_UNITS) if footnote else ""
    note_inches = 0.18 * (note.count("\n") + 1) if note else 0.0
    bars_inches = _RANKING_BAR_INCHES * max(len(names), 2)
    with house_style():
        fig = figure((9.0, 1.4 + bars_inches + note_inches))
        ax = fig.add_subplot()
        if note:
            # As the figure's bottom label, the layout engine makes room for it under the axis title.
            fig.supxlabel(note, x=0.01, ha="left", fontsize=ANNOTATION_SIZE, color=PALETTE.muted_text)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        positions = range(len(names))
        bars = ax.barh(
            positions,
            scores,
            height=0.65,
            color=[PALETTE.accent if flag else PALETTE.primary for flag in flags],
            zorder=2,
        )
        ax.bar_label(
            bars, labels=[value_format.format(score) for score in scores], padding=3, fontsize=ANNOTATION_SIZE
        )
        ax.set_yticks(list(positions))
        ax.set_yticklabels(
            [wrap_label(f"{rank}. {name}", _MAX_NAME_UNITS) for rank, name in zip(ranks, names, strict=True)]
        )
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(names) - 0.5 if names else 0.5, -0.5)  # inverted: the best at the top
        longest = max([*scores, 0.0])
        ax.set_xlim(0, (longest or 1) * HEADROOM)
        ax.set_xlabel(x_label)
        fig.suptitle(title)
    return fig
