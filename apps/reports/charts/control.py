"""p-chart: sample proportions against per-sample control limits (limits vary with each sample's n)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .labels import write_edge_labels
from .render import figure
from .style import PALETTE, house_style

# End-of-line labels ("UCL = 0.12") closer than this fraction of the axis height are pushed apart.
MIN_LABEL_GAP = 0.065
# The 10-inch figure less the y axis on the left and the "UCL = 0.1234" labels on the right.
_LABELLED_AXES_WIDTH_PT = 10.0 * 72 - 170


class ControlPointLike(Protocol):
    index: int
    proportion: Decimal | float
    lcl: Decimal | float
    ucl: Decimal | float
    out_of_control: bool


def _edges(positions: list[float]) -> list[float]:
    """Step edges half-way between neighbouring samples, so each sample's limits span its own slot."""
    if len(positions) == 1:
        return [positions[0] - 0.5, positions[0] + 0.5]
    middles = [(left + right) / 2 for left, right in zip(positions, positions[1:], strict=False)]
    return [
        positions[0] - (middles[0] - positions[0]),
        *middles,
        positions[-1] + (positions[-1] - middles[-1]),
    ]


def _label_limits(ax: Axes, labelled: list[tuple[str, float, str]]) -> None:
    bottom, top = ax.get_ylim()
    write_edge_labels(ax, labelled, gap=MIN_LABEL_GAP, low=bottom, high=top)


def p_chart_figure(
    points: Sequence[ControlPointLike],
    *,
    center_line: Decimal | float,
    title: str,
    proportion_label: str,
    sample_label: str,
    ucl_label: str = "UCL",
    lcl_label: str = "LCL",
    center_label: str = "CL",
    out_of_control_label: str | None = None,
    x_labels: Sequence[str] | None = None,
) -> Figure:
    """p-chart: proportions with markers, stepped UCL/LCL per sample, centre line, flagged points in red.

    The last sample's limits and the centre line are written at the right edge ("UCL = 0.1234", 4 decimals).
    ``out_of_control_label``, when given, adds a legend entry for the red markers. ``x_labels``, one per
    point, name the samples on the x axis (e.g. week keys) instead of their numbers.
    """
    points = list(points)
    center = float(center_line)
    positions = [float(point.index) for point in points]
    proportions = [float(point.proportion) for point in points]
    ucls = [float(point.ucl) for point in points]
    lcls = [float(point.lcl) for point in points]
    with house_style():
        fig = figure((10.0, 5.0))
        ax = fig.add_subplot()
        fig.suptitle(title)
        ax.set_xlabel(sample_label)
        ax.set_ylabel(proportion_label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.axhline(center, color=PALETTE.reference, linewidth=1.2, zorder=1)
        highest = max([*proportions, *ucls, center], default=center)
        lowest = min([*proportions, *lcls, center], default=center)
        span = (highest - lowest) or max(center, 0.01)
        ax.set_ylim(lowest - 0.06 * span, highest + 0.1 * span)
        labelled = [(f"{center_label} = {center:.4f}", center, PALETTE.reference)]
        if points:
            edges = _edges(positions)
            ax.set_xlim(edges[0], edges[-1])
            if x_labels is not None:
                from .trend import set_category_ticks  # trend.py imports this module

                set_category_ticks(ax, x_labels, positions=positions, axes_width_pt=_LABELLED_AXES_WIDTH_PT)
            style = {"color": PALETTE.limit, "linestyle": "--", "linewidth": 1.2, "baseline": None}
            ax.stairs(ucls, edges, **style)
            ax.stairs(lcls, edges, **style)
            ax.plot(positions, proportions, color=PALETTE.primary, marker="o", markersize=4.5, linewidth=1.4)
            flagged = [
                (x, p)
                for x, p, point in zip(positions, proportions, points, strict=True)
                if point.out_of_control
            ]
            if flagged:
                ax.plot(
                    [x for x, _ in flagged],
                    [p for _, p in flagged],
                    linestyle="none",
                    marker="D",
                    markersize=8,
                    markerfacecolor=PALETTE.alert,
                    markeredgecolor="white",
                    zorder=4,
                    label=out_of_control_label,
                )
                if out_of_control_label:
                    ax.legend(loc="best")
            labelled += [
                (f"{ucl_label} = {ucls[-1]:.4f}", ucls[-1], PALETTE.limit),
                (f"{lcl_label} = {lcls[-1]:.4f}", lcls[-1], PALETTE.limit),
            ]
        _label_limits(ax, labelled)
    return fig
