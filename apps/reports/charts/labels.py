"""Text labels written beside a chart's axes, pushed apart so that none overlaps another."""

from __future__ import annotations

from matplotlib.axes import Axes

from .style import ANNOTATION_SIZE


def spread(fractions: list[float], gap: float) -> list[float]:
    """Move sorted label positions apart by at least ``gap``, keeping them inside [0, 1]."""
    order = sorted(range(len(fractions)), key=lambda i: fractions[i])
    placed = [fractions[i] for i in order]
    for k in range(1, len(placed)):
        placed[k] = max(placed[k], placed[k - 1] + gap)
    overflow = placed[-1] - 1 if placed else 0
    if overflow > 0:
        placed = [max(value - overflow, 0) for value in placed]
        for k in range(1, len(placed)):
            placed[k] = max(placed[k], placed[k - 1] + gap)
    result = [0.0] * len(fractions)
    for position, i in enumerate(order):
        result[i] = placed[position]
    return result


def write_edge_labels(
    ax: Axes, labelled: list[tuple[str, float, str]], *, gap: float, low: float, high: float
) -> None:
    """Write (text, value, colour) labels just right of the axes at their values' heights (``low`` and
    ``high`` are the axis limits), moved apart by at least ``gap`` of the axis height."""
    fractions = spread([(value - low) / (high - low) for _text, value, _colour in labelled], gap)
    for (text, _value, colour), fraction in zip(labelled, fractions, strict=True):
        ax.annotate(
            text,
            xy=(1, fraction),
            xycoords="axes fraction",
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            color=colour,
            fontsize=ANNOTATION_SIZE,
            annotation_clip=False,
        )
